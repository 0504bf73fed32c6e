import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration } from '../../src/config/configuration.js'
import { createEndSessionRequest, handlePostLogoutRedirect } from '../../src/logout/rp-initiated.js'
import { expectCode } from '../support/helpers.js'
import { createLogoutFixture, POST_LOGOUT_URI } from '../support/logout.js'
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } from '../support/sign-in.js'

describe('building the end_session URL', async () => {
  const f = await createLogoutFixture()

  test('carries id_token_hint, client_id, the registered post_logout_redirect_uri, a fresh state, ui_locales and logout_hint', async () => {
    const { session } = await f.signInSession('s-1')
    const { url, state, postLogoutRedirectUri } = createEndSessionRequest(f.config, {
      session,
      uiLocales: ['fr-CA', 'en'],
      logoutHint: 'alice@example.com',
    })
    assert.equal(`${url.origin}${url.pathname}`, f.config.provider.end_session_endpoint)
    const params = url.searchParams
    assert.equal(params.get('id_token_hint'), session.idToken)
    assert.equal(params.get('client_id'), CLIENT_ID)
    assert.equal(params.get('post_logout_redirect_uri'), POST_LOGOUT_URI)
    assert.equal(postLogoutRedirectUri, POST_LOGOUT_URI)
    assert.match(state ?? '', /^[\w-]{43}$/)
    assert.equal(params.get('state'), state)
    assert.equal(params.get('ui_locales'), 'fr-CA en')
    assert.equal(params.get('logout_hint'), 'alice@example.com')
    const again = createEndSessionRequest(f.config, { session })
    assert.notEqual(again.state, state)
  })

  test('without a redirect URI no state is sent unless given; an explicit state and idTokenHint are used', () => {
    const bare = createEndSessionRequest(f.config, { postLogoutRedirectUri: null })
    assert.equal(bare.state, undefined)
    assert.deepEqual([...bare.url.searchParams.keys()], ['client_id'])
    const given = createEndSessionRequest(f.config, {
      idTokenHint: 'a.b.c',
      state: 'my-state',
      uiLocales: 'de',
    })
    assert.equal(given.state, 'my-state')
    assert.equal(given.url.searchParams.get('id_token_hint'), 'a.b.c')
    assert.equal(given.url.searchParams.get('ui_locales'), 'de')
    const noState = createEndSessionRequest(f.config, { state: null })
    assert.equal(noState.url.searchParams.has('state'), false)
  })

  test('a post_logout_redirect_uri the client did not register is refused with LOGOUT_REDIRECT_URI_NOT_REGISTERED', async () => {
    await expectCode(
      () => createEndSessionRequest(f.config, { postLogoutRedirectUri: 'https://evil.example/' }),
      'LOGOUT_REDIRECT_URI_NOT_REGISTERED',
    )
    assert.ok(createEndSessionRequest(f.config, { postLogoutRedirectUri: POST_LOGOUT_URI }))
  })

  test('an OP without end_session_endpoint is refused with ENDPOINT_MISSING', async () => {
    const g = await createLogoutFixture({ clientInput: {} })
    const metadata = { ...g.config.provider } as Record<string, unknown>
    delete metadata.end_session_endpoint
    const { createConfiguration } = await import('../../src/config/configuration.js')
    const config = createConfiguration(metadata, {
      client_id: CLIENT_ID,
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'none',
    })
    await expectCode(() => createEndSessionRequest(config), 'ENDPOINT_MISSING')
    assert.ok(createEndSessionRequest(g.config))
  })

  test('options of the wrong type are refused with INVALID_ARGUMENT', async () => {
    await expectCode(
      () => createEndSessionRequest(f.config, { idTokenHint: '' }),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      () => createEndSessionRequest(f.config, { logoutHint: 5 as never }),
      'INVALID_ARGUMENT',
    )
  })
})

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
