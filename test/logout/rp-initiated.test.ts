import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration } from '../../src/config/configuration.js'
import { createEndSessionRequest } from '../../src/logout/end-session-request.js'
import { handlePostLogoutRedirect } from '../../src/logout/rp-initiated.js'
import { expectCode } from '../support/helpers.js'
import { createLogoutFixture, POST_LOGOUT_URI } from '../support/logout.js'
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } from '../support/sign-in.js'

describe('RP-initiated logout through the mock OP', async () => {
  const f = await createLogoutFixture()

  test('rp-init-logout: the OP redirects to the post-logout URI with the state, which checks', async () => {
    const { session } = await f.signInSession('s-init')
    const { url, state } = createEndSessionRequest(f.config, { session })
    const response = await f.op.fetch(url)
    assert.equal(response.status, 302)
    const back = new URL(response.headers.get('location') ?? '')
    assert.equal(`${back.origin}${back.pathname}`, POST_LOGOUT_URI)
    assert.deepEqual(
      await handlePostLogoutRedirect(f.config, new Request(back), { expectedState: state }),
      { state },
    )
  })

  test('rp-init-logout-no-state: a return without the state sent is refused with LOGOUT_STATE_MISSING', async () => {
    const { state } = createEndSessionRequest(f.config)
    await expectCode(
      handlePostLogoutRedirect(f.config, POST_LOGOUT_URI, { expectedState: state }),
      'LOGOUT_STATE_MISSING',
    )
    await handlePostLogoutRedirect(f.config, `${POST_LOGOUT_URI}?state=${state}`, {
      expectedState: state,
    })
  })

  test('rp-init-logout-other-state: a return with another state is refused with LOGOUT_STATE_MISMATCH', async () => {
    const { state } = createEndSessionRequest(f.config)
    const other = createEndSessionRequest(f.config).state
    await expectCode(
      handlePostLogoutRedirect(f.config, new URL(`${POST_LOGOUT_URI}?state=${other}`), {
        expectedState: state,
      }),
      'LOGOUT_STATE_MISMATCH',
    )
    const repeated = `${POST_LOGOUT_URI}?state=${state}&state=${state}`
    await expectCode(
      handlePostLogoutRedirect(f.config, repeated, { expectedState: state }),
      'LOGOUT_STATE_MISMATCH',
    )
    const unasked = new URLSearchParams({ state: 'x' })
    await expectCode(
      handlePostLogoutRedirect(f.config, unasked, { expectedState: undefined }),
      'LOGOUT_STATE_MISMATCH',
    )
    assert.deepEqual(
      await handlePostLogoutRedirect(f.config, POST_LOGOUT_URI, { expectedState: undefined }),
      { state: undefined },
    )
  })

  test('rp-backchannel-rpinitlogout: end_session makes the OP send a logout token that ends the session', async () => {
    const { session, sessionId } = await f.signInSession('s-bc')
    const { url, state } = createEndSessionRequest(f.config, { session })
    const before = f.op.deliveries.length
    const response = await f.op.fetch(url)
    assert.equal(response.status, 302)
    const sent = f.op.deliveries.slice(before)
    const back = sent.find((d) => d.channel === 'back-channel')
    assert.equal(back?.status, 200)
    assert.equal(await f.sessions.get(sessionId), undefined)
    const ended = f.handled.flatMap((h) => h.ended.map((s) => s.id))
    assert.ok(ended.includes(sessionId))
    await handlePostLogoutRedirect(f.config, response.headers.get('location') ?? '', {
      expectedState: state,
    })
  })

  test('rp-frontchannel-rpinitlogout: end_session loads the front-channel URI with iss and sid, which ends the session', async () => {
    const g = await createLogoutFixture({ client: { backchannel_logout_uri: undefined } })
    const { session, sessionId } = await g.signInSession('s-fc')
    const { url } = createEndSessionRequest(g.config, { session })
    assert.equal((await g.op.fetch(url)).status, 302)
    assert.deepEqual(
      g.op.deliveries.map((d) => d.channel),
      ['front-channel'],
    )
    const [front] = g.op.deliveries
    const called = new URL(front?.url ?? '')
    assert.equal(called.searchParams.get('sid'), 's-fc')
    assert.equal(called.searchParams.get('iss'), g.op.issuer)
    assert.equal(front?.status, 200)
    assert.equal(await g.sessions.get(sessionId), undefined)
  })
})

describe('logout input limits come from the settings', async () => {
  const f = await createLogoutFixture()
  const withLimits = (settings: { maxCallbackParameters?: number; maxCallbackBytes?: number }) =>
    createConfiguration(
      f.op.metadata(),
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] },
      { fetch: f.op.fetch, ...settings },
    )
  const redirect = `${POST_LOGOUT_URI}?state=s-1&extra=1&more=2`

  test('more parameters than maxCallbackParameters, or a longer redirect than maxCallbackBytes, is refused', async () => {
    const few = withLimits({ maxCallbackParameters: 2 })
    await expectCode(
      handlePostLogoutRedirect(few, redirect, { expectedState: 's-1' }),
      'LOGOUT_STATE_MISMATCH',
    )
    const short = withLimits({ maxCallbackBytes: redirect.length - 1 })
    await expectCode(
      handlePostLogoutRedirect(short, redirect, { expectedState: 's-1' }),
      'LOGOUT_STATE_MISMATCH',
    )
  })

  test('twin: within the limits the same redirect is read', async () => {
    const fits = withLimits({ maxCallbackParameters: 3, maxCallbackBytes: redirect.length })
    assert.deepEqual(await handlePostLogoutRedirect(fits, redirect, { expectedState: 's-1' }), {
      state: 's-1',
    })
  })
})
