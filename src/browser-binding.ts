/**
 * The browser binding of a sign-in (login CSRF defence, RFC 6749 §10.12, RFC 9700 §4.7.1).
 *
 * A secret cookie set in the browser that starts the sign-in, without which the callback is
 * refused. A callback URL sent to another browser (the victim's) carries the `state` but not the
 * cookie.
 *
 * @module
 */
import { ValidationError } from './errors.js'
import { sameText } from './lib/compare.js'
import { sha256Text } from './lib/hash.js'
import type { Transaction, TransactionStore } from './storage.js'

/**
 * The cookie that ties a pending sign-in to the browser that started it.
 *
 * Set it on the response that redirects to the OP; {@link handleCallback} reads it back from the
 * callback request's `Cookie` header (or from its `browserBinding` option) and refuses the callback
 * without it.
 *
 * The value is a secret: for stores that keep the transaction (memory, Redis, a database) it is
 * 256 random bits of which the transaction keeps only a SHA-256 hash; for the sealed store it is
 * the sealed transaction itself.
 * @group Transactions
 */
export interface BrowserBindingCookie {
  /**
   * The cookie name, one per sign-in so sign-ins in several tabs never overwrite each other.
   *
   * `__Host-oidc-rp.<state>` when the redirect URI is `https` (the prefix makes the browser refuse
   * the cookie from a sibling subdomain or without `Secure`), `oidc-rp.<state>` on a plain-http
   * loopback redirect URI (development).
   */
  readonly name: string
  /** The cookie value. Secret: never log it. */
  readonly value: string
  /**
   * A ready `Set-Cookie` header value with the recommended attributes.
   *
   * `Path=/`, `Max-Age` the transaction TTL, `HttpOnly`, `Secure` (https), and `SameSite=Lax`, or
   * `SameSite=None` for a `form_post` sign-in on https, because a browser sends no `Lax` cookie
   * with the OP's cross-site POST. (A plain-http loopback OP and RP are the same site, so `Lax`
   * works there.)
   */
  readonly setCookie: string
}

const PREFIX = 'oidc-rp.'
const HOST_PREFIX = `__Host-${PREFIX}`

/**
 * Whether the SDK must bind the store's transactions with a cookie of its own.
 *
 * True for stores shared by browsers, false for the sealed store (its value is the cookie) and
 * in-browser stores.
 *
 * @internal
 */
export function needsBindingCookie(store: TransactionStore): boolean {
  return store.browserBinding === undefined
}

/**
 * The cookie name of a sign-in, from its state and redirect URI.
 * @internal
 */
export function bindingCookieName(state: string, redirectUri: string): string {
  return `${redirectUri.startsWith('https:') ? HOST_PREFIX : PREFIX}${state}`
}

/**
 * Builds the browser-binding cookie of a sign-in.
 * @param transaction - the transaction (state, redirect URI, response mode, expiry)
 * @param value - the secret value
 * @param ttlInSeconds - the cookie lifetime
 * @returns the cookie
 * @internal
 */
export function bindingCookie(
  transaction: Transaction,
  value: string,
  ttlInSeconds: number,
): BrowserBindingCookie {
  const secure = transaction.redirectUri.startsWith('https:')
  const name = bindingCookieName(transaction.state, transaction.redirectUri)
  const formPost =
    transaction.responseMode === 'form_post' || transaction.responseMode === 'form_post.jwt'
  const sameSite = secure && formPost ? 'None' : 'Lax'
  const setCookie = `${name}=${value}; Path=/; Max-Age=${Math.ceil(ttlInSeconds)}; HttpOnly${secure ? '; Secure' : ''}; SameSite=${sameSite}`
  return { name, value, setCookie }
}

/**
 * The `Set-Cookie` value that deletes a sign-in's browser-binding cookie.
 * @internal
 */
export function clearBindingCookie(transaction: Transaction): string {
  return bindingCookie(transaction, '', 0).setCookie
}

/**
 * The SHA-256 of a binding value, base64url: what the transaction keeps.
 * @internal
 */
export async function bindingHash(value: string): Promise<string> {
  return sha256Text(value)
}

/**
 * Reads the values of the cookies named `name` from a `Cookie` header (RFC 6265 §5.4).
 *
 * The header is `name=value` pairs separated by `;`. Several values come back when the browser
 * holds cookies of that name for several paths or domains.
 */
function cookieValues(header: string | null | undefined, name: string): string[] {
  const values: string[] = []
  if (header == null) return values
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

/**
 * The one cookie of a name, or `undefined` when there is none.
 *
 * Several are refused (a cookie of the same name set by another subdomain or path must not decide
 * which one counts).
 *
 * @internal
 */
export function oneCookie(header: string | null | undefined, name: string): string | undefined {
  const values = cookieValues(header, name)
  if (values.length > 1) {
    throw bindingError(
      'CALLBACK_BROWSER_BINDING_MISMATCH',
      'the callback request carries several browser-binding cookies for this sign-in',
    )
  }
  return values[0] === '' ? undefined : values[0]
}

/**
 * The binding value a callback presents.
 *
 * The application's option, else the cookie named for its sign-in. Before the transaction is known
 * (a `'handle'` store needs the value to open it), the `__Host-` cookie counts when the browser
 * holds one, else the plain one; the name is then checked against the transaction's redirect URI.
 *
 * @param option - `CallbackOptions.browserBinding`
 * @param cookieHeader - the callback request's `Cookie` header
 * @param state - the callback's state
 * @param redirectUri - the transaction's redirect URI, once known
 * @returns the value, or `undefined`
 * @internal
 */
export function presentedBinding(
  option: string | undefined,
  cookieHeader: string | null | undefined,
  state: string,
  redirectUri?: string,
): string | undefined {
  if (option !== undefined) return option === '' ? undefined : option
  if (redirectUri !== undefined)
    return oneCookie(cookieHeader, bindingCookieName(state, redirectUri))
  return (
    oneCookie(cookieHeader, bindingCookieName(state, 'https:')) ??
    oneCookie(cookieHeader, bindingCookieName(state, 'http:'))
  )
}

/**
 * The value a `'handle'` store opens the transaction with: refused when absent.
 * @internal
 */
export function requireHandle(value: string | undefined): string {
  if (value === undefined) throw missingBinding()
  return value
}

/**
 * The error for a sealed value read under a cookie name its redirect URI does not allow.
 * @internal
 */
export function misnamedHandle(): ValidationError {
  return bindingError(
    'CALLBACK_BROWSER_BINDING_MISMATCH',
    'the browser-binding cookie of this sign-in came under a name its redirect URI does not allow (an https sign-in needs the __Host- cookie)',
  )
}

/**
 * Checks a callback's browser-binding value against its transaction.
 *
 * Call after the transaction is taken (consumed), so a refused callback cannot be retried.
 *
 * @param store - the configuration's store (what kind of binding it has)
 * @param transaction - the taken transaction
 * @param value - the value the callback presented, if any
 * @throws {@link ValidationError} `CALLBACK_BROWSER_BINDING_MISSING` or
 * `CALLBACK_BROWSER_BINDING_MISMATCH`
 * @internal
 */
export async function checkBrowserBinding(
  store: TransactionStore,
  transaction: Transaction,
  value: string | undefined,
): Promise<void> {
  // The sealed store opened the transaction with the value itself; an in-browser store is the
  // binding.
  if (!needsBindingCookie(store)) return
  if (transaction.browserBindingWaived === true) return
  const expected = transaction.browserBindingHash
  if (value === undefined) throw missingBinding()
  if (expected === undefined || !sameText(await bindingHash(value), expected)) {
    throw bindingError(
      'CALLBACK_BROWSER_BINDING_MISMATCH',
      'the browser-binding cookie does not belong to this sign-in: it was started in another browser',
    )
  }
}

function missingBinding(): ValidationError {
  return bindingError(
    'CALLBACK_BROWSER_BINDING_MISSING',
    'the callback came without the browser-binding cookie of its sign-in: it was started in another browser, or the cookie was not set (see AuthorizationRequest.browserBinding)',
  )
}

function bindingError(
  code: 'CALLBACK_BROWSER_BINDING_MISSING' | 'CALLBACK_BROWSER_BINDING_MISMATCH',
  message: string,
): ValidationError {
  return new ValidationError(code, message, {
    claim: 'browser binding',
    expected:
      'the cookie set by createAuthorizationRequest in the browser that started the sign-in',
  })
}
