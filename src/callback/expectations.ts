/**
 * What an ID token of a sign-in must satisfy, from its pending transaction.
 *
 * @module
 */
import { expectNoNonce, type IdTokenExpectations } from '../id-token.js'
import type { Mutable } from '../lib/json.js'
import type { Transaction } from '../storage.js'

/**
 * The expectations of an ID token of this sign-in (only the members that apply are set).
 * @param transaction - the pending sign-in: nonce, max_age, auth_time and acr requirements
 * @param source - where the ID token came from
 * @param signal - aborts a JWKS fetch
 * @param accessToken - the front-channel access token its `at_hash` must match
 * @param code - the code its `c_hash` must match
 * @returns the expectations for `validateIdToken`
 * @internal
 */
export function expectationsOf(
  transaction: Transaction,
  source: 'authorization' | 'token',
  signal: AbortSignal | undefined,
  accessToken?: string,
  code?: string,
): IdTokenExpectations {
  const expectations: Mutable<IdTokenExpectations> = { source }
  if (accessToken !== undefined) expectations.accessToken = accessToken
  if (code !== undefined) expectations.code = code
  expectations.nonce = transaction.nonce ?? expectNoNonce
  if (transaction.maxAgeInSeconds !== undefined) {
    expectations.maxAgeInSeconds = transaction.maxAgeInSeconds
  }
  if (transaction.requireAuthTime !== undefined) {
    expectations.requireAuthTime = transaction.requireAuthTime
  }
  if (transaction.requiredAcr !== undefined) expectations.requiredAcr = transaction.requiredAcr
  if (signal !== undefined) expectations.signal = signal
  return expectations
}
