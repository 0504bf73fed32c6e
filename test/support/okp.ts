/**
 * OKP coordinates as a JWK's `x` carries them, for the key checks' tests.
 */

/**
 * A little-endian OKP coordinate (RFC 7748 §5, RFC 8032 §5) of `bytes` bytes, base64url.
 * @param value - the coordinate
 * @param bytes - the curve's key length
 * @returns the JWK `x`
 */
export function le(value: bigint, bytes: number): string {
  return Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex')
    .reverse()
    .toString('base64url')
}
