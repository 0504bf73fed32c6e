/**
 * JOSE helpers of the mock OP built on jose.
 *
 * Verification against a client's JWKS, encryption to a client's `enc` key, and the OIDC left-half
 * hashes (`at_hash`, `c_hash`).
 *
 * @module
 */

import {
  base64url,
  CompactEncrypt,
  type CompactJWEHeaderParameters,
  createLocalJWKSet,
  errors,
  importJWK,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose'
import { MockOPError } from './mock-op-error.js'
import type { MockClient } from './types.js'

/** The asymmetric JWS algorithms accepted for client assertions and request objects. */
export const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** The HMAC JWS algorithms. */
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512']

/**
 * Verifies a JWT with a client's signing keys, trying every candidate key when several match.
 * @param jwt - the compact JWS
 * @param client - the client whose `jwks` holds the keys
 * @param options - jose verification options
 * @returns the verified payload
 */
export async function verifyWithClientKeys(
  jwt: string,
  client: MockClient,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  const keys = (client.jwks?.keys ?? []).filter((k) => k.use === undefined || k.use === 'sig')
  const keySet = createLocalJWKSet({ keys })
  try {
    return (await jwtVerify(jwt, keySet, options)).payload
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error
    for await (const key of error) {
      try {
        return (await jwtVerify(jwt, key, options)).payload
      } catch {}
    }
    throw new errors.JWSSignatureVerificationFailed()
  }
}

/**
 * Encrypts a payload to the client's encryption key (a JWK with `use: 'enc'` of the right type).
 * @param client - the client
 * @param plaintext - the payload (a JWS, or JSON)
 * @param alg - the JWE key management algorithm
 * @param enc - the JWE content encryption algorithm
 * @param nested - the payload is a JWT (sets `cty: 'JWT'`)
 * @returns the compact JWE
 */
export async function encryptToClient(
  client: MockClient,
  plaintext: string,
  alg: string,
  enc: string,
  nested: boolean,
): Promise<string> {
  const jwk = clientEncryptionKey(client, alg)
  const key = await importJWK(jwk, alg)
  const header: CompactJWEHeaderParameters = { alg, enc }
  if (jwk.kid !== undefined) header.kid = jwk.kid
  if (nested) header.cty = 'JWT'
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header)
    .encrypt(key)
}

/** The client's `enc` JWK fitting a key management algorithm. */
function clientEncryptionKey(client: MockClient, alg: string): JWK {
  const types = alg.startsWith('RSA') ? ['RSA'] : ['EC', 'OKP']
  const jwk = client.jwks?.keys.find(
    (k) => k.use === 'enc' && types.includes(k.kty ?? '') && (k.alg === undefined || k.alg === alg),
  )
  if (!jwk) throw new MockOPError(`client ${client.client_id} has no enc key for ${alg}`)
  return jwk
}

/**
 * The OIDC left-half hash of a value (`at_hash`, `c_hash`; Core §3.1.3.6, §3.3.2.11).
 * @param alg - the ID token's JWS algorithm (picks SHA-256, SHA-384 or SHA-512; EdDSA uses SHA-512)
 * @param value - the access token or code
 * @returns base64url of the left half of the digest
 */
export async function halfHash(alg: string, value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest(hashOf(alg), new TextEncoder().encode(value)),
  )
  return base64url.encode(digest.slice(0, digest.length / 2))
}

/** The hash function of a JWS algorithm. */
function hashOf(alg: string): string {
  if (alg.endsWith('384')) return 'SHA-384'
  if (alg.endsWith('512') || alg === 'EdDSA' || alg === 'Ed25519') return 'SHA-512'
  return 'SHA-256'
}
