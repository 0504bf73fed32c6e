/**
 * Where the mock OP names its claim sources: UserInfo and the ID token.
 *
 * @module
 */

import { addClaimSources } from './claims-provider.js'
import { takeFault } from './faults.js'
import type { OpState } from './state.js'

/**
 * Adds the OP's claim sources named at this place, spoiled by a pending `claimSource` fault.
 * @param state - the OP state
 * @param where - UserInfo or the ID token
 * @param sub - the end-user
 * @param clientId - the client
 * @param claims - the response's claims, changed in place
 */
export async function addSources(
  state: OpState,
  where: 'userinfo' | 'id_token',
  sub: string,
  clientId: string,
  claims: Record<string, unknown>,
): Promise<void> {
  const here = state.claimSources.filter((source) => (source.in ?? 'userinfo') === where)
  if (here.length === 0) return
  const fault = takeFault(state.faults, clientId, (f) =>
    'claimSource' in f ? f.claimSource : undefined,
  )
  await addClaimSources(state.claimSources, where, sub, clientId, fault, claims)
}
