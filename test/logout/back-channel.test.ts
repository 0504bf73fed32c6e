import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jose'
import type { ValidationErrorCode } from '../../src/errors.js'
import {
  type BackChannelLogoutResult,
  handleBackChannelLogout,
} from '../../src/logout/back-channel.js'
import { BACKCHANNEL_LOGOUT_EVENT, validateLogoutToken } from '../../src/logout/logout-token.js'
import { createMemoryReplayGuard } from '../../src/stores/memory.js'
import type { LogoutTokenFault } from '../../src/testing/index.js'
import {
  failingReplayGuard,
  failingSessionStore,
  LEAKED_ARGUMENT,
} from '../support/failing-store.js'
import { assertNoSecrets, expectCode, registerSecret } from '../support/helpers.js'
import { BACKCHANNEL_URI, createLogoutFixture, type LogoutFixture } from '../support/logout.js'
import { CLIENT_ID } from '../support/sign-in.js'

let counter = 0
/** A fresh OP session id per test. */
const nextSid = () => `op-session-${++counter}`

function lastOutcome(f: LogoutFixture): BackChannelLogoutResult {
  const outcome = f.handled.at(-1)
  assert.ok(outcome, 'the RP handled a request')
  return outcome as BackChannelLogoutResult
}

/** A POST of a form body to the back-channel URI. */
function post(body: string, type = 'application/x-www-form-urlencoded'): Request {
  return new Request(BACKCHANNEL_URI, { method: 'POST', headers: { 'content-type': type }, body })
}

/**
 * Signs alice in, has the OP send a broken logout token, checks the refusal (400, JSON error,
 * no-store, typed code, nothing leaked, the session kept), then the passing twin: the same
 * delivery without the fault ends the session.
 */
async function refusedThenAccepted(
  f: LogoutFixture,
  fault: LogoutTokenFault,
  code: ValidationErrorCode,
): Promise<void> {
  const sid = nextSid()
  const { sessionId } = await f.signInSession(sid)
  const bad = await f.op.backChannelLogout({ clientId: CLIENT_ID, user: 'alice', sid, fault })
  registerSecret(bad.logoutToken)
  const outcome = lastOutcome(f)
  assert.equal(outcome.error?.code, code, outcome.error?.message)
  assertNoSecrets(outcome.error)
  assert.equal(bad.status, 400)
  assert.equal(bad.response?.headers.get('cache-control'), 'no-store')
  assert.equal(bad.response?.headers.get('content-type'), 'application/json')
  const text = (await bad.response?.text()) ?? ''
  assert.equal(JSON.parse(text).error, 'invalid_request')
  assert.ok(!text.includes(bad.logoutToken ?? '-'), 'the body does not echo the token')
  assert.deepEqual(outcome.ended, [])
  assert.ok(await f.sessions.get(sessionId), 'the session survives a refused token')

  const good = await f.op.backChannelLogout({ clientId: CLIENT_ID, user: 'alice', sid })
  assert.equal(good.status, 200, lastOutcome(f).error?.message)
  assert.deepEqual(
    lastOutcome(f).ended.map((s) => s.id),
    [sessionId],
  )
  assert.equal(await f.sessions.get(sessionId), undefined)
}

describe('OIDF back-channel logout tokens', async () => {
  const f = await createLogoutFixture()
  const cases: [string, LogoutTokenFault, ValidationErrorCode][] = [
    ['rp-backchannel-rpinitlogout-lt-alg-none', 'alg-none', 'LOGOUT_TOKEN_ALG_NOT_ALLOWED'],
    ['rp-backchannel-rpinitlogout-lt-no-event', 'no-event', 'LOGOUT_TOKEN_EVENT_INVALID'],
    ['rp-backchannel-rpinitlogout-lt-with-nonce', 'with-nonce', 'LOGOUT_TOKEN_NONCE_PRESENT'],
    ['rp-backchannel-rpinitlogout-lt-wrong-alg', 'wrong-alg', 'LOGOUT_TOKEN_ALG_NOT_ALLOWED'],
    ['rp-backchannel-rpinitlogout-lt-wrong-aud', 'wrong-aud', 'LOGOUT_TOKEN_AUDIENCE_MISMATCH'],
    ['rp-backchannel-rpinitlogout-lt-wrong-event', 'wrong-event', 'LOGOUT_TOKEN_EVENT_INVALID'],
    ['rp-backchannel-rpinitlogout-lt-wrong-issuer', 'wrong-issuer', 'LOGOUT_TOKEN_ISSUER_MISMATCH'],
  ]
  for (const [id, fault, code] of cases) {
    test(`${id}: refused with ${code}, the session kept; the sound token ends it`, () =>
      refusedThenAccepted(f, fault, code))
  }
})

describe('more logout token checks', async () => {
  const f = await createLogoutFixture()
  const cases: [LogoutTokenFault, ValidationErrorCode][] = [
    ['bad-signature', 'LOGOUT_TOKEN_SIGNATURE_INVALID'],
    ['event-not-object', 'LOGOUT_TOKEN_EVENT_INVALID'],
    ['no-jti', 'LOGOUT_TOKEN_JTI_MISSING'],
    ['no-iat', 'LOGOUT_TOKEN_IAT_INVALID'],
    ['iat-in-future', 'LOGOUT_TOKEN_IAT_INVALID'],
    ['expired', 'LOGOUT_TOKEN_EXPIRED'],
    ['no-sid-no-sub', 'LOGOUT_TOKEN_SUBJECT_MISSING'],
    ['wrong-typ', 'LOGOUT_TOKEN_TYPE_INVALID'],
  ]
  for (const [fault, code] of cases) {
    test(`a logout token with fault ${fault} is refused with ${code}`, () =>
      refusedThenAccepted(f, fault, code))
  }

  test('a replayed logout token (same jti) is refused with LOGOUT_TOKEN_REPLAYED', async () => {
    const sid = nextSid()
    await f.signInSession(sid)
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid })
    const body = new URLSearchParams({ logout_token: token })
    const first = await handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })
    assert.equal(first.response.status, 200)
    assert.equal(first.ended.length, 1)
    const again = await handleBackChannelLogout(f.config, body, { sessionStore: f.sessions })
    assert.equal(again.response.status, 400)
    assert.equal(again.error?.code, 'LOGOUT_TOKEN_REPLAYED')
  })

  test('claims of the wrong type are refused with LOGOUT_TOKEN_CLAIM_INVALID', async () => {
    const sid = nextSid()
    await f.signInSession(sid)
    for (const claims of [{ sid: 42 }, { sub: '' }, { aud: 7 }, { exp: 'soon' }]) {
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, user: 'alice', sid, claims })
      await expectCode(validateLogoutToken(f.config, token), 'LOGOUT_TOKEN_CLAIM_INVALID')
    }
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, user: 'alice', sid })
    assert.equal((await validateLogoutToken(f.config, token)).sid, sid)
  })

  test('typ logout+jwt, application/logout+jwt, JWT or none at all are accepted', async () => {
    for (const typ of ['logout+jwt', 'application/logout+jwt', 'JWT', undefined]) {
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid(), header: { typ } })
      const claims = await validateLogoutToken(f.config, token)
      assert.deepEqual(claims.events, { [BACKCHANNEL_LOGOUT_EVENT]: {} })
    }
  })

  test('an audience without the client_id is refused with LOGOUT_TOKEN_AUDIENCE_MISMATCH', async () => {
    const other = await f.op.logoutToken({
      clientId: CLIENT_ID,
      sid: nextSid(),
      claims: { aud: ['https://another.example'] },
    })
    await expectCode(validateLogoutToken(f.config, other), 'LOGOUT_TOKEN_AUDIENCE_MISMATCH')
  })

  test('without exp, a token is accepted for maxAgeInSeconds after iat', async () => {
    const token = await f.op.logoutToken({
      clientId: CLIENT_ID,
      sid: nextSid(),
      claims: { exp: undefined },
    })
    const guard = createMemoryReplayGuard({ now: () => f.clock.now })
    assert.equal(
      (await validateLogoutToken(f.config, token, { replayGuard: guard })).exp,
      undefined,
    )
    const later = (300 + 31) * 1000
    f.clock.now += later
    try {
      await expectCode(
        validateLogoutToken(f.config, token, { replayGuard: createMemoryReplayGuard() }),
        'LOGOUT_TOKEN_EXPIRED',
      )
      const fresh = await f.op.logoutToken({
        clientId: CLIENT_ID,
        sid: nextSid(),
        claims: { exp: undefined },
      })
      assert.ok(await validateLogoutToken(f.config, fresh, { maxAgeInSeconds: 60 }))
    } finally {
      f.clock.now -= later
    }
  })

  test('a malformed token is refused with JWT_MALFORMED, a bad option throws INVALID_ARGUMENT', async () => {
    await expectCode(validateLogoutToken(f.config, 'not-a-jwt'), 'JWT_MALFORMED')
    await expectCode(validateLogoutToken(f.config, 42 as never), 'JWT_MALFORMED')
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid() })
    await expectCode(
      handleBackChannelLogout(f.config, new URLSearchParams({ logout_token: token }), {
        sessionStore: f.sessions,
        maxAgeInSeconds: 0,
      }),
      'INVALID_ARGUMENT',
    )
    assert.ok(await validateLogoutToken(f.config, token))
  })
})

describe('the logout token audience is validated as for ID tokens (Back-Channel Logout §2.6)', async () => {
  const UNTRUSTED = 'https://untrusted.example'
  const TRUSTED = 'https://trusted-api.example'
  const f = await createLogoutFixture({ clientInput: { trusted_audiences: [TRUSTED] } })

  /** The OP's back-channel delivery with these claims, for a fresh signed-in session. */
  async function deliver(claims: Record<string, unknown>) {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const delivery = await f.op.backChannelLogout({ clientId: CLIENT_ID, sid, claims })
    return { delivery, outcome: lastOutcome(f), sessionId }
  }

  for (const [label, azp] of [
    ['without azp', undefined],
    ['with a foreign azp', UNTRUSTED],
  ] as const) {
    test(`aud [client_id, an untrusted audience] ${label} is refused with LOGOUT_TOKEN_UNTRUSTED_AUDIENCE, the session kept`, async () => {
      const { delivery, outcome, sessionId } = await deliver({ aud: [CLIENT_ID, UNTRUSTED], azp })
      assert.equal(delivery.status, 400)
      assert.equal(outcome.error?.code, 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE', outcome.error?.message)
      assert.deepEqual(outcome.ended, [])
      assert.ok(await f.sessions.get(sessionId))
    })
  }

  test('twin: aud [client_id] and aud client_id are accepted and end the session', async () => {
    for (const aud of [[CLIENT_ID], CLIENT_ID]) {
      const { delivery, outcome, sessionId } = await deliver({ aud })
      assert.equal(delivery.status, 200, outcome.error?.message)
      assert.equal(await f.sessions.get(sessionId), undefined)
    }
  })

  test('twin: a trusted extra audience (trusted_audiences) with azp = client_id is accepted', async () => {
    const { delivery, outcome, sessionId } = await deliver({
      aud: [CLIENT_ID, TRUSTED],
      azp: CLIENT_ID,
    })
    assert.equal(delivery.status, 200, outcome.error?.message)
    assert.equal(await f.sessions.get(sessionId), undefined)
  })

  test('several audiences without azp, or a foreign azp, are refused with LOGOUT_TOKEN_AZP_MISMATCH', async () => {
    for (const claims of [
      { aud: [CLIENT_ID, TRUSTED] },
      { aud: [CLIENT_ID, TRUSTED], azp: TRUSTED },
      { aud: CLIENT_ID, azp: UNTRUSTED },
    ]) {
      const { outcome, sessionId } = await deliver(claims)
      assert.equal(outcome.error?.code, 'LOGOUT_TOKEN_AZP_MISMATCH', JSON.stringify(claims))
      assert.ok(await f.sessions.get(sessionId))
    }
  })

  test('aud or azp of the wrong type is refused with LOGOUT_TOKEN_CLAIM_INVALID', async () => {
    for (const claims of [{ aud: [CLIENT_ID, 7] }, { aud: CLIENT_ID, azp: 7 }]) {
      const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: nextSid(), claims })
      await expectCode(validateLogoutToken(f.config, token), 'LOGOUT_TOKEN_CLAIM_INVALID')
    }
  })
})

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

describe('encrypted logout tokens', async () => {
  const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true })
  const privateJwk = {
    ...(await exportJWK(pair.privateKey)),
    kid: 'enc-1',
    alg: 'RSA-OAEP-256',
    use: 'enc',
  }
  const publicJwk = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'enc-1',
    alg: 'RSA-OAEP-256',
    use: 'enc',
  }
  registerSecret(privateJwk.d)
  const f = await createLogoutFixture({
    client: { id_token_encrypted_response_alg: 'RSA-OAEP-256', jwks: { keys: [publicJwk] } },
    clientInput: {
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A128GCM',
      keys: [privateJwk],
    },
  })

  test('a logout token encrypted like the ID tokens is decrypted and ends the session', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const delivery = await f.op.backChannelLogout({ clientId: CLIENT_ID, sid })
    assert.equal(delivery.logoutToken?.split('.').length, 5)
    assert.equal(delivery.status, 200, lastOutcome(f).error?.message)
    assert.equal(await f.sessions.get(sessionId), undefined)
  })

  test('an unencrypted token is refused with LOGOUT_TOKEN_DECRYPTION_FAILED when encryption is registered', async () => {
    const plain = await f.op.signJwt({
      iss: f.op.issuer,
      aud: CLIENT_ID,
      iat: Math.floor(f.clock.now / 1000),
      jti: 'plain-1',
      sid: 'x',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    })
    await expectCode(validateLogoutToken(f.config, plain), 'LOGOUT_TOKEN_DECRYPTION_FAILED')
  })

  test('an encrypted token is refused with LOGOUT_TOKEN_DECRYPTION_FAILED when none is registered', async () => {
    const g = await createLogoutFixture()
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: 'x' })
    await expectCode(validateLogoutToken(g.config, token), 'LOGOUT_TOKEN_DECRYPTION_FAILED')
  })
})

describe('fuzz regressions: the back-channel logout request', async () => {
  const f = await createLogoutFixture()

  test('a POST body that fails mid-stream is LOGOUT_REQUEST_INVALID (400), not a thrown stream error', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, user: 'alice', sid })
    registerSecret(token)
    const form = new URLSearchParams({ logout_token: token }).toString()
    const streamed = (fail: boolean) => {
      let sent = false
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true
            controller.enqueue(new TextEncoder().encode(form))
          } else if (fail) controller.error(new Error('connection reset'))
          else controller.close()
        },
      })
      return new Request(BACKCHANNEL_URI, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        duplex: 'half',
      } as RequestInit)
    }
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
