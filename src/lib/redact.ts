/**
 * Redaction of what a request sent.
 *
 * An OP may quote the credentials, code or token it refuses, and a `fetch` may quote a request
 * header in the error it throws, in any encoding the request used. Everything the OP or the
 * transport says goes through the redactor of its request before it reaches an error.
 *
 * @module
 */

/** Replaces every sent secret, in every form it may be echoed in, with `[redacted]`. */
export type Redactor = (text: string) => string

/** What replaces a secret. */
export const REDACTED = '[redacted]'

/**
 * Form parameters whose values are secrets.
 *
 * Client credentials (RFC 6749 §2.3.1, RFC 7523), grants (codes, PKCE verifiers, refresh tokens,
 * assertions), tokens, request objects.
 */
const SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'id_token_hint',
  'logout_token',
  'token',
  'request',
  'assertion',
  'subject_token',
  'actor_token',
  'device_code',
  'password',
])

/**
 * The redactor of one request.
 *
 * The credentials of its `Authorization` header (a Basic value also decoded to its secret), its
 * `DPoP` proof, and the
 * values of its secret form parameters, each with its percent-encoded, form-urlencoded (WHATWG) and
 * oauth4webapi-encoded forms, matched without regard to case (an OP may re-encode with lower-case
 * hex digits).
 *
 * @param headers - the request's headers
 * @param body - the request's body (a form is read; other bodies carry no known secret)
 * @returns the redactor
 */
export function requestRedactor(
  headers: HeadersInit | undefined,
  body: BodyInit | null | undefined,
): Redactor {
  // Built on first use: a request that succeeds never needs it (the token request is on the hot
  // path).
  let redact: Redactor | undefined
  return (text) => {
    redact ??= buildRequestRedactor(headers, body)
    return redact(text)
  }
}

function buildRequestRedactor(
  headers: HeadersInit | undefined,
  body: BodyInit | null | undefined,
): Redactor {
  const secrets: string[] = []
  const sent = new Headers(headers)
  const authorization = sent.get('authorization')
  if (authorization !== null) secrets.push(...authorizationSecrets(authorization))
  // a DPoP proof (RFC 9449 §4) can be replayed within its time window
  const proof = sent.get('dpop')
  if (proof !== null) secrets.push(proof)
  const form =
    body instanceof URLSearchParams
      ? body
      : typeof body === 'string'
        ? new URLSearchParams(body)
        : undefined
  for (const [name, value] of form ?? []) {
    if (SECRET_PARAMETERS.has(name)) secrets.push(value)
  }
  return redactorOf(secrets)
}

/**
 * A redactor for these values, in each of their encodings.
 * @param values - secrets, as sent
 * @returns the redactor
 */
export function redactorOf(values: readonly string[]): Redactor {
  const forms = [...new Set(values.flatMap(encodings))].filter((form) => form !== '')
  if (forms.length === 0) return (text) => text
  // Longest first, so a secret inside a longer encoded form never leaves the rest behind.
  forms.sort((a, b) => b.length - a.length)
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'gi')
  return (text) => text.replace(pattern, REDACTED)
}

/** The secrets in an `Authorization` value: its credentials, and for Basic the decoded secret. */
function authorizationSecrets(value: string): string[] {
  const space = value.indexOf(' ')
  if (space < 0) return [value.trim()]
  const scheme = value.slice(0, space).toLowerCase()
  const credentials = value.slice(space + 1).trim()
  const found = [credentials]
  if (scheme === 'basic') {
    const decoded = decodeBase64(credentials)
    const colon = decoded?.indexOf(':') ?? -1
    if (decoded !== undefined && colon >= 0) {
      const id = formDecode(decoded.slice(0, colon))
      const secret = formDecode(decoded.slice(colon + 1))
      found.push(decoded.slice(colon + 1), secret, encodeBase64(`${id}:${secret}`))
    }
  }
  return found
}

/**
 * A value as sent and as an OP may echo it.
 *
 * Raw, RFC 3986 percent-encoded, WHATWG form-urlencoded, and as oauth4webapi encodes Basic
 * credentials (which also escapes `-._~!*'()`).
 */
function encodings(value: string): string[] {
  const percent = encodeURIComponent(value)
  return [
    value,
    percent,
    new URLSearchParams([['', value]]).toString().slice(1),
    percent.replace(/[-_.!~*'()]|%20/g, (c) =>
      c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
  ]
}

/** Decodes one form-urlencoded component; a malformed one stays as it is. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return value
  }
}

function decodeBase64(value: string): string | undefined {
  try {
    const binary = atob(value)
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

function encodeBase64(value: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(value)))
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A copy of a thrown value fit to be an error's `cause`.
 *
 * Its name, message, stack and primitive members redacted, its own `cause` (and an
 * `AggregateError`'s `errors`) copied the same way, a few levels deep. Objects it carried (a
 * request, its headers) are left out.
 *
 * @param thrown - what `fetch` or a body stream threw
 * @param redact - the request's redactor
 * @param depth - how deep in the cause chain (copies stop at 4)
 * @returns the copy
 */
export function redactedError(thrown: unknown, redact: Redactor, depth = 0): Error {
  if (!(thrown instanceof Error)) {
    return new Error(redact(typeof thrown === 'string' ? thrown : `a thrown ${typeof thrown}`))
  }
  const inner = thrown.cause
  const copy = new Error(
    redact(thrown.message),
    inner === undefined || depth >= 4
      ? undefined
      : { cause: redactedError(inner, redact, depth + 1) },
  )
  copy.name = redact(thrown.name)
  copy.stack = redact(thrown.stack ?? `${copy.name}: ${copy.message}`)
  const members = copy as unknown as Record<string, unknown>
  for (const [name, value] of Object.entries(thrown)) {
    if (typeof value === 'string') members[name] = redact(value)
    else if (typeof value === 'number' || typeof value === 'boolean') members[name] = value
  }
  const errors = (thrown as { errors?: unknown }).errors
  if (Array.isArray(errors) && depth < 4) {
    members.errors = errors.slice(0, 8).map((error) => redactedError(error, redact, depth + 1))
  }
  return copy
}
