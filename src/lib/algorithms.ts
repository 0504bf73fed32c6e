/**
 * The JOSE algorithm tables.
 *
 * Which JWS algs are verified with the OP's keys and which with the client secret, the key sizes of
 * secret-derived JWE keys, the algs request objects may use, and the key shape each JWS alg needs.
 *
 * @module
 */

/**
 * The JWS algs oidc-rp verifies with the OP's public keys.
 * @internal
 */
export const ASYMMETRIC_ALGS: ReadonlySet<string> = new Set([
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
])

/**
 * The JWS algs oidc-rp verifies with the client secret, and their hash.
 * @internal
 */
export const HMAC_HASHES: Readonly<Record<string, string>> = {
  HS256: 'SHA-256',
  HS384: 'SHA-384',
  HS512: 'SHA-512',
}

/**
 * Key sizes in bits of the symmetric JWE algs whose key is derived from the client secret.
 *
 * See OIDC Core §10.2: the key management alg, or the content encryption for `dir`.
 *
 * @internal
 */
export const SECRET_KEY_BITS: Readonly<Record<string, number>> = {
  A128KW: 128,
  A192KW: 192,
  A256KW: 256,
  A128GCMKW: 128,
  A192GCMKW: 192,
  A256GCMKW: 256,
  A128GCM: 128,
  A192GCM: 192,
  A256GCM: 256,
  'A128CBC-HS256': 256,
  'A192CBC-HS384': 384,
  'A256CBC-HS512': 512,
}

/**
 * The JWS algs a request object may be signed with.
 * @internal
 */
export const REQUEST_OBJECT_ALGS: ReadonlySet<string> = new Set([
  ...ASYMMETRIC_ALGS,
  ...Object.keys(HMAC_HASHES),
  'none',
])

/**
 * The JWE algs a request object may be encrypted with (to the OP's public key).
 * @internal
 */
export const REQUEST_OBJECT_ENC_ALGS: ReadonlySet<string> = new Set([
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
])

/**
 * The JWE content encryption algorithms a request object may use.
 * @internal
 */
export const CONTENT_ENCS: ReadonlySet<string> = new Set([
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
])

/**
 * The key type, and curve where it matters, of a public key that can verify a JWS alg.
 * @internal
 */
export interface KeyShape {
  /** The JWK `kty`. */
  readonly kty: string
  /** The JWK `crv`, when the alg fixes it. */
  readonly crv?: string
}

const SIGNATURE_KEY_SHAPES: Readonly<Record<string, KeyShape>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
}

/**
 * The key shape a JWS alg needs.
 * @param alg - an asymmetric JWS alg
 * @returns its key type and curve, or `undefined` for an alg not verified with public keys
 * @internal
 */
export function signatureKeyShape(alg: string): KeyShape | undefined {
  return Object.hasOwn(SIGNATURE_KEY_SHAPES, alg) ? SIGNATURE_KEY_SHAPES[alg] : undefined
}

/** The NIST curves an `ECDH-ES` key may use. */
const ECDH_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'P-521'])

/**
 * Whether a public key's type and curve can receive a JWE with a key management alg.
 * @param jwk - the public key's `kty` and `crv`
 * @param alg - the JWE `alg` (`RSA-OAEP-256`, `ECDH-ES`…)
 * @returns true when the shape fits
 * @internal
 */
export function fitsEncryptionAlg(
  jwk: { readonly kty?: string | undefined; readonly crv?: string | undefined },
  alg: string,
): boolean {
  if (alg.startsWith('RSA-OAEP')) return jwk.kty === 'RSA'
  if (alg.startsWith('ECDH-ES')) {
    return (
      (jwk.kty === 'EC' && ECDH_CURVES.has(jwk.crv ?? '')) ||
      (jwk.kty === 'OKP' && jwk.crv === 'X25519')
    )
  }
  return false
}

/**
 * The JWS algorithms FAPI 2.0 allows (Security Profile §5.4): PS256, ES256 and EdDSA (Ed25519).
 * @group Configuration
 */
export const FAPI2_SIGNING_ALGS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'PS256',
  'ES256',
  'EdDSA',
])
