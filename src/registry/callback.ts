/**
 * Which connection a callback belongs to: the one that saved its transaction.
 *
 * The callback's `state` (inside a JARM `response`, read before it is verified: the connection
 * that verifies it is the one the transaction names) takes the transaction from the registry's
 * shared store. Nothing else the request carries chooses the connection.
 *
 * @module
 */
import { presentedBinding, requireHandle } from '../browser-binding.js'
import { readCallbackParameters } from '../callback/response.js'
import { requireState } from '../callback/response-checks.js'
import type { Settings } from '../config/settings.js'
import { ValidationError } from '../errors.js'
import { decodeJws, isCompactJwe } from '../lib/compact.js'
import type { CallbackInput } from '../lib/request-input.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction, TransactionStore } from '../storage.js'

/** The callback limits a registry applies before it knows the connection. */
export type RoutingLimits = Pick<
  Settings,
  'maxCallbackParameters' | 'maxCallbackBytes' | 'maxJwtLength'
>

/**
 * Takes the transaction a callback completes from the registry's shared store.
 * @param shared - the registry's transaction store
 * @param input - the callback request, URL, fragment or form body (a `Request` is read from a
 * clone)
 * @param presented - the browser-binding option and the Cookie header, for a `'handle'` store
 * @param limits - the registry's callback limits
 * @returns the transaction, consumed, with its connection's id
 * @throws `ValidationError` `CALLBACK_STATE_MISSING`, `CALLBACK_STATE_UNKNOWN` (also for a
 * transaction no registry connection saved), `CALLBACK_INVALID_INPUT` (an encrypted JARM
 * response, which only its connection could open), `CALLBACK_DUPLICATE_PARAMETER`, `JWT_*`
 * @throws `TransportError` `STORE_ERROR`
 * @internal
 */
export async function takeRoutedTransaction(
  shared: TransactionStore,
  input: CallbackInput,
  presented: { readonly browserBinding?: string; readonly cookie?: string },
  limits: RoutingLimits,
): Promise<Transaction & { readonly connection: string }> {
  const { params } = await readCallbackParameters(
    input instanceof Request ? input.clone() : input,
    limits,
  )
  const state = params.response === undefined ? params.state : jarmState(params.response, limits)
  requireState(state)
  const cookie = presented.cookie ?? (input instanceof Request ? input.headers.get('cookie') : null)
  const handle =
    shared.browserBinding === 'handle'
      ? requireHandle(presentedBinding(presented.browserBinding, cookie, state))
      : undefined
  const transaction = await callStore('transaction store take', () => shared.take(state, handle))
  if (transaction?.connection === undefined || transaction.state !== state) {
    throw new ValidationError(
      'CALLBACK_STATE_UNKNOWN',
      'no pending sign-in of this registry has this state: unknown, already used or expired',
      { claim: 'state' },
    )
  }
  return transaction as Transaction & { readonly connection: string }
}

/** The `state` of a signed JARM response, unverified: its connection verifies the whole. */
function jarmState(response: string, limits: RoutingLimits): string | undefined {
  if (isCompactJwe(response)) {
    throw new ValidationError(
      'CALLBACK_INVALID_INPUT',
      'an encrypted JARM response cannot be routed by a connection registry (only its connection can open it): give that connection a redirect_uri of its own',
    )
  }
  const { state } = decodeJws(response, limits.maxJwtLength, 'JARM response').claims
  return typeof state === 'string' ? state : undefined
}
