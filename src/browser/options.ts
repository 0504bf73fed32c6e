/**
 * The options of a browser session, checked once, and its best-effort use of web storage.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import type { RefreshOptions, RefreshResult } from '../token.js'
import type { BrowserSessionChannel } from './channel.js'
import type { BrowserSessionLocks } from './locks.js'

/**
 * The web storage a browser session uses: `localStorage` and `sessionStorage` fit.
 * @group Browser
 */
export type BrowserSessionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Options of `createBrowserSession`.
 * @group Browser
 */
export interface BrowserSessionOptions {
  /**
   * Where the tokens live. Default `'memory'`.
   *
   * `'memory'`: this tab's memory, and the other tabs' through the channel (a new tab gets them
   * with `BrowserSession.restore`).
   * `'session'` keeps them in `sessionStorage` too (this tab, surviving its reloads); `'local'` in
   * `localStorage` (every tab of the origin, surviving the browser's restart).
   *
   * > [!WARNING]
   * > Web storage exposes the refresh token to every script of the origin: one cross-site
   * > scripting flaw, or one compromised dependency, reads it and keeps the end-user's access long
   * > after the page closed. Memory is no defence against a script running in the page either, but
   * > it does not outlive the tab. Persist only when reloads must not ask the OP again, and prefer
   * > a backend (`oidc-rp/web`) where the tokens never reach the browser.
   */
  readonly persist?: 'memory' | 'session' | 'local'
  /** How long before its expiry an access token is refreshed, in seconds. Default 60. */
  readonly refreshLeewayInSeconds?: number
  /**
   * How long a tab waits for the tokens another tab just refreshed, in milliseconds. Default 2000.
   *
   * See `BrowserSession.accessToken`.
   */
  readonly syncTimeoutInMs?: number
  /**
   * The session's name: of its lock, its channel and its web storage keys.
   *
   * Default `oidc-rp:<client_id>@<issuer>`. Tabs with the same name share the session.
   */
  readonly name?: string
  /**
   * The lock that orders refreshes across the tabs. Default `navigator.locks` (Web Locks).
   *
   * Where the browser has none, refreshes are ordered within the tab only: two tabs may then
   * refresh at once, and an OP that rotates refresh tokens may end the session.
   */
  readonly locks?: BrowserSessionLocks
  /**
   * Opens the channel to the other tabs. Default `new BroadcastChannel(name)`.
   *
   * Where the browser has none, changes reach no other tab.
   */
  readonly channel?: (name: string) => BrowserSessionChannel
  /**
   * The storage shared by the tabs. Default `localStorage`.
   *
   * It holds `<name>.generation`, a counter of the session's changes (no token), and with
   * `persist: 'local'` the tokens under `<name>.tokens`.
   */
  readonly storage?: BrowserSessionStorage
  /** The tab's own storage, for `persist: 'session'`. Default `sessionStorage`. */
  readonly sessionStorage?: BrowserSessionStorage
  /**
   * The clock, in milliseconds since the epoch.
   *
   * Default: a page's configuration's (`discover`'s `now`), else `Date.now`.
   */
  readonly now?: () => number
  /**
   * `oidc-rp/core`'s `refreshTokens`, for a configuration made by `oidc-rp/core`.
   *
   * Required with one, refused with a page's (which refreshes with `oidc-rp/browser`'s own).
   * Given, rather than loaded, so that a page signing in with `oidc-rp/browser` alone never ships
   * the core.
   */
  readonly refreshTokens?: (
    config: Configuration,
    refreshToken: string,
    options: RefreshOptions,
  ) => Promise<RefreshResult>
  /**
   * The DPoP key the tokens are bound to (RFC 9449): the handle the sign-in used.
   *
   * Refreshes carry a proof of it (a public client's refresh token is bound to the key, §5). Every
   * tab sharing the session needs a handle of the same key pair: generate it once, keep the
   * `CryptoKeyPair` (private key non-extractable) in IndexedDB and read it back in each tab, never
   * in web storage (see docs/browser.md). A tab without it, or with another key, refuses to
   * refresh (`DPOP_KEY_MISMATCH`) rather than have the OP refuse the refresh token and end the
   * session in every tab.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
   */
  readonly dpop?: DPoPHandle
}

/**
 * The options with their defaults, checked.
 * @internal
 */
export interface Settings {
  readonly persist: 'memory' | 'session' | 'local'
  readonly leeway: number
  readonly syncTimeout: number
}

/**
 * Checks the options and fills in the defaults.
 * @param options - the application's options
 * @returns the settings
 * @throws `UsageError` `INVALID_ARGUMENT` naming the option
 * @internal
 */
export function checkOptions(options: BrowserSessionOptions): Settings {
  const persist = options.persist ?? 'memory'
  if (persist !== 'memory' && persist !== 'session' && persist !== 'local') {
    throw invalidArgument('persist', '"memory", "session" or "local"')
  }
  const leeway = options.refreshLeewayInSeconds ?? 60
  if (!nonNegative(leeway)) throw invalidArgument('refreshLeewayInSeconds', 'a non-negative number')
  const syncTimeout = options.syncTimeoutInMs ?? 2000
  if (!nonNegative(syncTimeout)) throw invalidArgument('syncTimeoutInMs', 'a non-negative number')
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw invalidArgument('name', 'a non-empty string')
  }
  const { dpop } = options
  if (
    dpop !== undefined &&
    (typeof dpop?.thumbprint !== 'string' || typeof dpop.proof !== 'function')
  ) {
    throw invalidArgument('dpop', 'a handle from createDPoPHandle')
  }
  return { persist, leeway, syncTimeout }
}

/**
 * The storage the tokens are kept in, per `persist`; it must be usable.
 * @param options - the application's options
 * @param persist - where the tokens live
 * @param shared - the storage shared by the tabs
 * @returns the storage, or `undefined` for `'memory'`
 * @throws `UsageError` `INVALID_ARGUMENT` (`persist`) when that storage is not usable
 * @internal
 */
export function keptIn(
  options: BrowserSessionOptions,
  persist: Settings['persist'],
  shared: BrowserSessionStorage | undefined,
): BrowserSessionStorage | undefined {
  if (persist === 'memory') return undefined
  const storage =
    persist === 'local' ? shared : (options.sessionStorage ?? webStorage('sessionStorage'))
  if (storage === undefined) {
    const which = persist === 'local' ? 'localStorage' : 'sessionStorage'
    throw new UsageError(
      'INVALID_ARGUMENT',
      `persist "${persist}" keeps the tokens in ${which}, which this page cannot use (absent, or the browser blocks the site's data): allow site data, pass ${persist === 'local' ? 'storage' : 'sessionStorage'}, or keep persist "memory"`,
      { parameter: 'persist' },
    )
  }
  return storage
}

function nonNegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

/**
 * The browser's storage, or undefined where it is absent or blocked (reading it throws).
 * @param which - which one
 * @returns the storage
 * @internal
 */
export function webStorage(
  which: 'localStorage' | 'sessionStorage',
): BrowserSessionStorage | undefined {
  try {
    return (globalThis as Partial<Record<typeof which, Storage>>)[which] ?? undefined
  } catch {
    return undefined
  }
}

/**
 * Reads an item; a storage that throws reads as empty.
 * @param storage - the storage, if any
 * @param key - the key
 * @returns the item, or null
 * @internal
 */
export function readItem(storage: BrowserSessionStorage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null
  } catch {
    return null
  }
}

/**
 * Writes (or, for `undefined`, removes) an item.
 *
 * A failure is ignored: the tokens in memory stay the truth, and the shared counter keeps other
 * tabs from trusting an item left behind.
 * @param storage - the storage, if any
 * @param key - the key
 * @param value - the item, or `undefined` to remove it
 * @internal
 */
export function writeItem(
  storage: BrowserSessionStorage | undefined,
  key: string,
  value: string | undefined,
) {
  try {
    if (value === undefined) storage?.removeItem(key)
    else storage?.setItem(key, value)
  } catch {}
}
