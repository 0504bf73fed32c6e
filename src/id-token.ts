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
import type * as HalfHash from './lib/half-hash.js'
import {
  checkIdTokenClaims,
  ID_TOKEN,
  type IdTokenKeys,
  type IdTokenRules,
  verifyIdToken,
} from './lib/id-token-checks.js'
import { decryptOrRefuse } from './lib/jwt-decryption.js'
import { lazy } from './lib/lazy.js'

/**
 * The `at_hash` / `c_hash` checks, loaded on first use.
 *
 * Only an ID token with a front-channel access token or code to match needs them (implicit and
 * hybrid flows).
 */
const loadHalfHashes: () => Promise<typeof HalfHash> = /* @__PURE__ */ lazy(
  () => import('./lib/half-hash.js'),
)

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
  const decoded = await verifyIdToken(idToken, keysOf(config, expectations), expectations.signal)
  checkIdTokenClaims(decoded, rulesOf(config, decoded.claims, expectations))
  const { accessToken, code } = expectations
  if (accessToken !== undefined || code !== undefined) {
    const { checkHalfHashes } = await loadHalfHashes()
    const fromFront = expectations.source === 'authorization'
    await checkHalfHashes(ID_TOKEN, decoded.claims, decoded.header.alg, fromFront, {
      at_hash: accessToken,
      c_hash: code,
    })
  }
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

/** What the ID token's form, alg and signature are checked against, read from the configuration. */
function keysOf(config: Configuration, expectations: IdTokenExpectations): IdTokenKeys {
  const { client } = config
  const registered = client.id_token_signed_response_alg
  return {
    maxJwtLength: config.settings.maxJwtLength,
    registeredAlg: registered,
    advertisedAlgs: config.provider.id_token_signing_alg_values_supported,
    // `none` only when registered and not from the front channel.
    allowNone: registered === 'none' && expectations.source !== 'authorization',
    hasSecret: registered === undefined && hasClientSecret(config),
    opKeys: jwksOf(config),
    secret: secretKeysOf(config),
    decrypt: decryptionOf(config),
  }
}

/** How an ID token is decrypted, when the client registered `id_token_encrypted_response_alg`. */
function decryptionOf(config: Configuration): IdTokenKeys['decrypt'] {
  const { client } = config
  const alg = client.id_token_encrypted_response_alg
  if (alg === undefined) return undefined
  return (idToken) =>
    decryptOrRefuse(
      ID_TOKEN,
      idToken,
      alg,
      client.id_token_encrypted_response_enc,
      decryptionKeysOf(config),
      config.settings.maxJwtLength,
    )
}

/** The rules of the ID token's claims, read from the configuration and the expectations. */
function rulesOf(
  config: Configuration,
  claims: Readonly<Record<string, unknown>>,
  expectations: IdTokenExpectations,
): IdTokenRules {
  const { nonce, source } = expectations
  return {
    issuer: tokenIssuer(config, claims, 'ID token'),
    client: config.client,
    now: runtimeOf(config).now() / 1000,
    tolerance: config.settings.clockToleranceInSeconds,
    source,
    nonce: nonce !== expectNoNonce ? nonce : source === 'refresh' ? undefined : null,
    maxAgeInSeconds: expectations.maxAgeInSeconds,
    requireAuthTime: expectations.requireAuthTime === true,
    requiredAcr: expectations.requiredAcr,
  }
}
