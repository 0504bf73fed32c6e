/**
 * Checks an OP's public key can be safe before any use of it, the same on every runtime.
 *
 * Before signature verification and encryption to it, rather than wherever a crypto library happens
 * to check: RSA exponent and modulus size, EC coordinate lengths and the point on its named curve,
 * OKP lengths. One place, so a new rule (e.g. small-order Ed25519/X25519 points) is added once.
 *
 * @module
 */
import type { JWK } from 'jose'
import * as base64url from './base64url.js'

/** The least RSA modulus accepted, in bits (NIST SP 800-131A). */
const MIN_RSA_MODULUS_BITS = 2048

/**
 * The NIST prime curves as `y² = x³ − 3x + b (mod p)`, and their coordinate length in bytes.
 * @see https://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-186.pdf NIST SP 800-186 §3.2.1
 */
const CURVES: Readonly<Record<string, { p: bigint; b: bigint; bytes: number }>> = {
  'P-256': {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  'P-384': {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  'P-521': {
    p: 2n ** 521n - 1n,
    b: 0x51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
  },
}

/** The public key length in bytes of each OKP curve (RFC 8037 §2, RFC 7748 §5, RFC 8032 §5). */
const OKP_BYTES: Readonly<Record<string, number>> = {
  Ed25519: 32,
  Ed448: 57,
  X25519: 32,
  X448: 56,
}

/** Verdicts per JWK object: a JWKS snapshot's keys are checked once, not at every verification. */
const verdicts = new WeakMap<JWK, string | null>()

/**
 * Tells why an OP public key cannot be safe, or nothing when it passes.
 *
 * RSA needs an odd public exponent with 2^16 < e < 2^256 and a modulus of at least 2048 bits; EC
 * (P-256, P-384, P-521) needs `x` and `y` of the curve's length naming a point on the curve; OKP
 * needs `x` of its curve's length. Other key types are refused. The verdict is remembered per JWK
 * object.
 *
 * @param jwk - a public key from the OP's JWKS
 * @returns the problem in a few words (no key material), or `undefined` when the key may be used
 * @see https://www.rfc-editor.org/rfc/rfc8017#section-3.1 RFC 8017 §3.1
 * @see https://www.secg.org/sec1-v2.pdf SEC 1 §3.2.2.1 (public key validation)
 * @internal
 */
export function opKeyProblem(jwk: JWK): string | undefined {
  const known = verdicts.get(jwk)
  if (known !== undefined) return known ?? undefined
  const problem = check(jwk)
  verdicts.set(jwk, problem ?? null)
  return problem
}

/**
 * Tells why RSA public key parameters cannot be safe.
 *
 * An even exponent, one at most 2^16 or at least 2^256, or a modulus under 2048 bits. Shared by
 * {@link opKeyProblem} and by the fast paths that only see an imported key's algorithm
 * (`modulusLength`, `publicExponent`).
 *
 * @param modulusBits - the modulus length in bits
 * @param exponent - the public exponent, big-endian bytes
 * @returns the problem, or `undefined`
 * @internal
 */
export function rsaProblem(modulusBits: number, exponent: Uint8Array): string | undefined {
  if (!(modulusBits >= MIN_RSA_MODULUS_BITS)) {
    return `RSA modulus of ${modulusBits} bits, under ${MIN_RSA_MODULUS_BITS}`
  }
  const e = toBigInt(exponent)
  if (e % 2n === 0n) return 'even RSA public exponent'
  if (e <= 2n ** 16n) return 'RSA public exponent at most 2^16'
  if (e >= 2n ** 256n) return 'RSA public exponent at least 2^256'
  return undefined
}

function check(jwk: JWK): string | undefined {
  switch (jwk.kty) {
    case 'RSA': {
      const n = bytes(jwk.n)
      const e = bytes(jwk.e)
      if (n === undefined || e === undefined) return 'RSA key without base64url n and e'
      if (n.length > 0 && n[n.length - 1]! % 2 === 0) return 'even RSA modulus'
      return rsaProblem(bitLength(n), e)
    }
    case 'EC': {
      const curve = CURVES[jwk.crv ?? '']
      if (curve === undefined) return 'EC key on an unsupported curve'
      const x = bytes(jwk.x)
      const y = bytes(jwk.y)
      if (x?.length !== curve.bytes || y?.length !== curve.bytes) {
        return `EC ${jwk.crv} coordinates not ${curve.bytes} bytes long`
      }
      return onCurve(toBigInt(x), toBigInt(y), curve) ? undefined : `EC point not on ${jwk.crv}`
    }
    case 'OKP': {
      const length = OKP_BYTES[jwk.crv ?? '']
      if (length === undefined) return 'OKP key on an unsupported curve'
      const x = bytes(jwk.x)
      if (x?.length !== length) return `OKP ${jwk.crv} key not ${length} bytes`
      return smallOrder(jwk.crv!, x) ? `OKP ${jwk.crv} key of small order` : undefined
    }
    default:
      return 'not an RSA, EC or OKP public key'
  }
}

const P25519 = 2n ** 255n - 19n
const P448 = 2n ** 448n - 2n ** 224n - 1n
/**
 * The coordinates that make a point of small order, per OKP curve (RFC 7748, RFC 8032).
 *
 * Ed25519: y of the eight points of order 1, 2, 4 and 8 (the identity's y is 1). X25519: u of the
 * points of order up to 8. Ed448 and X448 (cofactor 4): y or u of 0, 1 and −1. A key whose
 * coordinate is one of them, or not reduced (≥ p), verifies a fixed signature on every message,
 * or gives every peer the same shared secret.
 */
const SMALL_ORDER: Readonly<Record<string, { p: bigint; values: readonly bigint[] }>> = {
  Ed25519: {
    p: P25519,
    values: [
      0n,
      1n,
      P25519 - 1n,
      0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
      P25519 - 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
    ],
  },
  X25519: {
    p: P25519,
    values: [
      0n,
      1n,
      P25519 - 1n,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    ],
  },
  Ed448: { p: P448, values: [0n, 1n, P448 - 1n] },
  X448: { p: P448, values: [0n, 1n, P448 - 1n] },
}

/** Whether an OKP public key (little-endian, RFC 7748 §5 / RFC 8032 §5) is of small order. */
function smallOrder(crv: string, key: Uint8Array): boolean {
  const curve = SMALL_ORDER[crv]
  if (curve === undefined) return false
  const le = Uint8Array.from(key).reverse()
  // Edwards keys carry x's sign in the top bit (RFC 8032); X25519 ignores its top bit (RFC 7748)
  if (crv === 'Ed25519' || crv === 'X25519') le[0] = le[0]! & 0x7f
  if (crv === 'Ed448') le[0] = le[0]! & 0x7f
  const value = toBigInt(le)
  return value >= curve.p || curve.values.includes(value)
}

/** `y² = x³ − 3x + b (mod p)`, with both coordinates reduced (below p). */
function onCurve(x: bigint, y: bigint, { p, b }: { p: bigint; b: bigint }): boolean {
  if (x >= p || y >= p) return false
  const left = (y * y) % p
  const right = (((x * x * x - 3n * x + b) % p) + p) % p
  return left === right
}

function bytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !/^[\w-]+$/.test(value)) return undefined
  try {
    return base64url.decode(value)
  } catch {
    return undefined
  }
}

function toBigInt(value: Uint8Array): bigint {
  let hex = '0x0'
  for (const byte of value) hex += byte.toString(16).padStart(2, '0')
  return BigInt(hex)
}

/** The bit length of a big-endian unsigned integer, leading zero bytes ignored. */
function bitLength(value: Uint8Array): number {
  let i = 0
  while (i < value.length && value[i] === 0) i++
  if (i === value.length) return 0
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i]!))
}
