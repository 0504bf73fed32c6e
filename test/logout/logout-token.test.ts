import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jose'
import type { ValidationErrorCode } from '../../src/errors.js'
import { handleBackChannelLogout } from '../../src/logout/back-channel.js'
import { BACKCHANNEL_LOGOUT_EVENT, validateLogoutToken } from '../../src/logout/logout-token.js'
import { createMemoryReplayGuard } from '../../src/stores/memory.js'
import type { LogoutTokenFault } from '../../src/testing/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import {
  createLogoutFixture,
  lastOutcome,
  nextSid,
  refusedThenAccepted,
} from '../support/logout.js'
import { CLIENT_ID } from '../support/sign-in.js'

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
