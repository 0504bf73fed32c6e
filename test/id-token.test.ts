import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  base64url,
  CompactEncrypt,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import type { ClientInput } from '../src/config/client.js'
import { type Configuration, createConfiguration } from '../src/config/configuration.js'
import { validateSettings } from '../src/config/settings.js'
import { discover } from '../src/discovery.js'
import type { ValidationError } from '../src/errors.js'
import { expectNoNonce, type IdTokenExpectations, validateIdToken } from '../src/id-token.js'
import { createMockOP } from '../src/testing/index.js'
import { expectCode, registerSecret } from './support/helpers.js'

/** The default `Settings.maxJwtLength`. */
const MAX_ID_TOKEN_LENGTH = validateSettings({}).maxJwtLength
const ISSUER = 'https://op.example.com'
const CLIENT_ID = 'client-1'
const SECRET = 's3cr3t-client-secret-value'
const OTHER_SECRET = 'another-client-secret-value'
const NONCE = 'n-0S6_WzA2Mj'
const T0 = 1_800_000_000_000
const NOW = T0 / 1000

interface OpKey {
  readonly alg: string
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

async function makeKey(alg: string, kid: string): Promise<OpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(publicKey)
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } }
}

const rs256 = await makeKey('RS256', 'rs-1')
const rs256b = await makeKey('RS256', 'rs-2')
const rs256c = await makeKey('RS256', 'rs-3')
const es256 = await makeKey('ES256', 'es-1')
const es384 = await makeKey('ES384', 'es384-1')
const ps256 = await makeKey('PS256', 'ps-1')
const eddsa = await makeKey('EdDSA', 'ed-1')
const attacker = await makeKey('RS256', 'rs-1')

interface Harness {
  readonly config: Configuration
  readonly state: { now: number; published: OpKey[]; jwksFetches: number; urls: string[] }
}

const BASE_METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  response_types_supported: ['code', 'id_token', 'id_token token', 'code id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'HS256'],
}

function harness(
  options: {
    client?: Partial<ClientInput>
    metadata?: Record<string, unknown>
    published?: OpKey[]
    jwksRefetchCooldownInSeconds?: number
  } = {},
): Harness {
  const state = {
    now: T0,
    published: options.published ?? [rs256, es256, es384, ps256, eddsa],
    jwksFetches: 0,
    urls: [] as string[],
  }
  const metadata = { ...BASE_METADATA, ...options.metadata }
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input)
    state.urls.push(url)
    if (url === metadata.jwks_uri) {
      state.jwksFetches++
      return Response.json({ keys: state.published.map((k) => k.publicJwk) })
    }
    if (url === `${ISSUER}/.well-known/openid-configuration`) return Response.json(metadata)
    return new Response('not found', { status: 404 })
  }
  const client = {
    client_id: CLIENT_ID,
    client_secret: SECRET,
    redirect_uris: ['https://rp.example/cb'],
    ...options.client,
  } as ClientInput
  const config = createConfiguration(metadata, client, {
    fetch,
    now: () => state.now,
    ...(options.jwksRefetchCooldownInSeconds === undefined
      ? {}
      : { jwksRefetchCooldownInSeconds: options.jwksRefetchCooldownInSeconds }),
  })
  return { config, state }
}

function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    sub: 'alice',
    aud: CLIENT_ID,
    exp: NOW + 600,
    iat: NOW,
    nonce: NONCE,
    ...overrides,
  }
  for (const [name, value] of Object.entries(base)) if (value === undefined) delete base[name]
  return base
}

interface SignOptions {
  key?: OpKey
  alg?: string
  kid?: string | null
  header?: Record<string, unknown>
  secret?: string
  crit?: Record<string, boolean>
}

function unsigned(payload: JWTPayload, header: Record<string, unknown> = { alg: 'none' }): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
  return `${encode(header)}.${encode(payload)}.`
}

async function sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
  const key = options.key ?? rs256
  const alg = options.alg ?? key.alg
  if (alg === 'none') return unsigned(payload, { alg, ...options.header })
  const hmac = alg.startsWith('HS')
  const kid = options.kid === undefined ? (hmac ? undefined : key.kid) : options.kid
  const header = { alg, ...(kid === null || kid === undefined ? {} : { kid }), ...options.header }
  const secret = hmac ? new TextEncoder().encode(options.secret ?? SECRET) : key.privateKey
  const token = await new SignJWT(payload)
    .setProtectedHeader(header as { alg: string })
    .sign(secret, options.crit ? { crit: options.crit } : undefined)
  registerSecret(token)
  return token
}

/** The same JWS with one character of its signature changed. */
function tamper(jws: string): string {
  const dot = jws.lastIndexOf('.')
  const at = dot + 10
  const replacement = jws[at] === 'A' ? 'B' : 'A'
  return jws.slice(0, at) + replacement + jws.slice(at + 1)
}

const front: IdTokenExpectations = { source: 'authorization', nonce: NONCE }
const back: IdTokenExpectations = { source: 'token', nonce: NONCE }

async function hashOf(value: string, hash = 'SHA-256'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(value)))
  return base64url.encode(digest.subarray(0, digest.length / 2))
}

describe('validateIdToken: signature', () => {
  it('rp-id_token-sig-rs256: accepts an RS256 ID token from the front channel and the token endpoint', async () => {
    const { config } = harness()
    const token = await sign(claims())
    const result = await validateIdToken(config, token, front)
    assert.equal(result.sub, 'alice')
    assert.equal((await validateIdToken(config, token, back)).iss, ISSUER)
  })

  it('rp-id_token-sig-es256: accepts an ES256 ID token', async () => {
    const { config } = harness()
    const result = await validateIdToken(config, await sign(claims(), { key: es256 }), back)
    assert.equal(result.sub, 'alice')
  })

  for (const key of [ps256, es384, eddsa]) {
    it(`accepts a ${key.alg} ID token`, async () => {
      const { config } = harness()
      const result = await validateIdToken(config, await sign(claims(), { key }), back)
      assert.equal(result.sub, 'alice')
    })
  }

  it('rp-id_token-sig-hs256: accepts an HS256 ID token signed with the client secret', async () => {
    const { config, state } = harness({ client: { id_token_signed_response_alg: 'HS256' } })
    const result = await validateIdToken(config, await sign(claims(), { alg: 'HS256' }), front)
    assert.equal(result.sub, 'alice')
    assert.equal(state.jwksFetches, 0, 'an HS256 ID token needs no JWKS')
  })

  it('rp-id_token-bad-sig-rs256: refuses an RS256 ID token with an altered signature, from either source', async () => {
    const { config } = harness()
    const token = await sign(claims())
    await validateIdToken(config, token, back) // the passing twin
    const bad = tamper(token)
    registerSecret(bad)
    await expectCode(validateIdToken(config, bad, front), 'ID_TOKEN_SIGNATURE_INVALID')
    await expectCode(validateIdToken(config, bad, back), 'ID_TOKEN_SIGNATURE_INVALID')
    await expectCode(
      validateIdToken(config, bad, { source: 'refresh' }),
      'ID_TOKEN_SIGNATURE_INVALID',
    )
  })

  it('rp-id_token-bad-sig-es256: refuses an ES256 ID token with an altered signature', async () => {
    const { config } = harness()
    const token = await sign(claims(), { key: es256 })
    await validateIdToken(config, token, back)
    await expectCode(validateIdToken(config, tamper(token), back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('rp-id_token-bad-sig-hs256: refuses an HS256 ID token signed with another secret', async () => {
    const { config } = harness({ client: { id_token_signed_response_alg: 'HS256' } })
    await validateIdToken(config, await sign(claims(), { alg: 'HS256' }), back)
    const bad = await sign(claims(), { alg: 'HS256', secret: OTHER_SECRET })
    await expectCode(validateIdToken(config, bad, back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('verifies HS384 and HS512 with the client secret', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const { config } = harness({ client: { id_token_signed_response_alg: alg } })
      assert.equal(
        (await validateIdToken(config, await sign(claims(), { alg }), back)).sub,
        'alice',
      )
    }
  })

  it('rp-id_token-sig-none: accepts an unsigned ID token from the token endpoint when none is registered', async () => {
    const { config, state } = harness({ client: { id_token_signed_response_alg: 'none' } })
    const token = await sign(claims(), { alg: 'none' })
    assert.equal((await validateIdToken(config, token, back)).sub, 'alice')
    assert.equal((await validateIdToken(config, token, { source: 'refresh' })).sub, 'alice')
    assert.equal(state.jwksFetches, 0)
  })

  it('refuses alg none from the front channel even when none is registered', async () => {
    const { config } = harness({ client: { id_token_signed_response_alg: 'none' } })
    await expectCode(
      validateIdToken(config, await sign(claims(), { alg: 'none' }), front),
      'ID_TOKEN_ALG_NOT_ALLOWED',
    )
  })

  it('refuses alg none when the client did not register it, even if the OP advertises it', async () => {
    const supported = [...BASE_METADATA.id_token_signing_alg_values_supported, 'none']
    const { config } = harness({ metadata: { id_token_signing_alg_values_supported: supported } })
    await validateIdToken(config, await sign(claims()), back)
    await expectCode(
      validateIdToken(config, await sign(claims(), { alg: 'none' }), back),
      'ID_TOKEN_ALG_NOT_ALLOWED',
    )
  })

  it('refuses an alg none ID token that carries a signature', async () => {
    const { config } = harness({ client: { id_token_signed_response_alg: 'none' } })
    const token = `${await sign(claims(), { alg: 'none' })}c2ln`
    await expectCode(validateIdToken(config, token, back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('refuses an alg other than the registered one', async () => {
    const { config } = harness({ client: { id_token_signed_response_alg: 'ES256' } })
    await validateIdToken(config, await sign(claims(), { key: es256 }), back)
    const err = await expectCode<ValidationError>(
      validateIdToken(config, await sign(claims()), back),
      'ID_TOKEN_ALG_NOT_ALLOWED',
    )
    assert.equal(err.expected, 'ES256')
    assert.equal(err.actual, 'RS256')
  })

  it('refuses an alg the OP does not advertise when none is registered', async () => {
    const { config } = harness({ metadata: { id_token_signing_alg_values_supported: ['ES256'] } })
    await validateIdToken(config, await sign(claims(), { key: es256 }), back)
    await expectCode(
      validateIdToken(config, await sign(claims()), back),
      'ID_TOKEN_ALG_NOT_ALLOWED',
    )
  })

  it('no alg confusion: HS256 is not accepted from a client without a secret', async () => {
    const { config } = harness({
      client: { client_secret: undefined, token_endpoint_auth_method: 'none' },
    })
    await validateIdToken(config, await sign(claims()), back)
    // an attacker MACs with the OP's public key, hoping it is used as the HMAC secret
    const secret = JSON.stringify(rs256.publicJwk)
    const forged = await sign(claims(), { alg: 'HS256', secret, kid: rs256.kid })
    await expectCode(validateIdToken(config, forged, back), 'ID_TOKEN_ALG_NOT_ALLOWED')
  })

  it('no alg confusion: an HS256 token keyed with the OP public key does not verify', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims(), { alg: 'HS256' }), back)
    const forged = await sign(claims(), {
      alg: 'HS256',
      secret: JSON.stringify(rs256.publicJwk),
      kid: rs256.kid,
    })
    await expectCode(validateIdToken(config, forged, back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('a registered HS256 without a client secret is a MISSING_CREDENTIALS usage error', async () => {
    const { config } = harness({
      client: {
        client_secret: undefined,
        token_endpoint_auth_method: 'none',
        id_token_signed_response_alg: 'HS256',
      },
    })
    await expectCode(
      validateIdToken(config, await sign(claims(), { alg: 'HS256' }), back),
      'MISSING_CREDENTIALS',
    )
  })

  it('ignores jku, x5u and jwk headers for key selection and never fetches them', async () => {
    const { config, state } = harness()
    const header = {
      jku: 'https://evil.example/jwks',
      x5u: 'https://evil.example/cert',
      jwk: attacker.publicJwk,
    }
    const genuine = await sign(claims(), { header })
    assert.equal((await validateIdToken(config, genuine, back)).sub, 'alice')
    const forged = await sign(claims(), { key: attacker, header })
    await expectCode(validateIdToken(config, forged, back), 'ID_TOKEN_SIGNATURE_INVALID')
    assert.ok(state.urls.every((url) => url.startsWith(ISSUER)))
  })

  it('rp-id_token-kid-absent-single-jwks: verifies a kid-less ID token with the only matching key', async () => {
    const { config } = harness({ published: [rs256, es256] })
    const result = await validateIdToken(config, await sign(claims(), { kid: null }), back)
    assert.equal(result.sub, 'alice')
  })

  it('rp-id_token-kid-absent-multiple-jwks: tries each candidate key of a kid-less ID token', async () => {
    const { config } = harness({ published: [rs256, rs256b, rs256c] })
    const token = await sign(claims(), { key: rs256c, kid: null })
    assert.equal((await validateIdToken(config, token, back)).sub, 'alice')
    const forged = await sign(claims(), { key: attacker, kid: null })
    await expectCode(validateIdToken(config, forged, back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('rp-discovery-jwks_uri-keys: verifies with the keys of the discovered jwks_uri', async () => {
    const jwksUri = `${ISSUER}/keys/${crypto.randomUUID()}`
    const { state } = harness({ metadata: { jwks_uri: jwksUri } })
    const fetch = async (input: RequestInfo | URL): Promise<Response> => {
      const url = String(input)
      if (url === `${ISSUER}/.well-known/openid-configuration`) {
        return Response.json({ ...BASE_METADATA, jwks_uri: jwksUri })
      }
      if (url === jwksUri) {
        state.jwksFetches++
        return Response.json({ keys: [rs256.publicJwk] })
      }
      return new Response('not found', { status: 404 })
    }
    const config = await discover(
      ISSUER,
      { client_id: CLIENT_ID, client_secret: SECRET, redirect_uris: ['https://rp.example/cb'] },
      { fetch, now: () => T0 },
    )
    assert.equal((await validateIdToken(config, await sign(claims()), back)).sub, 'alice')
    assert.equal(state.jwksFetches, 1)
    await expectCode(
      validateIdToken(config, await sign(claims(), { key: attacker }), back),
      'ID_TOKEN_SIGNATURE_INVALID',
    )
  })
})

describe('validateIdToken: OP key rotation and the JWKS cache', () => {
  it('rp-key-rotation-op-sign-key: re-fetches the JWKS for the unknown kid of the next login', async () => {
    const { config, state } = harness({ published: [rs256] })
    await validateIdToken(config, await sign(claims()), back)
    state.published = [rs256b] // the OP rotates between two logins
    state.now += 60_000
    const second = await sign(claims({ iat: state.now / 1000, exp: state.now / 1000 + 600 }), {
      key: rs256b,
    })
    assert.equal((await validateIdToken(config, second, back)).sub, 'alice')
    assert.equal(state.jwksFetches, 2)
  })

  it('rp-key-rotation-op-sign-key-native: a key rotated just before signing is fetched at once', async () => {
    const { config, state } = harness({ published: [rs256] })
    await validateIdToken(config, await sign(claims()), back)
    state.now += 6_000 // just past the 5 s cooldown
    state.published = [rs256, rs256b]
    const token = await sign(claims({ iat: state.now / 1000 }), { key: rs256b })
    assert.equal((await validateIdToken(config, token, back)).sub, 'alice')
    assert.equal(state.jwksFetches, 2)
    // the cached keys now serve both kids without fetching again
    await validateIdToken(config, await sign(claims()), back)
    assert.equal(state.jwksFetches, 2)
  })

  it('an unknown kid causes one re-fetch, then JWKS_NO_MATCHING_KEY', async () => {
    const { config, state } = harness({ published: [rs256] })
    await validateIdToken(config, await sign(claims()), back)
    state.now += 10_000
    const token = await sign(claims(), { key: rs256b })
    await expectCode(validateIdToken(config, token, back), 'JWKS_NO_MATCHING_KEY')
    assert.equal(state.jwksFetches, 2)
  })

  it('single flight: concurrent validations with an unknown kid cause one JWKS fetch', async () => {
    const { config, state } = harness({ published: [rs256] })
    await validateIdToken(config, await sign(claims()), back)
    assert.equal(state.jwksFetches, 1)
    state.now += 10_000
    state.published = [rs256, rs256b]
    const token = await sign(claims(), { key: rs256b })
    const results = await Promise.all(
      Array.from({ length: 20 }, () => validateIdToken(config, token, back)),
    )
    assert.equal(results.length, 20)
    assert.equal(state.jwksFetches, 2)
  })

  it('single flight: concurrent first validations cause one JWKS fetch', async () => {
    const { config, state } = harness({ published: [rs256] })
    const token = await sign(claims())
    await Promise.all(Array.from({ length: 20 }, () => validateIdToken(config, token, back)))
    assert.equal(state.jwksFetches, 1)
  })

  it('cooldown: no re-fetch within jwksRefetchCooldownInSeconds, one after it', async () => {
    const { config, state } = harness({ published: [rs256], jwksRefetchCooldownInSeconds: 30 })
    await validateIdToken(config, await sign(claims()), back)
    const unknown = await sign(claims(), { key: rs256b })
    state.published = [rs256, rs256b]
    state.now += 10_000
    await expectCode(validateIdToken(config, unknown, back), 'JWKS_NO_MATCHING_KEY')
    assert.equal(state.jwksFetches, 1, 'no fetch within the cooldown')
    state.now += 25_000
    const fresh = await sign(claims({ iat: state.now / 1000 }), { key: rs256b })
    assert.equal((await validateIdToken(config, fresh, back)).sub, 'alice')
    assert.equal(state.jwksFetches, 2)
  })
})

describe('validateIdToken: structure', () => {
  it('refuses what is not a compact JWS with JWT_MALFORMED', async () => {
    const { config } = harness()
    const good = await sign(claims())
    await validateIdToken(config, good, back)
    const [h, p, s] = good.split('.') as [string, string, string]
    const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
    const cases = [
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      `${h}.${p}+.${s}`,
      `${h}.${p}.${s}=`,
      `${h}.${base64url.encode('not json')}.${s}`,
      `${h}.${encode(['array'])}.${s}`,
      `${base64url.encode('{"alg":')}.${p}.${s}`,
      `${encode({ kid: 'rs-1' })}.${p}.${s}`,
      `${encode({ alg: 'RS256', kid: 7 })}.${p}.${s}`,
      `${encode('RS256')}.${p}.${s}`,
      '',
    ]
    for (const token of cases)
      await expectCode(validateIdToken(config, token, back), 'JWT_MALFORMED')
    await expectCode(validateIdToken(config, 42 as unknown as string, back), 'JWT_MALFORMED')
  })

  it(`refuses an ID token longer than ${MAX_ID_TOKEN_LENGTH} characters with JWT_TOO_LARGE`, async () => {
    const { config } = harness()
    const fits = await sign(claims({ filler: 'x'.repeat((MAX_ID_TOKEN_LENGTH * 3) / 4 - 1500) }))
    assert.ok(fits.length <= MAX_ID_TOKEN_LENGTH)
    await validateIdToken(config, fits, back)
    const big = await sign(claims({ filler: 'x'.repeat(MAX_ID_TOKEN_LENGTH) }))
    await expectCode(validateIdToken(config, big, back), 'JWT_TOO_LARGE')
  })

  it('refuses a crit header with JWT_CRIT_UNSUPPORTED', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims(), { header: { ext: 1 } }), back)
    const token = await sign(claims(), {
      header: { crit: ['ext'], ext: 1 },
      crit: { ext: true },
    })
    await expectCode(validateIdToken(config, token, back), 'JWT_CRIT_UNSUPPORTED')
  })

  it('parses structure before fetching keys: a malformed token causes no JWKS fetch', async () => {
    const { config, state } = harness()
    await expectCode(validateIdToken(config, 'a.b', back), 'JWT_MALFORMED')
    assert.equal(state.jwksFetches, 0)
  })

  it('checks the signature before any claim: a forged token with a wrong iss fails on its signature', async () => {
    const { config } = harness()
    const forged = await sign(claims({ iss: 'https://evil.example' }), { key: attacker })
    await expectCode(validateIdToken(config, forged, back), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('refuses an invalid source as a usage error', async () => {
    const { config } = harness()
    await expectCode(
      validateIdToken(config, await sign(claims()), { source: 'front' as 'token' }),
      'INVALID_ARGUMENT',
    )
  })
})

describe('validateIdToken: claims', () => {
  it('rp-id_token-issuer-mismatch: refuses an iss other than the issuer', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims()), back)
    const err = await expectCode<ValidationError>(
      validateIdToken(config, await sign(claims({ iss: 'https://op.example.com/' })), back),
      'ID_TOKEN_ISSUER_MISMATCH',
    )
    assert.equal(err.claim, 'iss')
    assert.equal(err.expected, ISSUER)
    assert.equal(err.actual, 'https://op.example.com/')
    await expectCode(
      validateIdToken(config, await sign(claims({ iss: undefined })), back),
      'ID_TOKEN_ISSUER_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ iss: 7 })), back),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('rp-id_token-aud: refuses an aud that is missing or lacks the client_id', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims({ aud: [CLIENT_ID] })), back)
    await expectCode(
      validateIdToken(config, await sign(claims({ aud: 'someone-else' })), back),
      'ID_TOKEN_AUDIENCE_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ aud: ['a', 'b'], azp: CLIENT_ID })), back),
      'ID_TOKEN_AUDIENCE_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ aud: undefined })), back),
      'ID_TOKEN_AUDIENCE_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ aud: [CLIENT_ID, 3] })), back),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('refuses an extra audience the client does not trust, accepts a trusted one', async () => {
    const aud = [CLIENT_ID, 'api.example']
    const token = await sign(claims({ aud, azp: CLIENT_ID }))
    await expectCode(validateIdToken(harness().config, token, back), 'ID_TOKEN_UNTRUSTED_AUDIENCE')
    const trusting = harness({ client: { trusted_audiences: ['api.example'] } }).config
    assert.deepEqual((await validateIdToken(trusting, token, back)).aud, aud)
  })

  it('refuses several audiences without azp, or an azp other than the client_id', async () => {
    const { config } = harness({ client: { trusted_audiences: ['api.example'] } })
    const aud = [CLIENT_ID, 'api.example']
    await validateIdToken(config, await sign(claims({ aud, azp: CLIENT_ID })), back)
    await validateIdToken(config, await sign(claims({ azp: CLIENT_ID })), back)
    await expectCode(
      validateIdToken(config, await sign(claims({ aud })), back),
      'ID_TOKEN_AZP_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ azp: 'api.example' })), back),
      'ID_TOKEN_AZP_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ azp: 5 })), back),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('refuses an expired ID token beyond the clock tolerance, or one without a numeric exp', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims({ exp: NOW - 20 })), back) // within 30 s
    await expectCode(
      validateIdToken(config, await sign(claims({ exp: NOW - 31 })), back),
      'ID_TOKEN_EXPIRED',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ exp: undefined })), back),
      'ID_TOKEN_EXPIRED',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ exp: String(NOW + 600) })), back),
      'ID_TOKEN_EXPIRED',
    )
  })

  it('rp-id_token-iat: refuses an ID token without a numeric iat', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims()), back)
    await expectCode(
      validateIdToken(config, await sign(claims({ iat: undefined })), back),
      'ID_TOKEN_IAT_MISSING',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ iat: 'yesterday' })), back),
      'ID_TOKEN_IAT_MISSING',
    )
  })

  it('refuses an iat in the future beyond the clock tolerance', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims({ iat: NOW + 25 })), back)
    await expectCode(
      validateIdToken(config, await sign(claims({ iat: NOW + 120 })), back),
      'ID_TOKEN_IAT_IN_FUTURE',
    )
  })

  it('refuses an nbf in the future beyond the clock tolerance, or a non-numeric one', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims({ nbf: NOW + 25 })), back)
    await expectCode(
      validateIdToken(config, await sign(claims({ nbf: NOW + 120 })), back),
      'ID_TOKEN_NOT_YET_VALID',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ nbf: 'soon' })), back),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('rp-id_token-sub: refuses an ID token without a non-empty string sub', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims()), back)
    for (const sub of [undefined, '', 42]) {
      await expectCode(
        validateIdToken(config, await sign(claims({ sub })), back),
        'ID_TOKEN_SUB_MISSING',
      )
    }
  })

  it('rp-nonce-invalid: refuses an ID token whose nonce is not the one sent', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims()), front)
    const err = await expectCode<ValidationError>(
      validateIdToken(config, await sign(claims({ nonce: 'other-nonce' })), front),
      'ID_TOKEN_NONCE_MISMATCH',
    )
    assert.equal(err.claim, 'nonce')
    assert.equal(err.actual, 'other-nonce')
    await expectCode(
      validateIdToken(config, await sign(claims({ nonce: undefined })), front),
      'ID_TOKEN_NONCE_MISSING',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ nonce: 12 })), front),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('no nonce, no front-channel ID token: validateIdToken without an expected nonce is refused; with it the token passes', async () => {
    const { config } = harness()
    const token = await sign(claims())
    for (const source of ['authorization', 'token'] as const) {
      await expectCode(validateIdToken(config, token, { source }), 'INVALID_ARGUMENT')
    }
    await expectCode(
      validateIdToken(config, token, { source: 'authorization', nonce: expectNoNonce }),
      'INVALID_ARGUMENT',
    )
    assert.equal((await validateIdToken(config, token, front)).sub, 'alice')
    assert.equal((await validateIdToken(config, token, { source: 'refresh' })).sub, 'alice')
  })

  it('expectNoNonce: a token endpoint ID token with a nonce is refused; one without passes', async () => {
    const { config } = harness()
    const expectations = { source: 'token', nonce: expectNoNonce } as const
    await expectCode(
      validateIdToken(config, await sign(claims()), expectations),
      'ID_TOKEN_NONCE_MISMATCH',
    )
    const without = await sign(claims({ nonce: undefined }))
    assert.equal((await validateIdToken(config, without, expectations)).sub, 'alice')
  })

  it('refuses an acr that is missing or not one of the required values', async () => {
    const { config } = harness()
    const expectations = { ...back, requiredAcr: ['gold', 'platinum'] }
    await validateIdToken(config, await sign(claims({ acr: 'platinum' })), expectations)
    await validateIdToken(config, await sign(claims()), { ...back, requiredAcr: [] })
    await expectCode(
      validateIdToken(config, await sign(claims({ acr: 'silver' })), expectations),
      'ID_TOKEN_ACR_NOT_SATISFIED',
    )
    await expectCode(
      validateIdToken(config, await sign(claims()), expectations),
      'ID_TOKEN_ACR_NOT_SATISFIED',
    )
  })

  it('requires a numeric auth_time with maxAgeInSeconds, requireAuthTime or require_auth_time', async () => {
    const { config } = harness()
    const withAuthTime = await sign(claims({ auth_time: NOW - 60 }))
    const without = await sign(claims())
    for (const expectations of [
      { ...back, maxAgeInSeconds: 300 },
      { ...back, requireAuthTime: true },
    ]) {
      await validateIdToken(config, withAuthTime, expectations)
      await expectCode(validateIdToken(config, without, expectations), 'ID_TOKEN_AUTH_TIME_MISSING')
    }
    const requiring = harness({ client: { require_auth_time: true } }).config
    await validateIdToken(requiring, withAuthTime, back)
    await expectCode(validateIdToken(requiring, without, back), 'ID_TOKEN_AUTH_TIME_MISSING')
    await validateIdToken(config, without, back)
    await expectCode(
      validateIdToken(config, await sign(claims({ auth_time: 'today' })), back),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('refuses an auth_time older than maxAgeInSeconds plus the clock tolerance', async () => {
    const { config } = harness()
    const old = await sign(claims({ auth_time: NOW - 400 }))
    await validateIdToken(config, old, { ...back, maxAgeInSeconds: 380 }) // 400 <= 380 + 30
    await expectCode(
      validateIdToken(config, old, { ...back, maxAgeInSeconds: 300 }),
      'ID_TOKEN_AUTH_TIME_TOO_OLD',
    )
  })

  it('applies the client default_max_age, except to refreshed ID tokens', async () => {
    const { config } = harness({ client: { default_max_age: 300 } })
    const old = await sign(claims({ auth_time: NOW - 3600 }))
    await expectCode(validateIdToken(config, old, back), 'ID_TOKEN_AUTH_TIME_TOO_OLD')
    await validateIdToken(config, old, { source: 'refresh' })
    await validateIdToken(config, old, { ...back, maxAgeInSeconds: 7200 }) // max_age overrides the default
    await expectCode(
      validateIdToken(config, await sign(claims()), back),
      'ID_TOKEN_AUTH_TIME_MISSING',
    )
  })

  it('refuses mistyped optional claims with ID_TOKEN_CLAIM_INVALID', async () => {
    const { config } = harness()
    await validateIdToken(config, await sign(claims({ amr: ['pwd', 'otp'], sid: 's-1' })), back)
    for (const overrides of [{ amr: 'pwd' }, { amr: [1] }, { sid: 9 }, { acr: 1 }]) {
      await expectCode(
        validateIdToken(config, await sign(claims(overrides)), back),
        'ID_TOKEN_CLAIM_INVALID',
      )
    }
  })

  it('returns every claim of the ID token', async () => {
    const { config } = harness()
    const result = await validateIdToken(
      config,
      await sign(claims({ email: 'alice@example.com', amr: ['pwd'] })),
      back,
    )
    assert.equal(result.email, 'alice@example.com')
    assert.deepEqual(result.amr, ['pwd'])
    assert.equal(result.nonce, NONCE)
  })
})

describe('validateIdToken: at_hash and c_hash', () => {
  const accessToken = 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'
  const code = 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk'
  registerSecret(accessToken, code)

  it('rp-id_token-bad-at_hash: refuses an at_hash that does not match the access token', async () => {
    const { config } = harness()
    const good = await sign(claims({ at_hash: await hashOf(accessToken) }))
    await validateIdToken(config, good, { ...front, accessToken })
    const bad = await sign(claims({ at_hash: await hashOf('another-access-token') }))
    const err = await expectCode<ValidationError>(
      validateIdToken(config, bad, { ...front, accessToken }),
      'ID_TOKEN_AT_HASH_MISMATCH',
    )
    assert.equal(err.actual, await hashOf('another-access-token'))
    await expectCode(
      validateIdToken(config, bad, { ...back, accessToken }),
      'ID_TOKEN_AT_HASH_MISMATCH',
    )
  })

  it('rp-id_token-missing-at_hash: refuses a front-channel ID token without at_hash next to an access token', async () => {
    const { config } = harness()
    const without = await sign(claims())
    await expectCode(
      validateIdToken(config, without, { ...front, accessToken }),
      'ID_TOKEN_AT_HASH_MISSING',
    )
    await validateIdToken(config, without, { ...back, accessToken }) // optional at the token endpoint
    await validateIdToken(config, without, front) // no access token came
  })

  it('computes at_hash with SHA-384 for ES384 and SHA-512 for EdDSA', async () => {
    const { config } = harness()
    for (const [key, hash] of [
      [es384, 'SHA-384'],
      [eddsa, 'SHA-512'],
    ] as const) {
      const good = await sign(claims({ at_hash: await hashOf(accessToken, hash) }), { key })
      await validateIdToken(config, good, { ...front, accessToken })
      const wrong = await sign(claims({ at_hash: await hashOf(accessToken) }), { key })
      await expectCode(
        validateIdToken(config, wrong, { ...front, accessToken }),
        'ID_TOKEN_AT_HASH_MISMATCH',
      )
    }
  })

  it('refuses a missing or wrong c_hash next to a front-channel code', async () => {
    const { config } = harness()
    const good = await sign(claims({ c_hash: await hashOf(code) }))
    await validateIdToken(config, good, { ...front, code })
    await expectCode(
      validateIdToken(config, await sign(claims()), { ...front, code }),
      'ID_TOKEN_C_HASH_MISSING',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ c_hash: await hashOf('x') })), {
        ...front,
        code,
      }),
      'ID_TOKEN_C_HASH_MISMATCH',
    )
    await expectCode(
      validateIdToken(config, await sign(claims({ c_hash: 5 })), front),
      'ID_TOKEN_CLAIM_INVALID',
    )
  })

  it('matches the OIDC Core examples (at_hash 77QmUPtjPfzWtF2AnpK9RQ, c_hash LDktKdoQak3Pk0cnXxCltA)', async () => {
    const { config } = harness()
    const token = await sign(
      claims({ at_hash: '77QmUPtjPfzWtF2AnpK9RQ', c_hash: 'LDktKdoQak3Pk0cnXxCltA' }),
    )
    await validateIdToken(config, token, { ...front, accessToken, code })
  })
})

async function encKey(alg: string, kid: string | undefined) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const priv = { ...(await exportJWK(privateKey)), alg, use: 'enc', ...(kid ? { kid } : {}) }
  return { privateJwk: priv, publicKey }
}
const encA = await encKey('RSA-OAEP-256', 'enc-a')
const encB = await encKey('RSA-OAEP-256', 'enc-b')
const encEc = await encKey('ECDH-ES+A128KW', 'enc-ec')
const stranger = await encKey('RSA-OAEP-256', 'enc-a')

describe('validateIdToken: encrypted ID tokens', () => {
  async function encrypt(
    jws: string,
    key: CryptoKey | Uint8Array,
    header: Record<string, unknown>,
  ): Promise<string> {
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ cty: 'JWT', ...header } as unknown as { alg: string; enc: string })
      .encrypt(key)
    registerSecret(jwe)
    return jwe
  }

  const rsaClient = {
    id_token_encrypted_response_alg: 'RSA-OAEP-256',
    keys: [encA.privateJwk, encB.privateJwk],
  }

  it('decrypts an RSA-OAEP-256 ID token (default enc A128CBC-HS256), then verifies it', async () => {
    const { config } = harness({ client: rsaClient })
    const jwe = await encrypt(await sign(claims()), encA.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A128CBC-HS256',
      kid: 'enc-a',
    })
    assert.equal((await validateIdToken(config, jwe, front)).sub, 'alice')
    const forged = await encrypt(await sign(claims(), { key: attacker }), encA.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A128CBC-HS256',
    })
    await expectCode(validateIdToken(config, forged, front), 'ID_TOKEN_SIGNATURE_INVALID')
  })

  it('decryption key rotation: uses the key with the matching kid, else tries each key', async () => {
    const { config } = harness({ client: rsaClient })
    const header = { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' }
    const withKid = await encrypt(await sign(claims()), encB.publicKey, { ...header, kid: 'enc-b' })
    assert.equal((await validateIdToken(config, withKid, back)).sub, 'alice')
    const noKid = await encrypt(await sign(claims()), encB.publicKey, header)
    assert.equal((await validateIdToken(config, noKid, back)).sub, 'alice')
    const unknownKid = await encrypt(await sign(claims()), encB.publicKey, {
      ...header,
      kid: 'gone',
    })
    assert.equal((await validateIdToken(config, unknownKid, back)).sub, 'alice')
    const toStranger = await encrypt(await sign(claims()), stranger.publicKey, {
      ...header,
      kid: 'enc-a',
    })
    await expectCode(validateIdToken(config, toStranger, back), 'ID_TOKEN_DECRYPTION_FAILED')
  })

  it('refuses a plain JWS when encryption is registered, and a JWE when it is not', async () => {
    const jws = await sign(claims())
    const header = { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', kid: 'enc-a' }
    const jwe = await encrypt(jws, encA.publicKey, header)
    const encrypting = harness({ client: rsaClient }).config
    await validateIdToken(encrypting, jwe, back)
    await expectCode(validateIdToken(encrypting, jws, back), 'ID_TOKEN_DECRYPTION_FAILED')
    const plain = harness({ client: { keys: [encA.privateJwk] } }).config
    await validateIdToken(plain, jws, back)
    await expectCode(validateIdToken(plain, jwe, back), 'ID_TOKEN_DECRYPTION_FAILED')
  })

  it('refuses a JWE alg or enc other than the registered ones', async () => {
    const { config } = harness({
      client: { ...rsaClient, id_token_encrypted_response_enc: 'A256GCM' },
    })
    const jws = await sign(claims())
    await validateIdToken(
      config,
      await encrypt(jws, encA.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
      back,
    )
    const wrongEnc = await encrypt(jws, encA.publicKey, { alg: 'RSA-OAEP-256', enc: 'A128GCM' })
    const err = await expectCode<ValidationError>(
      validateIdToken(config, wrongEnc, back),
      'ID_TOKEN_DECRYPTION_FAILED',
    )
    assert.equal(err.claim, 'enc')
    const wrongAlg = await encrypt(jws, encEc.publicKey, { alg: 'ECDH-ES+A128KW', enc: 'A256GCM' })
    await expectCode(validateIdToken(config, wrongAlg, back), 'ID_TOKEN_DECRYPTION_FAILED')
  })

  it('decrypts ECDH-ES+A128KW with an EC client key', async () => {
    const { config } = harness({
      client: { id_token_encrypted_response_alg: 'ECDH-ES+A128KW', keys: [encEc.privateJwk] },
    })
    const jwe = await encrypt(await sign(claims()), encEc.publicKey, {
      alg: 'ECDH-ES+A128KW',
      enc: 'A128CBC-HS256',
    })
    assert.equal((await validateIdToken(config, jwe, back)).sub, 'alice')
  })

  it('rp-id_token-sig+enc-a128kw: decrypts A128KW with the key derived from the client secret', async () => {
    const { config } = harness({
      client: {
        id_token_encrypted_response_alg: 'A128KW',
        id_token_encrypted_response_enc: 'A256GCM',
      },
    })
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(SECRET)),
    )
    const header = { alg: 'A128KW', enc: 'A256GCM' }
    const jwe = await encrypt(await sign(claims()), digest.slice(0, 16), header)
    assert.equal((await validateIdToken(config, jwe, back)).sub, 'alice')
    const otherDigest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(OTHER_SECRET)),
    )
    const wrong = await encrypt(await sign(claims()), otherDigest.slice(0, 16), header)
    await expectCode(validateIdToken(config, wrong, back), 'ID_TOKEN_DECRYPTION_FAILED')
  })

  it('decrypts dir with the key derived from the client secret (SHA-512 for A256CBC-HS512)', async () => {
    const { config } = harness({
      client: {
        id_token_encrypted_response_alg: 'dir',
        id_token_encrypted_response_enc: 'A256CBC-HS512',
      },
    })
    const key = new Uint8Array(
      await crypto.subtle.digest('SHA-512', new TextEncoder().encode(SECRET)),
    )
    const jwe = await encrypt(await sign(claims()), key, { alg: 'dir', enc: 'A256CBC-HS512' })
    assert.equal((await validateIdToken(config, jwe, back)).sub, 'alice')
  })

  it('registered encryption without a fitting client key is a MISSING_CREDENTIALS usage error', async () => {
    const { config } = harness({ client: { id_token_encrypted_response_alg: 'RSA-OAEP-256' } })
    const jwe = await encrypt(await sign(claims()), encA.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A128CBC-HS256',
    })
    await expectCode(validateIdToken(config, jwe, back), 'MISSING_CREDENTIALS')
  })

  it('refuses an encrypted ID token with an unsigned inner token from the front channel', async () => {
    const { config } = harness({
      client: { ...rsaClient, id_token_signed_response_alg: 'none' },
    })
    const header = { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', kid: 'enc-a' }
    const jwe = await encrypt(unsigned(claims()), encA.publicKey, header)
    await validateIdToken(config, jwe, back)
    await expectCode(validateIdToken(config, jwe, front), 'ID_TOKEN_ALG_NOT_ALLOWED')
  })
})

describe('validateIdToken: with the mock OP', () => {
  async function mockSetup() {
    const clock = { now: T0 }
    const op = await createMockOP({
      clients: [
        { client_id: CLIENT_ID, client_secret: SECRET, redirect_uris: ['https://rp.example/cb'] },
      ],
      users: { alice: {} },
      signingAlgs: ['RS256', 'ES256'],
      now: () => clock.now,
    })
    const config = createConfiguration(
      op.metadata(),
      { client_id: CLIENT_ID, client_secret: SECRET, redirect_uris: ['https://rp.example/cb'] },
      { fetch: op.fetch, now: () => clock.now },
    )
    const jwksFetches = () => op.requests.filter((r) => r.endpoint === 'jwks').length
    const idToken = async (options: { alg?: string; kid?: null; secret?: string } = {}) => {
      const token = await op.signJwt(
        claims({ iss: op.issuer, iat: clock.now / 1000, exp: clock.now / 1000 + 600 }),
        options,
      )
      registerSecret(token)
      return token
    }
    return { op, config, clock, jwksFetches, idToken }
  }

  it('rp-key-rotation-op-sign-key: follows the mock OP rotating its signing keys between logins', async () => {
    const { op, config, clock, jwksFetches, idToken } = await mockSetup()
    assert.equal((await validateIdToken(config, await idToken(), back)).sub, 'alice')
    await op.rotateKeys()
    clock.now += 60_000
    assert.equal((await validateIdToken(config, await idToken(), back)).sub, 'alice')
    assert.equal(
      (await validateIdToken(config, await idToken({ alg: 'ES256' }), back)).sub,
      'alice',
    )
    assert.equal(jwksFetches(), 2)
  })

  it('rp-key-rotation-op-sign-key-native: a key rotated just before signing, old keys kept', async () => {
    const { op, config, clock, jwksFetches, idToken } = await mockSetup()
    const before = await idToken()
    await validateIdToken(config, before, back)
    clock.now += 6_000
    await op.rotateKeys({ keepOld: true })
    assert.equal((await validateIdToken(config, await idToken(), back)).sub, 'alice')
    assert.equal((await validateIdToken(config, before, back)).sub, 'alice')
    assert.equal(jwksFetches(), 2)
  })

  it('rp-id_token-kid-absent-single-jwks and rp-id_token-sig-hs256 with mock OP tokens', async () => {
    const { config, idToken } = await mockSetup()
    assert.equal((await validateIdToken(config, await idToken({ kid: null }), back)).sub, 'alice')
    const hs = await idToken({ alg: 'HS256', secret: SECRET })
    assert.equal((await validateIdToken(config, hs, front)).sub, 'alice')
    const wrong = await idToken({ alg: 'HS256', secret: OTHER_SECRET })
    await expectCode(validateIdToken(config, wrong, front), 'ID_TOKEN_SIGNATURE_INVALID')
  })
})
