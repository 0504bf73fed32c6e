/**
 * OP keys that cannot be safe are refused on every runtime, by oidc-rp's own check rather than by
 * whatever the runtime's WebCrypto happens to verify: an RSA key with e = 1 (for which anyone can
 * compute a signature), an EC key off its curve or with coordinates of the wrong length, an Ed25519
 * key of small order (the identity point accepts one fixed signature on every message).
 */
import { equal } from '../assert.js'
import type { Env } from '../fixtures.js'
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
function rpWithOpKeys(env: Env, keys: readonly JsonWebKey[]) {
  const metadata = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
  }
  const fetch = async () =>
    new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } })
  return env.lib.createConfiguration(metadata, CLIENT, { fetch })
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

export function opKeyCases(env: Env): Case[] {
  return [
    {
      name: 'an OP RSA key with e = 1 is never used: a forged ID token is refused with JWKS_UNSAFE_KEY; twin: the e = 65537 key verifies',
      async run() {
        const pair = (await crypto.subtle.generateKey(
          {
            name: 'RSASSA-PKCS1-v1_5',
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: 'SHA-256',
          },
          true,
          ['sign', 'verify'],
        )) as CryptoKeyPair
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
      name: 'an OP Ed25519 key of small order (the identity point) is refused with JWKS_UNSAFE_KEY; twin: a genuine Ed25519 key verifies',
      async run() {
        const identity = new Uint8Array(32)
        identity[0] = 1
        const weak = { kty: 'OKP', crv: 'Ed25519', x: b64url(identity), kid: 'small', use: 'sig' }
        const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
        const good = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid: 'good', use: 'sig' }
        const config = rpWithOpKeys(env, [weak, good])
        // R = the identity, S = 0: [S]B = R + [k]A holds for the identity A whatever the message
        const input = `${segment({ alg: 'EdDSA', kid: 'small' })}.${segment(idTokenClaims())}`
        const forged = `${input}.${b64url(Uint8Array.from([...identity, ...new Uint8Array(32)]))}`
        const expectations = { source: 'token', nonce: env.lib.expectNoNonce } as const
        await env.expectCode(
          env.lib.validateIdToken(config, forged, expectations),
          'JWKS_UNSAFE_KEY',
        )
        const signedInput = `${segment({ alg: 'EdDSA', kid: 'good' })}.${segment(idTokenClaims())}`
        const signature = await crypto.subtle.sign(
          'Ed25519',
          pair.privateKey,
          encoder.encode(signedInput),
        )
        const genuine = `${signedInput}.${b64url(new Uint8Array(signature))}`
        const claims = await env.lib.validateIdToken(config, genuine, expectations)
        equal(claims.sub, 'alice', 'twin: a genuine Ed25519 key verifies')
      },
    },
  ]
}
