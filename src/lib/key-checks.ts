/**
 * Checks an OP's public key can be safe before any use of it, the same on every runtime.
 *
 * Before signature verification and encryption to it, rather than wherever a crypto library happens
 * to check: RSA exponent and modulus size, EC coordinate lengths and the point on its named curve,
 * OKP lengths and points of small order. One place, so a new rule is added once. The signing curves
 * are here; the key agreement curves (X25519, X448), which only encryption to the OP uses, are in
 * ecdh-key-checks.ts, so a page that only verifies signatures does not carry them.
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

/**
 * An OKP curve (RFC 8037).
 *
 * Its public key length, its field prime, and the coordinates that make a point of small order.
 * @internal
 */
export interface OkpCurve {
  /** The public key length in bytes (RFC 7748 §5, RFC 8032 §5). */
  readonly bytes: number
  /** The field prime: a coordinate at or above it is not reduced. */
  readonly p: bigint
  /** The coordinates of the points of small order. */
  readonly smallOrder: readonly bigint[]
  /** Whether the key's top bit is not part of the coordinate (x's sign, or ignored). */
  readonly topBit: boolean
}

/** The prime of Curve25519's field. @internal */
export const P25519 = 2n ** 255n - 19n
/** The prime of Curve448's field. @internal */
export const P448 = 2n ** 448n - 2n ** 224n - 1n

/**
 * The signing curves (RFC 8037 §3.1), with their points of small order.
 *
 * Ed25519's y of the eight points of order 1, 2, 4 and 8 (the identity's y is 1), Ed448's (cofactor
 * 4) y of 0, 1 and −1. A key whose coordinate is one of them, or not reduced, verifies a fixed
 * signature on every message.
 */
const SIGNING_CURVES: Readonly<Record<string, OkpCurve>> = {
  Ed25519: {
    bytes: 32,
    p: P25519,
    smallOrder: [
      0n,
      1n,
      P25519 - 1n,
      0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
      P25519 - 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
    ],
    topBit: true,
  },
  Ed448: { bytes: 57, p: P448, smallOrder: [0n, 1n, P448 - 1n], topBit: true },
}

/**
 * Tells why an OP's public key to verify signatures with cannot be safe, or nothing when it passes.
 *
 * RSA needs an odd public exponent with 2^16 < e < 2^256 and a modulus of at least 2048 bits; EC
 * (P-256, P-384, P-521) needs `x` and `y` of the curve's length naming a point on the curve; OKP
 * (Ed25519, Ed448) needs `x` of its curve's length, not of small order. Other key types and curves
 * are refused. The verdict is remembered per JWK object.
 *
 * @param jwk - a public key from the OP's JWKS
 * @returns the problem in a few words (no key material), or `undefined` when the key may be used
 * @see https://www.rfc-editor.org/rfc/rfc8017#section-3.1 RFC 8017 §3.1
 * @see https://www.secg.org/sec1-v2.pdf SEC 1 §3.2.2.1 (public key validation)
 * @internal
 */
export const opKeyProblem: (jwk: JWK) => string | undefined =
  /* @__PURE__ */ keyCheck(SIGNING_CURVES)

/**
 * The check of an OP's public keys, for OKP keys on the curves given.
 *
 * Its verdicts are remembered per JWK object: a JWKS snapshot's keys are checked once, not at every
 * use.
 * @param okp - the OKP curves accepted
 * @returns the check: the problem in a few words, or `undefined` when the key may be used
 * @internal
 */
export function keyCheck(
  okp: Readonly<Record<string, OkpCurve>>,
): (jwk: JWK) => string | undefined {
  const verdicts = new WeakMap<JWK, string | null>()
  return (jwk) => {
    const known = verdicts.get(jwk)
    if (known !== undefined) return known ?? undefined
    const problem = check(jwk, okp)
    verdicts.set(jwk, problem ?? null)
    return problem
  }
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

function check(jwk: JWK, okp: Readonly<Record<string, OkpCurve>>): string | undefined {
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
      const curve = Object.hasOwn(okp, jwk.crv ?? '') ? okp[jwk.crv!] : undefined
      if (curve === undefined) return 'OKP key on an unsupported curve'
      const x = bytes(jwk.x)
      if (x?.length !== curve.bytes) return `OKP ${jwk.crv} key not ${curve.bytes} bytes`
      return smallOrder(curve, x) ? `OKP ${jwk.crv} key of small order` : undefined
    }
    default:
      return 'not an RSA, EC or OKP public key'
  }
}

/** Whether an OKP public key (little-endian, RFC 7748 §5 / RFC 8032 §5) is of small order. */
function smallOrder(curve: OkpCurve, key: Uint8Array): boolean {
  const le = Uint8Array.from(key).reverse()
  // Edwards keys carry x's sign in the top bit (RFC 8032); X25519 ignores its top bit (RFC 7748)
  if (curve.topBit) le[0] = le[0]! & 0x7f
  const value = toBigInt(le)
  return value >= curve.p || curve.smallOrder.includes(value)
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
