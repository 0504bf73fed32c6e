/**
 * Verification of a decoded compact JWS with the keys its caller hands in.
 *
 * The OP's public keys through a resolver (the JWKS cache), the client secret's HMAC key for `HS*`,
 * an empty signature for `none`. The alg alone decides the key type, so an OP public key is never
 * an HMAC secret.
 *
 * @module
 */
import { ValidationError, type ValidationErrorCode } from '../errors.js'
import { ASYMMETRIC_ALGS, HMAC_HASHES } from './algorithms.js'
import type { DecodedJws } from './compact.js'
import { verifiesWith } from './webcrypto-jws.js'

/**
 * The codes a JWT consumer throws for its own failures.
 * @internal
 */
export interface JwtErrorCodes {
  /** The header `alg` is not accepted. */
  readonly alg: ValidationErrorCode
  /** The signature does not verify. */
  readonly signature: ValidationErrorCode
  /** The JWE cannot be decrypted or its `alg`/`enc` are not the registered ones. */
  readonly decryption: ValidationErrorCode
}

/**
 * A protected JWS header as the OP-key resolver reads it.
 * @internal
 */
export interface JwsKeyHeader {
  /** The asymmetric JWS alg, already accepted. */
  readonly alg: string
  /** The key id, when the OP sent one. */
  readonly kid?: string | undefined
}

/**
 * Finds the OP's public keys for a JWS and verifies with them (the JWKS cache is one).
 * @internal
 */
export interface OpKeyResolver {
  /**
   * Verifies with the OP's keys, fetching or re-fetching them as needed.
   * @throws {@link ValidationError} `signatureCode` when no candidate verifies, `JWKS_*`
   */
  verify(
    jws: string,
    header: JwsKeyHeader,
    signatureCode: ValidationErrorCode,
    signal?: AbortSignal,
  ): Promise<unknown>
  /** Verifies from cached keys only, synchronously; `false` decides nothing. */
  verifyCached(jws: string, header: JwsKeyHeader): boolean
}

/**
 * Gives the HMAC key made from the client secret.
 * @internal
 */
export interface HmacKeySource {
  /**
   * The key for an `HS*` alg.
   * @throws {@link UsageError} `MISSING_CREDENTIALS` without a client secret
   */
  hmacKey(alg: string, hash: string): Promise<CryptoKey>
}

/**
 * Verifies a decoded JWS.
 *
 * `none` needs an empty signature, `HS*` verifies with the client secret, every other supported alg
 * with the OP's keys. The caller has already decided the alg is accepted.
 *
 * @param decoded - the JWS from {@link decodeJws}
 * @param opKeys - the OP's keys
 * @param secret - the client secret's keys
 * @param codes - the consumer's error codes
 * @param signal - aborts a JWKS fetch
 * @throws {@link ValidationError} `codes.signature`, `codes.alg`, `JWKS_NO_MATCHING_KEY`,
 * `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched
 * @throws {@link UsageError} `MISSING_CREDENTIALS` for `HS*` without a client secret
 * @internal
 */
export async function verifyJws(
  decoded: DecodedJws,
  opKeys: OpKeyResolver,
  secret: HmacKeySource,
  codes: JwtErrorCodes,
  signal?: AbortSignal,
): Promise<void> {
  const { jws, header } = decoded
  const alg = header.alg
  if (alg === 'none') {
    if (jws.endsWith('.')) return
    throw badSignature(codes.signature, alg)
  }
  const hash = HMAC_HASHES[alg]
  if (hash !== undefined) {
    const key = await secret.hmacKey(alg, hash)
    if (await verifiesWith(jws, key, alg)) return
    throw badSignature(codes.signature, alg)
  }
  if (!ASYMMETRIC_ALGS.has(alg)) throw algNotAllowed(codes.alg, alg, 'a supported JWS alg')
  await opKeys.verify(jws, header as JwsKeyHeader, codes.signature, signal)
}

/**
 * Verifies a decoded JWS at once, without awaiting, when everything is at hand.
 *
 * An OP-key alg, the keys cached and fresh, the key imported and a synchronous verifier. A `false`
 * decides nothing: {@link verifyJws} then verifies (or refuses, or re-fetches) as usual.
 *
 * @param decoded - the JWS from {@link decodeJws}, its alg already accepted
 * @param opKeys - the OP's keys
 * @returns true when the signature verified
 * @internal
 */
export function verifiedAtOnce(decoded: DecodedJws, opKeys: OpKeyResolver): boolean {
  return (
    ASYMMETRIC_ALGS.has(decoded.header.alg) &&
    opKeys.verifyCached(decoded.jws, decoded.header as JwsKeyHeader)
  )
}

function badSignature(code: ValidationErrorCode, alg: string): ValidationError {
  return new ValidationError(
    code,
    alg === 'none'
      ? 'the unsigned (alg none) JWT carries a signature'
      : alg.startsWith('HS')
        ? `the ${alg} signature does not verify with the client secret`
        : `the ${alg} signature does not verify`,
    { claim: 'signature' },
  )
}

/**
 * The error for a JWS or JWE alg that is not accepted.
 * @param code - the consumer's code
 * @param alg - the alg that came
 * @param expected - what was accepted, in words or as a list
 * @returns the error
 * @internal
 */
export function algNotAllowed(
  code: ValidationErrorCode,
  alg: unknown,
  expected: unknown,
): ValidationError {
  return new ValidationError(
    code,
    `the JWT alg ${JSON.stringify(String(alg).slice(0, 40))} is not accepted`,
    { claim: 'alg', expected, actual: alg },
  )
}

/**
 * Tells whether an alg can be verified at all: asymmetric algs always, `HS*` only with a secret.
 * @param alg - a JWS alg
 * @param hasSecret - whether the client has a secret
 * @returns true when oidc-rp has the means to verify it
 * @internal
 */
export function canVerify(alg: string, hasSecret: boolean): boolean {
  if (ASYMMETRIC_ALGS.has(alg)) return true
  return hasSecret && HMAC_HASHES[alg] !== undefined
}
