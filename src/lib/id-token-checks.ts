/**
 * The checks of an ID token, on plain values.
 *
 * OIDC Core §3.1.3.7, §3.2.2.11, §3.3.2.12 and §12.2. First its form, alg and signature
 * ({@link verifyIdToken}), decrypting it first when the client registered encryption; then its
 * claims ({@link checkIdTokenClaims}): the shared JWT rules (`iss`, `aud`, `azp`, `exp`, `iat`,
 * `nbf`, `sub`) of lib/jwt-claims.ts, then `amr`, `nonce`, `acr` and `auth_time`. id-token.ts reads
 * the inputs from a configuration, and checks `at_hash` / `c_hash` (lib/half-hash.ts) when an
 * access token or a code came with the ID token; a caller with no configuration states them itself.
 *
 * @module
 */
import { type DecodedJws, decodeJws, isCompactJwe } from './compact.js'
import { quoted } from './json.js'
import { type HmacKeySource, type OpKeyResolver, verifiedAtOnce, verifyJws } from './jws-verify.js'
import {
  checkAlg,
  checkAudience,
  checkClaims,
  claimFailure,
  isNumber,
  mistyped,
  type TokenAudience,
  type TokenProfile,
  unregisteredJwe,
} from './jwt-claims.js'

/**
 * The ID token as a token profile.
 *
 * Its codes, required claims and default `enc` (OIDC Registration §2).
 * @internal
 */
export const ID_TOKEN: TokenProfile = {
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
  audienceRule: checkAudience,
  requiredStrings: [['sub', 'ID_TOKEN_SUB_MISSING']],
  optionalStrings: ['sid', 'nonce', 'acr', 'at_hash', 'c_hash'],
}

/** What an ID token's form, alg and signature are checked against. @internal */
export interface IdTokenKeys {
  /** The longest token accepted, in characters. */
  readonly maxJwtLength: number
  /** The registered `id_token_signed_response_alg`: only it is accepted. */
  readonly registeredAlg: string | undefined
  /** Without a registered alg, the OP's advertised algs are accepted (those that can verify). */
  readonly advertisedAlgs: readonly string[]
  /** Whether `alg: none` is accepted (registered, and not from the front channel). */
  readonly allowNone: boolean
  /** Whether the client has a secret to verify `HS*` with. */
  readonly hasSecret: boolean
  /** The OP's keys. */
  readonly opKeys: OpKeyResolver
  /** The client secret's keys, for `HS*`. */
  readonly secret: HmacKeySource
  /**
   * Decrypts the ID token, where the client registered `id_token_encrypted_response_alg`.
   *
   * Without it, an encrypted ID token is refused.
   */
  readonly decrypt: ((idToken: string) => Promise<string>) | undefined
}

/**
 * Decrypts (when registered), decodes and verifies an ID token.
 *
 * The common case (a signed ID token, the OP's keys cached, a synchronous verifier at hand) runs
 * without awaiting until the returned promise.
 * @param idToken - the compact ID token
 * @param keys - what it is checked against
 * @param signal - aborts a JWKS fetch
 * @returns the decoded JWS, its signature verified
 * @throws {@link ValidationError} the ID token's form, alg, decryption and signature codes, and
 * those of the OP's JWKS
 * @throws {@link TransportError} `HTTP_*` when the OP's JWKS cannot be fetched
 * @internal
 */
export async function verifyIdToken(
  idToken: string,
  keys: IdTokenKeys,
  signal?: AbortSignal,
): Promise<DecodedJws> {
  const { decrypt, maxJwtLength } = keys
  if (decrypt === undefined && isCompactJwe(idToken)) throw unregisteredJwe(ID_TOKEN)
  const jws = decrypt === undefined ? idToken : await decrypt(idToken)
  const decoded = decodeJws(jws, maxJwtLength, ID_TOKEN.name)
  checkAlg(
    ID_TOKEN,
    decoded.header.alg,
    keys.registeredAlg,
    keys.advertisedAlgs,
    keys.allowNone,
    keys.hasSecret,
  )
  if (!verifiedAtOnce(decoded, keys.opKeys)) {
    await verifyJws(decoded, keys.opKeys, keys.secret, ID_TOKEN.codes, signal)
  }
  return decoded
}

/**
 * The client registration members the ID token's claims answer to (OIDC Registration §2).
 * @internal
 */
export interface IdTokenClient extends TokenAudience {
  /** The `max_age` of every request that sends none. */
  readonly default_max_age?: number | undefined
  /** Require `auth_time` in every ID token. */
  readonly require_auth_time?: boolean | undefined
}

/** What an ID token's claims must satisfy, every rule stated. @internal */
export interface IdTokenRules {
  /** The issuer `iss` must be. */
  readonly issuer: string
  /** The client: its client_id, trusted audiences, `default_max_age` and `require_auth_time`. */
  readonly client: IdTokenClient
  /** The current time, in seconds since the epoch. */
  readonly now: number
  /** The clock tolerance, in seconds. */
  readonly tolerance: number
  /** Where the ID token came from: the authorization response, the code's or a refresh's. */
  readonly source: 'authorization' | 'token' | 'refresh'
  /**
   * The nonce the ID token must carry.
   *
   * `null` when none was sent (it must carry none); `undefined` when not checked (a refresh).
   */
  readonly nonce: string | null | undefined
  /**
   * The `max_age` the request sent, in seconds: `auth_time` is then required and at most this old.
   *
   * Without it, the client's `default_max_age` applies, except to a refresh.
   */
  readonly maxAgeInSeconds: number | undefined
  /** Require `auth_time` even without a `max_age` (besides the client's `require_auth_time`). */
  readonly requireAuthTime: boolean
  /** The acceptable `acr` values (none: any). */
  readonly requiredAcr: readonly string[] | undefined
}

/**
 * Checks an ID token's claims.
 * @param decoded - the ID token, its signature verified
 * @param rules - what its claims must satisfy
 * @throws {@link ValidationError} the ID token's claim codes
 * @internal
 */
export function checkIdTokenClaims({ claims }: DecodedJws, rules: IdTokenRules): void {
  checkClaims(ID_TOKEN, claims, rules.issuer, rules.client, rules.now, rules.tolerance)
  const amr = claims.amr
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((v) => typeof v === 'string'))) {
    throw mistyped(ID_TOKEN, 'amr', 'an array of strings', amr)
  }
  checkNonce(claims.nonce, rules.nonce)

  const { requiredAcr } = rules
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

  checkAuthTime(claims.auth_time, rules)
}

function checkNonce(nonce: unknown, expected: string | null | undefined): void {
  if (expected === null && nonce !== undefined) {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_NONCE_MISMATCH',
      'has a nonce though none was sent',
      'nonce',
      'no nonce',
      nonce,
    )
  }
  if (typeof expected !== 'string') return
  if (nonce === undefined) {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_NONCE_MISSING',
      'has no nonce',
      'nonce',
      'the nonce sent',
      undefined,
    )
  }
  if (nonce !== expected) {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_NONCE_MISMATCH',
      'nonce is not the one sent',
      'nonce',
      'the nonce sent',
      nonce,
    )
  }
}

function checkAuthTime(authTime: unknown, rules: IdTokenRules): void {
  const { client } = rules
  const maxAge =
    rules.maxAgeInSeconds ?? (rules.source === 'refresh' ? undefined : client.default_max_age)
  const required =
    maxAge !== undefined || rules.requireAuthTime || client.require_auth_time === true
  if (authTime === undefined && !required) return
  if (authTime === undefined) {
    throw claimFailure(
      ID_TOKEN,
      'ID_TOKEN_AUTH_TIME_MISSING',
      'has no auth_time although it is required',
      'auth_time',
      'a number',
      authTime,
    )
  }
  if (!isNumber(authTime)) throw mistyped(ID_TOKEN, 'auth_time', 'a number', authTime)
  const { now } = rules
  if (maxAge !== undefined && now - authTime > maxAge + rules.tolerance) {
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
