import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { handleBackChannelLogout } from '../../src/logout/back-channel.js'
import { validateLogoutToken } from '../../src/logout/logout-token.js'
import { createMemoryReplayGuard } from '../../src/stores/memory.js'
import {
  failingReplayGuard,
  failingSessionStore,
  LEAKED_ARGUMENT,
} from '../support/failing-store.js'
import { assertNoSecrets, expectCode, registerSecret } from '../support/helpers.js'
import {
  BACKCHANNEL_URI,
  createLogoutFixture,
  lastOutcome,
  nextSid,
  post,
} from '../support/logout.js'
import { CLIENT_ID } from '../support/sign-in.js'
import { streamedFormPost } from '../support/streamed-form.js'

describe('the back-channel logout request', async () => {
  const f = await createLogoutFixture()

  test('a sound POST answers 200 with no-store and ends the sessions of its sid', async () => {
    const sid = nextSid()
    const a = await f.signInSession(sid)
    const b = await f.signInSession(sid)
    const other = await f.signInSession(nextSid())
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid })
    const { response, ended, claims, error } = await handleBackChannelLogout(
      f.config,
      post(new URLSearchParams({ logout_token: token }).toString()),
      { sessionStore: f.sessions },
    )
    assert.equal(error, undefined)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.equal(await response.text(), '')
    assert.deepEqual(ended.map((s) => s.id).sort(), [a.sessionId, b.sessionId].sort())
    assert.equal(claims?.sid, sid)
    assert.ok(await f.sessions.get(other.sessionId))
  })

  test('a token with sub only ends every session of the user for this client', async () => {
    const a = await f.signInSession(nextSid())
    const b = await f.signInSession()
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, user: 'alice' })
    const { ended } = await handleBackChannelLogout(
      f.config,
      `logout_token=${encodeURIComponent(token)}`,
      { sessionStore: f.sessions },
    )
    const ids = ended.map((s) => s.id)
    assert.ok(ids.includes(a.sessionId) && ids.includes(b.sessionId))
    assert.equal(await f.sessions.get(b.sessionId), undefined)
  })

  test('a sound token naming no session still answers 200', async () => {
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: 'never-signed-in' })
    const { response, ended } = await handleBackChannelLogout(
      f.config,
      new URLSearchParams({ logout_token: token }),
      { sessionStore: f.sessions },
    )
    assert.equal(response.status, 200)
    assert.deepEqual(ended, [])
  })

  test('a request that is not a form POST with one logout_token is refused with LOGOUT_REQUEST_INVALID', async () => {
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid() })
    registerSecret(token)
    const form = new URLSearchParams({ logout_token: token }).toString()
    const bad: (Request | string | URLSearchParams)[] = [
      new Request(`${BACKCHANNEL_URI}?${form}`),
      post(JSON.stringify({ logout_token: token }), 'application/json'),
      post(''),
      post(`${form}&${form}`),
      post(`${form}&pad=${'x'.repeat(70 * 1024)}`),
      'other=1',
    ]
    for (const input of bad) {
      const { response, error } = await handleBackChannelLogout(f.config, input, {
        sessionStore: f.sessions,
      })
      assert.equal(response.status, 400)
      assert.equal(error?.code, 'LOGOUT_REQUEST_INVALID')
      assertNoSecrets(error)
    }
    const { response } = await handleBackChannelLogout(f.config, post(form), {
      sessionStore: f.sessions,
    })
    assert.equal(response.status, 200)
  })

  test('a token signed with a new key verifies after the OP rotates its keys', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    await f.op.rotateKeys()
    f.clock.now += 10_000
    const delivery = await f.op.backChannelLogout({ clientId: CLIENT_ID, sid })
    assert.equal(delivery.status, 200, lastOutcome(f).error?.message)
    assert.equal(await f.sessions.get(sessionId), undefined)
  })

  test("an issuer that merely starts like the OP's is refused and ends nothing", async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const foreign = await f.op.logoutToken({
      clientId: CLIENT_ID,
      sid,
      claims: { iss: 'https://op.example.com.evil' },
    })
    const out = await handleBackChannelLogout(
      f.config,
      new URLSearchParams({ logout_token: foreign }),
      {
        sessionStore: f.sessions,
      },
    )
    assert.equal(out.error?.code, 'LOGOUT_TOKEN_ISSUER_MISMATCH')
    assert.ok(await f.sessions.get(sessionId))
  })
})

test('an unreachable JWKS answers 400 with the transport error, never a throw; the retry after the cooldown passes', async () => {
  const f = await createLogoutFixture()
  const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid() })
  const body = new URLSearchParams({ logout_token: token })
  f.op.misbehave({ http: { endpoint: 'jwks', kind: 'server-error' } })
  const failed = await handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })
  assert.equal(failed.response.status, 400)
  assert.equal(failed.error?.code, 'HTTP_UNEXPECTED_STATUS')
  f.clock.now += f.config.settings.jwksRefetchCooldownInSeconds * 1000
  const retried = await handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })
  assert.equal(retried.response.status, 200, retried.error?.message)
})

test('while the JWKS is down, 20 unauthenticated back-channel POSTs within the cooldown cause one JWKS request', async () => {
  const f = await createLogoutFixture()
  const bodies = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid() })
      return new URLSearchParams({ logout_token: token })
    }),
  )
  f.op.clearRequests()
  f.op.misbehave({ http: { endpoint: 'jwks', kind: 'server-error' } }, { times: Infinity })
  const jwksRequests = () => f.op.requests.filter((r) => r.endpoint === 'jwks').length
  const concurrent = await Promise.all(
    bodies
      .slice(0, 10)
      .map((body) => handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })),
  )
  for (const body of bodies.slice(10)) {
    const outcome = await handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })
    concurrent.push(outcome)
    f.clock.now += 200
  }
  for (const outcome of concurrent) {
    assert.equal(outcome.response.status, 400)
    assert.equal(outcome.error?.code, 'HTTP_UNEXPECTED_STATUS')
  }
  assert.equal(jwksRequests(), 1)

  // twin: after the cooldown the OP is back and the next POST fetches the JWKS and passes
  f.op.clearMisbehaviour()
  f.clock.now += f.config.settings.jwksRefetchCooldownInSeconds * 1000
  const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid() })
  const passed = await handleBackChannelLogout(
    f.config,
    new URLSearchParams({ logout_token: token }),
    {
      sessionStore: f.sessions,
    },
  )
  assert.equal(passed.response.status, 200, passed.error?.message)
  assert.equal(jwksRequests(), 2)
})

describe('fuzz regressions: the back-channel logout request', async () => {
  const f = await createLogoutFixture()

  test('a POST body that fails mid-stream is LOGOUT_REQUEST_INVALID (400), not a thrown stream error', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, user: 'alice', sid })
    registerSecret(token)
    const form = new URLSearchParams({ logout_token: token }).toString()
    const streamed = (fail: boolean) => streamedFormPost(BACKCHANNEL_URI, form, fail)
    const refused = await handleBackChannelLogout(f.config, streamed(true), {
      sessionStore: f.sessions,
    })
    assert.equal(refused.response.status, 400)
    assert.equal(refused.error?.code, 'LOGOUT_REQUEST_INVALID')
    assert.ok(await f.sessions.get(sessionId), 'the session survives')
    const accepted = await handleBackChannelLogout(f.config, streamed(false), {
      sessionStore: f.sessions,
    })
    assert.equal(accepted.response.status, 200, accepted.error?.message)
    assert.equal(await f.sessions.get(sessionId), undefined)
  })
})

describe('store failures during back-channel logout', async () => {
  test('a failing replay guard (rejecting or throwing) answers 400 with STORE_ERROR, never a raw error; the session kept', async () => {
    for (const synchronous of [false, true]) {
      const f = await createLogoutFixture()
      const sid = nextSid()
      const { sessionId } = await f.signInSession(sid)
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid })
      const out = await handleBackChannelLogout(
        f.config,
        new URLSearchParams({ logout_token: token }),
        {
          sessionStore: f.sessions,
          replayGuard: failingReplayGuard(synchronous),
        },
      )
      assert.equal(out.response.status, 400)
      assert.equal(out.error?.code, 'STORE_ERROR')
      assertNoSecrets(out.error)
      assert.ok(!(await out.response.text()).includes(LEAKED_ARGUMENT))
      assert.ok(await f.sessions.get(sessionId))
    }
  })

  test('a failing session store answers 400 with STORE_ERROR and the validated claims', async () => {
    for (const method of ['findBySid', 'delete'] as const) {
      const f = await createLogoutFixture()
      const sid = nextSid()
      await f.signInSession(sid)
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid })
      const out = await handleBackChannelLogout(
        f.config,
        new URLSearchParams({ logout_token: token }),
        {
          sessionStore: failingSessionStore(f.sessions, [method]),
        },
      )
      assert.equal(out.response.status, 400)
      assert.equal(out.error?.code, 'STORE_ERROR', method)
      assert.equal(out.claims?.sid, sid)
      assert.deepEqual(out.ended, [])
      assertNoSecrets(out.error)
    }
  })

  test('twin: with a working replay guard and session store the same delivery ends the session', async () => {
    const f = await createLogoutFixture()
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid })
    const out = await handleBackChannelLogout(
      f.config,
      new URLSearchParams({ logout_token: token }),
      {
        sessionStore: failingSessionStore(f.sessions, []),
        replayGuard: createMemoryReplayGuard(),
      },
    )
    assert.equal(out.response.status, 200, out.error?.message)
    assert.deepEqual(
      out.ended.map((s) => s.id),
      [sessionId],
    )
  })

  test('a logout token with a far exp is accepted once and remembered no longer than a day after iat', async () => {
    const f = await createLogoutFixture()
    const claimed: number[] = []
    const inner = createMemoryReplayGuard({ now: () => f.clock.now })
    const replayGuard = {
      claim(value: string, expiresAt: number) {
        claimed.push(expiresAt)
        return inner.claim(value, expiresAt)
      },
    }
    const iat = Math.floor(f.clock.now / 1000)
    const token = await f.op.logoutToken({
      clientId: CLIENT_ID,
      sid: nextSid(),
      claims: { exp: 1e18 },
    })
    assert.ok(await validateLogoutToken(f.config, token, { replayGuard }))
    assert.ok(claimed[0]! <= iat + 86_400 + 30, `remembered until ${claimed[0]}`)
    await expectCode(validateLogoutToken(f.config, token, { replayGuard }), 'LOGOUT_TOKEN_REPLAYED')
    const later = (86_400 + 31) * 1000
    f.clock.now += later
    try {
      await expectCode(
        validateLogoutToken(f.config, token, { replayGuard: createMemoryReplayGuard() }),
        'LOGOUT_TOKEN_EXPIRED',
      )
    } finally {
      f.clock.now -= later
    }
  })
})
