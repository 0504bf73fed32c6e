/**
 * The UserInfo request (OIDC Core §5.3): the access token as a bearer header or form body, Bearer
 * challenges parsed, JSON or signed and/or encrypted JWT responses as registered, and the `sub`
 * check.
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { RUNTIME } from './config/runtime.js'
import { responseLimit } from './config/settings.js'
import {
  OAuthResponseError,
  TransportError,
  UsageError,
  ValidationError,
  type WWWAuthenticateChallenge,
} from './errors.js'
import { decryptionKeysOf, jwksOf, secretKeysOf } from './keys.js'
import { decodeJws } from './lib/compact.js'
import { expectStatus, type HttpResponse, httpRequest, mediaType } from './lib/http.js'
import { decodeUtf8, isPlainObject, MAX_JSON_DEPTH, nestedDeeperThan } from './lib/json.js'
import { verifyJws } from './lib/jws-verify.js'
import { checkAlg, checkClaims, decryptOrRefuse, type TokenProfile } from './lib/jwt-claims.js'

/**
 * Options of {@link fetchUserInfo}.
 * @group UserInfo
 */
export interface UserInfoOptions {
  /** The ID token's `sub`: UserInfo must name the same end-user (OIDC Core §5.3.2). */
  readonly expectedSubject: string
  /**
   * Where the access token goes: `header` (default, `Authorization: Bearer`, a GET) or `body`
   * (a POST with the form parameter `access_token`, RFC 6750 §2.2).
   */
  readonly placement?: 'header' | 'body'
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * The signed or encrypted UserInfo response as a token profile: every claim rule fails with
 * `USERINFO_SIGNATURE_INVALID`, no registered claim is required (OIDC Core §5.3.2: `iss` and `aud`
 * SHOULD be there; LemonLDAP::NG signs bare claims, Glewlwyd sends no `aud`), each is checked when
 * present; the default `enc` is OIDC Registration §2's.
 */
const USERINFO: TokenProfile = {
  name: 'UserInfo response',
  codes: {
    alg: 'USERINFO_SIGNATURE_INVALID',
    signature: 'USERINFO_SIGNATURE_INVALID',
    decryption: 'USERINFO_DECRYPTION_FAILED',
    issuer: 'USERINFO_SIGNATURE_INVALID',
    mismatch: 'USERINFO_SIGNATURE_INVALID',
    untrusted: 'USERINFO_SIGNATURE_INVALID',
    azp: 'USERINFO_SIGNATURE_INVALID',
    invalid: 'USERINFO_SIGNATURE_INVALID',
    expired: 'USERINFO_SIGNATURE_INVALID',
    iatMissing: 'USERINFO_SIGNATURE_INVALID',
    iatInFuture: 'USERINFO_SIGNATURE_INVALID',
    notYetValid: 'USERINFO_SIGNATURE_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: false, aud: false, exp: false, iat: false },
  audienceRule: 'contains-client',
  requiredStrings: [],
  optionalStrings: [],
}

/**
 * Fetches the end-user's claims from the UserInfo endpoint with an access token and checks that
 * they are about the expected end-user. When the client registered `userinfo_signed_response_alg`
 * and/or `userinfo_encrypted_response_alg`, only an `application/jwt` response of that kind is
 * accepted (decrypted with the client's keys, verified with the OP's keys or the client secret,
 * with `iss`, when present, the OP's issuer, `aud`, when present, containing the client_id, and
 * `exp`, `iat` and `nbf`, when present, within the clock tolerance);
 * otherwise only a JSON object.
 * Aggregated and distributed claims (`_claim_names`, `_claim_sources`) are returned as they came,
 * unresolved and unverified.
 * @param config - the configuration
 * @param accessToken - the access token from the token endpoint or the authorization response
 * @param options - the expected `sub`, where the token goes, a signal
 * @returns the claims, `sub` included
 * @throws {@link OAuthResponseError} `USERINFO_BEARER_CHALLENGE` on a 401/403 with `WWW-Authenticate`
 * @throws {@link ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_RESPONSE_INVALID`,
 * `USERINFO_SIGNATURE_INVALID`, `USERINFO_DECRYPTION_FAILED`, `JWT_MALFORMED`, `JWT_TOO_LARGE`,
 * `JWT_CRIT_UNSUPPORTED`, `JWKS_NO_MATCHING_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`,
 * `JWKS_UNSAFE_KEY`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200, and the other
 * `HTTP_*` codes for timeouts, size limits, redirects and network failures
 * @throws {@link UsageError} `USERINFO_UNAVAILABLE` without a `userinfo_endpoint`,
 * `INVALID_ARGUMENT` for an empty access token or expected subject, `MISSING_CREDENTIALS`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo OIDC Core §5.3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 RFC 6750 §3
 * @example
 * ```ts
 * const claims = await fetchUserInfo(config, tokens.access_token, { expectedSubject: idToken.sub })
 * console.log(claims.email)
 * ```
 * @group UserInfo
 */
export async function fetchUserInfo(
  config: Configuration,
  accessToken: string,
  options: UserInfoOptions,
): Promise<Record<string, unknown>> {
  const endpoint = config.provider.userinfo_endpoint
  if (endpoint === undefined) {
    throw new UsageError('USERINFO_UNAVAILABLE', 'the OP has no userinfo_endpoint', {
      parameter: 'userinfo_endpoint',
    })
  }
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new UsageError('INVALID_ARGUMENT', 'accessToken must be a non-empty string', {
      parameter: 'accessToken',
    })
  }
  const { expectedSubject, placement = 'header', signal } = options
  if (typeof expectedSubject !== 'string' || expectedSubject === '') {
    throw new UsageError('INVALID_ARGUMENT', 'expectedSubject must be a non-empty string', {
      parameter: 'expectedSubject',
    })
  }
  if (placement !== 'header' && placement !== 'body') {
    throw new UsageError('INVALID_ARGUMENT', 'placement must be header or body', {
      parameter: 'placement',
    })
  }
  const { client } = config
  const wantsJwt =
    client.userinfo_signed_response_alg !== undefined ||
    client.userinfo_encrypted_response_alg !== undefined
  const accept = wantsJwt ? 'application/jwt' : 'application/json'
  const init: { method: string; headers: Record<string, string>; body?: string } =
    placement === 'header'
      ? { method: 'GET', headers: { accept, authorization: `Bearer ${accessToken}` } }
      : {
          method: 'POST',
          headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ access_token: accessToken }).toString(),
        }
  const response = await httpRequest(new URL(endpoint), init, {
    ...config.settings,
    maxResponseBytes: responseLimit(config.settings, 'userinfo'),
    fetch: config[RUNTIME].fetch,
    ...(signal ? { signal } : {}),
  })
  const challengeHeader = response.headers.get('www-authenticate')
  if ((response.status === 401 || response.status === 403) && challengeHeader !== null) {
    // Some OPs quote the token they refuse in error_description: it never reaches an error.
    throw challengeError(response.status, parseChallenges(response.redact(challengeHeader)))
  }
  expectStatus(response, 200)
  const claims = wantsJwt ? await jwtClaims(config, response, signal) : jsonClaims(response)
  if (claims.sub !== expectedSubject) {
    throw new ValidationError('USERINFO_SUB_MISMATCH', 'the UserInfo sub is not the ID token sub', {
      claim: 'sub',
      expected: expectedSubject,
      actual: shown(claims.sub),
    })
  }
  return claims
}

function invalid(message: string, expected: unknown, actual?: unknown): ValidationError {
  return new ValidationError('USERINFO_RESPONSE_INVALID', `the UserInfo response ${message}`, {
    expected,
    actual,
  })
}

function shown(value: unknown): unknown {
  return typeof value === 'string' && value.length > 80 ? `${value.slice(0, 77)}...` : value
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid(`is not valid JSON (${what})`, 'a JSON object')
  }
  if (!isPlainObject(value)) throw invalid(`is not a JSON object (${what})`, 'a JSON object')
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw invalid(`is nested deeper than ${MAX_JSON_DEPTH} levels (${what})`, 'a JSON object')
  }
  return value
}

function bodyText(body: Uint8Array): string {
  try {
    return decodeUtf8(body)
  } catch {
    throw invalid('is not valid UTF-8', 'UTF-8 text')
  }
}

function jsonClaims(response: HttpResponse): Record<string, unknown> {
  const type = mediaType(response)
  if (type !== 'application/json') {
    throw invalid(
      `has content type ${JSON.stringify(type.slice(0, 60))}, expected application/json (no signed or encrypted UserInfo is registered)`,
      'application/json',
      type.slice(0, 60),
    )
  }
  return parseObject(bodyText(response.body), 'application/json')
}

async function jwtClaims(
  config: Configuration,
  response: HttpResponse,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const type = mediaType(response)
  if (type !== 'application/jwt') {
    throw invalid(
      `has content type ${JSON.stringify(type.slice(0, 60))}, expected the registered application/jwt`,
      'application/jwt',
      type.slice(0, 60),
    )
  }
  const { client, settings } = config
  const maxLength = responseLimit(settings, 'userinfo')
  const text = await decryptOrRefuse(
    USERINFO,
    bodyText(response.body).trim(),
    client.userinfo_encrypted_response_alg,
    client.userinfo_encrypted_response_enc,
    decryptionKeysOf(config),
    maxLength,
  )
  const signedAlg = client.userinfo_signed_response_alg
  if (signedAlg === undefined) return parseObject(text, 'decrypted')
  const decoded = decodeJws(text, maxLength, USERINFO.name)
  checkAlg(USERINFO, decoded.header.alg, signedAlg, [], signedAlg === 'none', false)
  await verifyJws(decoded, jwksOf(config), secretKeysOf(config), USERINFO.codes, signal)
  const now = config[RUNTIME].now() / 1000
  checkClaims(
    USERINFO,
    decoded.claims,
    config.issuer,
    client,
    now,
    settings.clockToleranceInSeconds,
  )
  return decoded.claims
}

function challengeError(
  status: number,
  challenges: WWWAuthenticateChallenge[],
): OAuthResponseError {
  const bearer = challenges.find((c) => c.scheme === 'bearer')?.parameters ?? {}
  return new OAuthResponseError('USERINFO_BEARER_CHALLENGE', {
    // RFC 6750 §3.1: a challenge without error (no usable credentials) still refused our token.
    error: bearer.error ?? (status === 403 ? 'insufficient_scope' : 'invalid_token'),
    errorDescription: bearer.error_description,
    errorUri: bearer.error_uri,
    status,
    challenges,
  })
}

const TOKEN = /[!#$%&'*+.^_`|~\w-]+/y
const TOKEN68 = /[\w.~+/-]+=*/y
const OWS = /[ \t]*/y
const SEPARATORS = /[ \t,]*/y

/**
 * Parses a `WWW-Authenticate` header value into its challenges (RFC 9110 §11.6.1): schemes and
 * parameter names lower-cased, quoted strings unescaped, token68 credentials skipped. Parsing stops
 * at the first malformed part and keeps what came before.
 * @param header - the header value
 * @returns the challenges, in order
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1 RFC 9110 §11.6.1
 * @internal
 */
export function parseChallenges(header: string): WWWAuthenticateChallenge[] {
  const challenges: WWWAuthenticateChallenge[] = []
  let i = 0
  const read = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = i
    const match = pattern.exec(header)
    if (match === null || match[0] === '') return undefined
    i = pattern.lastIndex
    return match[0]
  }
  for (;;) {
    read(SEPARATORS)
    if (i >= header.length) return challenges
    const scheme = read(TOKEN)
    if (scheme === undefined) return challenges
    const parameters: Record<string, string> = {}
    challenges.push({ scheme: scheme.toLowerCase(), parameters })
    if (read(OWS) === undefined) continue // no parameters: a comma, the end, or garbage
    const start = i
    if (read(TOKEN68) !== undefined) {
      read(OWS)
      if (i >= header.length || header[i] === ',') continue
      i = start
    }
    for (;;) {
      const before = i
      const name = read(TOKEN)
      read(OWS)
      if (name === undefined || header[i] !== '=') {
        i = before // the next challenge's scheme
        break
      }
      i++
      read(OWS)
      const value = header[i] === '"' ? readQuoted() : read(TOKEN)
      if (value === undefined) return challenges
      const key = name.toLowerCase()
      if (!Object.hasOwn(parameters, key) && key !== '__proto__') parameters[key] = value
      read(OWS)
      if (i >= header.length) return challenges
      if (header[i] !== ',') return challenges
      read(SEPARATORS)
    }
  }

  function readQuoted(): string | undefined {
    let value = ''
    for (let j = i + 1; j < header.length; j++) {
      const char = header[j]
      if (char === '"') {
        i = j + 1
        return value
      }
      if (char === '\\') j++
      if (j >= header.length) return undefined
      value += header[j]
    }
    return undefined
  }
}
