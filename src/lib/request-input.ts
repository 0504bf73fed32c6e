/**
 * Reading the parameters of an inbound request (a callback or a logout request).
 *
 * From whatever the HTTP framework hands over: a `Request`, a `URL`, a string or `URLSearchParams`,
 * with repetition, count and size limits. The caller turns a refusal into its own typed error.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { lazy } from './lazy.js'
import { type ReadInput, type ReadRules, readUrlInput } from './request-params.js'

export type { Delivery, ReadInput, ReadRules, RequestParameters } from './request-params.js'

/**
 * The reading of a `Request` (its method, its URL or its form body), loaded with the first one.
 *
 * A page hands its callback over as a URL and never loads it.
 */
const loadRequestReader = /* @__PURE__ */ lazy(() => import('./request-body.js'))

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
  const read = readUrlInput(input, rules)
  if (read !== undefined) return read
  if (!isRequest(input)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'the input must be a Request, a URL, a string or URLSearchParams',
      { parameter: 'input' },
    )
  }
  return (await loadRequestReader()).readRequest(input, rules)
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
