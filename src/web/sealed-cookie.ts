/**
 * Sealed cookies.
 *
 * Values encrypted and authenticated with the application's keys (JWE, `dir` + `A256GCM`), and
 * split across several cookies when one cannot hold them.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { createSealer } from '../lib/sealing-keys.js'
import { type CookieAttributes, parseCookies, serializeCookie } from './cookies.js'

/** Sealed values longer than this are not opened. */
const MAX_SEALED = 48 * 1024
/** One `Set-Cookie` (name, value, attributes) within what every browser keeps (~4,096 bytes). */
const MAX_COOKIE = 4000
/** At most this many chunks (~40 KB): larger sessions belong in the session store. */
const MAX_CHUNKS = 10

/**
 * Seals and opens values for cookies.
 * @internal
 */
export interface CookieSealer {
  /**
   * Seals a payload for one purpose, until `ttlInSeconds` from now (at least one second).
   * @returns the compact JWE
   * @throws `UsageError` `INVALID_ARGUMENT` for an empty purpose or a TTL that is not finite
   */
  seal(payload: Record<string, unknown>, purpose: string, ttlInSeconds: number): Promise<string>
  /**
   * Opens a sealed value of that purpose.
   * @returns the payload; `undefined` when malformed, tampered with, sealed with a key not (or no
   * longer) configured, expired, or sealed for another purpose
   */
  open(value: string, purpose: string): Promise<Record<string, unknown> | undefined>
}

/**
 * Makes a sealer from the application's keys: the first seals, every one opens.
 * @param options - the keys (32 bytes each, or their base64url), the clock in milliseconds
 * @returns the sealer
 * @throws `UsageError` `INVALID_ARGUMENT` for no key, or a key that is not 32 bytes
 * @internal
 */
export function createCookieSealer(options: {
  readonly keys: readonly (string | Uint8Array)[]
  readonly now: () => number
}): CookieSealer {
  const sealer = createSealer(options.keys, 'secrets', options.now)
  return {
    async seal(payload, purpose, ttlInSeconds) {
      if (typeof purpose !== 'string' || purpose === '') {
        throw invalidArgument('purpose', 'a non-empty string')
      }
      if (!Number.isFinite(ttlInSeconds)) throw invalidArgument('ttlInSeconds', 'a finite number')
      return sealer.seal({ ...payload, use: purpose }, ttlInSeconds)
    },
    async open(value, purpose) {
      if (typeof value !== 'string' || value === '' || value.length > MAX_SEALED) return undefined
      try {
        const payload = await sealer.open(value)
        return payload.use === purpose ? payload : undefined
      } catch {
        return undefined
      }
    },
  }
}

/**
 * The `Set-Cookie` values that write a value under a name.
 *
 * One cookie when it fits, else chunks `<name>.0`, `<name>.1`…; and deletions of the request's
 * cookies of that family this write does not set (chunks of a larger earlier value, or the single
 * cookie when now chunked).
 *
 * @param name - the cookie name
 * @param value - the value (cookie-octets)
 * @param attributes - the cookie attributes
 * @param requestCookies - the request's `Cookie` header
 * @returns the `Set-Cookie` values
 * @throws `UsageError` `INVALID_ARGUMENT` when the value needs more than 10 cookies
 * @internal
 */
export function writeChunked(
  name: string,
  value: string,
  attributes: CookieAttributes,
  requestCookies: string | null | undefined,
): string[] {
  const written = new Map<string, string>()
  const whole = serializeCookie(name, value, attributes)
  if (whole.length <= MAX_COOKIE) {
    written.set(name, whole)
  } else {
    const room = MAX_COOKIE - serializeCookie(`${name}.${MAX_CHUNKS}`, '', attributes).length
    const count = Math.ceil(value.length / room)
    if (count > MAX_CHUNKS) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `the session is too large for cookies (${value.length} bytes sealed): keep less in it, or use sessionData: 'store'`,
        { parameter: 'session' },
      )
    }
    for (let i = 0; i < count; i++) {
      const chunk = `${name}.${i}`
      written.set(chunk, serializeCookie(chunk, value.slice(i * room, (i + 1) * room), attributes))
    }
  }
  const stale = familyNames(parseCookies(requestCookies), name).filter((n) => !written.has(n))
  const deletions = stale.map((n) => serializeCookie(n, '', { ...attributes, maxAge: 0 }))
  return [...written.values(), ...deletions]
}

/**
 * The value written by {@link writeChunked}: the single cookie, or the chunks `.0`… joined.
 * @param requestCookies - the request's `Cookie` header
 * @param name - the cookie name
 * @returns the value; `undefined` when absent, when the chunks are not exactly `.0` to `.n-1`
 * (one missing, an extra one, more than 10), or when a name comes twice
 * @internal
 */
export function readChunked(
  requestCookies: string | null | undefined,
  name: string,
): string | undefined {
  const cookies = parseCookies(requestCookies)
  const single = cookies.get(name)
  if (single !== undefined) return single.length === 1 && single[0] !== '' ? single[0] : undefined
  // no single cookie, so the family is the chunks: exactly .0 … .n-1, each once, or a torn write
  const count = familyNames(cookies, name).length
  if (count === 0 || count > MAX_CHUNKS) return undefined
  const chunks: string[] = []
  for (let i = 0; i < count; i++) {
    const values = cookies.get(`${name}.${i}`)
    if (values?.length !== 1 || values[0] === '') return undefined
    chunks.push(values[0]!)
  }
  return chunks.join('')
}

/**
 * The `Set-Cookie` values that delete every cookie of the family the request carries.
 * @internal
 */
export function clearChunked(
  requestCookies: string | null | undefined,
  name: string,
  attributes: CookieAttributes,
): string[] {
  const names = familyNames(parseCookies(requestCookies), name)
  return names.map((n) => serializeCookie(n, '', { ...attributes, maxAge: 0 }))
}

/** The cookie names of a family: `name` and `name.<digits>`. */
function familyNames(cookies: ReadonlyMap<string, readonly string[]>, name: string): string[] {
  const prefix = `${name}.`
  return [...cookies.keys()].filter(
    (n) => n === name || (n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length))),
  )
}
