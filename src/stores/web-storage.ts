/**
 * A {@link TransactionStore} in the browser's web storage, for single-page applications.
 *
 * `sessionStorage` by default, `localStorage` when asked, or any `Storage`. It lives in the
 * browser that signs in, so it is the browser binding itself: no cookie.
 *
 * @module
 */
import { TransportError } from '../errors.js'
import { invalidArgument, positiveTtl } from '../lib/checks.js'
import { isPlainObject, parseJsonOrUndefined } from '../lib/json.js'
import { bareError } from '../lib/store-call.js'
import type { Transaction, TransactionStore } from '../storage.js'

/**
 * Options of {@link createWebStorageTransactionStore}.
 * @group Transactions
 */
export interface WebStorageTransactionStoreOptions {
  /**
   * Where the transactions wait. Default `'session'`.
   *
   * - `'session'`: `sessionStorage`, the tab's own. It survives the redirect to the OP and back and
   *   reloads, and goes with the tab.
   * - `'local'`: `localStorage`, shared by every tab of the origin, so a sign-in started in one tab
   *   may finish in another (the OP's e-mail link opened in a new tab, say). A transaction stays
   *   until taken, or until a later `set` removes it after it expired. With Web Locks
   *   (`navigator.locks`), `take` holds a lock named after the state, so two tabs never both take
   *   one sign-in.
   * - a `Storage` of your own (no lock is taken: for `localStorage` pass `'local'`).
   */
  readonly storage?: 'session' | 'local' | Storage
  /**
   * The start of the storage keys: a transaction is kept under the prefix followed by its state.
   *
   * Default `'oidc-rp.transaction.'`. Expired entries are removed under this prefix only.
   */
  readonly prefix?: string
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

const DEFAULT_PREFIX = 'oidc-rp.transaction.'

/** What one storage item holds: the transaction and when it expires. */
interface Entry {
  readonly transaction: Transaction
  readonly expiresAtMs: number
}

/**
 * A {@link TransactionStore} in the browser's web storage (`sessionStorage` by default).
 *
 * Each transaction is one JSON item, the prefix followed by its state as the key, with its expiry.
 * `take` reads and removes it in one step; an unknown, expired or unreadable item is `undefined`
 * (and removed). Each `set` also removes this prefix's expired items. Several sign-ins may be
 * pending at once (several tabs, or a sign-in begun twice).
 *
 * What is kept: the state, the nonce and the PKCE verifier of each pending sign-in, for at most its
 * TTL. Any script of the origin can read them, as it can everything else of a single-page
 * application: cross-site scripting is the threat that matters, not this store. The store is the
 * browser binding itself (`browserBinding: 'in-browser'`): no other browser can present its
 * transactions, so no cookie is set.
 *
 * Use `'local'` when a sign-in may start in one tab and finish in another; `'session'` otherwise.
 *
 * The storage is looked up at the first `set` or `take`, so importing this module on a server does
 * not fail.
 * @param options - which storage, the key prefix, the clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `storage` is not `'session'`, `'local'` or a
 * `Storage`, or `prefix` not a non-empty string (and from `set` when the TTL is not positive or
 * the transaction is not JSON-serialisable)
 * @throws {@link TransportError} from `set` and `take`: `STORE_UNAVAILABLE` when the browser blocks
 * the site's storage or has none; from `set`: `STORE_QUOTA_EXCEEDED` when the storage is full even
 * after the expired transactions were removed (nothing is written)
 * @example A single-page application (public client, code flow with PKCE)
 * ```ts
 * const store = createWebStorageTransactionStore() // sessionStorage
 * const config = await discover(issuer, { client_id, redirect_uris: [redirectUri],
 *   token_endpoint_auth_method: 'none' }, { store })
 *
 * // sign in: the page leaves for the OP
 * const { url } = await createAuthorizationRequest(config)
 * location.assign(url)
 *
 * // the redirect URI's page, after the OP
 * const result = await handleCallback(config, location.href)
 * history.replaceState(null, '', location.pathname) // drop the code from the address bar
 * ```
 * @group Transactions
 */
export function createWebStorageTransactionStore(
  options: WebStorageTransactionStoreOptions = {},
): TransactionStore {
  const choice = options.storage ?? 'session'
  if (choice !== 'session' && choice !== 'local' && !isStorage(choice)) {
    throw invalidArgument('storage', "'session', 'local' or a Storage")
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || prefix === '') {
    throw invalidArgument('prefix', 'a non-empty string')
  }
  const now = options.now ?? Date.now
  const name = typeof choice === 'string' ? (`${choice}Storage` as const) : 'storage'
  let found: Storage | undefined
  const storage = (): Storage => {
    found ??= typeof choice === 'string' ? lookUp(`${choice}Storage`) : choice
    return found
  }
  /** Removes this prefix's expired and unreadable items. */
  const sweep = (from: Storage, at: number): void => {
    const keys: string[] = []
    for (let i = 0; i < from.length; i++) {
      const key = from.key(i)
      if (key?.startsWith(prefix)) keys.push(key)
    }
    for (const key of keys) if (liveEntry(from.getItem(key), at) === undefined) from.removeItem(key)
  }
  return {
    browserBinding: 'in-browser',
    async set(transaction, ttlInSeconds) {
      positiveTtl(ttlInSeconds)
      const to = storage()
      const at = now()
      const key = prefix + transaction.state
      const text = entryText({ transaction, expiresAtMs: at + ttlInSeconds * 1000 })
      const full = write(to, key, text)
      sweep(to, at)
      const stillFull = full === undefined ? undefined : write(to, key, text)
      if (stillFull !== undefined) {
        // An earlier item of the same state must not stand in for the one that failed.
        to.removeItem(key)
        throw new TransportError(
          'STORE_QUOTA_EXCEEDED',
          `the ${name} is full: the sign-in's transaction does not fit even after removing the expired ones; free some of the site's storage, or use another transaction store`,
          { cause: bareError(stillFull) },
        )
      }
      return undefined
    },
    async take(state) {
      const from = storage()
      const key = prefix + state
      const takeNow = (): Transaction | undefined => {
        // Read and remove in one synchronous step: nothing else of this tab runs in between.
        const text = from.getItem(key)
        if (text === null) return undefined
        from.removeItem(key)
        return liveEntry(text, now())?.transaction
      }
      // localStorage is shared by the tabs, which run in parallel: take under a lock.
      const locks = choice === 'local' ? lockManager() : undefined
      return locks === undefined ? takeNow() : locks.request(key, takeNow)
    },
  }
}

/**
 * Writes an item.
 * @returns `undefined` when written, what the storage threw when it is full
 * @throws what the storage threw for any other reason
 */
function write(to: Storage, key: string, text: string): unknown {
  try {
    to.setItem(key, text)
    return undefined
  } catch (err) {
    if (isQuotaExceeded(err)) return err
    throw err
  }
}

/** Whether a thrown value is a full quota, in any browser's words. */
function isQuotaExceeded(err: unknown): boolean {
  const { name, code } = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown
    code?: unknown
  }
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    code === 22 ||
    code === 1014
  )
}

function entryText(entry: Entry): string {
  try {
    return JSON.stringify(entry)
  } catch {
    // A cycle or a BigInt in appState.
    throw invalidArgument('transaction.appState', 'JSON-serialisable')
  }
}

/** The entry an item holds, when it is readable and not expired at `at`. */
function liveEntry(text: string | null, at: number): Entry | undefined {
  const entry = parseJsonOrUndefined(text)
  if (!isPlainObject(entry) || !(typeof entry.expiresAtMs === 'number' && entry.expiresAtMs > at)) {
    return undefined
  }
  const tx = entry.transaction
  return isPlainObject(tx) && typeof tx.state === 'string' ? (entry as unknown as Entry) : undefined
}

function isStorage(value: unknown): value is Storage {
  const s = value as Partial<Storage> | null | undefined
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.getItem === 'function' &&
    typeof s.setItem === 'function' &&
    typeof s.removeItem === 'function' &&
    typeof s.key === 'function'
  )
}

/**
 * The page's `sessionStorage` or `localStorage`.
 * @throws {@link TransportError} `STORE_UNAVAILABLE` when reading it throws (storage blocked) or
 * there is none
 */
function lookUp(name: 'sessionStorage' | 'localStorage'): Storage {
  let found: Storage | undefined | null
  let failure: unknown
  try {
    found = (globalThis as Partial<Record<typeof name, Storage | null>>)[name]
  } catch (err) {
    failure = err
  }
  if (found !== undefined && found !== null) return found
  const why =
    failure === undefined
      ? 'there is none here'
      : `reading it threw ${failure instanceof Error ? failure.name : typeof failure}: the browser blocks this site's storage`
  throw new TransportError(
    'STORE_UNAVAILABLE',
    `${name} is not available (${why}); allow site data for this site, or give createWebStorageTransactionStore a Storage, or use another transaction store`,
    failure === undefined ? undefined : { cause: bareError(failure) },
  )
}

/** The page's Web Locks, when it has them. */
function lockManager(): LockManager | undefined {
  return (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
}
