/**
 * Token introspection (RFC 7662), with JWT responses (RFC 9701).
 *
 * The client asks the OP whether a token is active and what it allows.
 *
 * @module
 */

import { postAuthenticatedForm } from './client-auth.js'
import type { Configuration } from './config/configuration.js'
import { runtimeOf } from './config/runtime.js'
import { requireEndpoint } from './endpoints.js'
import { type UsageError, ValidationError } from './errors.js'
import { decryptionKeysOf, jwksOf, secretKeysOf } from './keys.js'
import { decodeJws } from './lib/compact.js'
import type { HttpResponse } from './lib/http.js'
import { mediaType } from './lib/http.js'
import { decodeUtf8, describe, isPlainObject, parseJsonObjectText } from './lib/json.js'
import { verifyJws } from './lib/jws-verify.js'
import {
  checkAlg,
  checkClaims,
  checkContainsClient,
  claimFailure,
  type TokenProfile,
} from './lib/jwt-claims.js'
import { decryptOrRefuse } from './lib/jwt-decryption.js'
import { oauthError } from './lib/oauth-error.js'
import { type TokenManagementOptions, tokenForm } from './revocation.js'

/**
 * What the OP says of a token (RFC 7662 §2.2).
 *
 * `active` is always there. An inactive token comes as `{ active: false }` alone, whatever else
 * the OP sent: nothing is known of a token that is not active. The members of an active token are
 * the OP's, each of the type RFC 7662 gives it when present; other members are kept as they came.
 *
 * @group Token management
 */
export interface IntrospectionResult {
  /** Whether the token is active: issued by this OP, not expired, not revoked. */
  readonly active: boolean
  /** The scopes the token allows, space-separated. */
  readonly scope?: string
  /** The client the token was issued to. */
  readonly client_id?: string
  /** A human-readable identifier of the end-user who authorized the token. */
  readonly username?: string
  /** The token's type, e.g. `Bearer` (RFC 6749 §7.1). */
  readonly token_type?: string
  /** When the token expires, in seconds since the epoch. */
  readonly exp?: number
  /** When the token was issued, in seconds since the epoch. */
  readonly iat?: number
  /** When the token starts being usable, in seconds since the epoch. */
  readonly nbf?: number
  /** The end-user (or client) the token is about. */
  readonly sub?: string
  /** The audiences the token is for. */
  readonly aud?: string | readonly string[]
  /** The token's issuer. */
  readonly iss?: string
  /** The token's identifier. */
  readonly jti?: string
  /** Any other member, as it came. */
  readonly [member: string]: unknown
}

/** The media type of a JWT introspection response (RFC 9701 §4, §5). */
const JWT_MEDIA_TYPE = 'application/token-introspection+jwt'

/**
 * The JWT introspection response as a token profile (RFC 9701 §5).
 *
 * `iss`, `aud` (containing the client_id) and `iat` are required; encrypted responses default to
 * `A128CBC-HS256` (RFC 9701 §6).
 */
const INTROSPECTION: TokenProfile = {
  name: 'introspection response',
  codes: {
    alg: 'INTROSPECTION_SIGNATURE_INVALID',
    signature: 'INTROSPECTION_SIGNATURE_INVALID',
    decryption: 'INTROSPECTION_DECRYPTION_FAILED',
    issuer: 'INTROSPECTION_CLAIM_INVALID',
    mismatch: 'INTROSPECTION_CLAIM_INVALID',
    untrusted: 'INTROSPECTION_CLAIM_INVALID',
    azp: 'INTROSPECTION_CLAIM_INVALID',
    invalid: 'INTROSPECTION_CLAIM_INVALID',
    expired: 'INTROSPECTION_CLAIM_INVALID',
    iatMissing: 'INTROSPECTION_CLAIM_INVALID',
    iatInFuture: 'INTROSPECTION_CLAIM_INVALID',
    notYetValid: 'INTROSPECTION_CLAIM_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: true, exp: false, iat: true },
  audienceRule: checkContainsClient,
  requiredStrings: [],
  optionalStrings: [],
}

/** The members of RFC 7662 §2.2 that are strings when present. */
const STRING_MEMBERS = ['scope', 'client_id', 'username', 'token_type', 'sub', 'iss', 'jti']
/** The members of RFC 7662 §2.2 that are numbers (seconds since the epoch) when present. */
const TIME_MEMBERS = ['exp', 'iat', 'nbf']

/**
 * Asks the OP whether a token is active, and what it allows (RFC 7662 §2.1).
 *
 * POSTs the token, with the client's authentication (every `token_endpoint_auth_method`), to the
 * OP's `introspection_endpoint`. When the client registered `introspection_signed_response_alg`
 * and/or `introspection_encrypted_response_alg`, it asks for a JWT response (`Accept:
 * application/token-introspection+jwt`, RFC 9701 §4) and accepts only one: decrypted with the
 * client's keys when encryption is registered, signed with the registered alg (default RS256) and
 * verified with the OP's keys, with `typ` `token-introspection+jwt`, `iss` the OP's issuer, `aud`
 * containing the client_id and `iat` not in the future (RFC 9701 §5). Otherwise it accepts only a
 * JSON object. Either way `active` must be a boolean.
 *
 * @param config - the configuration: the OP's introspection endpoint and keys, the client
 * authentication, its registered response kind and settings
 * @param token - the access or refresh token to introspect
 * @param options - `tokenTypeHint`, a signal (it also aborts a JWKS fetch)
 * @returns what the OP says: `{ active: false }`, or `active: true` with the token's members
 * @throws {@link OAuthResponseError} `INTROSPECTION_ERROR_RESPONSE` for an OAuth error body (RFC
 * 7662 §2.3)
 * @throws {@link ValidationError} `INTROSPECTION_RESPONSE_INVALID`,
 * `INTROSPECTION_SIGNATURE_INVALID`, `INTROSPECTION_DECRYPTION_FAILED`,
 * `INTROSPECTION_CLAIM_INVALID`, `JWT_MALFORMED`, `JWT_TOO_LARGE`, `JWT_CRIT_UNSUPPORTED`,
 * `JWKS_NO_MATCHING_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`, `JWKS_UNSAFE_KEY`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200, and the other
 * `HTTP_*` codes for timeouts, size limits, redirects and network failures
 * @throws {@link UsageError} `INTROSPECTION_UNAVAILABLE` without an `introspection_endpoint`,
 * `INVALID_ARGUMENT` for an empty token or hint, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2 RFC 7662 §2
 * @see https://www.rfc-editor.org/rfc/rfc9701#section-5 RFC 9701 §5
 * @example
 * ```ts
 * const result = await introspectToken(config, bearerToken, { tokenTypeHint: 'access_token' })
 * if (!result.active) return new Response('token not active', { status: 401 })
 * console.log(result.sub, result.scope)
 * ```
 * @group Token management
 */
export async function introspectToken(
  config: Configuration,
  token: string,
  options: TokenManagementOptions = {},
): Promise<IntrospectionResult> {
  const endpoint = introspectionEndpoint(config)
  const params = tokenForm(token, options)
  const accept = wantsJwt(config) ? JWT_MEDIA_TYPE : 'application/json'
  const response = await postAuthenticatedForm(config, endpoint, params, options.signal, 'token', {
    accept,
  })
  if (response.status !== 200) throw await oauthError(response, 'INTROSPECTION_ERROR_RESPONSE', 200)
  const body = wantsJwt(config)
    ? await jwtResponse(config, response, options.signal)
    : jsonResponse(response)
  return checkMembers(body)
}

function introspectionEndpoint(config: Configuration): string {
  return requireEndpoint(config, 'introspection_endpoint', 'INTROSPECTION_UNAVAILABLE')
}

/** Whether the client registered a JWT introspection response (RFC 9701 §6). */
function wantsJwt(config: Configuration): boolean {
  const { client } = config
  return (
    client.introspection_signed_response_alg !== undefined ||
    client.introspection_encrypted_response_alg !== undefined
  )
}

function invalid(
  message: string,
  expected: unknown,
  actual?: unknown,
  claim?: string,
): ValidationError {
  return new ValidationError(
    'INTROSPECTION_RESPONSE_INVALID',
    `the introspection response ${message}`,
    { expected, actual, ...(claim === undefined ? {} : { claim }) },
  )
}

function bodyText(response: HttpResponse): string {
  try {
    return decodeUtf8(response.body)
  } catch {
    throw invalid('is not valid UTF-8', 'UTF-8 text')
  }
}

function parseObject(text: string, what: string): Record<string, unknown> {
  return parseJsonObjectText(text, (problem) => invalid(`${problem} (${what})`, 'a JSON object'))
}

function expectMediaType(response: HttpResponse, expected: string, why: string): void {
  const type = mediaType(response)
  if (type !== expected) {
    const shown = type.slice(0, 60)
    throw invalid(`has content type ${JSON.stringify(shown)}, ${why}`, expected, shown)
  }
}

function jsonResponse(response: HttpResponse): Record<string, unknown> {
  expectMediaType(
    response,
    'application/json',
    'expected application/json (no JWT introspection response is registered)',
  )
  return parseObject(bodyText(response), 'application/json')
}

/** RFC 9701 §5: decrypt if registered, verify, check `typ` and the claims, unwrap. */
async function jwtResponse(
  config: Configuration,
  response: HttpResponse,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  expectMediaType(response, JWT_MEDIA_TYPE, `expected the registered ${JWT_MEDIA_TYPE}`)
  const { client, settings } = config
  const maxLength = settings.maxJwtLength
  const jws = await decryptOrRefuse(
    INTROSPECTION,
    bodyText(response).trim(),
    client.introspection_encrypted_response_alg,
    client.introspection_encrypted_response_enc,
    decryptionKeysOf(config),
    maxLength,
  )
  const decoded = decodeJws(jws, maxLength, INTROSPECTION.name)
  // RFC 9701 §6: signed with the registered alg, RS256 by default; never unsigned.
  const registered = client.introspection_signed_response_alg ?? 'RS256'
  checkAlg(INTROSPECTION, decoded.header.alg, registered, [], false, false)
  await verifyJws(decoded, jwksOf(config), secretKeysOf(config), INTROSPECTION.codes, signal)
  checkTyp(decoded.header.typ)
  const now = runtimeOf(config).now() / 1000
  checkClaims(
    INTROSPECTION,
    decoded.claims,
    config.issuer,
    client,
    now,
    settings.clockToleranceInSeconds,
  )
  const wrapped = decoded.claims.token_introspection
  if (!isPlainObject(wrapped)) {
    throw claimFailure(
      INTROSPECTION,
      'INTROSPECTION_CLAIM_INVALID',
      'has no token_introspection object',
      'token_introspection',
      'a JSON object',
      describe(wrapped),
    )
  }
  return wrapped
}

/** RFC 9701 §5: `typ` is `token-introspection+jwt` (the `application/` prefix may be there). */
function checkTyp(typ: unknown): void {
  const value = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : ''
  if (value !== 'token-introspection+jwt') {
    throw claimFailure(
      INTROSPECTION,
      'INTROSPECTION_CLAIM_INVALID',
      'has another typ',
      'typ',
      'token-introspection+jwt',
      typ,
    )
  }
}

/** RFC 7662 §2.2: `active` a boolean; the other members of their types; inactive says nothing. */
function checkMembers(body: Record<string, unknown>): IntrospectionResult {
  const { active } = body
  if (typeof active !== 'boolean') {
    const message = active === undefined ? 'has no active member' : 'has a non-boolean active'
    throw invalid(message, 'true or false', describe(active), 'active')
  }
  if (!active) return { active: false }
  for (const member of STRING_MEMBERS) {
    const value = body[member]
    if (value !== undefined && typeof value !== 'string') {
      throw invalid(`member ${member} is not a string`, 'a string', describe(value), member)
    }
  }
  for (const member of TIME_MEMBERS) {
    const value = body[member]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
      throw invalid(`member ${member} is not a number`, 'a number', describe(value), member)
    }
  }
  const { aud } = body
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  ) {
    const expected = 'a string or an array of strings'
    throw invalid(`member aud is not ${expected}`, expected, describe(aud), 'aud')
  }
  return body as IntrospectionResult & Record<string, unknown>
}
