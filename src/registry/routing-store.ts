/**
 * The transaction store of one registry connection, over the registry's shared store.
 *
 * It stamps each transaction with the connection's id when it is saved, and hands a transaction
 * to its connection's callback only when the stamp is that connection's. The registry's callback
 * takes the transaction first (to learn its connection) and lends it here for the one callback.
 *
 * @module
 */
import type { Transaction, TransactionStore } from '../storage.js'

/**
 * A connection's transaction store, and the transactions lent to its callbacks.
 * @internal
 */
export interface RoutingStore extends TransactionStore {
  /**
   * Runs `work` with `transaction` lent: the first `take` of its state gets it.
   * @param transaction - taken from the shared store by the registry's callback
   * @param work - the connection's callback
   * @returns what `work` returned; the loan ends with it
   */
  lend<T>(transaction: Transaction, work: () => Promise<T>): Promise<T>
}

/**
 * Makes a connection's store.
 * @param shared - the registry's transaction store
 * @param connection - the connection's id
 * @returns the store
 * @internal
 */
export function routingStore(shared: TransactionStore, connection: string): RoutingStore {
  const lent = new Map<string, Transaction>()
  return {
    ...(shared.browserBinding === undefined ? {} : { browserBinding: shared.browserBinding }),
    set: (transaction, ttl) => shared.set({ ...transaction, connection }, ttl),
    async take(state, handle) {
      const loan = lent.get(state)
      lent.delete(state)
      const transaction = loan ?? (await shared.take(state, handle))
      // Another connection's sign-in is consumed and refused: its state cannot be retried here.
      return transaction?.connection === connection ? transaction : undefined
    },
    async lend(transaction, work) {
      lent.set(transaction.state, transaction)
      try {
        return await work()
      } finally {
        lent.delete(transaction.state)
      }
    },
  }
}
