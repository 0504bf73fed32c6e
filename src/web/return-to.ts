/**
 * Where the browser may go after sign-in or logout.
 *
 * The application's own paths, or an origin the application allows. Anything else would make the RP
 * an open redirector.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import { clip } from '../lib/json.js'

/** Longer `returnTo` values are refused. */
const MAX_RETURN_TO = 2048

/**
 * Checks a `returnTo` and gives the URL to redirect to.
 *
 * A path of the application (`/account?tab=1`), or an absolute URL of the application's origin or
 * of an allowed one. Refused: other origins, scheme-relative (`//evil.example`) and backslash
 * tricks (`/\evil.example`), control characters, anything but `http:`/`https:`.
 *
 * @param value - the value from the request (absent: `/`)
 * @param appOrigin - the application's origin
 * @param allowed - other allowed origins
 * @returns the path (same origin) or the absolute URL (allowed origin)
 * @throws `ValidationError` `RETURN_TO_NOT_ALLOWED`
 * @internal
 */
export function checkReturnTo(
  value: string | null | undefined,
  appOrigin: string,
  allowed: ReadonlySet<string>,
): string {
  if (value === null || value === undefined || value === '') return '/'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value.length > MAX_RETURN_TO || /[\u0000-\u001f\u007f\\]/.test(value)) throw refused(value)
  if (value.startsWith('/') && !value.startsWith('//')) {
    const url = new URL(value, appOrigin)
    if (url.origin !== appOrigin) throw refused(value)
    return `${url.pathname}${url.search}${url.hash}`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refused(value)
  }
  if (url.origin === appOrigin) return `${url.pathname}${url.search}${url.hash}`
  if (!/^https?:$/.test(url.protocol) || !allowed.has(url.origin)) throw refused(value)
  return url.href
}

function refused(value: string): ValidationError {
  return new ValidationError(
    'RETURN_TO_NOT_ALLOWED',
    'returnTo is neither a path of this application nor an allowed origin',
    { claim: 'returnTo', expected: 'a path such as /account', actual: clip(value) },
  )
}
