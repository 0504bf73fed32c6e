/**
 * The rules every JWT the SDK accepts goes through, once, parameterised by a token profile.
 *
 * A profile gives its name, error codes, default `enc` and required claims. The rules:
 * decrypt-or-refuse, the alg rule, and the `iss`/`aud`/`azp`/`exp`/`iat`/`nbf` and typed-claim
 * checks. ID tokens, logout tokens and signed UserInfo responses are profiles over these.
 *
 * @module
 */
import { ValidationError, type ValidationErrorCode } from '../errors.js'
import { quoted, shown } from './json.js'
import { algNotAllowed, canVerify, type JwtErrorCodes } from './jws-verify.js'

/**
 * The codes a JWT consumer throws when its audience check fails.
 * @internal
 */
export interface AudienceErrorCodes {
  /** `aud` is missing or does not contain the client_id. */
  readonly mismatch: ValidationErrorCode
  /** `aud` names an audience the client does not trust. */
  readonly untrusted: ValidationErrorCode
  /** Several audiences without `azp`, or an `azp` other than the client_id. */
  readonly azp: ValidationErrorCode
  /** `aud` or `azp` of the wrong type. */
  readonly invalid: ValidationErrorCode
}

/**
 * Every code a token profile throws from the shared rules.
 * @internal
 */
export interface TokenErrorCodes extends JwtErrorCodes, AudienceErrorCodes {
  /** `iss` is missing (when required) or not the OP's issuer. */
  readonly issuer: ValidationErrorCode
  /** The token has expired, or lacks a required numeric `exp`. */
  readonly expired: ValidationErrorCode
  /** A required `iat` is missing or not a number. */
  readonly iatMissing: ValidationErrorCode
  /** `iat` is in the future. */
  readonly iatInFuture: ValidationErrorCode
  /** `nbf` is in the future. */
  readonly notYetValid: ValidationErrorCode
}

/**
 * What makes one kind of JWT.
 *
 * Its name in messages, its codes, its default `enc`, and which of the registered claims it must
 * carry (the others are checked only when present).
 *
 * @internal
 */
export interface TokenProfile {
  /** What the token is, for messages (`ID token`). */
  readonly name: string
  /** Its error codes. */
  readonly codes: TokenErrorCodes
  /** The `enc` used when the client registered an encryption `alg` but no `enc`. */
  readonly defaultEnc: string
  /** The registered claims it must carry. */
  readonly required: {
    readonly iss: boolean
    readonly aud: boolean
    readonly exp: boolean
    readonly iat: boolean
  }
  /**
   * Its audience rule.
   *
   * {@link checkAudience} (trusted audiences only, `azp`), or {@link checkContainsClient}: `aud`
   * need only contain the client_id (signed UserInfo, OIDC Core §5.3.2).
   */
  readonly audienceRule: typeof checkAudience
  /** Claims that must be present as non-empty strings, each with the code for its absence. */
  readonly requiredStrings: readonly (readonly [claim: string, code: ValidationErrorCode])[]
  /** Optional claims that must be strings when present. */
  readonly optionalStrings: readonly string[]
}

/**
 * What the client expects of every token: its issuer, its client_id and trusted audiences.
 * @internal
 */
export interface TokenAudience {
  /** The client_id. */
  readonly client_id: string
  /** Other audiences the client accepts beside itself. */
  readonly trusted_audiences?: readonly string[] | undefined
}

/**
 * Limits on how long a token is accepted beyond its own `exp`.
 * @internal
 */
export interface TokenLifetime {
  /** How long a token without `exp` is accepted after its `iat`, in seconds. */
  readonly withoutExp: number
  /** The longest a token is accepted after its `iat`, whatever its `exp` says, in seconds. */
  readonly max: number
}

/**
 * The error for a failed claim check: the message names the token, `actual` is cut to fit.
 * @param profile - the token profile
 * @param code - the error code
 * @param message - what is wrong, after the token's name
 * @param claim - the claim
 * @param expected - what was expected
 * @param actual - what came
 * @returns the error
 * @internal
 */
export function claimFailure(
  profile: TokenProfile,
  code: ValidationErrorCode,
  message: string,
  claim: string,
  expected: unknown,
  actual: unknown,
): ValidationError {
  return new ValidationError(code, `the ${profile.name} ${message}`, {
    claim,
    expected,
    actual: shown(actual),
  })
}

/**
 * The error for a claim of the wrong type (the profile's `invalid` code).
 * @param profile - the token profile
 * @param claim - the claim
 * @param expected - the type expected, in words
 * @param actual - what came
 * @returns the error
 * @internal
 */
export function mistyped(
  profile: TokenProfile,
  claim: string,
  expected: string,
  actual: unknown,
): ValidationError {
  return claimFailure(
    profile,
    profile.codes.invalid,
    `${claim} is not ${expected}`,
    claim,
    expected,
    actual,
  )
}

/**
 * Whether a claim is a finite number.
 * @param value - the claim
 * @returns true for a finite number
 * @internal
 */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * The error of an encrypted token where the client registered no encryption for it.
 * @param profile - the token profile
 * @returns its `codes.decryption` error
 * @internal
 */
export function unregisteredJwe(profile: TokenProfile): ValidationError {
  return new ValidationError(
    profile.codes.decryption,
    `the ${profile.name} is encrypted but the client registered no encryption alg for it`,
    { claim: 'enc', expected: 'a signed JWT (JWS)', actual: 'JWE' },
  )
}

/**
 * The alg rule.
 *
 * `none` only when `allowNone`; else the registered alg when there is one; else an alg the OP
 * advertises and the client can verify.
 *
 * @param profile - the token profile
 * @param alg - the header `alg`
 * @param registered - the alg the client registered for this token, if any (not `none`)
 * @param advertised - the algs the OP advertises for it
 * @param allowNone - whether an unsigned token is accepted here
 * @param hasSecret - whether the client has a secret (for `HS*`)
 * @throws {@link ValidationError} `codes.alg`
 * @internal
 */
export function checkAlg(
  profile: TokenProfile,
  alg: string,
  registered: string | undefined,
  advertised: readonly string[],
  allowNone: boolean,
  hasSecret: boolean,
): void {
  const ok =
    alg === 'none'
      ? allowNone
      : registered !== undefined
        ? alg === registered
        : canVerify(alg, hasSecret) && advertised.includes(alg)
  if (!ok) {
    throw algNotAllowed(
      profile.codes.alg,
      alg,
      registered ?? advertised.filter((a) => canVerify(a, hasSecret)),
    )
  }
}

/**
 * Checks `aud` and `azp` the way OIDC Core asks for ID tokens, for every JWT.
 *
 * `aud` is the client_id or an array of strings containing it; every other audience must be one of
 * the client's `trusted_audiences`; with several audiences `azp` is required, and when present it
 * must be the client_id.
 *
 * @param profile - the token profile
 * @param client - the client_id and trusted audiences
 * @param aud - the token's `aud`, as it came (`undefined` fails with `codes.mismatch`)
 * @param azp - the token's `azp`, as it came
 * @throws {@link ValidationError} `codes.mismatch`, `codes.untrusted`, `codes.azp`, `codes.invalid`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation OIDC Core §3.1.3.7 steps 3–5
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation Back-Channel Logout §2.6 step 3
 * @internal
 */
export function checkAudience(
  profile: TokenProfile,
  client: TokenAudience,
  aud: unknown,
  azp: unknown,
): void {
  const { codes } = profile
  const clientId = client.client_id
  const fail = (code: ValidationErrorCode, message: string, claim: string, expected: unknown) =>
    claimFailure(profile, code, message, claim, expected, claim === 'azp' ? azp : aud)
  if (aud === undefined) throw fail(codes.mismatch, 'has no aud', 'aud', clientId)
  const list = typeof aud === 'string' ? undefined : aud
  if (list !== undefined && !(Array.isArray(list) && list.every((a) => typeof a === 'string'))) {
    const expected = 'a string or an array of strings'
    throw fail(codes.invalid, `aud is not ${expected}`, 'aud', expected)
  }
  if (list === undefined ? aud !== clientId : !list.includes(clientId)) {
    const message = `aud ${quoted(aud)} does not contain the client_id ${clientId}`
    throw fail(codes.mismatch, message, 'aud', clientId)
  }
  if (list !== undefined && list.length > 1) {
    const trusted = client.trusted_audiences ?? []
    const untrusted = list.filter((a) => a !== clientId && !trusted.includes(a))
    if (untrusted.length > 0) {
      throw claimFailure(
        profile,
        codes.untrusted,
        `aud names ${untrusted.length} audience(s) the client does not trust, e.g. ${quoted(untrusted[0])}`,
        'aud',
        [clientId, ...trusted],
        untrusted,
      )
    }
  }
  if (azp !== undefined && typeof azp !== 'string') {
    throw fail(codes.invalid, 'azp is not a string', 'azp', 'a string')
  }
  if (azp === undefined ? list !== undefined && list.length > 1 : azp !== clientId) {
    const message =
      azp === undefined
        ? 'has several audiences but no azp'
        : `azp ${quoted(azp)} is not the client_id ${clientId}`
    throw fail(codes.azp, message, 'azp', clientId)
  }
}

/**
 * The lenient audience rule: `aud` is the client_id or an array containing it.
 * @param profile - the token profile
 * @param client - the client_id
 * @param aud - the token's `aud`, as it came
 * @throws {@link ValidationError} `codes.mismatch`
 * @internal
 */
export function checkContainsClient(
  profile: TokenProfile,
  { client_id: clientId }: TokenAudience,
  aud: unknown,
): void {
  if (aud === clientId || (Array.isArray(aud) && aud.includes(clientId))) return
  const message = `aud ${quoted(aud)} does not contain the client_id ${clientId}`
  throw claimFailure(
    profile,
    profile.codes.mismatch,
    message,
    'aud',
    clientId,
    Array.isArray(aud) ? aud.slice(0, 10) : aud,
  )
}

/**
 * Checks the claims every token shares.
 *
 * `iss` is the OP's issuer; `aud`/`azp` per {@link checkAudience}; `exp` not passed, `iat` not in
 * the future, `nbf` reached (each within the clock tolerance, each a number); the profile's
 * required and optional string claims.
 *
 * @param profile - the token profile
 * @param claims - the verified claims
 * @param issuer - the OP's issuer
 * @param client - the client_id and trusted audiences
 * @param now - the current time, in seconds since the epoch
 * @param tolerance - the clock tolerance, in seconds
 * @param lifetime - how long a token is accepted after its `iat`, when the profile limits it
 * @returns when the token stops being accepted, in seconds since the epoch (`Infinity` without
 * `exp` or a lifetime)
 * @throws {@link ValidationError} the profile's codes
 * @internal
 */
export function checkClaims(
  profile: TokenProfile,
  claims: Record<string, unknown>,
  issuer: string,
  client: TokenAudience,
  now: number,
  tolerance: number,
  lifetime?: TokenLifetime,
): number {
  const { codes, required } = profile
  const { iss, aud, exp, iat, nbf } = claims
  if (iss !== undefined || required.iss) {
    if (iss !== undefined && typeof iss !== 'string')
      throw mistyped(profile, 'iss', 'a string', iss)
    if (iss !== issuer) {
      const message =
        iss === undefined ? 'has no iss' : `iss ${quoted(iss)} is not the issuer ${issuer}`
      throw claimFailure(profile, codes.issuer, message, 'iss', issuer, iss)
    }
  }

  if (aud !== undefined || required.aud) {
    profile.audienceRule(profile, client, aud, claims.azp)
  }

  if (exp !== undefined && !isNumber(exp) && !required.exp) {
    throw mistyped(profile, 'exp', 'a number', typeof exp)
  }
  if (required.exp && !isNumber(exp)) {
    throw claimFailure(profile, codes.expired, 'has no numeric exp', 'exp', 'a number', typeof exp)
  }
  if (iat !== undefined || required.iat) {
    if (!isNumber(iat)) {
      const message = 'has no numeric iat'
      throw claimFailure(profile, codes.iatMissing, message, 'iat', 'a number', typeof iat)
    }
  }
  let expiresAt = isNumber(exp) ? exp : Number.POSITIVE_INFINITY
  let bound = 'exp'
  if (lifetime !== undefined && isNumber(iat)) {
    const limit = iat + (isNumber(exp) ? lifetime.max : Math.min(lifetime.withoutExp, lifetime.max))
    if (limit < expiresAt) {
      expiresAt = limit
      bound = 'iat'
    }
  }
  if (now >= expiresAt + tolerance) {
    const message = `expired at ${expiresAt}`
    throw claimFailure(
      profile,
      codes.expired,
      message,
      bound,
      `after ${Math.floor(now)}`,
      expiresAt,
    )
  }
  if (isNumber(iat) && iat > now + tolerance) {
    const message = `was issued in the future (iat ${iat})`
    throw claimFailure(
      profile,
      codes.iatInFuture,
      message,
      'iat',
      `at most ${Math.floor(now)}`,
      iat,
    )
  }
  if (nbf !== undefined) {
    if (!isNumber(nbf)) throw mistyped(profile, 'nbf', 'a number', nbf)
    if (nbf > now + tolerance) {
      const message = `is not valid before ${nbf}`
      throw claimFailure(
        profile,
        codes.notYetValid,
        message,
        'nbf',
        `at most ${Math.floor(now)}`,
        nbf,
      )
    }
  }

  for (const [name, code] of profile.requiredStrings) {
    const value = claims[name]
    if (typeof value !== 'string' || value === '') {
      throw claimFailure(profile, code, `has no ${name}`, name, 'a non-empty string', value)
    }
  }
  for (const name of profile.optionalStrings) {
    const value = claims[name]
    if (value !== undefined && typeof value !== 'string') {
      throw mistyped(profile, name, 'a string', value)
    }
  }
  return expiresAt
}
