/**
 * Reading the parameters of a logout request (back-channel POST, front-channel GET, post-logout
 * redirect) from whatever the HTTP framework hands over, with size and repetition limits.
 * @module
 */
import { UsageError } from '../errors.js'
import { isRequest, readRequestBody } from '../lib/request-body.js'

/** The largest logout request read (form body, URL or string), in bytes or characters. */
const MAX_INPUT_LENGTH = 64 * 1024
/** At most this many parameters are read. */
const MAX_PARAMETERS = 50
const FORM_TYPE = 'application/x-www-form-urlencoded'

/**
 * What a logout handler accepts: the `Request`, its `URL`, a string (a URL, a `?query` or a form
 * body) or parameters already parsed.
 * @group Logout
 */
export type LogoutInput = Request | URL | string | URLSearchParams

/**
 * The parameters read, or what is wrong with the input (a repeated parameter, a wrong method or
 * content type, an oversized body).
 * @internal
 */
export type ReadParameters =
  | { readonly ok: true; readonly params: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly problem: string }

/**
 * Reads the parameters of a logout request: a `Request` by its method (`GET` query, or a `POST`
 * form body of at most 64 KiB), a URL by its query, a string as a URL, `?query` or form body.
 * @param input - the request, URL, string or parameters
 * @param method - the HTTP method the request must use
 * @returns the parameters (one value per name), or the problem found
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type
 * @internal
 */
export async function readParameters(
  input: LogoutInput,
  method: 'GET' | 'POST',
): Promise<ReadParameters> {
  if (input instanceof URLSearchParams) return collect(input)
  if (input instanceof URL) return collect(input.searchParams)
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT_LENGTH) return { ok: false, problem: 'the input is too long' }
    if (/^[a-z][a-z0-9+.-]*:/i.test(input) && URL.canParse(input)) {
      return collect(new URL(input).searchParams)
    }
    return collect(new URLSearchParams(input))
  }
  if (!isRequest(input)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'the input must be a Request, a URL, a string or URLSearchParams',
      { parameter: 'input' },
    )
  }
  const actual = input.method.toUpperCase()
  if (actual !== method) return { ok: false, problem: `expected a ${method}, got a ${actual}` }
  if (method === 'GET') {
    if (input.url.length > MAX_INPUT_LENGTH) return { ok: false, problem: 'the URL is too long' }
    return collect(new URL(input.url).searchParams)
  }
  const type = (input.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== FORM_TYPE) return { ok: false, problem: `the content type must be ${FORM_TYPE}` }
  const read = await readRequestBody(input, MAX_INPUT_LENGTH)
  return read.ok ? collect(new URLSearchParams(read.text)) : read
}

function collect(source: URLSearchParams): ReadParameters {
  const params = new Map<string, string>()
  for (const [name, value] of source) {
    if (params.has(name)) {
      return {
        ok: false,
        problem: `the parameter ${JSON.stringify(name.slice(0, 40))} is repeated`,
      }
    }
    params.set(name, value)
    if (params.size > MAX_PARAMETERS) {
      return { ok: false, problem: `more than ${MAX_PARAMETERS} parameters` }
    }
  }
  return { ok: true, params }
}
