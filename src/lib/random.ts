/**
 * Random values from the platform CSPRNG (`crypto.getRandomValues`), base64url-encoded.
 * @module
 */
import * as base64url from './base64url.js'

/**
 * Returns `byteLength` random bytes from the CSPRNG, base64url-encoded without padding.
 * @param byteLength - how many random bytes; at least 16 (128 bits). Default 32 (256 bits).
 * @returns the base64url value (43 characters for 32 bytes)
 * @throws `RangeError` when `byteLength` is below 16 or above 65,536
 * @internal
 */
export function randomBase64url(byteLength = 32): string {
  if (!Number.isSafeInteger(byteLength) || byteLength < 16 || byteLength > 65_536) {
    throw new RangeError('byteLength must be an integer from 16 to 65536')
  }
  return base64url.encode(crypto.getRandomValues(new Uint8Array(byteLength)))
}

/**
 * Returns `count` independent random values of 256 bits each, base64url-encoded.
 *
 * All come from one call to the CSPRNG.
 *
 * @param count - how many values, 1 to 64
 * @returns the values (43 characters each)
 * @internal
 */
export function randomBase64urls(count: number): string[] {
  const bytes = crypto.getRandomValues(new Uint8Array(32 * count))
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(base64url.encode(bytes.subarray(32 * i, 32 * (i + 1))))
  return out
}
