/**
 * The OIDC left-half hashes `at_hash` and `c_hash`, and their checks in an ID token.
 *
 * OIDC Core §3.1.3.6 and §3.3.2.11.
 *
 * Only the implicit and hybrid flows bring an access token or a code with the ID token, so this is
 * loaded on first use.
 * @module
 */
import * as base64url from './base64url.js'
import { claimFailure, type TokenProfile } from './jwt-claims.js'

const encoder = new TextEncoder()

/**
 * The hash function OIDC pairs with a JWS alg for `at_hash` / `c_hash`.
 *
 * The hash of the alg (SHA-256 for `*256`, SHA-384 for `*384`, SHA-512 for `*512`), and SHA-512 for
 * EdDSA, whose only key type jose and WebCrypto handle is Ed25519.
 *
 * @param alg - the ID token's JWS alg
 * @returns the WebCrypto hash name, or `undefined` when the alg has none (e.g. `none`)
 * @internal
 */
export function halfHashAlgorithm(alg: string): string | undefined {
  switch (alg) {
    case 'RS256':
    case 'PS256':
    case 'ES256':
    case 'HS256':
      return 'SHA-256'
    case 'RS384':
    case 'PS384':
    case 'ES384':
    case 'HS384':
      return 'SHA-384'
    case 'RS512':
    case 'PS512':
    case 'ES512':
    case 'HS512':
    case 'EdDSA':
    case 'Ed25519':
      return 'SHA-512'
    default:
      return undefined
  }
}

/**
 * Computes the OIDC left-half hash of a value.
 *
 * Base64url of the left-most half of the hash of its ASCII octets.
 *
 * @param hash - the WebCrypto hash name, from {@link halfHashAlgorithm}
 * @param value - the access token or authorization code
 * @returns the base64url-encoded left half
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken OIDC Core §3.1.3.6
 * @internal
 */
export async function halfHash(hash: string, value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hash, encoder.encode(value)))
  return base64url.encode(digest.subarray(0, digest.length >>> 1))
}

/**
 * Checks an ID token's `at_hash` and `c_hash` against the access token and code that came with it.
 * @param profile - the ID token's profile (its name in messages)
 * @param claims - the ID token's claims
 * @param alg - its JWS alg, which names the hash
 * @param fromFront - whether it came from the authorization endpoint, where both are required
 * @param values - the access token (`at_hash`) and the code (`c_hash`), when they came
 * @throws {@link ValidationError} `ID_TOKEN_AT_HASH_MISSING`, `ID_TOKEN_AT_HASH_MISMATCH`,
 * `ID_TOKEN_C_HASH_MISSING`, `ID_TOKEN_C_HASH_MISMATCH`
 * @internal
 */
export async function checkHalfHashes(
  profile: TokenProfile,
  claims: Record<string, unknown>,
  alg: string,
  fromFront: boolean,
  values: { readonly at_hash: string | undefined; readonly c_hash: string | undefined },
): Promise<void> {
  const hash = halfHashAlgorithm(alg)
  for (const name of ['at_hash', 'c_hash'] as const) {
    const value = values[name]
    if (value !== undefined) await checkHalfHash(profile, claims, name, value, fromFront, hash)
  }
}

async function checkHalfHash(
  profile: TokenProfile,
  claims: Record<string, unknown>,
  name: 'at_hash' | 'c_hash',
  value: string,
  required: boolean,
  hash: string | undefined,
): Promise<void> {
  const actual = claims[name] as string | undefined
  const what = name === 'at_hash' ? 'access token' : 'code'
  if (actual === undefined) {
    if (!required) return
    throw claimFailure(
      profile,
      name === 'at_hash' ? 'ID_TOKEN_AT_HASH_MISSING' : 'ID_TOKEN_C_HASH_MISSING',
      `has no ${name} although an ${what} came with it from the authorization endpoint`,
      name,
      `the ${name} of the ${what}`,
      undefined,
    )
  }
  // An unsigned ID token (alg none, token endpoint only) has no hash function to check against.
  if (hash === undefined) return
  if ((await halfHash(hash, value)) !== actual) {
    throw claimFailure(
      profile,
      name === 'at_hash' ? 'ID_TOKEN_AT_HASH_MISMATCH' : 'ID_TOKEN_C_HASH_MISMATCH',
      `${name} does not match the ${what}`,
      name,
      `the left half of the ${hash} hash of the ${what}`,
      actual,
    )
  }
}
