/**
 * ID token validation (OIDC Core §3.1.3.7, §3.2.2.11, §3.3.2.12): decryption when registered,
 * structure, alg, signature (always, also for token endpoint ID tokens), then every claim.
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { UsageError, ValidationError, type ValidationErrorCode } from './errors.js'
import { halfHash, halfHashAlgorithm } from './lib/hash.js'
import { quoted } from './lib/json.js'
import {
  type AudienceErrorCodes,
  algNotAllowed,
  canVerify,
  checkAudience,
  claimFailure,
  type DecodedJws,
  decodeJws,
  decryptJwe,
  isCompactJwe,
  type JwtErrorCodes,
  verifiedAtOnce,
  verifyJws,
} from './lib/jwt.js'
import { RUNTIME } from './lib/runtime.js'

/**
 * What the ID token must satisfy beyond its signature and the fixed claim rules: where it came
 * from and what the authorization request asked for.
 * @group ID Token
 */
export interface IdTokenExpectations {
  /**
   * Where the ID token came from: the authorization response (front channel), the token endpoint
   * after a code exchange, or a refresh token response. `alg: none` is never accepted from
   * `authorization`; `at_hash`/`c_hash` are required only from `authorization`.
   */
  readonly source: 'authorization' | 'token' | 'refresh'
  /** The nonce sent; the ID token must carry exactly it (`ID_TOKEN_NONCE_MISSING` / `_MISMATCH`). */
  readonly nonce?: string
  /**
   * The `max_age` sent, in seconds: `auth_time` is then required and must be at most this old
   * (plus the clock tolerance). When absent, the client's `default_max_age` applies, except for
   * `source: 'refresh'`.
   */
  readonly maxAgeInSeconds?: number
  /** Require `auth_time` even without `maxAgeInSeconds` (e.g. it was requested as an essential claim). */
  readonly requireAuthTime?: boolean
  /** The acceptable `acr` values: the ID token's `acr` must be one of them (`ID_TOKEN_ACR_NOT_SATISFIED`). */
  readonly requiredAcr?: readonly string[]
  /**
   * The access token that came with the ID token: `at_hash` is then required when the source is
   * `authorization` (Implicit `id_token token`), and checked whenever present.
   */
  readonly accessToken?: string
  /**
   * The authorization code that came with the ID token (hybrid): `c_hash` is then required when the
   * source is `authorization`, and checked whenever present.
   */
  readonly code?: string
  /** Aborts a JWKS fetch. */
  readonly signal?: AbortSignal
}

/**
 * The claims of a validated ID token (OIDC Core §2). Other claims are kept as they came.
 * @group ID Token
 */
export interface IdTokenClaims {
  /** The issuer: exactly the OP's issuer. */
  readonly iss: string
  /** The end-user's identifier at the OP, never reassigned. */
  readonly sub: string
  /** The audiences: the client_id, plus trusted audiences only. */
  readonly aud: string | readonly string[]
  /** Expiry, in seconds since the epoch. */
  readonly exp: number
  /** Issue time, in seconds since the epoch. */
  readonly iat: number
  /** When the end-user authenticated, in seconds since the epoch. */
  readonly auth_time?: number
  /** The nonce of the authorization request. */
  readonly nonce?: string
  /** The authentication context class satisfied. */
  readonly acr?: string
  /** The authentication methods used. */
  readonly amr?: readonly string[]
  /** The authorized party: the client_id when present. */
  readonly azp?: string
  /** The OP session id (front- and back-channel logout). */
  readonly sid?: string
  /** Any other claim, as it came. */
  readonly [claim: string]: unknown
}

const CODES: JwtErrorCodes = {
  alg: 'ID_TOKEN_ALG_NOT_ALLOWED',
  signature: 'ID_TOKEN_SIGNATURE_INVALID',
  decryption: 'ID_TOKEN_DECRYPTION_FAILED',
}
const AUDIENCE_CODES: AudienceErrorCodes = {
  mismatch: 'ID_TOKEN_AUDIENCE_MISMATCH',
  untrusted: 'ID_TOKEN_UNTRUSTED_AUDIENCE',
  azp: 'ID_TOKEN_AZP_MISMATCH',
  invalid: 'ID_TOKEN_CLAIM_INVALID',
}
const WHAT = 'ID token'
/** The default `id_token_encrypted_response_enc` (OIDC Registration §2). */
const DEFAULT_ENC = 'A128CBC-HS256'
const SOURCES: ReadonlySet<string> = new Set(['authorization', 'token', 'refresh'])
/** Optional claims that must be strings when present. */
const STRING_CLAIMS = ['sid', 'nonce', 'acr', 'at_hash', 'c_hash'] as const

/**
 * Validates an ID token to the letter of OIDC Core: decrypts it when the client registered
 * `id_token_encrypted_response_alg` (and refuses the other form), decodes it once, accepts only the
 * registered alg (else the OP's advertised algs, never `none` unless registered and from the token
 * endpoint), verifies the signature with the OP's keys or the client secret, then checks `iss`,
 * `aud`, `azp`, `exp`, `iat`, `nbf`, `sub`, `nonce`, `acr`, `auth_time`, `at_hash` and `c_hash`.
 * @param config - the configuration
 * @param idToken - the compact ID token (JWS, or JWE when encryption is registered)
 * @param expectations - the source and what the authorization request asked for
 * @returns the validated claims
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`,
 * `ID_TOKEN_DECRYPTION_FAILED`, `ID_TOKEN_ALG_NOT_ALLOWED`, `ID_TOKEN_SIGNATURE_INVALID`,
 * `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`, `ID_TOKEN_ISSUER_MISMATCH`,
 * `ID_TOKEN_AUDIENCE_MISMATCH`, `ID_TOKEN_UNTRUSTED_AUDIENCE`, `ID_TOKEN_AZP_MISMATCH`,
 * `ID_TOKEN_EXPIRED`, `ID_TOKEN_IAT_MISSING`, `ID_TOKEN_IAT_IN_FUTURE`, `ID_TOKEN_NOT_YET_VALID`,
 * `ID_TOKEN_SUB_MISSING`, `ID_TOKEN_NONCE_MISSING`, `ID_TOKEN_NONCE_MISMATCH`,
 * `ID_TOKEN_ACR_NOT_SATISFIED`, `ID_TOKEN_AUTH_TIME_MISSING`, `ID_TOKEN_AUTH_TIME_TOO_OLD`,
 * `ID_TOKEN_AT_HASH_MISSING`, `ID_TOKEN_AT_HASH_MISMATCH`, `ID_TOKEN_C_HASH_MISSING`,
 * `ID_TOKEN_C_HASH_MISMATCH`, `ID_TOKEN_CLAIM_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the OP's JWKS cannot be fetched
 * @throws {@link UsageError} `INVALID_ARGUMENT` for bad expectations; `MISSING_CREDENTIALS` for an
 * `HS*` ID token or an encrypted one without the client secret or decryption key
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation OIDC Core §3.1.3.7
 * @example
 * ```ts
 * const claims = await validateIdToken(config, tokens.id_token, {
 *   source: 'token',
 *   nonce: transaction.nonce,
 *   maxAgeInSeconds: transaction.maxAgeInSeconds,
 * })
 * console.log(claims.sub)
 * ```
 * @group ID Token
 */
export async function validateIdToken(
  config: Configuration,
  idToken: string,
  expectations: IdTokenExpectations,
): Promise<IdTokenClaims> {
  checkExpectations(expectations)
  if (typeof idToken !== 'string') {
    throw new ValidationError('JWT_MALFORMED', 'the ID token is not a string', {
      claim: 'id_token',
      expected: 'a compact JWS or JWE',
      actual: typeof idToken,
    })
  }
  // The common case (a signed ID token, keys cached, Node's crypto at hand) runs without awaiting.
  const jws =
    config.client.id_token_encrypted_response_alg === undefined && !isCompactJwe(idToken)
      ? idToken
      : await unwrap(config, idToken)
  const decoded = decodeJws(jws, config.settings.maxJwtLength, WHAT)
  checkAlg(config, decoded.header.alg, expectations.source)
  if (!verifiedAtOnce(config, decoded)) {
    await verifyJws(config, decoded, CODES, expectations.signal)
  }
  const hashes = checkClaims(config, decoded, expectations)
  if (hashes !== undefined) await hashes
  return decoded.claims as IdTokenClaims
}

function checkExpectations(expectations: IdTokenExpectations): void {
  const { source, maxAgeInSeconds: maxAge } = expectations
  if (!SOURCES.has(source)) {
    throw new UsageError('INVALID_ARGUMENT', 'source must be authorization, token or refresh', {
      parameter: 'source',
    })
  }
  if (maxAge !== undefined && !(typeof maxAge === 'number' && maxAge >= 0)) {
    throw new UsageError('INVALID_ARGUMENT', 'maxAgeInSeconds must be a non-negative number', {
      parameter: 'maxAgeInSeconds',
    })
  }
}

/** Decrypts the ID token when encryption is registered; refuses the form not registered. */
async function unwrap(config: Configuration, token: string): Promise<string> {
  const alg = config.client.id_token_encrypted_response_alg
  const encrypted = isCompactJwe(token)
  if (alg === undefined) {
    if (!encrypted) return token
    throw new ValidationError(
      'ID_TOKEN_DECRYPTION_FAILED',
      'the ID token is encrypted but the client registered no id_token_encrypted_response_alg',
      { claim: 'enc', expected: 'a signed ID token (JWS)', actual: 'JWE' },
    )
  }
  const maxLength = config.settings.maxJwtLength
  if (!encrypted && token.length <= maxLength && token.split('.').length === 3) {
    throw new ValidationError(
      'ID_TOKEN_DECRYPTION_FAILED',
      `the ID token is not encrypted although the client registered ${alg}`,
      { claim: 'enc', expected: `a JWE (${alg})`, actual: 'JWS' },
    )
  }
  const enc = config.client.id_token_encrypted_response_enc ?? DEFAULT_ENC
  return decryptJwe(config, token, { alg, enc }, CODES, maxLength, WHAT)
}

/** The registered alg, else one the OP advertises and we can verify; `none` only when registered and not front channel. */
function checkAlg(config: Configuration, alg: string, source: IdTokenExpectations['source']): void {
  const registered = config.client.id_token_signed_response_alg
  const ok =
    alg === 'none'
      ? registered === 'none' && source !== 'authorization'
      : registered !== undefined
        ? alg === registered
        : canVerify(config, alg) &&
          config.provider.id_token_signing_alg_values_supported.includes(alg)
  if (!ok) {
    throw algNotAllowed(
      CODES.alg,
      alg,
      registered ??
        config.provider.id_token_signing_alg_values_supported.filter((a) => canVerify(config, a)),
    )
  }
}

function fail(
  code: ValidationErrorCode,
  message: string,
  claim: string,
  expected: unknown,
  actual: unknown,
): ValidationError {
  return claimFailure('ID token', code, message, claim, expected, actual)
}

function mistyped(claim: string, expected: string, actual: unknown): ValidationError {
  return fail('ID_TOKEN_CLAIM_INVALID', `${claim} is not ${expected}`, claim, expected, actual)
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Checks the claims; returns a promise only when `at_hash` / `c_hash` remain to be computed. */
function checkClaims(
  config: Configuration,
  { claims, header }: DecodedJws,
  expectations: IdTokenExpectations,
): Promise<void> | undefined {
  const now = config[RUNTIME].now() / 1000
  const tolerance = config.settings.clockToleranceInSeconds

  const { iss, aud, azp, exp, iat, nbf, sub } = claims
  if (iss !== undefined && typeof iss !== 'string') throw mistyped('iss', 'a string', iss)
  if (iss !== config.issuer) {
    const message = `iss ${quoted(iss)} is not the issuer ${config.issuer}`
    throw fail('ID_TOKEN_ISSUER_MISMATCH', message, 'iss', config.issuer, iss)
  }

  checkAudience(config, WHAT, { aud, azp }, AUDIENCE_CODES)

  if (!isNumber(exp)) {
    throw fail('ID_TOKEN_EXPIRED', 'has no numeric exp', 'exp', 'a number', typeof exp)
  }
  if (now >= exp + tolerance) {
    throw fail('ID_TOKEN_EXPIRED', `expired at ${exp}`, 'exp', `after ${Math.floor(now)}`, exp)
  }
  if (!isNumber(iat)) {
    throw fail('ID_TOKEN_IAT_MISSING', 'has no numeric iat', 'iat', 'a number', typeof iat)
  }
  const latest = `at most ${Math.floor(now)}`
  if (iat > now + tolerance) {
    throw fail('ID_TOKEN_IAT_IN_FUTURE', `was issued in the future (${iat})`, 'iat', latest, iat)
  }
  if (nbf !== undefined && !isNumber(nbf)) throw mistyped('nbf', 'a number', nbf)
  if (nbf !== undefined && nbf > now + tolerance) {
    throw fail('ID_TOKEN_NOT_YET_VALID', `is not valid before ${nbf}`, 'nbf', latest, nbf)
  }
  if (typeof sub !== 'string' || sub === '') {
    throw fail('ID_TOKEN_SUB_MISSING', 'has no sub', 'sub', 'a non-empty string', sub)
  }

  for (const name of STRING_CLAIMS) {
    const value = claims[name]
    if (value !== undefined && typeof value !== 'string') throw mistyped(name, 'a string', value)
  }
  const amr = claims.amr
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((v) => typeof v === 'string'))) {
    throw mistyped('amr', 'an array of strings', amr)
  }

  const { nonce } = expectations
  if (nonce !== undefined) {
    if (claims.nonce === undefined) {
      throw fail('ID_TOKEN_NONCE_MISSING', 'has no nonce', 'nonce', 'the nonce sent', undefined)
    }
    if (claims.nonce !== nonce) {
      const message = 'nonce is not the one sent'
      throw fail('ID_TOKEN_NONCE_MISMATCH', message, 'nonce', 'the nonce sent', claims.nonce)
    }
  }

  const { requiredAcr } = expectations
  if (requiredAcr !== undefined && requiredAcr.length > 0) {
    const acr = claims.acr as string | undefined
    if (acr === undefined || !requiredAcr.includes(acr)) {
      throw fail(
        'ID_TOKEN_ACR_NOT_SATISFIED',
        acr === undefined ? 'has no acr' : `acr ${quoted(acr)} is not an accepted one`,
        'acr',
        requiredAcr,
        acr,
      )
    }
  }

  checkAuthTime(config, claims.auth_time, expectations, now)

  if (expectations.accessToken === undefined && expectations.code === undefined) return undefined
  return checkHalfHashes(claims, header.alg, expectations)
}

async function checkHalfHashes(
  claims: Record<string, unknown>,
  alg: string,
  expectations: IdTokenExpectations,
): Promise<void> {
  const hash = halfHashAlgorithm(alg)
  const fromFront = expectations.source === 'authorization'
  if (expectations.accessToken !== undefined) {
    await checkHalfHash(claims, 'at_hash', expectations.accessToken, fromFront, hash)
  }
  if (expectations.code !== undefined) {
    await checkHalfHash(claims, 'c_hash', expectations.code, fromFront, hash)
  }
}

function checkAuthTime(
  config: Configuration,
  authTime: unknown,
  expectations: IdTokenExpectations,
  now: number,
): void {
  const maxAge =
    expectations.maxAgeInSeconds ??
    (expectations.source === 'refresh' ? undefined : config.client.default_max_age)
  const required =
    maxAge !== undefined ||
    expectations.requireAuthTime === true ||
    config.client.require_auth_time === true
  if (authTime === undefined && !required) return
  if (authTime === undefined) {
    const message = 'has no auth_time although it is required'
    throw fail('ID_TOKEN_AUTH_TIME_MISSING', message, 'auth_time', 'a number', authTime)
  }
  if (!isNumber(authTime)) throw mistyped('auth_time', 'a number', authTime)
  const tolerance = config.settings.clockToleranceInSeconds
  if (maxAge !== undefined && now - authTime > maxAge + tolerance) {
    throw fail(
      'ID_TOKEN_AUTH_TIME_TOO_OLD',
      `says the end-user authenticated ${Math.floor(now - authTime)} s ago, more than max_age ${maxAge}`,
      'auth_time',
      `at least ${Math.ceil(now - maxAge)}`,
      authTime,
    )
  }
}

async function checkHalfHash(
  claims: Record<string, unknown>,
  name: 'at_hash' | 'c_hash',
  value: string,
  required: boolean,
  hash: string | undefined,
): Promise<void> {
  const actual = claims[name] as string | undefined
  const what = name === 'at_hash' ? 'access token' : 'code'
  if (actual === undefined) {
    if (!required) return
    throw fail(
      name === 'at_hash' ? 'ID_TOKEN_AT_HASH_MISSING' : 'ID_TOKEN_C_HASH_MISSING',
      `has no ${name} although an ${what} came with it from the authorization endpoint`,
      name,
      `the ${name} of the ${what}`,
      undefined,
    )
  }
  // An unsigned ID token (alg none, token endpoint only) has no hash function to check against.
  if (hash === undefined) return
  if ((await halfHash(hash, value)) !== actual) {
    throw fail(
      name === 'at_hash' ? 'ID_TOKEN_AT_HASH_MISMATCH' : 'ID_TOKEN_C_HASH_MISMATCH',
      `${name} does not match the ${what}`,
      name,
      `the left half of the ${hash} hash of the ${what}`,
      actual,
    )
  }
}
