/**
 * JWS signatures verified with WebCrypto directly.
 *
 * What jose's `importJWK` and `compactVerify` do for a public key or an HMAC key, in the few lines
 * the algs oidc-rp accepts need, so that a page's sign-in path carries no JOSE library. Everything
 * else is checked before: the compact form and the header, with no `crit` (compact.ts), the key's
 * safety (key-checks.ts) and whether the alg is accepted at all (the callers).
 *
 * @module
 */
import * as base64url from './base64url.js'

const encoder = new TextEncoder()

/** How WebCrypto imports a key for a JWS alg, and how it verifies with it. */
interface AlgParams {
  readonly importAs: RsaHashedImportParams | EcKeyImportParams | HmacImportParams | Algorithm
  readonly verifyAs: RsaPssParams | EcdsaParams | Algorithm
}

/**
 * The WebCrypto parameters of a JWS alg (RFC 7518 §3, RFC 8037).
 * @param alg - the JWS alg
 * @param crv - the key's curve, for `EdDSA`
 * @returns the parameters, or `undefined` for an alg this module does not verify
 */
function paramsOf(alg: string, crv: string | undefined): AlgParams | undefined {
  if (alg === 'Ed25519' || (alg === 'EdDSA' && (crv === 'Ed25519' || crv === 'Ed448'))) {
    const name = alg === 'Ed25519' ? 'Ed25519' : (crv as string)
    return { importAs: { name }, verifyAs: { name } }
  }
  const bits = alg.slice(2)
  if (!['256', '384', '512'].includes(bits)) return undefined
  const hash = `SHA-${bits}`
  switch (alg.slice(0, 2)) {
    case 'RS':
      return {
        importAs: { name: 'RSASSA-PKCS1-v1_5', hash },
        verifyAs: { name: 'RSASSA-PKCS1-v1_5' },
      }
    case 'PS':
      return {
        importAs: { name: 'RSA-PSS', hash },
        verifyAs: { name: 'RSA-PSS', saltLength: Number(bits) / 8 },
      }
    case 'ES':
      return {
        importAs: { name: 'ECDSA', namedCurve: bits === '512' ? 'P-521' : `P-${bits}` },
        verifyAs: { name: 'ECDSA', hash },
      }
    case 'HS':
      return { importAs: { name: 'HMAC', hash }, verifyAs: { name: 'HMAC' } }
    default:
      return undefined
  }
}

/** The members of a public JWK WebCrypto reads, and no others (no `alg`, `use`, `key_ops`). */
function publicMembers(jwk: Readonly<Record<string, unknown>>): JsonWebKey {
  const members = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] }[String(jwk.kty)]
  if (members === undefined) throw new TypeError('not a public key type of a JWS alg')
  return Object.fromEntries([['kty', jwk.kty], ...members.map((m) => [m, jwk[m]])])
}

/**
 * Imports an OP's public JWK to verify one alg.
 * @param jwk - the public key (its shape already checked against the alg)
 * @param alg - the JWS alg it will verify
 * @returns the key
 * @throws when the key does not fit the alg or WebCrypto refuses it (the caller skips the key)
 * @internal
 */
export async function importVerificationKey(
  jwk: Readonly<Record<string, unknown>>,
  alg: string,
): Promise<CryptoKey> {
  const params = paramsOf(alg, jwk.crv as string | undefined)
  if (params === undefined || params.importAs.name === 'HMAC') {
    throw new TypeError('not an asymmetric JWS alg')
  }
  return crypto.subtle.importKey('jwk', publicMembers(jwk), params.importAs, false, ['verify'])
}

/**
 * Tells whether a compact JWS's signature verifies with a key imported for its alg.
 * @param jws - the compact JWS (already decoded and checked)
 * @param key - the key, imported for `alg` ({@link importVerificationKey}, or an HMAC key)
 * @param alg - the JWS alg
 * @returns true when the signature verifies; false when it does not, or cannot be checked
 * @internal
 */
export async function verifiesWith(jws: string, key: CryptoKey, alg: string): Promise<boolean> {
  const params = paramsOf(alg, (key.algorithm as { name: string }).name)
  if (params === undefined) return false
  const dot = jws.lastIndexOf('.')
  try {
    const signature = base64url.decode(jws.slice(dot + 1))
    const signed = encoder.encode(jws.slice(0, dot))
    return await crypto.subtle.verify(
      params.verifyAs,
      key,
      signature as Uint8Array<ArrayBuffer>,
      signed,
    )
  } catch {
    return false
  }
}
