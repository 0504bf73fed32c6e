import { UsageError } from '../errors.js'
import type { Transaction, TransactionStore } from '../storage.js'

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
 * An in-memory {@link TransactionStore}: bounded, with TTL, oldest evicted first, O(1) per operation.
 * The default store. It lives in one process: behind a load balancer use the sealed store or a shared database.
 *
 * A store over a shared database follows the same contract: `set` is Redis
 * `SET tx:<state> <JSON> EX <ttl>` (returning `undefined`), and `take` is `GETDEL tx:<state>`
 * (atomic get-and-delete, so of N racing callbacks exactly one gets the transaction).
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer (and from `set` when the TTL is not positive)
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
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new UsageError('INVALID_ARGUMENT', 'maxEntries must be a positive integer', {
      parameter: 'maxEntries',
    })
  }
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
      if (!(ttlInSeconds > 0)) {
        throw new UsageError('INVALID_ARGUMENT', 'ttlInSeconds must be positive', {
          parameter: 'ttlInSeconds',
        })
      }
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
