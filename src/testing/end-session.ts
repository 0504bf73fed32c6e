/**
 * The end_session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2, §3).
 * @module
 */

import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
} from 'jose'
import { escapeHtml, methodNotAllowed, textResponse } from './http.js'
import { isHmac, publicJwks } from './keys.js'
import { notifyClients, opLogout } from './logout.js'
import type { OpState, RequestContext } from './state.js'
import type { MockClient } from './types.js'

/**
 * `GET` or `POST /end_session`.
 *
 * Checks `id_token_hint`, `client_id` and `post_logout_redirect_uri`, ends the hint's session
 * (sending back- and front-channel logout to the RPs that registered for it), then redirects with
 * `state` (or shows a signed-out page).
 *
 * @param ctx - the request
 * @returns a 302 to the registered URI, a 200 page, or 400
 */
export async function handleEndSession(ctx: RequestContext): Promise<Response> {
  const { request, state } = ctx
  if (request.method !== 'GET' && request.method !== 'POST')
    return methodNotAllowed(['GET', 'POST'])
  const params = { ...Object.fromEntries(ctx.url.searchParams), ...Object.fromEntries(ctx.form) }
  const refuse = (why: string) => textResponse(`end_session refused: ${why}`, 400)
  let client: MockClient | undefined
  if (params.id_token_hint !== undefined) {
    client = await hintClient(state, params.id_token_hint)
    if (!client) return refuse('id_token_hint is not an ID token issued by this OP')
  }
  if (params.client_id !== undefined) {
    const named = state.clients.get(params.client_id)
    if (!named || (client && named !== client)) return refuse('client_id does not match')
    client = named
  }
  const target = params.post_logout_redirect_uri
  const hint = params.id_token_hint
  if (target === undefined) {
    if (client && hint !== undefined) await endHintSession(state, hint, client)
    return new Response('<!DOCTYPE html><html><body><p>You are signed out.</p></body></html>', {
      headers: { 'content-type': 'text/html;charset=utf-8' },
    })
  }
  if (!client) return refuse('post_logout_redirect_uri needs id_token_hint or client_id')
  if (!(client.post_logout_redirect_uris ?? []).includes(target)) {
    return refuse(`post_logout_redirect_uri ${escapeHtml(target)} is not registered`)
  }
  if (hint !== undefined) await endHintSession(state, hint, client)
  const location = new URL(target)
  if (params.state !== undefined) location.searchParams.append('state', params.state)
  return new Response(null, { status: 302, headers: { location: location.href } })
}

/**
 * The client an id_token_hint was issued to.
 *
 * Its signature must verify with the OP's keys (or the client secret for HS*), its `iss` must be
 * the OP. An expired hint is accepted.
 *
 * @param state - the OP state
 * @param hint - the ID token
 * @returns the client, or undefined
 */
export async function hintClient(state: OpState, hint: string): Promise<MockClient | undefined> {
  try {
    const alg = decodeProtectedHeader(hint).alg ?? 'none'
    const client = audienceClient(state, decodeJwt(hint))
    if (!client || alg === 'none') return undefined
    const options = { algorithms: [alg] }
    const { payload } = isHmac(alg)
      ? await compactVerify(hint, new TextEncoder().encode(client.client_secret ?? ''), options)
      : await compactVerify(hint, createLocalJWKSet(publicJwks(state.keys)), options)
    const claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload
    return claims.iss === state.issuer ? audienceClient(state, claims) : undefined
  } catch {
    return undefined
  }
}

/**
 * Ends the OP session of a verified `id_token_hint` and tells the RPs (back- and front-channel).
 *
 * Every client of its tracked `sid`, else the hint's own client for its `sid` and `sub`.
 *
 * @param state - the OP state
 * @param hint - the verified ID token
 * @param client - the client it was issued to
 */
async function endHintSession(state: OpState, hint: string, client: MockClient): Promise<void> {
  const { sid, sub } = decodeJwt(hint)
  if (typeof sid === 'string' && state.sessions.has(sid)) {
    await opLogout(state, { sid })
  } else if (typeof sub === 'string') {
    await notifyClients(state, typeof sid === 'string' ? sid : undefined, sub, [client.client_id])
  }
}

/** The registered client among a token's audiences. */
function audienceClient(state: OpState, claims: JWTPayload): MockClient | undefined {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  const id = aud.find((value) => typeof value === 'string' && state.clients.has(value))
  return id === undefined ? undefined : state.clients.get(id)
}
