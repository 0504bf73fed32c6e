/**
 * The OP side of logout towards RPs.
 *
 * Sessions the OP remembers (by `sid`), back-channel logout requests (Back-Channel Logout 1.0 §2.5)
 * and front-channel logout calls (Front-Channel Logout 1.0 §3), each recorded in
 * `MockOP.deliveries`.
 *
 * @module
 */

import { issueLogoutToken } from './logout-token.js'
import type {
  BackChannelDeliveryOptions,
  FrontChannelDeliveryOptions,
  LogoutDelivery,
  OpLogoutOptions,
} from './logout-types.js'
import { MockOPError } from './mock-op-error.js'
import { type OpState, requireClient } from './state.js'
import type { OpSession } from './types.js'

/**
 * Remembers that a client signed in with a session (called when an ID token carries `sid`).
 * @param state - the OP state
 * @param sid - the session id
 * @param sub - the user
 * @param clientId - the client
 */
export function trackSession(state: OpState, sid: string, sub: string, clientId: string): void {
  let session = state.sessions.get(sid)
  if (!session || session.sub !== sub) {
    session = { sub, clients: new Set() }
    state.sessions.set(sid, session)
  }
  session.clients.add(clientId)
}

/**
 * Sends a back-channel logout request.
 *
 * POSTs `logout_token` (form-encoded) to the client's `backchannel_logout_uri`.
 *
 * @param state - the OP state
 * @param options - the client, the user and/or session, a fault, the fetch to use
 * @returns the delivery, with the RP's response
 * @throws MockOPError when the client registered no `backchannel_logout_uri`
 */
export async function sendBackChannelLogout(
  state: OpState,
  options: BackChannelDeliveryOptions,
): Promise<LogoutDelivery> {
  const client = requireClient(state, options.clientId)
  const uri = client.backchannel_logout_uri
  if (uri === undefined) {
    throw new MockOPError(`client ${client.client_id} registered no backchannel_logout_uri`)
  }
  const logoutToken = await issueLogoutToken(state, options)
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: logoutToken }).toString(),
  }
  const delivery: LogoutDelivery = {
    channel: 'back-channel',
    clientId: client.client_id,
    url: uri,
    logoutToken,
  }
  return deliver(state, delivery, uri, init, options.fetch)
}

/**
 * Calls a client's `frontchannel_logout_uri` the way the OP's page would load it in an iframe.
 *
 * A GET with `iss` and `sid` (when a `sid` is given), changed by the fault if any.
 *
 * @param state - the OP state
 * @param options - the client, the session, a fault, extra headers (e.g. the RP's cookie), the
 * fetch
 * @returns the delivery, with the RP's response
 * @throws MockOPError when the client registered no `frontchannel_logout_uri`, or requires session
 * parameters and no `sid` is given
 */
export async function sendFrontChannelLogout(
  state: OpState,
  options: FrontChannelDeliveryOptions,
): Promise<LogoutDelivery> {
  const client = requireClient(state, options.clientId)
  const uri = client.frontchannel_logout_uri
  if (uri === undefined) {
    throw new MockOPError(`client ${client.client_id} registered no frontchannel_logout_uri`)
  }
  const { sid, fault } = options
  if (sid === undefined && client.frontchannel_logout_session_required) {
    throw new MockOPError(`client ${client.client_id} requires iss and sid: give a sid`)
  }
  const url = new URL(uri)
  if (sid !== undefined && fault !== 'no-iss-sid') {
    if (fault !== 'sid-only') {
      url.searchParams.set(
        'iss',
        fault === 'wrong-issuer' ? 'https://wrong-issuer.example' : state.issuer,
      )
    }
    url.searchParams.set('sid', fault === 'wrong-sid' ? `other-${sid}` : sid)
  }
  const init: RequestInit = { method: 'GET', headers: { ...options.headers } }
  const delivery: LogoutDelivery = {
    channel: 'front-channel',
    clientId: client.client_id,
    url: url.href,
  }
  return deliver(state, delivery, url.href, init, options.fetch)
}

/**
 * Ends sessions at the OP and tells every client that signed in with them.
 *
 * A back-channel logout token to clients with a `backchannel_logout_uri`, a front-channel call to
 * those with a `frontchannel_logout_uri`.
 *
 * @param state - the OP state
 * @param options - the session (`sid`) or every session of a user
 * @returns the deliveries, in order
 */
export async function opLogout(
  state: OpState,
  options: OpLogoutOptions,
): Promise<LogoutDelivery[]> {
  const ended: [string, OpSession][] = []
  for (const [sid, session] of state.sessions) {
    if (sid === options.sid || (options.sid === undefined && session.sub === options.user)) {
      ended.push([sid, session])
    }
  }
  const deliveries: LogoutDelivery[] = []
  for (const [sid, session] of ended) {
    state.sessions.delete(sid)
    deliveries.push(...(await notifyClients(state, sid, session.sub, [...session.clients])))
  }
  return deliveries
}

/**
 * Tells clients that a session ended, through each logout channel they registered.
 * @param state - the OP state
 * @param sid - the session id, when known
 * @param sub - the user
 * @param clientIds - the clients to tell
 * @returns the deliveries
 */
export async function notifyClients(
  state: OpState,
  sid: string | undefined,
  sub: string,
  clientIds: readonly string[],
): Promise<LogoutDelivery[]> {
  const deliveries: LogoutDelivery[] = []
  for (const clientId of clientIds) {
    const client = state.clients.get(clientId)
    if (client?.backchannel_logout_uri !== undefined) {
      const withSid = sid !== undefined
      deliveries.push(
        await sendBackChannelLogout(state, {
          clientId,
          ...(withSid ? { sid } : {}),
          ...(!withSid || !client.backchannel_logout_session_required ? { user: sub } : {}),
        }),
      )
    }
    const frontChannel = client?.frontchannel_logout_uri !== undefined
    if (frontChannel && (sid !== undefined || !client?.frontchannel_logout_session_required)) {
      deliveries.push(
        await sendFrontChannelLogout(state, { clientId, ...(sid === undefined ? {} : { sid }) }),
      )
    }
  }
  return deliveries
}

/** Sends a logout request, recording the delivery; a network failure is recorded, not thrown. */
async function deliver(
  state: OpState,
  delivery: LogoutDelivery,
  url: string,
  init: RequestInit,
  fetchOverride: typeof fetch | undefined,
): Promise<LogoutDelivery> {
  state.deliveries.push(delivery)
  try {
    const response = await (fetchOverride ?? state.rpFetch)(url, init)
    delivery.status = response.status
    delivery.response = response
  } catch (error) {
    delivery.status = 0
    delivery.error = error instanceof Error ? error.message : String(error)
  }
  return delivery
}
