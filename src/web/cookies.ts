/**
 * Cookies as `oidc-rp/web` reads and writes them.
 *
 * The `Cookie` header parsed (RFC 6265 §5.4), and `Set-Cookie` values with safe attributes.
 *
 * @module
 */
import { invalidArgument } from '../lib/checks.js'

/**
 * The attributes of a cookie `oidc-rp/web` sets.
 * @internal
 */
export interface CookieAttributes {
  /** Seconds until the browser drops it; 0 deletes it. */
  readonly maxAge: number
  /** Only over https (and the `__Host-` prefix allows it). */
  readonly secure: boolean
  readonly sameSite?: 'Lax' | 'Strict' | 'None'
  /** Default `/`. */
  readonly path?: string
  /** Default true: out of the page's JavaScript's reach. */
  readonly httpOnly?: boolean
}

/** Headers longer than this are not parsed (browsers send at most a few KB per cookie). */
const MAX_HEADER = 64 * 1024

/**
 * The values of every cookie in a `Cookie` header, by name. Never throws.
 *
 * Several when the browser holds cookies of one name for several paths or domains.
 *
 * @param header - the `Cookie` header
 * @returns the values by name
 * @internal
 */
export function parseCookies(header: string | null | undefined): Map<string, string[]> {
  const cookies = new Map<string, string[]>()
  if (typeof header !== 'string' || header.length > MAX_HEADER) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const name = part.slice(0, eq).trim()
    if (name === '') continue
    const values = cookies.get(name)
    const value = part.slice(eq + 1).trim()
    if (values === undefined) cookies.set(name, [value])
    else values.push(value)
  }
  return cookies
}

/**
 * The value of the one cookie of a name; `undefined` when absent, empty, or present several times.
 * @internal
 */
export function oneCookieValue(
  header: string | null | undefined,
  name: string,
): string | undefined {
  const values = parseCookies(header).get(name)
  return values?.length === 1 && values[0] !== '' ? values[0] : undefined
}

/**
 * The name of a cookie.
 *
 * `__Host-<base>` on https (the browser then refuses it from a sibling subdomain, without `Secure`,
 * or for another path), `<base>` on a plain-http loopback.
 *
 * @internal
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base
}

/** A cookie name: RFC 6265 token characters. */
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** A cookie value: RFC 6265 cookie-octets (no spaces, quotes, commas, semicolons, backslashes). */
const VALUE = /^[!#-+\--:<-[\]-~]*$/
/** A `Path` attribute: absolute, then any printable character but `;` (RFC 6265 path-value). */
const PATH = /^\/[ -:<-~]*$/

/**
 * A `Set-Cookie` value.
 *
 * Attributes the browser would drop the cookie for are refused rather than written: a `__Host-`
 * name needs `Secure` and `Path=/`, a `__Secure-` name `Secure`, `SameSite=None` `Secure`.
 *
 * @param name - the cookie name
 * @param value - the value (cookie-octets only: base64url and JWE values are)
 * @param attributes - lifetime, `Secure`, `SameSite`, path, `HttpOnly`
 * @returns the header value
 * @throws `UsageError` `INVALID_ARGUMENT` for a name, value, path or lifetime a cookie cannot
 * carry, or attributes its name prefix or `SameSite=None` forbid
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1.1
 * @internal
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!NAME.test(name)) throw invalidArgument('cookie name', 'RFC 6265 token characters')
  if (!VALUE.test(value)) throw invalidArgument('cookie value', 'RFC 6265 cookie-octets')
  const path = attributes.path ?? '/'
  if (!PATH.test(path)) throw invalidArgument('cookie path', "an absolute path without ';'")
  if (!Number.isFinite(attributes.maxAge)) throw invalidArgument('cookie maxAge', 'a finite number')
  const prefix = /^__(host|secure)-/i.exec(name)?.[1]?.toLowerCase()
  if ((prefix !== undefined || attributes.sameSite === 'None') && !attributes.secure) {
    throw invalidArgument(
      'cookie secure',
      `true for ${name} (SameSite=None or a __Host-/__Secure- name)`,
    )
  }
  if (prefix === 'host' && path !== '/') throw invalidArgument('cookie path', `/ for ${name}`)
  const parts = [`${name}=${value}`, `Path=${path}`]
  parts.push(`Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`)
  if (attributes.httpOnly ?? true) parts.push('HttpOnly')
  if (attributes.secure) parts.push('Secure')
  if (attributes.sameSite !== undefined) parts.push(`SameSite=${attributes.sameSite}`)
  return parts.join('; ')
}
