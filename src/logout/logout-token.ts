/**
 * Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6): decryption, alg, signature,
 * `typ` and claim checks, and the `jti` replay check.
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { UsageError, ValidationError, type ValidationErrorCode } from '../errors.js'
import {
  type AudienceErrorCodes,
  algNotAllowed,
  canVerify,
  checkAudience,
  claimFailure,
  decodeJws,
  decryptJwe,
  isCompactJwe,
  type JwtErrorCodes,
  verifyJws,
} from '../lib/jwt.js'
import { cachesOf, RUNTIME } from '../lib/runtime.js'
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
 * The longest a logout token is accepted after its `iat`, whatever its `exp` says, in seconds: its
 * `jti` is remembered exactly as long, so a far `exp` can neither overflow a store's expiry nor
 * outlive the replay guard's memory.
 */
const MAX_LIFETIME = 24 * 60 * 60
const CODES: JwtErrorCodes = {
  alg: 'LOGOUT_TOKEN_ALG_NOT_ALLOWED',
  signature: 'LOGOUT_TOKEN_SIGNATURE_INVALID',
  decryption: 'LOGOUT_TOKEN_DECRYPTION_FAILED',
}
const AUDIENCE_CODES: AudienceErrorCodes = {
  mismatch: 'LOGOUT_TOKEN_AUDIENCE_MISMATCH',
  untrusted: 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE',
  azp: 'LOGOUT_TOKEN_AZP_MISMATCH',
  invalid: 'LOGOUT_TOKEN_CLAIM_INVALID',
}
const WHAT = 'logout token'
/** The default `id_token_encrypted_response_enc` (OIDC Registration §2). */
const DEFAULT_ENC = 'A128CBC-HS256'
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
   * Remembers `jti` values until the token expires, so a token is accepted once. Default: an
   * in-memory guard per configuration (one process). Behind a load balancer give a shared one
   * (`createRedisReplayGuard` from `oidc-rp/redis`).
   */
  readonly replayGuard?: ReplayGuard
  /**
   * How long a token without `exp` is accepted after its `iat`, in seconds (it is remembered as
   * long). Default 300. No token, with or without `exp`, is accepted more than a day after its `iat`.
   */
  readonly maxAgeInSeconds?: number
  /** Aborts a JWKS fetch. */
  readonly signal?: AbortSignal
}

/**
 * Validates a logout token (Back-Channel Logout §2.6) and remembers its `jti`: decrypts it when ID
 * tokens are encrypted, accepts only the ID token signing alg (the registered one, else one the OP
 * advertises; never `none`), verifies the signature with the OP's keys (re-fetching the JWKS for a
 * new `kid`), then checks `typ` (`logout+jwt` or `JWT` when present), `iss`, `aud` and `azp` (as
 * for ID tokens: only the client_id and its `trusted_audiences`), `iat`, `exp` (or `iat` plus the
 * maximum age; never more than a day after `iat`), `jti`, `events`, `sid`/`sub` and the absence of
 * `nonce`.
 * @param config - the configuration
 * @param logoutToken - the compact logout token
 * @param options - the replay guard, maximum age and abort signal
 * @returns the validated claims
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`,
 * `LOGOUT_TOKEN_DECRYPTION_FAILED`, `LOGOUT_TOKEN_ALG_NOT_ALLOWED`, `LOGOUT_TOKEN_SIGNATURE_INVALID`,
 * `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`, `LOGOUT_TOKEN_TYPE_INVALID`,
 * `LOGOUT_TOKEN_ISSUER_MISMATCH`, `LOGOUT_TOKEN_AUDIENCE_MISMATCH`,
 * `LOGOUT_TOKEN_UNTRUSTED_AUDIENCE`, `LOGOUT_TOKEN_AZP_MISMATCH`, `LOGOUT_TOKEN_IAT_INVALID`,
 * `LOGOUT_TOKEN_EXPIRED`, `LOGOUT_TOKEN_JTI_MISSING`, `LOGOUT_TOKEN_EVENT_INVALID`,
 * `LOGOUT_TOKEN_SUBJECT_MISSING`, `LOGOUT_TOKEN_NONCE_PRESENT`, `LOGOUT_TOKEN_CLAIM_INVALID`,
 * `LOGOUT_TOKEN_REPLAYED`
 * @throws {@link TransportError} `HTTP_*` when the OP's JWKS cannot be fetched; `STORE_ERROR` when
 * the replay guard fails
 * @throws {@link UsageError} `MISSING_CREDENTIALS` for an `HS*` or encrypted token without the client
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
    throw new UsageError('INVALID_ARGUMENT', 'maxAgeInSeconds must be a positive number', {
      parameter: 'maxAgeInSeconds',
    })
  }
  if (typeof logoutToken !== 'string') {
    throw new ValidationError('JWT_MALFORMED', 'the logout token is not a string', {
      claim: 'logout_token',
      expected: 'a compact JWS or JWE',
      actual: typeof logoutToken,
    })
  }
  const jws = await unwrap(config, logoutToken)
  const decoded = decodeJws(jws, config.settings.maxJwtLength, WHAT)
  checkAlg(config, decoded.header.alg)
  await verifyJws(config, decoded, CODES, options.signal)
  checkTyp(decoded.header.typ)
  const claims = checkClaims(config, decoded.claims, maxAge)
  const until = expiry(claims, maxAge) + config.settings.clockToleranceInSeconds
  const guard = options.replayGuard ?? defaultGuard(config)
  const key = `logout-token ${claims.iss} ${claims.jti}`
  if (!(await callStore('replay guard', () => guard.claim(key, until)))) {
    throw fail(
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
  let guard = caches.get('logout:replay-guard') as ReplayGuard | undefined
  if (guard === undefined) {
    guard = createMemoryReplayGuard({ now: config[RUNTIME].now })
    caches.set('logout:replay-guard', guard)
  }
  return guard
}

/** Decrypts the token when ID tokens are encrypted; refuses the form not registered. */
async function unwrap(config: Configuration, token: string): Promise<string> {
  const alg = config.client.id_token_encrypted_response_alg
  const encrypted = isCompactJwe(token)
  if (alg === undefined) {
    if (!encrypted) return token
    throw new ValidationError(
      CODES.decryption,
      'the logout token is encrypted but the client registered no id_token_encrypted_response_alg',
      { claim: 'enc', expected: 'a signed logout token (JWS)', actual: 'JWE' },
    )
  }
  if (!encrypted) {
    throw new ValidationError(
      CODES.decryption,
      `the logout token is not encrypted although the client registered ${alg}`,
      { claim: 'enc', expected: `a JWE (${alg})`, actual: 'JWS' },
    )
  }
  const enc = config.client.id_token_encrypted_response_enc ?? DEFAULT_ENC
  return decryptJwe(config, token, { alg, enc }, CODES, config.settings.maxJwtLength, WHAT)
}

/** The ID token's alg rule: the registered alg, else one the OP advertises and we can verify; never `none`. */
function checkAlg(config: Configuration, alg: string): void {
  const registered = config.client.id_token_signed_response_alg
  const advertised = config.provider.id_token_signing_alg_values_supported
  const ok =
    alg !== 'none' &&
    (registered !== undefined && registered !== 'none'
      ? alg === registered
      : canVerify(config, alg) && advertised.includes(alg))
  if (!ok) {
    const expected =
      registered !== undefined && registered !== 'none'
        ? registered
        : advertised.filter((a) => a !== 'none' && canVerify(config, a))
    throw algNotAllowed(CODES.alg, alg, expected)
  }
}

function checkTyp(typ: unknown): void {
  if (typ === undefined) return
  const value = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : ''
  if (!ACCEPTED_TYP.has(value)) {
    throw fail('LOGOUT_TOKEN_TYPE_INVALID', 'has another typ', 'typ', 'logout+jwt', typ)
  }
}

function fail(
  code: ValidationErrorCode,
  message: string,
  claim: string,
  expected: unknown,
  actual: unknown,
): ValidationError {
  return claimFailure('logout token', code, message, claim, expected, actual)
}

/** When the token stops being accepted: its `exp`, else `iat` plus the maximum age; at most a day after `iat`. */
function expiry(claims: { readonly iat: number; readonly exp?: number }, maxAge: number): number {
  return Math.min(claims.exp ?? claims.iat + maxAge, claims.iat + MAX_LIFETIME)
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkClaims(
  config: Configuration,
  claims: Record<string, unknown>,
  maxAge: number,
): LogoutTokenClaims {
  const now = config[RUNTIME].now() / 1000
  const tolerance = config.settings.clockToleranceInSeconds
  const { iss, aud, iat, exp, jti, events, sub, sid } = claims

  if (iss !== config.issuer) {
    const why = typeof iss === 'string' ? `iss is not the issuer ${config.issuer}` : 'has no iss'
    throw fail('LOGOUT_TOKEN_ISSUER_MISMATCH', why, 'iss', config.issuer, iss)
  }
  checkAudience(config, WHAT, { aud, azp: claims.azp }, AUDIENCE_CODES)
  if (!isNumber(iat)) {
    throw fail('LOGOUT_TOKEN_IAT_INVALID', 'has no numeric iat', 'iat', 'a number', typeof iat)
  }
  if (iat > now + tolerance) {
    throw fail(
      'LOGOUT_TOKEN_IAT_INVALID',
      `was issued in the future (iat ${iat})`,
      'iat',
      `at most ${Math.floor(now)}`,
      iat,
    )
  }
  if (exp !== undefined && !isNumber(exp)) {
    throw fail('LOGOUT_TOKEN_CLAIM_INVALID', 'exp is not a number', 'exp', 'a number', typeof exp)
  }
  const expiresAt = expiry({ iat, ...(exp === undefined ? {} : { exp }) }, maxAge)
  if (now >= expiresAt + tolerance) {
    throw fail(
      'LOGOUT_TOKEN_EXPIRED',
      `expired at ${expiresAt}`,
      exp === undefined || expiresAt < exp ? 'iat' : 'exp',
      `after ${Math.floor(now)}`,
      expiresAt,
    )
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw fail(
      'LOGOUT_TOKEN_JTI_MISSING',
      'has no jti (a string of at most 256 characters)',
      'jti',
      'a string',
      typeof jti,
    )
  }
  if (!isObject(events) || !isObject(events[BACKCHANNEL_LOGOUT_EVENT])) {
    throw fail(
      'LOGOUT_TOKEN_EVENT_INVALID',
      `has no ${BACKCHANNEL_LOGOUT_EVENT} event object`,
      'events',
      { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      isObject(events) ? Object.keys(events).slice(0, 5) : events,
    )
  }
  for (const [name, value] of [
    ['sub', sub],
    ['sid', sid],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw fail(
        'LOGOUT_TOKEN_CLAIM_INVALID',
        `${name} is not a non-empty string`,
        name,
        'a string',
        typeof value,
      )
    }
  }
  if (sub === undefined && sid === undefined) {
    throw fail(
      'LOGOUT_TOKEN_SUBJECT_MISSING',
      'has neither sid nor sub',
      'sid',
      'sid and/or sub',
      undefined,
    )
  }
  if (claims.nonce !== undefined) {
    throw fail(
      'LOGOUT_TOKEN_NONCE_PRESENT',
      'carries a nonce, which is prohibited',
      'nonce',
      'no nonce',
      'a nonce',
    )
  }
  return claims as LogoutTokenClaims
}
