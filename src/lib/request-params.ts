/**
 * The parameters of an inbound request as read.
 *
 * The types, and reading them from a URL, a string or `URLSearchParams` under the limits (a page's
 * callback comes as one of these; a `Request` is read by lib/request-input.ts).
 *
 * @module
 */
import { clip } from './json.js'

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
const RELATIVE_BASE = 'https://relative.invalid'

/**
 * Reads parameters from a URL, a string or `URLSearchParams`, and tells how they came.
 *
 * A `URL` (or URL string) is read from its query (or fragment, see
 * {@link ReadRules.readsFragment}); a string starting with `?`, `#` or `/` as a query, fragment or
 * path-relative URL; any other string as bare parameters (a form body).
 *
 * @param input - the URL, string or parameters
 * @param rules - the limits and fragment rule
 * @returns the parameters and their delivery, or the problem found (never the input's values);
 * `undefined` for an input of another type
 * @internal
 */
export function readUrlInput(input: unknown, rules: ReadRules): ReadInput | undefined {
  if (typeof input === 'string') return fromString(input, rules)
  if (input instanceof URL) return fromUrl(input, rules)
  if (input instanceof URLSearchParams) return collect(input, 'unknown', rules)
  return undefined
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

/**
 * Reads a URL's query, or its fragment where the rules allow and the query holds no answer.
 * @param url - the URL
 * @param rules - the limits and fragment rule
 * @returns the parameters and their delivery, or the problem found
 * @internal
 */
export function fromUrl(url: URL, rules: ReadRules): ReadInput {
  if (url.href.length > rules.maxBytes) return refused('the URL is too long')
  const queryAnswer = url.searchParams.has('state') || url.searchParams.has('response')
  if (rules.readsFragment === true && url.hash.length > 1 && !queryAnswer) {
    return collect(new URLSearchParams(url.hash.slice(1)), 'fragment', rules)
  }
  return collect(url.searchParams, 'query', rules)
}

/**
 * Collects parameters: one value per name, empty values left out, repetitions and too many refused.
 * @param source - the parameters
 * @param delivery - how they came
 * @param rules - the limits
 * @returns the parameters and their delivery, or the problem found (never a value)
 * @internal
 */
export function collect(source: URLSearchParams, delivery: Delivery, rules: ReadRules): ReadInput {
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

/**
 * A refusal of the input.
 * @param problem - what is wrong, without the input's values
 * @returns the refusal
 * @internal
 */
export function refused(problem: string): ReadInput {
  return { ok: false, problem }
}
