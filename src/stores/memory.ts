/**
 * The in-memory stores of one process.
 *
 * The {@link TransactionStore} (the default), the {@link SessionStore} and the {@link ReplayGuard}.
 * Each is bounded, with TTLs.
 *
 * @module
 */
import { type UsageError, ValidationError } from '../errors.js'
import { invalidArgument, positiveInteger, positiveTtl } from '../lib/checks.js'
import { cloneJson, deepFreeze, isPlainObject } from '../lib/json.js'
import type {
  ReplayGuard,
  RequestObjectStore,
  Session,
  SessionStore,
  Transaction,
  TransactionStore,
} from '../storage.js'

/**
 * Options of {@link createMemoryTransactionStore}.
 * @group Transactions
 */
export interface MemoryTransactionStoreOptions {
  /** The most transactions kept at once; the oldest is evicted first. Default 10,000. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * An in-memory {@link TransactionStore}.
 *
 * Bounded, with TTL, oldest evicted first, O(1) per operation. The default store. It lives in one
 * process: behind a load balancer use the sealed store or a shared database.
 *
 * A store over a shared database follows the same contract: `set` is Redis
 * `SET tx:<state> <JSON> EX <ttl>` (returning `undefined`), and `take` is `GETDEL tx:<state>`
 * (atomic get-and-delete, so of N racing callbacks exactly one gets the transaction).
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer (and
 * from `set` when the TTL is not positive)
 * @example A store over Redis (node-redis 4)
 * ```ts
 * const redisStore: TransactionStore = {
 *   async set(tx, ttl) {
 *     await redis.set(`tx:${tx.state}`, JSON.stringify(tx), { EX: ttl })
 *     return undefined
 *   },
 *   async take(state) {
 *     const json = await redis.getDel(`tx:${state}`)
 *     return json === null ? undefined : JSON.parse(json)
 *   },
 * }
 * ```
 * @group Transactions
 */
export function createMemoryTransactionStore(
  options: MemoryTransactionStoreOptions = {},
): TransactionStore {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 10_000)
  const now = options.now ?? Date.now
  // A Map iterates in insertion order, so its first key is the oldest entry. A fresh iterator would
  // walk every slot deleted since the Map last compacted; one live cursor walks each slot once.
  type Entry = { transaction: Transaction; expiresAtMs: number }
  const entries = new Map<string, Entry>()
  let cursor = entries.entries()
  let head: [string, Entry] | undefined
  const oldest = (): [string, Entry] | undefined => {
    for (;;) {
      if (head !== undefined && entries.get(head[0]) === head[1]) return head
      let next = cursor.next()
      if (next.done) {
        // A finished iterator never sees later entries: start a new one.
        cursor = entries.entries()
        next = cursor.next()
        if (next.done) {
          head = undefined
          return undefined
        }
      }
      head = next.value
    }
  }
  return {
    async set(transaction, ttlInSeconds) {
      positiveTtl(ttlInSeconds)
      const at = now()
      entries.delete(transaction.state)
      // Sweep from the oldest end: expired entries first, then one more if the bound is reached.
      for (let first = oldest(); first !== undefined; first = oldest()) {
        if (first[1].expiresAtMs > at && entries.size < maxEntries) break
        entries.delete(first[0])
      }
      entries.set(transaction.state, { transaction, expiresAtMs: at + ttlInSeconds * 1000 })
      return undefined
    },
    async take(state) {
      // Get and delete happen in one synchronous step: two racing takes cannot both succeed.
      const entry = entries.get(state)
      if (entry === undefined) return undefined
      entries.delete(state)
      return entry.expiresAtMs > now() ? entry.transaction : undefined
    },
  }
}

/**
 * Options of {@link createMemorySessionStore}.
 * @group Sessions
 */
export interface MemorySessionStoreOptions {
  /** The most sessions kept at once; the oldest is evicted first. Default 100,000. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

interface Entry {
  readonly session: Session
  readonly expiresAtMs: number
}

/**
 * An in-memory {@link SessionStore} for one process.
 *
 * Bounded, with TTL, indexed by `sid` and `sub`. Behind a load balancer use a shared one
 * (`createRedisSessionStore` from `oidc-rp/redis`): the OP's back-channel logout may reach another
 * machine than the one that signed the user in.
 *
 * `set` keeps a frozen JSON copy of the session (its `data` included), so changing the object
 * passed in afterwards changes nothing stored, exactly as with a database. `withLock` runs its
 * callers for one session id one after the other, within this process.
 *
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer (and
 * from `set` when the TTL is not positive or `data` is not a JSON object; from `withLock` when the
 * session id is not a non-empty string or `fn` not a function)
 * @group Sessions
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 100_000)
  const now = options.now ?? Date.now
  // Insertion order: the first entry is the oldest.
  const entries = new Map<string, Entry>()
  const bySid = new Map<string, Set<string>>()
  const bySub = new Map<string, Set<string>>()
  // The last caller in line for each session id's lock: released when it finishes. An id is here
  // only while someone holds or waits for its lock.
  const locks = new Map<string, Promise<void>>()

  const index = (map: Map<string, Set<string>>, key: string, id: string) => {
    let ids = map.get(key)
    if (ids === undefined) {
      ids = new Set()
      map.set(key, ids)
    }
    ids.add(id)
  }
  const unindex = (map: Map<string, Set<string>>, key: string, id: string) => {
    const ids = map.get(key)
    ids?.delete(id)
    if (ids?.size === 0) map.delete(key)
  }
  const remove = (id: string): boolean => {
    const entry = entries.get(id)
    if (entry === undefined) return false
    entries.delete(id)
    const { session } = entry
    if (session.sid !== undefined) unindex(bySid, indexKey(session.iss, session.sid), id)
    unindex(bySub, indexKey(session.iss, session.sub), id)
    return true
  }
  const live = (ids: Set<string> | undefined): Session[] => {
    const at = now()
    const found: Session[] = []
    for (const id of ids ?? []) {
      const entry = entries.get(id)
      if (entry !== undefined && entry.expiresAtMs > at) found.push(entry.session)
    }
    return found
  }

  return {
    async set(session, ttlInSeconds) {
      positiveTtl(ttlInSeconds)
      const stored = storedCopy(session)
      const at = now()
      remove(session.id)
      // Sweep from the oldest end: expired entries, then one more when the bound is reached.
      for (const [oldest, entry] of entries) {
        if (entry.expiresAtMs > at && entries.size < maxEntries) break
        remove(oldest)
      }
      entries.set(stored.id, { session: stored, expiresAtMs: at + ttlInSeconds * 1000 })
      if (stored.sid !== undefined) index(bySid, indexKey(stored.iss, stored.sid), stored.id)
      index(bySub, indexKey(stored.iss, stored.sub), stored.id)
    },
    async get(sessionId) {
      const entry = entries.get(sessionId)
      return entry !== undefined && entry.expiresAtMs > now() ? entry.session : undefined
    },
    async delete(sessionId) {
      const entry = entries.get(sessionId)
      const wasLive = entry !== undefined && entry.expiresAtMs > now()
      remove(sessionId)
      return wasLive
    },
    async findBySid(iss, sid) {
      return live(bySid.get(indexKey(iss, sid)))
    },
    async findBySub(iss, sub) {
      return live(bySub.get(indexKey(iss, sub)))
    },
    async withLock<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
      if (typeof sessionId !== 'string' || sessionId === '') {
        throw invalidArgument('sessionId', 'a non-empty string')
      }
      if (typeof fn !== 'function') throw invalidArgument('fn', 'a function')
      // Queue behind the last caller for this id; the next caller queues behind this one.
      const previous = locks.get(sessionId)
      let release = () => {}
      const mine = new Promise<void>((resolve) => {
        release = resolve
      })
      const last = previous === undefined ? mine : previous.then(() => mine)
      locks.set(sessionId, last)
      await previous
      try {
        return await fn()
      } finally {
        release()
        // Nobody queued behind this caller: forget the id.
        if (locks.get(sessionId) === last) locks.delete(sessionId)
      }
    },
  }
}

/**
 * The frozen JSON copy of a session that the memory store keeps.
 * @param session - the session passed to `set`
 * @returns its copy
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `data` is not a JSON object
 */
function storedCopy(session: Session): Session {
  if (session.data !== undefined && !isPlainObject(session.data)) {
    throw invalidArgument('session.data', 'a JSON object')
  }
  let copy: Session
  try {
    copy = cloneJson(session)
  } catch {
    // A cycle, a BigInt, or nesting too deep for the stack.
    throw invalidArgument('session.data', 'JSON-serialisable')
  }
  return deepFreeze(copy)
}

/** The index key of an issuer and a `sid` or `sub` (a newline cannot occur in an issuer URL). */
function indexKey(iss: string, value: string): string {
  return `${iss}\n${value}`
}

/**
 * Options of {@link createMemoryReplayGuard}.
 * @group Transactions
 */
export interface MemoryReplayGuardOptions {
  /** The most unexpired states held at once; beyond, new claims are refused. Default 10,000. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * An in-memory {@link ReplayGuard} for one process.
 *
 * Every state is kept until its own expiry, never forgotten earlier: when `maxEntries` unexpired
 * states are held, a new claim is refused with `SEALED_REPLAY_GUARD_FULL` (fail closed) until some
 * expire, so a flood of sign-ins can delay new ones but never reopen a taken sealed value.
 *
 * @param options - size bound and clock
 * @returns the guard
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer
 * @group Transactions
 */
export function createMemoryReplayGuard(options: MemoryReplayGuardOptions = {}): ReplayGuard {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 10_000)
  const now = options.now ?? Date.now
  const taken = new Map<string, number>()
  // The earliest expiry of any entry (a lower bound): no full sweep can free anything before it.
  let earliest = Number.POSITIVE_INFINITY
  const sweep = (nowInSeconds: number): void => {
    earliest = Number.POSITIVE_INFINITY
    for (const [state, until] of taken) {
      if (until <= nowInSeconds) taken.delete(state)
      else earliest = Math.min(earliest, until)
    }
  }
  return {
    claim(state, expiresAt) {
      const nowInSeconds = now() / 1000
      // Entries mostly expire in insertion order: drop the expired ones at the front cheaply.
      for (const [oldest, until] of taken) {
        if (until > nowInSeconds) break
        taken.delete(oldest)
      }
      const until = taken.get(state)
      if (until !== undefined && until > nowInSeconds) return false
      if (taken.size >= maxEntries && nowInSeconds >= earliest) sweep(nowInSeconds)
      if (taken.size >= maxEntries) {
        throw new ValidationError(
          'SEALED_REPLAY_GUARD_FULL',
          `the replay guard holds ${maxEntries} unexpired sign-ins; new ones are refused until some expire`,
          { claim: 'transaction' },
        )
      }
      taken.set(state, expiresAt)
      earliest = Math.min(earliest, expiresAt)
      return true
    },
  }
}

/**
 * An in-memory {@link RequestObjectStore}: the default for request objects passed by reference.
 *
 * Bounded (the oldest dropped first), with TTL; taking one forgets it.
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer
 * @group Authorization
 */
export function createMemoryRequestObjectStore(
  options: { readonly maxEntries?: number; readonly now?: () => number } = {},
): RequestObjectStore {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 10_000)
  const now = options.now ?? Date.now
  const entries = new Map<string, { jwt: string; expiresAtMs: number }>()
  return {
    async set(id, jwt, ttlInSeconds) {
      positiveTtl(ttlInSeconds)
      const at = now()
      for (const [key, entry] of entries) {
        if (entry.expiresAtMs > at && entries.size < maxEntries) break
        entries.delete(key)
      }
      entries.set(id, { jwt, expiresAtMs: at + ttlInSeconds * 1000 })
    },
    async take(id) {
      const entry = entries.get(id)
      entries.delete(id)
      return entry !== undefined && entry.expiresAtMs > now() ? entry.jwt : undefined
    },
  }
}
