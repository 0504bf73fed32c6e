/**
 * Reading a callback's parameters from whatever the HTTP framework hands over: a `Request`, a
 * `URL`, a string or `URLSearchParams`, with duplicate, count and size limits.
 * @module
 */
import { UsageError, ValidationError } from '../errors.js'
import { isRequest, readRequestBody } from './request-body.js'

/**
 * What `handleCallback` accepts: the callback `Request` itself; its `URL` (query, or
 * fragment for a browser application); a string (a full or path-relative URL, a `?query`, a
 * `#fragment`, or a `form_post` body); or parameters already parsed (`URLSearchParams`).
 * @group Everyday use
 */
export type CallbackInput = URL | string | URLSearchParams | Request

/**
 * How the parameters came: detected from the input, `unknown` for bare parameters.
 * @internal
 */
export type Delivery = 'query' | 'fragment' | 'form_post' | 'unknown'

/**
 * The size limits of a callback: the settings `maxCallbackParameters` and `maxCallbackBytes`.
 * @internal
 */
export interface CallbackLimits {
  /** At most this many parameters are read. */
  readonly maxParameters: number
  /** The largest callback accepted (form body, string or URL), in bytes or characters. */
  readonly maxBytes: number
}

/** The defaults of the settings `maxCallbackParameters` and `maxCallbackBytes`. */
const DEFAULT_LIMITS: CallbackLimits = { maxParameters: 50, maxBytes: 64 * 1024 }
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i
const FORM_TYPE = 'application/x-www-form-urlencoded'

/**
 * The callback parameters: one value per name, empty values dropped.
 * @internal
 */
export type CallbackParameters = Partial<Record<string, string>>

/**
 * Reads the authorization response parameters from any callback input, refusing duplicates and
 * oversized input, and tells how they came.
 * @param input - the callback input
 * @param limits - the most parameters and the largest input accepted
 * @returns the parameters (one value per name, empty values left out) and how they came
 * @throws {@link ValidationError} `CALLBACK_DUPLICATE_PARAMETER`, `CALLBACK_INVALID_INPUT`
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type
 * @internal
 */
export async function readCallbackParameters(
  input: CallbackInput,
  limits: CallbackLimits = DEFAULT_LIMITS,
): Promise<{ params: CallbackParameters; delivery: Delivery }> {
  if (typeof input === 'string') return fromString(input, limits)
  if (input instanceof URL) return fromUrl(input, limits)
  if (input instanceof URLSearchParams) {
    return { params: collect(input, limits), delivery: 'unknown' }
  }
  if (isRequest(input)) {
    const method = input.method.toUpperCase()
    if (method === 'GET') return fromUrl(new URL(input.url), limits)
    if (method !== 'POST') throw invalidInput(`the callback must be a GET or POST, got ${method}`)
    const type = (input.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== FORM_TYPE) {
      throw invalidInput(`a POST callback must have content type ${FORM_TYPE}`)
    }
    const read = await readRequestBody(input, limits.maxBytes)
    if (!read.ok) throw invalidInput(`the callback: ${read.problem}`)
    const body = read.text
    return { params: collect(new URLSearchParams(body), limits), delivery: 'form_post' }
  }
  throw new UsageError(
    'INVALID_ARGUMENT',
    'the callback input must be a URL, a string, URLSearchParams or a Request',
    { parameter: 'input' },
  )
}

function fromString(
  input: string,
  limits: CallbackLimits,
): { params: CallbackParameters; delivery: Delivery } {
  if (input.length > limits.maxBytes) throw invalidInput('the callback input is too long')
  const first = input.charCodeAt(0)
  if (first === 0x3f /* ? */)
    return { params: collect(new URLSearchParams(input), limits), delivery: 'query' }
  if (first === 0x23 /* # */) {
    return { params: collect(new URLSearchParams(input.slice(1)), limits), delivery: 'fragment' }
  }
  if (first === 0x2f /* / */) {
    // `//` alone (or `//host:badport`) is a scheme-relative URL that does not parse.
    if (!URL.canParse(input, 'https://relative.invalid')) {
      throw invalidInput('the callback input starts with / but is not a valid URL path')
    }
    return fromUrl(new URL(input, 'https://relative.invalid'), limits)
  }
  const url = ABSOLUTE_URL.test(input) ? parseUrl(input) : undefined
  if (url !== undefined) return fromUrl(url, limits)
  return { params: collect(new URLSearchParams(input), limits), delivery: 'unknown' }
}

/** The URL, or `undefined` when the string does not parse as one (parsed once, not twice). */
function parseUrl(input: string): URL | undefined {
  try {
    return new URL(input)
  } catch {
    return undefined
  }
}

function fromUrl(
  url: URL,
  limits: CallbackLimits,
): { params: CallbackParameters; delivery: Delivery } {
  if (url.href.length > limits.maxBytes) throw invalidInput('the callback URL is too long')
  if (url.hash.length > 1 && !url.searchParams.has('state')) {
    return {
      params: collect(new URLSearchParams(url.hash.slice(1)), limits),
      delivery: 'fragment',
    }
  }
  return { params: collect(url.searchParams, limits), delivery: 'query' }
}

function collect(source: URLSearchParams, limits: CallbackLimits): CallbackParameters {
  const params: CallbackParameters = Object.create(null)
  const seen = new Set<string>()
  for (const [name, value] of source) {
    if (seen.has(name)) {
      throw new ValidationError(
        'CALLBACK_DUPLICATE_PARAMETER',
        `the callback parameter ${clip(name)} appears more than once`,
        { claim: clip(name) },
      )
    }
    seen.add(name)
    if (seen.size > limits.maxParameters) {
      throw invalidInput(`the callback has more than ${limits.maxParameters} parameters`)
    }
    if (value !== '') params[name] = value
  }
  return params
}

function invalidInput(message: string): ValidationError {
  return new ValidationError('CALLBACK_INVALID_INPUT', message)
}

function clip(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value
}
