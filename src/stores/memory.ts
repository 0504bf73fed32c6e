import { UsageError } from '../errors.js'
import type { Transaction, TransactionStore } from '../transaction.js'

/**
 * Options of {@link createMemoryStore}.
 * @group Transactions
 */
export interface MemoryStoreOptions {
  /** The most transactions kept at once; the oldest is evicted first. Default 10,000. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * An in-memory {@link TransactionStore}: bounded, with TTL, oldest evicted first, O(1) per operation.
 * The default store. It lives in one process: behind a load balancer use the sealed store or a shared database.
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer
 * @group Transactions
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): TransactionStore {
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new UsageError('INVALID_ARGUMENT', 'maxEntries must be a positive integer', {
      parameter: 'maxEntries',
    })
  }
  const now = options.now ?? Date.now
  // A Map iterates in insertion order, so its first key is the oldest entry.
  const entries = new Map<string, { transaction: Transaction; expiresAtMs: number }>()
  return {
    async set(transaction, ttlInSeconds) {
      entries.delete(transaction.state)
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value
        if (oldest !== undefined) entries.delete(oldest)
      }
      entries.set(transaction.state, { transaction, expiresAtMs: now() + ttlInSeconds * 1000 })
      return undefined
    },
    async take(state) {
      const entry = entries.get(state)
      if (entry === undefined) return undefined
      entries.delete(state)
      return entry.expiresAtMs > now() ? entry.transaction : undefined
    },
  }
}
