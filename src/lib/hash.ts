/**
 * SHA-256 of a text, and the OIDC left-half hashes `at_hash` and `c_hash`.
 *
 * The first for PKCE challenges, binding hashes and DPoP's `ath`; the others per OIDC Core
 * §3.1.3.6 and §3.3.2.11.
 * @module
 */
import * as base64url from './base64url.js'
import { sha256Base64url } from './node-crypto.js'

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
 * The SHA-256 of a text's UTF-8 octets, base64url-encoded.
 *
 * A PKCE S256 challenge (RFC 7636 §4.2), a browser binding's stored hash, DPoP's `ath` (RFC 9449
 * §4.2). Synchronous where the runtime lends Node's crypto module (no round trip through
 * WebCrypto's worker thread), WebCrypto's digest elsewhere.
 *
 * @param value - the text
 * @returns the digest, or a promise of it
 * @internal
 */
export function sha256Text(value: string): string | Promise<string> {
  return (
    sha256Base64url(value) ??
    crypto.subtle
      .digest('SHA-256', encoder.encode(value))
      .then((digest) => base64url.encode(new Uint8Array(digest)))
  )
}
