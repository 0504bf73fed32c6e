/**
 * base64url without padding, over the platform's `btoa` and `atob`.
 *
 * RFC 4648 §5, as JOSE uses it (RFC 7515 §2).
 *
 * jose has the same two functions; importing them costs a process the resolution of the `jose`
 * package and two modules at import (≈4 ms of a cold start, BENCH.md), and they are the only part
 * of jose that a sign-in needs: the OP's signatures are verified with WebCrypto directly
 * (webcrypto-jws.ts). jose loads on first use, for the client's own keys and for JWE.
 *
 * @module
 */

const encoder = new TextEncoder()
const ALPHABET = /^[\w-]*$/
const PLUS = /\+/g
const SLASH = /\//g
const PADDING = /=+$/
const DASH = /-/g
const UNDERSCORE = /_/g
/** `String.fromCharCode` takes its arguments on the stack: a bounded number per call. */
const CHUNK = 0x8000

/**
 * Encodes bytes, or a text's UTF-8 octets.
 * @param input - the bytes or the text
 * @returns the base64url encoding, without padding
 * @internal
 */
export function encode(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
  return btoa(binary).replace(PLUS, '-').replace(SLASH, '_').replace(PADDING, '')
}

/**
 * Decodes a base64url value without padding.
 * @param value - letters, digits, `-` and `_` only
 * @returns the bytes
 * @throws `TypeError` for any other character, or a length no encoding has
 * @internal
 */
export function decode(value: string): Uint8Array {
  const binary = decodeToBinary(value)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * Decodes a base64url value without padding into a binary string: one character per byte.
 * @param value - letters, digits, `-` and `_` only
 * @returns the binary string
 * @throws `TypeError` for any other character, or a length no encoding has
 * @internal
 */
export function decodeToBinary(value: string): string {
  if (!ALPHABET.test(value) || value.length % 4 === 1) {
    throw new TypeError('not a base64url value')
  }
  return atob(value.replace(DASH, '+').replace(UNDERSCORE, '/'))
}
