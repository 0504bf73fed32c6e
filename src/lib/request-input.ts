/**
 * Reading the parameters of an inbound request (a callback or a logout request).
 *
 * From whatever the HTTP framework hands over: a `Request`, a `URL`, a string or `URLSearchParams`,
 * with repetition, count and size limits. The caller turns a refusal into its own typed error.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { clip, decodeUtf8 } from './json.js'

/**
 * What `handleCallback` accepts.
 *
 * The callback `Request` itself; its `URL` (query, or fragment for a browser application); a string
 * (a full or path-relative URL, a `?query`, a `#fragment`, or a `form_post` body); or parameters
 * already parsed (`URLSearchParams`).
 *
 * @group Everyday use
 */
export type CallbackInput = URL | string | URLSearchParams | Request

/**
 * What a logout handler accepts.
 *
 * The `Request`, its `URL`, a string (a URL, a `?query` or a form body) or parameters already
 * parsed.
 *
 * @group Logout
 */
export type LogoutInput = Request | URL | string | URLSearchParams

/**
 * How the parameters came: detected from the input, `unknown` for bare parameters.
 * @internal
 */
export type Delivery = 'query' | 'fragment' | 'form_post' | 'unknown'

/**
 * The parameters read: one value per name, empty values left out (RFC 6749 §3.1).
 * @internal
 */
export type RequestParameters = Partial<Record<string, string>>

/**
 * What a request may be and how it is read (the limits are the caller's settings).
 * @internal
 */
export interface ReadRules {
  /** At most this many parameters are read. */
  readonly maxParameters: number
  /** The largest input accepted (form body, string or URL), in bytes or characters. */
  readonly maxBytes: number
  /** The methods a `Request` may use: a GET is read from its query, a POST from its form body. */
  readonly methods: readonly ('GET' | 'POST')[]
  /**
   * Whether a URL without `state` or `response` in its query is read from its fragment.
   *
   * Default false. `response` is a JARM response (`query.jwt`). For a browser application's
   * implicit-flow callback. A string starting with `#` is always read as a fragment.
   */
  readonly readsFragment?: boolean
}

/**
 * The parameters and how they came, or what is wrong with the input.
 *
 * `repeated` names a parameter that came twice.
 *
 * @internal
 */
export type ReadInput =
  | { readonly ok: true; readonly params: RequestParameters; readonly delivery: Delivery }
  | { readonly ok: false; readonly problem: string; readonly repeated?: string }

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i
const FORM_TYPE = 'application/x-www-form-urlencoded'
const RELATIVE_BASE = 'https://relative.invalid'

/**
 * Reads a request's parameters from any input, and tells how they came.
 *
 * Repeated parameters and oversized input are refused. A `Request` is read by method: GET from its
 * URL query, POST from its `application/x-www-form-urlencoded` body (the body must not have been
 * read). A `URL` (or URL string) is read from its query (or fragment, see {@link
 * ReadRules.readsFragment}); a string starting with `?`, `#` or `/` as a query, fragment or
 * path-relative URL; any other string as bare parameters (a form body).
 *
 * @param input - the request, URL, string or parameters
 * @param rules - the limits, methods and fragment rule
 * @returns the parameters and their delivery, or the problem found (never the input's values)
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type
 * @internal
 */
export async function readRequestInput(
  input: Request | URL | string | URLSearchParams,
  rules: ReadRules,
): Promise<ReadInput> {
  if (typeof input === 'string') return fromString(input, rules)
  if (input instanceof URL) return fromUrl(input, rules)
  if (input instanceof URLSearchParams) return collect(input, 'unknown', rules)
  if (!isRequest(input)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'the input must be a Request, a URL, a string or URLSearchParams',
      { parameter: 'input' },
    )
  }
  const method = input.method.toUpperCase()
  if (!(rules.methods as readonly string[]).includes(method)) {
    return refused(`expected a ${rules.methods.join(' or a ')}, got a ${clip(method)}`)
  }
  if (method === 'GET') {
    if (input.url.length > rules.maxBytes) return refused('the URL is too long')
    return fromUrl(new URL(input.url), rules)
  }
  const type = (input.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== FORM_TYPE) return refused(`the content type must be ${FORM_TYPE}`)
  const body = await readBody(input, rules.maxBytes)
  if (typeof body !== 'string') return body
  return collect(new URLSearchParams(body), 'form_post', rules)
}

/**
 * Tells whether a value looks like a Fetch API `Request`.
 *
 * Structurally, so requests of any runtime or framework polyfill qualify.
 */
function isRequest(input: unknown): input is Request {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as Request).method === 'string' &&
    typeof (input as Request).url === 'string' &&
    typeof (input as Request).headers?.get === 'function'
  )
}

function fromString(input: string, rules: ReadRules): ReadInput {
  if (input.length > rules.maxBytes) return refused('the input is too long')
  const first = input.charCodeAt(0)
  if (first === 0x3f /* ? */) return collect(new URLSearchParams(input), 'query', rules)
  if (first === 0x23 /* # */) {
    return collect(new URLSearchParams(input.slice(1)), 'fragment', rules)
  }
  if (first === 0x2f /* / */) {
    // `//` alone (or `//host:badport`) is a scheme-relative URL that does not parse.
    if (!URL.canParse(input, RELATIVE_BASE)) {
      return refused('the input starts with / but is not a valid URL path')
    }
    return fromUrl(new URL(input, RELATIVE_BASE), rules)
  }
  const url = ABSOLUTE_URL.test(input) ? parseUrl(input) : undefined
  if (url !== undefined) return fromUrl(url, rules)
  return collect(new URLSearchParams(input), 'unknown', rules)
}

/** The URL, or `undefined` when the string does not parse as one (parsed once, not twice). */
function parseUrl(input: string): URL | undefined {
  try {
    return new URL(input)
  } catch {
    return undefined
  }
}

function fromUrl(url: URL, rules: ReadRules): ReadInput {
  if (url.href.length > rules.maxBytes) return refused('the URL is too long')
  const queryAnswer = url.searchParams.has('state') || url.searchParams.has('response')
  if (rules.readsFragment === true && url.hash.length > 1 && !queryAnswer) {
    return collect(new URLSearchParams(url.hash.slice(1)), 'fragment', rules)
  }
  return collect(url.searchParams, 'query', rules)
}

function collect(source: URLSearchParams, delivery: Delivery, rules: ReadRules): ReadInput {
  const params: RequestParameters = Object.create(null)
  const seen = new Set<string>()
  for (const [name, value] of source) {
    if (seen.has(name)) {
      return {
        ok: false,
        problem: `the parameter ${JSON.stringify(clip(name))} is repeated`,
        repeated: name,
      }
    }
    seen.add(name)
    if (seen.size > rules.maxParameters) {
      return refused(`more than ${rules.maxParameters} parameters`)
    }
    if (value !== '') params[name] = value
  }
  return { ok: true, params, delivery }
}

function refused(problem: string): ReadInput {
  return { ok: false, problem }
}

/**
 * Reads a request body as UTF-8 text, at most `maxBytes`, counted while streaming.
 * @returns the text, or the refusal (already read, too large, cut off, not UTF-8); the stream's
 * error is never kept, as it may carry anything
 */
async function readBody(request: Request, maxBytes: number): Promise<string | ReadInput> {
  if (request.bodyUsed) return refused('the request body was already read')
  const tooLarge = refused(`the request body is larger than ${maxBytes} bytes`)
  if (Number(request.headers.get('content-length')) > maxBytes) return tooLarge
  if (request.body === null) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      return refused('the request body could not be read to its end')
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      return tooLarge
    }
    chunks.push(chunk.value)
  }
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(size)
  if (chunks.length !== 1) {
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
  }
  try {
    return decodeUtf8(bytes)
  } catch {
    return refused('the request body is not valid UTF-8')
  }
}
