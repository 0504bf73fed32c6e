/**
 * Calls into a store the application gave, so that whatever it throws becomes `STORE_ERROR`.
 *
 * The store is a transaction store, a session store or a replay guard. The error's `cause` keeps
 * the store error's name, message and code but none of its other properties (ioredis, for one,
 * attaches the command's arguments: a transaction with its PKCE verifier, a session with its ID
 * token).
 *
 * @module
 */
import { isOidcRpError, type OidcRpError, TransportError } from '../errors.js'

/** The longest store error message kept in the `cause`. */
const MAX_MESSAGE = 200

/**
 * Runs a store operation.
 *
 * Anything it throws that is not already an oidc-rp error becomes `STORE_ERROR`.
 *
 * @param what - the store and operation, for the message (`session store findBySid`)
 * @param operation - the call into the store
 * @returns what the store returned
 * @throws {@link TransportError} `STORE_ERROR`; an oidc-rp error the store threw, unchanged
 * @internal
 */
export async function callStore<T>(what: string, operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (err) {
    throw storeFailure(what, err)
  }
}

/**
 * The typed error for what a store threw.
 *
 * An oidc-rp error stays as it is (e.g. the sealed store's `SEALED_VALUE_INVALID`), anything else
 * becomes `STORE_ERROR`.
 *
 * @param what - the store and operation, for the message
 * @param err - what the store threw
 * @returns the error to throw
 * @internal
 */
export function storeFailure(what: string, err: unknown): OidcRpError {
  if (isOidcRpError(err)) return err
  const name = err instanceof Error ? err.name : typeof err
  return new TransportError('STORE_ERROR', `the ${what} failed (${name})`, {
    cause: bareError(err),
  })
}

/**
 * A copy of an error with its name, message (cut) and `code` only: a safe `cause`.
 * @param err - what a store (or the storage under it) threw
 * @returns the copy
 * @internal
 */
export function bareError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(`a thrown ${typeof err}`)
  const message = String(err.message)
  const copy = new Error(
    message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
  )
  copy.name = err.name
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true })
  }
  return copy
}
