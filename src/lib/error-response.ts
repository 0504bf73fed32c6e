/**
 * OAuth error responses read into the values of an error.
 *
 * Error bodies (RFC 6749 §5.2, RFC 9126 §2.3) and `WWW-Authenticate` challenges (RFC 6750 §3, RFC
 * 9110 §11.6.1), every OP text with what the request sent redacted. lib/oauth-error.ts loads this
 * on first use and makes the typed errors.
 *
 * It imports nothing at run time: a page's bundler then keeps every module the page imports in
 * one file (esbuild splits out whatever a page and a lazily loaded module share).
 *
 * @module
 */
import type { WWWAuthenticateChallenge } from '../errors.js'
import type { HttpResponse } from './http.js'

/** UTF-8, refusing malformed bytes (as lib/json.ts's `decodeUtf8`, which this must not import). */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The members of an OAuth error response (RFC 6749 §5.2), redacted.
 * @internal
 */
export interface OAuthErrorBody {
  readonly error: string
  readonly errorDescription: string | undefined
  readonly errorUri: string | undefined
}

/**
 * Reads an OAuth error body (RFC 6749 §5.2, RFC 9126 §2.3), whatever its content type says.
 *
 * The one place where the OP's `error`, `error_description` and `error_uri` are taken, each with
 * what the request sent redacted ({@link HttpResponse.redact}).
 *
 * @param response - the response read by `httpRequest`
 * @returns the members, or `undefined` when the body is no JSON object with a non-empty `error`
 * @internal
 */
export function oauthErrorBody(response: HttpResponse): OAuthErrorBody | undefined {
  let body: Partial<Record<string, unknown>>
  try {
    body = JSON.parse(utf8.decode(response.body))
  } catch {
    return undefined
  }
  if (typeof body?.error !== 'string' || body.error === '') return undefined
  const text = (value: unknown) => (typeof value === 'string' ? response.redact(value) : undefined)
  return {
    error: response.redact(body.error),
    errorDescription: text(body.error_description),
    errorUri: text(body.error_uri),
  }
}

/**
 * The values of an OAuth error, as `OAuthResponseError` takes them.
 * @internal
 */
export interface OAuthErrorDetails extends OAuthErrorBody {
  readonly status: number
  readonly challenges: readonly WWWAuthenticateChallenge[]
}

/**
 * Reads a back-channel 4xx response (token, PAR) as an OAuth error.
 *
 * Its OAuth error body, and its `WWW-Authenticate` challenges too (e.g. for `invalid_client`).
 * What the request sent (client secret or assertion, code, verifier, refresh token) is redacted
 * from the OP's texts and challenges, in whatever encoding the OP echoes it.
 *
 * @param response - a 4xx response read by `httpRequest`
 * @returns the error's values, or `undefined` when the body is no OAuth error (no `error`)
 * @internal
 */
export function oauthErrorDetails(response: HttpResponse): OAuthErrorDetails | undefined {
  const body = oauthErrorBody(response)
  if (body === undefined) return undefined
  return {
    ...body,
    status: response.status,
    challenges: parseChallenges(response.redact(response.headers.get('www-authenticate') ?? '')),
  }
}

/**
 * Reads a protected resource's refusal of the access token.
 *
 * A 401 or 403 with a `WWW-Authenticate` header, its texts redacted (some OPs quote the token they
 * refuse). The error and its description come from the challenge of the scheme the token was sent
 * with (`Bearer`, RFC 6750 §3, or `DPoP`, RFC 9449 §7.1), else from the other one.
 *
 * @param response - the response read by `httpRequest`
 * @param scheme - the scheme the token was sent with, lower-case
 * @returns the error's values, or `undefined` when the response is no such refusal
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 RFC 6750 §3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1 RFC 9449 §7.1
 * @internal
 */
export function challengeDetails(
  response: HttpResponse,
  scheme: 'bearer' | 'dpop',
): OAuthErrorDetails | undefined {
  const { status } = response
  const header = response.headers.get('www-authenticate')
  if ((status !== 401 && status !== 403) || header === null) return undefined
  const challenges = parseChallenges(response.redact(header))
  const other = scheme === 'bearer' ? 'dpop' : 'bearer'
  const chosen =
    challenges.find((c) => c.scheme === scheme) ?? challenges.find((c) => c.scheme === other)
  const parameters = chosen?.parameters ?? {}
  return {
    // RFC 6750 §3.1: a challenge without error (no usable credentials) still refused our token.
    error: parameters.error ?? (status === 403 ? 'insufficient_scope' : 'invalid_token'),
    errorDescription: parameters.error_description,
    errorUri: parameters.error_uri,
    status,
    challenges,
  }
}

const TOKEN = /[!#$%&'*+.^_`|~\w-]+/y
const TOKEN68 = /[\w.~+/-]+=*/y
const OWS = /[ \t]*/y
const SEPARATORS = /[ \t,]*/y

/**
 * Parses a `WWW-Authenticate` header value into its challenges (RFC 9110 §11.6.1).
 *
 * Schemes and parameter names lower-cased, quoted strings unescaped, token68 credentials skipped.
 * Parsing stops at the first malformed part and keeps what came before.
 *
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
