/**
 * ID token validation (OIDC Core §3.1.3.7, §3.2.2.11, §3.3.2.12).
 *
 * Decryption when registered, structure, alg, signature (always, also for token endpoint ID
 * tokens), then every claim.
 *
 * @module
 */

import type { Configuration } from './config/configuration.js'
import { tokenIssuer } from './config/features.js'
import { runtimeOf } from './config/runtime.js'
import { UsageError, ValidationError } from './errors.js'
import { decryptionKeysOf, hasClientSecret, jwksOf, secretKeysOf } from './keys.js'
import { invalidArgument } from './lib/checks.js'
import { type DecodedJws, decodeJws, isCompactJwe } from './lib/compact.js'
import { quoted } from './lib/json.js'
import { verifiedAtOnce, verifyJws } from './lib/jws-verify.js'
import {
  checkAlg,
  checkClaims as checkSharedClaims,
  claimFailure,
  decryptOrRefuse,
  isNumber,
  mistyped,
  type TokenProfile,
} from './lib/jwt-claims.js'
import { lazy } from './lib/lazy.js'

/**
 * What the ID token must satisfy beyond its signature and the fixed claim rules.
 *
 * Where it came from and what the authorization request asked for.
 *
 * @group ID Token
 */
export interface IdTokenExpectations {
  /**
   * Where the ID token came from.
   *
   * The authorization response (front channel), the token endpoint after a code exchange, or a
   * refresh token response. `alg: none` is never accepted from `authorization`; `at_hash`/`c_hash`
   * are required only from `authorization`.
   */
  readonly source: 'authorization' | 'token' | 'refresh'
  /**
   * The nonce sent; the ID token must carry exactly it (`ID_TOKEN_NONCE_MISSING` / `_MISMATCH`).
   *
   * Required for the `authorization` and `token` sources: pass the nonce the authorization
   * request sent, or {@link expectNoNonce} when it sent none (then the ID token must carry none).
   * Optional for `refresh` (OIDC Core §12.2).
   */
  readonly nonce?: string | typeof expectNoNonce
  /**
   * The `max_age` sent, in seconds.
   *
   * `auth_time` is then required and must be at most this old (plus the clock tolerance). When
   * absent, the client's `default_max_age` applies, except for `source: 'refresh'`.
   */
  readonly maxAgeInSeconds?: number
  /**
   * Require `auth_time` even without `maxAgeInSeconds`.
   *
   * For example, it was requested as an essential claim.
   */
  readonly requireAuthTime?: boolean
  /**
   * The acceptable `acr` values.
   *
   * The ID token's `acr` must be one of them (`ID_TOKEN_ACR_NOT_SATISFIED`).
   */
  readonly requiredAcr?: readonly string[]
  /**
   * The access token that came with the ID token.
   *
   * `at_hash` is then required when the source is `authorization` (Implicit `id_token token`), and
   * checked whenever present.
   */
  readonly accessToken?: string
  /**
   * The authorization code that came with the ID token (hybrid).
   *
   * `c_hash` is then required when the source is `authorization`, and checked whenever present.
   */
  readonly code?: string
  /** Aborts a JWKS fetch. */
  readonly signal?: AbortSignal
}

/**
 * Says that the authorization request sent no nonce: the ID token must then carry none.
 *
 * > [!WARNING]
 * > Right only for a code-flow sign-in whose authorization request really sent no `nonce` (OIDC
 * > Core §3.1.2.1 makes it optional there, PKCE binding the code). Never for a front-channel ID
 * > token (`source: 'authorization'`): without a nonce, a token stolen from another sign-in
 * > replays. `createAuthorizationRequest` always sends one.
 * @group ID Token
 */
export const expectNoNonce: unique symbol = Symbol('oidc-rp.expectNoNonce')

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

/**
 * The ID token as a token profile.
 *
 * Its codes, required claims and default `enc` (OIDC Registration §2).
 */
/**
 * The `at_hash` / `c_hash` checks, loaded on first use.
 *
 * Only an ID token with a front-channel access token or code to match needs them (implicit and
 * hybrid flows).
 */
const loadHalfHashes = /* @__PURE__ */ lazy(() => import('./lib/half-hash.js'))

const ID_TOKEN: TokenProfile = {
  name: 'ID token',
  codes: {
    alg: 'ID_TOKEN_ALG_NOT_ALLOWED',
    signature: 'ID_TOKEN_SIGNATURE_INVALID',
    decryption: 'ID_TOKEN_DECRYPTION_FAILED',
    issuer: 'ID_TOKEN_ISSUER_MISMATCH',
    mismatch: 'ID_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'ID_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'ID_TOKEN_AZP_MISMATCH',
    invalid: 'ID_TOKEN_CLAIM_INVALID',
    expired: 'ID_TOKEN_EXPIRED',
    iatMissing: 'ID_TOKEN_IAT_MISSING',
    iatInFuture: 'ID_TOKEN_IAT_IN_FUTURE',
    notYetValid: 'ID_TOKEN_NOT_YET_VALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: true, exp: true, iat: true },
  audienceRule: 'id-token',
  requiredStrings: [['sub', 'ID_TOKEN_SUB_MISSING']],
  optionalStrings: ['sid', 'nonce', 'acr', 'at_hash', 'c_hash'],
}
const SOURCES: ReadonlySet<string> = new Set(['authorization', 'token', 'refresh'])

/**
 * Validates an ID token to the letter of OIDC Core.
 *
 * Decrypts it when the client registered `id_token_encrypted_response_alg` (and refuses the other
 * form), decodes it once, accepts only the registered alg (else the OP's advertised algs, never
 * `none` unless registered and from the token endpoint), verifies the signature with the OP's keys
 * or the client secret, then checks `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `sub`, `nonce`,
 * `acr`, `auth_time`, `at_hash` and `c_hash`.
 *
 * @param config - the configuration: the OP's issuer and keys, the client's registered algs and
 * keys, its clock and settings
 * @param idToken - the compact ID token (JWS, or JWE when encryption is registered)
 * @param expectations - the source and what the authorization request asked for
 * @returns the validated claims
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`,
 * `ID_TOKEN_DECRYPTION_FAILED`, `ID_TOKEN_ALG_NOT_ALLOWED`, `ID_TOKEN_SIGNATURE_INVALID`,
 * `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`,
 * `ID_TOKEN_ISSUER_MISMATCH`,
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
  const { client, settings } = config
  const encAlg = client.id_token_encrypted_response_alg
  const jws =
    encAlg === undefined && !isCompactJwe(idToken)
      ? idToken
      : await decryptOrRefuse(
          ID_TOKEN,
          idToken,
          encAlg,
          client.id_token_encrypted_response_enc,
          decryptionKeysOf(config),
          settings.maxJwtLength,
        )
  const decoded = decodeJws(jws, settings.maxJwtLength, ID_TOKEN.name)
  const registered = client.id_token_signed_response_alg
  // `none` only when registered and not from the front channel.
  checkAlg(
    ID_TOKEN,
    decoded.header.alg,
    registered,
    config.provider.id_token_signing_alg_values_supported,
    registered === 'none' && expectations.source !== 'authorization',
    registered === undefined && hasClientSecret(config),
  )
  const jwks = jwksOf(config)
  if (!verifiedAtOnce(decoded, jwks)) {
    await verifyJws(decoded, jwks, secretKeysOf(config), ID_TOKEN.codes, expectations.signal)
  }
  const hashes = checkClaims(config, decoded, expectations)
  if (hashes !== undefined) await hashes
  return decoded.claims as IdTokenClaims
}

function checkExpectations(expectations: IdTokenExpectations): void {
  const { source, maxAgeInSeconds: maxAge } = expectations
  if (!SOURCES.has(source)) {
    throw invalidArgument('source', 'authorization, token or refresh')
  }
  const { nonce } = expectations
  if (source !== 'refresh' && typeof nonce !== 'string' && nonce !== expectNoNonce) {
    throw invalidArgument('nonce', 'the nonce the authorization request sent, or expectNoNonce')
  }
  if (source === 'authorization' && nonce === expectNoNonce) {
    throw invalidArgument('nonce', 'the nonce sent: a front-channel ID token needs one')
  }
  if (maxAge !== undefined && !(typeof maxAge === 'number' && maxAge >= 0)) {
    throw invalidArgument('maxAgeInSeconds', 'a non-negative number')
  }
}

/** Checks the claims; returns a promise only when `at_hash` / `c_hash` remain to be computed. */
function checkClaims(
  config: Configuration,
  { claims, header }: DecodedJws,
  expectations: IdTokenExpectations,
): Promise<void> | undefined {
  const now = runtimeOf(config).now() / 1000
  const tolerance = config.settings.clockToleranceInSeconds

  const issuer = tokenIssuer(config, claims, 'ID token')
  checkSharedClaims(ID_TOKEN, claims, issuer, config.client, now, tolerance)
  const amr = claims.amr
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((v) => typeof v === 'string'))) {
    throw mistyped(ID_TOKEN, 'amr', 'an array of strings', amr)
  }

  const { nonce } = expectations
  if (nonce === expectNoNonce && claims.nonce !== undefined && expectations.source !== 'refresh') {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_NONCE_MISMATCH',
      'has a nonce though none was sent',
      'nonce',
      'no nonce',
      claims.nonce,
    )
  }
  if (typeof nonce === 'string') {
    if (claims.nonce === undefined) {
      throw claimFailure(
        ID_TOKEN,
        'ID_TOKEN_NONCE_MISSING',
        'has no nonce',
        'nonce',
        'the nonce sent',
        undefined,
      )
    }
    if (claims.nonce !== nonce) {
      const message = 'nonce is not the one sent'
      throw claimFailure(
        ID_TOKEN,
        'ID_TOKEN_NONCE_MISMATCH',
        message,
        'nonce',
        'the nonce sent',
        claims.nonce,
      )
    }
  }

  const { requiredAcr } = expectations
  if (requiredAcr !== undefined && requiredAcr.length > 0) {
    const acr = claims.acr as string | undefined
    if (acr === undefined || !requiredAcr.includes(acr)) {
      throw claimFailure(
        ID_TOKEN,
        'ID_TOKEN_ACR_NOT_SATISFIED',
        acr === undefined ? 'has no acr' : `acr ${quoted(acr)} is not an accepted one`,
        'acr',
        requiredAcr,
        acr,
      )
    }
  }

  checkAuthTime(config, claims.auth_time, expectations, now)

  const { accessToken, code } = expectations
  if (accessToken === undefined && code === undefined) return undefined
  const fromFront = expectations.source === 'authorization'
  return loadHalfHashes().then((hashes) =>
    hashes.checkHalfHashes(ID_TOKEN, claims, header.alg, fromFront, {
      at_hash: accessToken,
      c_hash: code,
    }),
  )
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
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_AUTH_TIME_MISSING',
      message,
      'auth_time',
      'a number',
      authTime,
    )
  }
  if (!isNumber(authTime)) throw mistyped(ID_TOKEN, 'auth_time', 'a number', authTime)
  const tolerance = config.settings.clockToleranceInSeconds
  if (maxAge !== undefined && now - authTime > maxAge + tolerance) {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_AUTH_TIME_TOO_OLD',
      `says the end-user authenticated ${Math.floor(now - authTime)} s ago, more than max_age ${maxAge}`,
      'auth_time',
      `at least ${Math.ceil(now - maxAge)}`,
      authTime,
    )
  }
}
