/**
 * Checks an OP's key agreement keys (ECDH-ES, RFC 7518 §4.6) can be safe before encrypting to them.
 *
 * RSA and EC keys as key-checks.ts checks them; OKP keys on X25519 and X448 (RFC 8037 §3.2), their
 * points of small order refused: X25519's u of the points of order up to 8, X448's (cofactor 4) u
 * of 0, 1 and −1, which give every peer the same shared secret.
 *
 * @module
 */
import type { JWK } from 'jose'
import { keyCheck, P448, P25519 } from './key-checks.js'

/**
 * Tells why an OP's key to encrypt to cannot be safe, or nothing when it passes.
 * @param jwk - a public key from the OP's JWKS
 * @returns the problem in a few words (no key material), or `undefined` when the key may be used
 * @internal
 */
export const encryptionKeyProblem: (jwk: JWK) => string | undefined = keyCheck({
  X25519: {
    bytes: 32,
    p: P25519,
    smallOrder: [
      0n,
      1n,
      P25519 - 1n,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    ],
    topBit: true,
  },
  X448: { bytes: 56, p: P448, smallOrder: [0n, 1n, P448 - 1n], topBit: false },
})
