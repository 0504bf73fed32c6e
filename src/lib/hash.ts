/**
 * SHA-256 of a text: PKCE challenges, binding hashes and DPoP's `ath`.
 * @module
 */
import * as base64url from './base64url.js'
import { sha256Base64url } from './node-crypto.js'

const encoder = new TextEncoder()

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
