/**
 * OP keys that cannot be safe are refused on every runtime, by oidc-rp's own check rather than by
 * whatever the runtime's WebCrypto happens to verify: an RSA key with e = 1 (for which anyone can
 * compute a signature), an EC key off its curve or with coordinates of the wrong length, an
 * Ed25519 key of small order (the identity point accepts one fixed signature on every message);
 * and request objects are never encrypted to an RSA key with e = 1 or an X25519 key of small order.
 */
import { equal, ok } from '../assert.js'
import { countingStore, type Env } from '../fixtures.js'
import type { Case } from '../harness.js'

const ISSUER = 'https://op.example.com'
const CLIENT = {
  client_id: 'rp',
  redirect_uris: ['https://rp.example/cb'],
  token_endpoint_auth_method: 'none',
} as const
const encoder = new TextEncoder()

function b64url(bytes: Uint8Array | string): string {
  const binary = typeof bytes === 'string' ? bytes : String.fromCharCode(...bytes)
  return btoa(binary).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
}
const fromB64url = (value: string) =>
  Uint8Array.from(atob(value.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const segment = (value: unknown) => b64url(encoder.encode(JSON.stringify(value)))

/** A configuration whose OP publishes exactly these keys. */
function rpWithOpKeys(env: Env, keys: readonly object[], options: object = {}) {
  const metadata = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: ['HS256'],
    request_object_encryption_alg_values_supported: ['RSA-OAEP-256', 'ECDH-ES'],
    request_object_encryption_enc_values_supported: ['A128GCM'],
  }
  const fetch = async () =>
    new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } })
  const client = { ...CLIENT, client_secret: 'op-keys-client-secret-0123456789-abcdefghijklmnop' }
  return env.lib.createConfiguration(metadata, client, { fetch, ...options })
}

/** The Ed25519 identity point (y = 1), of order 1, and the point of order 8 (libsodium's list). */
const ED25519_SMALL_ORDER = [
  `01${'00'.repeat(31)}`,
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
]
/** X25519 u = 0 and a u of order 8 (libsodium's list). */
const X25519_SMALL_ORDER = [
  '00'.repeat(32),
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
]
const fromHex = (hex: string) =>
  Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16))

/** An EdDSA JWS forged for the Ed25519 identity key: R = the identity point, S = 0. */
function forgeForIdentity(kid: string, claims: object): string {
  const input = `${segment({ alg: 'EdDSA', kid })}.${segment(claims)}`
  const signature = new Uint8Array(64)
  signature[0] = 1
  return `${input}.${b64url(signature)}`
}

/** The JWE `alg` and `enc` of a request object from its compact form (empty when not a JWE). */
function jweHeader(requestObject: string | null): { alg?: string; kid?: string } {
  const parts = (requestObject ?? '').split('.')
  if (parts.length !== 5) return {}
  return JSON.parse(new TextDecoder().decode(fromB64url(parts[0]!)))
}

/** A policy that signs the request object with the client secret and encrypts it with `alg`. */
function encryptingPolicy(alg: 'RSA-OAEP-256' | 'ECDH-ES') {
  return {
    policy: {
      transport: 'request-object',
      requestObject: { alg: 'HS256', encrypt: { alg, enc: 'A128GCM' } },
    },
  }
}

function idTokenClaims() {
  const now = Math.floor(Date.now() / 1000)
  return { iss: ISSUER, aud: CLIENT.client_id, sub: 'alice', iat: now, exp: now + 60 }
}

async function sign(
  alg: 'RS256' | 'ES256',
  kid: string,
  key: CryptoKey,
  claims: object,
): Promise<string> {
  const input = `${segment({ alg, kid })}.${segment(claims)}`
  const params =
    alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' }
  const signature = await crypto.subtle.sign(params, key, encoder.encode(input))
  return `${input}.${b64url(new Uint8Array(signature))}`
}

/** An RS256 signature for e = 1 (s^1 mod n = s): the padded SHA-256 DigestInfo itself. */
async function forgeForE1(kid: string, claims: object, modulusBytes: number): Promise<string> {
  const input = `${segment({ alg: 'RS256', kid })}.${segment(claims)}`
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(input)))
  const digestInfo = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03]
  digestInfo.push(0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20)
  const t = [...digestInfo, ...digest]
  const em = [0, 1, ...new Array(modulusBytes - t.length - 3).fill(0xff), 0, ...t]
  return `${input}.${b64url(Uint8Array.from(em))}`
}

/** A 2048-bit RSA key pair with e = 65537, SHA-256, its public key exportable. */
async function rsaKeyPair(
  name: 'RSASSA-PKCS1-v1_5' | 'RSA-OAEP',
  usages: KeyUsage[],
): Promise<CryptoKeyPair> {
  const params = { name, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }
  return (await crypto.subtle.generateKey(
    { ...params, hash: 'SHA-256' },
    true,
    usages,
  )) as CryptoKeyPair
}

export function opKeyCases(env: Env): Case[] {
  return [
    {
      name: 'an OP RSA key with e = 1 is never used: a forged ID token is refused with JWKS_UNSAFE_KEY; twin: the e = 65537 key verifies',
      async run() {
        const pair = await rsaKeyPair('RSASSA-PKCS1-v1_5', ['sign', 'verify'])
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: 'good', alg: 'RS256', use: 'sig' }
        const weak = { ...good, e: 'AQ', kid: 'e1' }
        const config = rpWithOpKeys(env, [weak, good])
        const forged = await forgeForE1('e1', idTokenClaims(), 256)
        await env.expectCode(
          env.lib.validateIdToken(config, forged, {
            source: 'token',
            nonce: env.lib.expectNoNonce,
          }),
          'JWKS_UNSAFE_KEY',
        )
        const genuine = await sign('RS256', 'good', pair.privateKey, idTokenClaims())
        const claims = await env.lib.validateIdToken(config, genuine, {
          source: 'token',
          nonce: env.lib.expectNoNonce,
        })
        equal(claims.sub, 'alice', 'twin: the safe key verifies')
      },
    },
    {
      name: 'an OP EC key off its curve or with a short coordinate is refused with JWKS_UNSAFE_KEY; twin: the key on its curve verifies',
      async run() {
        const pair = (await crypto.subtle.generateKey(
          { name: 'ECDSA', namedCurve: 'P-256' },
          true,
          ['sign', 'verify'],
        )) as CryptoKeyPair
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, kid: 'good', use: 'sig' }
        const y = fromB64url(good.y)
        y[y.length - 1] = (y[y.length - 1] ?? 0) ^ 1
        const off = { ...good, y: b64url(y), kid: 'off' }
        const short = { ...good, x: b64url(fromB64url(good.x).subarray(1)), kid: 'short' }
        const config = rpWithOpKeys(env, [off, short, good])
        for (const kid of ['off', 'short']) {
          const token = await sign('ES256', kid, pair.privateKey, idTokenClaims())
          await env.expectCode(
            env.lib.validateIdToken(config, token, {
              source: 'token',
              nonce: env.lib.expectNoNonce,
            }),
            'JWKS_UNSAFE_KEY',
          )
        }
        const genuine = await sign('ES256', 'good', pair.privateKey, idTokenClaims())
        const claims = await env.lib.validateIdToken(config, genuine, {
          source: 'token',
          nonce: env.lib.expectNoNonce,
        })
        equal(claims.sub, 'alice', 'twin: the key on its curve verifies')
      },
    },
    {
      name: 'an OP Ed25519 key of small order is never used: an EdDSA ID token forged for the identity point is refused with JWKS_UNSAFE_KEY; twin: a generated Ed25519 key verifies',
      async run() {
        const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid: 'good', use: 'sig' }
        const weak = ED25519_SMALL_ORDER.map((hex, i) => ({
          ...good,
          x: b64url(fromHex(hex)),
          kid: `small-${i}`,
        }))
        const config = rpWithOpKeys(env, [...weak, good])
        for (const { kid } of weak) {
          await env.expectCode(
            env.lib.validateIdToken(config, forgeForIdentity(kid, idTokenClaims()), {
              source: 'token',
              nonce: env.lib.expectNoNonce,
            }),
            'JWKS_UNSAFE_KEY',
          )
        }
        const input = `${segment({ alg: 'EdDSA', kid: 'good' })}.${segment(idTokenClaims())}`
        const signature = await crypto.subtle.sign(
          { name: 'Ed25519' },
          pair.privateKey,
          encoder.encode(input),
        )
        const genuine = `${input}.${b64url(new Uint8Array(signature))}`
        const claims = await env.lib.validateIdToken(config, genuine, {
          source: 'token',
          nonce: env.lib.expectNoNonce,
        })
        equal(claims.sub, 'alice', 'twin: the generated Ed25519 key verifies')
      },
    },
    {
      name: 'a request object is never encrypted to an OP RSA key with e = 1 (JWKS_UNSAFE_KEY, nothing saved); twin: the e = 65537 key is encrypted to',
      async run() {
        const pair = await rsaKeyPair('RSA-OAEP', ['encrypt', 'decrypt'])
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: 'RSA', n: jwk.n, e: jwk.e, kid: 'good', use: 'enc' }
        const { store, saved } = countingStore(env.lib)
        const options = { ...encryptingPolicy('RSA-OAEP-256'), store }
        const weak = rpWithOpKeys(env, [{ ...good, e: 'AQ', kid: 'e1' }], options)
        await env.expectCode(env.lib.createAuthorizationRequest(weak), 'JWKS_UNSAFE_KEY')
        equal(saved(), 0, 'nothing saved')
        const twin = await env.lib.createAuthorizationRequest(rpWithOpKeys(env, [good], options))
        const header = jweHeader(twin.url.searchParams.get('request'))
        equal(header.alg, 'RSA-OAEP-256', 'twin: encrypted with RSA-OAEP-256')
        equal(header.kid, 'good', 'twin: to the safe key')
        ok(await store.take(twin.state), 'twin: its transaction was saved')
      },
    },
    {
      name: 'a request object is never encrypted to an OP X25519 key of small order (JWKS_UNSAFE_KEY); twin: a generated X25519 key is encrypted to',
      async run() {
        const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, true, [
          'deriveBits',
        ])) as CryptoKeyPair
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: 'OKP', crv: 'X25519', x: jwk.x!, kid: 'good', use: 'enc' }
        for (const hex of X25519_SMALL_ORDER) {
          const weak = rpWithOpKeys(
            env,
            [{ ...good, x: b64url(fromHex(hex)), kid: 'small' }],
            encryptingPolicy('ECDH-ES'),
          )
          await env.expectCode(env.lib.createAuthorizationRequest(weak), 'JWKS_UNSAFE_KEY')
        }
        const config = rpWithOpKeys(env, [good], encryptingPolicy('ECDH-ES'))
        const twin = await env.lib.createAuthorizationRequest(config)
        const header = jweHeader(twin.url.searchParams.get('request'))
        equal(header.alg, 'ECDH-ES', 'twin: encrypted with ECDH-ES')
        equal(header.kid, 'good', 'twin: to the generated key')
      },
    },
  ]
}
