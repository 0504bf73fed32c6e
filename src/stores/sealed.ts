/**
 * A stateless {@link TransactionStore}.
 *
 * The transaction travels sealed (encrypted and authenticated) in a value the application puts in a
 * cookie, so RPs behind a load balancer need no shared database.
 *
 * @module
 */
import { UsageError, ValidationError } from '../errors.js'
import { positiveTtl } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'
import { createSealer } from '../lib/sealing-keys.js'
import { callStore } from '../lib/store-call.js'
import type { ReplayGuard, Transaction, TransactionStore } from '../storage.js'
import { createMemoryReplayGuard } from './memory.js'

/** Sealed values longer than this are refused before any decryption. */
const MAX_SEALED_LENGTH = 16 * 1024

/**
 * Options of {@link createSealedTransactionStore}.
 * @group Transactions
 */
export interface SealedTransactionStoreOptions {
  /**
   * The sealing keys, 32 bytes each (a `Uint8Array`, or its base64url encoding).
   *
   * The first seals; all open, so a key can be rotated in first and the old one removed after the
   * transaction TTL.
   */
  readonly keys: readonly (string | Uint8Array)[]
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /**
   * Remembers taken states until they expire, so a sealed value opens once.
   *
   * Default: an in-memory guard of this process (at most 10,000 unexpired states; beyond, new
   * sign-ins are refused until some expire). Behind a load balancer give one over a shared database
   * (`SET state 1 NX EX ttl`), or `false` to rely on the cookie being cleared alone.
   */
  readonly replayGuard?: ReplayGuard | false
}

/**
 * Creates the sealed store.
 *
 * `set` returns the transaction as a JWE (`dir` + `A256GCM`, `kid` naming the key, `exp` inside)
 * for the application to put in a cookie; `take(state, handle)` opens it.
 *
 * - No handle, an expired value, or a value sealed for another `state`: `undefined` (the callback
 *   reports an unknown state), as with other stores.
 * - A malformed or tampered value, or one sealed with a key no longer configured:
 *   `SEALED_VALUE_INVALID`.
 * - One-time use: a sealed value cannot be deleted from the browser by the server. Clear the cookie
 *   in the callback response; the replay guard (on by default, per process) refuses a second `take`
 *   of the same state until it expires.
 *
 * The sealed value is the sign-in's browser-binding cookie (`browserBinding: 'handle'`):
 * `createAuthorizationRequest` returns it as `browserBinding`, named after the state so sign-ins in
 * several tabs never overwrite each other, and `handleCallback` reads it back from the `Cookie`
 * header.
 * @param options - keys, clock, replay guard
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when no key is given or a key is not 32 bytes (and
 * `take` throws `SEALED_VALUE_INVALID`, `SEALED_REPLAY_GUARD_FULL`, or `STORE_ERROR` when a shared
 * replay guard fails)
 * @example
 * ```ts
 * const keys = [process.env.TX_KEY_NEW, process.env.TX_KEY_OLD]
 * const store = createSealedTransactionStore({ keys })
 * const config = await discover(issuer, client, { store })
 * const { url, browserBinding } = await createAuthorizationRequest(config)
 * // Set-Cookie: __Host-oidc-rp.<state>=<sealed value>; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax
 * ```
 * @group Transactions
 */
export function createSealedTransactionStore(
  options: SealedTransactionStoreOptions,
): TransactionStore {
  const now = options.now ?? Date.now
  const sealer = createSealer(options.keys, 'keys', now)
  const guard =
    options.replayGuard === false
      ? undefined
      : (options.replayGuard ?? createMemoryReplayGuard({ now }))
  return {
    browserBinding: 'handle',
    async set(transaction, ttlInSeconds) {
      positiveTtl(ttlInSeconds)
      return sealer.seal({ tx: transaction as unknown as Record<string, unknown> }, ttlInSeconds)
    },
    async take(state, handle) {
      if (handle === undefined || handle === '') return undefined
      if (typeof handle !== 'string' || handle.length > MAX_SEALED_LENGTH)
        throw invalid('malformed')
      let payload: Record<string, unknown>
      try {
        payload = await sealer.open(handle)
      } catch (err) {
        // jose's error codes are part of its API; matching the code spares loading jose/errors
        if ((err as { code?: unknown }).code === 'ERR_JWT_EXPIRED') return undefined
        throw invalid(err instanceof Error ? err.name : 'malformed')
      }
      const tx = payload.tx
      if (!isTransaction(tx)) throw invalid('not a transaction')
      if (tx.state !== state) return undefined
      const exp = payload.exp as number
      if (guard !== undefined && !(await callStore('replay guard', () => guard.claim(state, exp))))
        return undefined
      return tx
    },
  }
}

function isTransaction(value: unknown): value is Transaction {
  return (
    isPlainObject(value) &&
    typeof value.state === 'string' &&
    typeof value.issuer === 'string' &&
    typeof value.clientId === 'string' &&
    typeof value.redirectUri === 'string' &&
    typeof value.responseType === 'string' &&
    typeof value.scope === 'string' &&
    typeof value.createdAt === 'number' &&
    typeof value.expiresAt === 'number'
  )
}

function invalid(why: string): ValidationError {
  return new ValidationError(
    'SEALED_VALUE_INVALID',
    'the sealed transaction value cannot be opened',
    {
      claim: 'transaction',
      expected: 'a value sealed by this store with a configured key',
      cause: new Error(why),
    },
  )
}
