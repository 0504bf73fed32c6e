/**
 * Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6).
 *
 * Decryption, alg, signature, `typ` and claim checks, and the `jti` replay check.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { tokenIssuer } from '../config/features.js'
import { cachesOf, runtimeOf } from '../config/runtime.js'
import { UsageError, ValidationError } from '../errors.js'
import { decryptionKeysOf, hasClientSecret, jwksOf, secretKeysOf } from '../keys.js'
import { invalidArgument } from '../lib/checks.js'
import { decodeJws } from '../lib/compact.js'
import { isPlainObject } from '../lib/json.js'
import { verifyJws } from '../lib/jws-verify.js'
import {
  checkAlg,
  checkAudience,
  checkClaims as checkSharedClaims,
  claimFailure,
  type TokenProfile,
} from '../lib/jwt-claims.js'
import { decryptOrRefuse } from '../lib/jwt-decryption.js'
import { callStore } from '../lib/store-call.js'
import type { ReplayGuard } from '../storage.js'
import { createMemoryReplayGuard } from '../stores/memory.js'

/**
 * The member of `events` that makes a JWT a logout token (Back-Channel Logout §2.4).
 * @group Logout
 */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** The longest `jti` remembered, in characters. */
const MAX_JTI_LENGTH = 256
/** How long a logout token without `exp` is accepted after its `iat`, by default. */
const DEFAULT_MAX_AGE = 300
/**
 * The longest a logout token is accepted after its `iat`, whatever its `exp` says, in seconds.
 *
 * Its `jti` is remembered exactly as long, so a far `exp` can neither overflow a store's expiry nor
 * outlive the replay guard's memory.
 */
const MAX_LIFETIME = 24 * 60 * 60
/**
 * The logout token as a token profile.
 *
 * Validated as ID tokens are (Back-Channel Logout §2.6), with `iat` and `jti` required, `exp`
 * optional, and the ID token's encryption (OIDC Registration §2).
 */
const LOGOUT_TOKEN: TokenProfile = {
  name: 'logout token',
  codes: {
    alg: 'LOGOUT_TOKEN_ALG_NOT_ALLOWED',
    signature: 'LOGOUT_TOKEN_SIGNATURE_INVALID',
    decryption: 'LOGOUT_TOKEN_DECRYPTION_FAILED',
    issuer: 'LOGOUT_TOKEN_ISSUER_MISMATCH',
    mismatch: 'LOGOUT_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'LOGOUT_TOKEN_AZP_MISMATCH',
    invalid: 'LOGOUT_TOKEN_CLAIM_INVALID',
    expired: 'LOGOUT_TOKEN_EXPIRED',
    iatMissing: 'LOGOUT_TOKEN_IAT_INVALID',
    iatInFuture: 'LOGOUT_TOKEN_IAT_INVALID',
    notYetValid: 'LOGOUT_TOKEN_NOT_YET_VALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: true, exp: false, iat: true },
  audienceRule: checkAudience,
  requiredStrings: [],
  optionalStrings: [],
}
/** The `typ` values accepted, lower-cased, with and without the `application/` prefix. */
const ACCEPTED_TYP: ReadonlySet<string> = new Set(['logout+jwt', 'jwt'])

/**
 * The claims of a validated logout token. Other claims are kept as they came.
 * @group Logout
 */
export interface LogoutTokenClaims {
  /** The issuer: exactly the OP's issuer. */
  readonly iss: string
  /** The audiences: the client_id, plus trusted audiences only. */
  readonly aud: string | readonly string[]
  /** Issue time, in seconds since the epoch. */
  readonly iat: number
  /** Expiry, in seconds since the epoch, when the OP sent one. */
  readonly exp?: number
  /** The token's unique id. */
  readonly jti: string
  /** The events: `http://schemas.openid.net/event/backchannel-logout` is an object. */
  readonly events: Readonly<Record<string, unknown>>
  /** The end-user, when the OP names one. */
  readonly sub?: string
  /** The OP session, when the OP names one. */
  readonly sid?: string
  /** Any other claim, as it came. */
  readonly [claim: string]: unknown
}

/**
 * Options of {@link validateLogoutToken}.
 * @group Logout
 */
export interface LogoutTokenValidationOptions {
  /**
   * Remembers `jti` values until the token expires, so a token is accepted once.
   *
   * Default: an in-memory guard per configuration (one process). Behind a load balancer give a
   * shared one (`createRedisReplayGuard` from `oidc-rp/redis`).
   */
  readonly replayGuard?: ReplayGuard
  /**
   * How long a token without `exp` is accepted after its `iat`, in seconds. Default 300.
   *
   * It is remembered as long. No token, with or without `exp`, is accepted more than a day after
   * its `iat`.
   */
  readonly maxAgeInSeconds?: number
  /** Aborts a JWKS fetch. */
  readonly signal?: AbortSignal
}

/**
 * Validates a logout token (Back-Channel Logout §2.6) and remembers its `jti`.
 *
 * Decrypts it when ID tokens are encrypted, accepts only the ID token signing alg (the registered
 * one, else one the OP advertises; never `none`), verifies the signature with the OP's keys
 * (re-fetching the JWKS for a new `kid`), then checks `typ` (`logout+jwt` or `JWT` when present),
 * `iss`, `aud` and `azp` (as for ID tokens: only the client_id and its `trusted_audiences`), `iat`,
 * `exp` (or `iat` plus the maximum age; never more than a day after `iat`), `nbf` when present,
 * `jti`, `events`, `sid`/`sub` and the absence of `nonce`.
 *
 * @param config - the configuration: the OP's issuer and keys, the client's ID token algs and keys,
 * its settings (clock tolerance, limits) and logout replay guard
 * @param logoutToken - the compact logout token
 * @param options - the replay guard, maximum age and abort signal
 * @returns the validated claims
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`,
 * `LOGOUT_TOKEN_DECRYPTION_FAILED`, `LOGOUT_TOKEN_ALG_NOT_ALLOWED`,
 * `LOGOUT_TOKEN_SIGNATURE_INVALID`,
 * `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`,
 * `LOGOUT_TOKEN_TYPE_INVALID`,
 * `LOGOUT_TOKEN_ISSUER_MISMATCH`, `LOGOUT_TOKEN_AUDIENCE_MISMATCH`,
 * `LOGOUT_TOKEN_UNTRUSTED_AUDIENCE`, `LOGOUT_TOKEN_AZP_MISMATCH`, `LOGOUT_TOKEN_IAT_INVALID`,
 * `LOGOUT_TOKEN_EXPIRED`, `LOGOUT_TOKEN_NOT_YET_VALID`, `LOGOUT_TOKEN_JTI_MISSING`,
 * `LOGOUT_TOKEN_EVENT_INVALID`,
 * `LOGOUT_TOKEN_SUBJECT_MISSING`, `LOGOUT_TOKEN_NONCE_PRESENT`, `LOGOUT_TOKEN_CLAIM_INVALID`,
 * `LOGOUT_TOKEN_REPLAYED`
 * @throws {@link TransportError} `HTTP_*` when the OP's JWKS cannot be fetched; `STORE_ERROR` when
 * the replay guard fails
 * @throws {@link UsageError} `MISSING_CREDENTIALS` for an `HS*` or encrypted token without the
 * client
 * secret or decryption key; `INVALID_ARGUMENT` for a bad `maxAgeInSeconds`
 * @see {@link https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation | Back-Channel Logout §2.6}
 * @group Logout
 */
export async function validateLogoutToken(
  config: Configuration,
  logoutToken: string,
  options: LogoutTokenValidationOptions = {},
): Promise<LogoutTokenClaims> {
  const maxAge = options.maxAgeInSeconds ?? DEFAULT_MAX_AGE
  if (!(typeof maxAge === 'number' && maxAge > 0 && Number.isFinite(maxAge))) {
    throw invalidArgument('maxAgeInSeconds', 'a positive number')
  }
  if (typeof logoutToken !== 'string') {
    throw new ValidationError('JWT_MALFORMED', 'the logout token is not a string', {
      claim: 'logout_token',
      expected: 'a compact JWS or JWE',
      actual: typeof logoutToken,
    })
  }
  const { client, settings } = config
  const jws = await decryptOrRefuse(
    LOGOUT_TOKEN,
    logoutToken,
    client.id_token_encrypted_response_alg,
    client.id_token_encrypted_response_enc,
    decryptionKeysOf(config),
    settings.maxJwtLength,
  )
  const decoded = decodeJws(jws, settings.maxJwtLength, LOGOUT_TOKEN.name)
  // The ID token's alg rule, never `none`.
  const registered = client.id_token_signed_response_alg
  checkAlg(
    LOGOUT_TOKEN,
    decoded.header.alg,
    registered === 'none' ? undefined : registered,
    config.provider.id_token_signing_alg_values_supported,
    false,
    hasClientSecret(config),
  )
  await verifyJws(decoded, jwksOf(config), secretKeysOf(config), LOGOUT_TOKEN.codes, options.signal)
  checkTyp(decoded.header.typ)
  const { claims, expiresAt } = checkClaims(config, decoded.claims, maxAge)
  const until = expiresAt + settings.clockToleranceInSeconds
  const guard = options.replayGuard ?? defaultGuard(config)
  const key = `logout-token ${claims.iss} ${claims.jti}`
  if (!(await callStore('replay guard', () => guard.claim(key, until)))) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_REPLAYED',
      'was already received (same jti)',
      'jti',
      'a new jti',
      undefined,
    )
  }
  return claims
}

/** The per-configuration in-memory replay guard. */
function defaultGuard(config: Configuration): ReplayGuard {
  const caches = cachesOf(config)
  caches.logoutReplayGuard ??= createMemoryReplayGuard({ now: runtimeOf(config).now })
  return caches.logoutReplayGuard
}

function checkTyp(typ: unknown): void {
  if (typ === undefined) return
  const value = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : ''
  if (!ACCEPTED_TYP.has(value)) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_TYPE_INVALID',
      'has another typ',
      'typ',
      'logout+jwt',
      typ,
    )
  }
}

/**
 * The shared claim checks, then `jti`, `events`, `sub`/`sid` and no `nonce`.
 *
 * Gives when the token stops being accepted.
 */
function checkClaims(
  config: Configuration,
  claims: Record<string, unknown>,
  maxAge: number,
): { claims: LogoutTokenClaims; expiresAt: number } {
  const now = runtimeOf(config).now() / 1000
  const tolerance = config.settings.clockToleranceInSeconds
  const lifetime = { withoutExp: maxAge, max: MAX_LIFETIME }
  const expiresAt = checkSharedClaims(
    LOGOUT_TOKEN,
    claims,
    tokenIssuer(config, claims, 'logout token'),
    config.client,
    now,
    tolerance,
    lifetime,
  )
  const { jti, events, sub, sid } = claims
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_JTI_MISSING',
      'has no jti (a string of at most 256 characters)',
      'jti',
      'a string',
      typeof jti,
    )
  }
  if (!isPlainObject(events) || !isPlainObject(events[BACKCHANNEL_LOGOUT_EVENT])) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_EVENT_INVALID',
      `has no ${BACKCHANNEL_LOGOUT_EVENT} event object`,
      'events',
      { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      isPlainObject(events) ? Object.keys(events).slice(0, 5) : events,
    )
  }
  for (const [name, value] of [
    ['sub', sub],
    ['sid', sid],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw claimFailure(
        LOGOUT_TOKEN,
        'LOGOUT_TOKEN_CLAIM_INVALID',
        `${name} is not a non-empty string`,
        name,
        'a string',
        typeof value,
      )
    }
  }
  if (sub === undefined && sid === undefined) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_SUBJECT_MISSING',
      'has neither sid nor sub',
      'sid',
      'sid and/or sub',
      undefined,
    )
  }
  if (claims.nonce !== undefined) {
    throw claimFailure(
      LOGOUT_TOKEN,
      'LOGOUT_TOKEN_NONCE_PRESENT',
      'carries a nonce, which is prohibited',
      'nonce',
      'no nonce',
      'a nonce',
    )
  }
  return { claims: claims as LogoutTokenClaims, expiresAt }
}
