import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { base64url } from 'jose'
import { createConfiguration } from '../../src/config/configuration.js'
import type { ErrorCode } from '../../src/errors.js'
import { validateIdToken } from '../../src/id-token.js'
import { type AudienceErrorCodes, decodeJws, isCompactJwe } from '../../src/lib/jwt.js'
import { BACKCHANNEL_LOGOUT_EVENT, validateLogoutToken } from '../../src/logout/logout-token.js'
import { client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'
import { safeSigningKeys } from '../support/unsafe-keys.js'

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
const jws = (header: unknown, payload: unknown, signature = 'c2ln') =>
  `${encode(header)}.${encode(payload)}.${signature}`

describe('decodeJws', () => {
  it('decodes the header and claims of a compact JWS once', () => {
    const decoded = decodeJws(jws({ alg: 'RS256', kid: 'k' }, { sub: 'alice' }), 1000, 'JWT')
    assert.deepEqual(decoded.header, { alg: 'RS256', kid: 'k' })
    assert.deepEqual(decoded.claims, { sub: 'alice' })
  })

  it('accepts an empty signature (alg none) but not an empty payload', async () => {
    assert.equal(decodeJws(jws({ alg: 'none' }, { a: 1 }, ''), 1000, 'JWT').header.alg, 'none')
    await expectCode(() => decodeJws(`${encode({ alg: 'none' })}..`, 1000, 'JWT'), 'JWT_MALFORMED')
  })

  it('refuses a header without a string alg or with a non-string kid', async () => {
    await expectCode(() => decodeJws(jws({ alg: 1 }, {}), 1000, 'JWT'), 'JWT_MALFORMED')
    await expectCode(
      () => decodeJws(jws({ alg: 'RS256', kid: {} }, {}), 1000, 'JWT'),
      'JWT_MALFORMED',
    )
  })

  it('decodes UTF-8 claims', () => {
    const decoded = decodeJws(jws({ alg: 'RS256' }, { name: 'Zoë 日本 🙂' }), 1000, 'JWT')
    assert.equal(decoded.claims.name, 'Zoë 日本 🙂')
  })

  it('refuses invalid UTF-8 in a segment', async () => {
    const bad = `${encode({ alg: 'RS256' })}.${base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d]))}.c2ln`
    await expectCode(() => decodeJws(bad, 1000, 'JWT'), 'JWT_MALFORMED')
  })

  it('checks the length limit before anything else', async () => {
    const token = jws({ alg: 'RS256' }, { sub: 'alice' })
    assert.equal(decodeJws(token, token.length, 'JWT').claims.sub, 'alice')
    await expectCode(() => decodeJws(token, token.length - 1, 'JWT'), 'JWT_TOO_LARGE')
    await expectCode(() => decodeJws('x'.repeat(50), 10, 'JWT'), 'JWT_TOO_LARGE')
  })

  it('refuses any crit header', async () => {
    await expectCode(
      () => decodeJws(jws({ alg: 'RS256', crit: ['b64'], b64: false }, {}), 1000, 'JWT'),
      'JWT_CRIT_UNSUPPORTED',
    )
  })
})

describe('isCompactJwe', () => {
  it('tells five segments from three', () => {
    assert.equal(isCompactJwe('a.b.c.d.e'), true)
    assert.equal(isCompactJwe('a..c.d.e'), true)
    assert.equal(isCompactJwe('a.b.c'), false)
    assert.equal(isCompactJwe('a.b.c.d.e.f'), false)
  })
})

describe('fuzz regressions: decodeJws', () => {
  it('claims nested deeper than 64 levels are JWT_MALFORMED (JSON.stringify of 5,000 levels overflows the stack)', async () => {
    const nested = (levels: number) =>
      `${encode({ alg: 'RS256' })}.${base64url.encode(`{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`)}.c2ln`
    await expectCode(() => decodeJws(nested(6000), 100_000, 'JWT'), 'JWT_MALFORMED')
    await expectCode(() => decodeJws(nested(65), 100_000, 'JWT'), 'JWT_MALFORMED')
    assert.ok(Array.isArray(decodeJws(nested(64), 100_000, 'JWT').claims.a))
  })
})

describe('checkAudience: one audience rule for ID tokens and logout tokens', () => {
  const NOW = 1_700_000_000
  const TRUSTED = 'https://trusted-api.example'
  const UNTRUSTED = 'https://untrusted.example'
  const key = safeSigningKeys()[0]!
  const fetch: typeof globalThis.fetch = async () =>
    new Response(JSON.stringify({ keys: [key.jwk] }), {
      headers: { 'content-type': 'application/json' },
    })
  const config = createConfiguration(
    providerMetadata(),
    { ...client, id_token_signed_response_alg: 'RS256', trusted_audiences: [TRUSTED] },
    { fetch, now: () => NOW * 1000 },
  )
  const id = client.client_id
  /** aud and azp → the kind of refusal, or `ok`. */
  const cases: [string, Record<string, unknown>, keyof AudienceErrorCodes | 'ok'][] = [
    ['aud = client_id', { aud: id }, 'ok'],
    ['aud = [client_id]', { aud: [id] }, 'ok'],
    ['aud = [client_id, trusted], azp = client_id', { aud: [id, TRUSTED], azp: id }, 'ok'],
    ['no aud', {}, 'mismatch'],
    ['aud without the client_id', { aud: [TRUSTED] }, 'mismatch'],
    ['aud = [client_id, untrusted]', { aud: [id, UNTRUSTED] }, 'untrusted'],
    [
      'aud = [client_id, untrusted], foreign azp',
      { aud: [id, UNTRUSTED], azp: UNTRUSTED },
      'untrusted',
    ],
    ['aud = [client_id, trusted] without azp', { aud: [id, TRUSTED] }, 'azp'],
    ['aud = client_id, foreign azp', { aud: id, azp: TRUSTED }, 'azp'],
    ['aud = 7', { aud: 7 }, 'invalid'],
    ['azp = 7', { aud: id, azp: 7 }, 'invalid'],
  ]
  const idCodes: Record<string, ErrorCode> = {
    mismatch: 'ID_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'ID_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'ID_TOKEN_AZP_MISMATCH',
    invalid: 'ID_TOKEN_CLAIM_INVALID',
  }
  const logoutCodes: Record<string, ErrorCode> = {
    mismatch: 'LOGOUT_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'LOGOUT_TOKEN_AZP_MISMATCH',
    invalid: 'LOGOUT_TOKEN_CLAIM_INVALID',
  }

  let jti = 0
  for (const [name, claims, verdict] of cases) {
    it(`${name}: ${verdict === 'ok' ? 'accepted' : `refused (${verdict})`} by both the ID token and the logout token`, async () => {
      const idToken = key.sign({
        iss: config.issuer,
        sub: 'alice',
        iat: NOW,
        exp: NOW + 60,
        ...claims,
      })
      const logoutToken = key.sign({
        iss: config.issuer,
        iat: NOW,
        jti: `jti-${++jti}`,
        sid: 's',
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        ...claims,
      })
      const validated = [
        validateIdToken(config, idToken, { source: 'token' }),
        validateLogoutToken(config, logoutToken),
      ]
      if (verdict === 'ok') {
        for (const result of validated) assert.deepEqual((await result).aud, claims.aud)
        return
      }
      await expectCode(validated[0]!, idCodes[verdict]!)
      await expectCode(validated[1]!, logoutCodes[verdict]!)
    })
  }
})
