/**
 * The UserInfo endpoint (OIDC Core §5.3, RFC 6750).
 *
 * The bearer token from the header or the form body, claims by scope and `claims` request, as JSON,
 * a signed JWT, or encrypted.
 *
 * @module
 */

import { addSources } from './claim-sources.js'
import { userinfoClaims } from './claims.js'
import { checkDPoPProof, DPoPFailure, nonceHeaders } from './dpop.js'
import { takeFault } from './faults.js'
import { isForm, jsonResponse, methodNotAllowed, noStoreJson } from './http.js'
import { encryptToClient } from './jwt.js'
import { corruptSignature, currentKid, signCompact, signingMaterial } from './keys.js'
import type { AccessGrant, OpState, RequestContext } from './state.js'
import type { MockClient } from './types.js'

/**
 * The access token of a UserInfo request, and where it came.
 * @param ctx - the request
 * @returns the tokens found in the header and in the form body
 */
export function bearerTokens(ctx: RequestContext): {
  header?: string
  body?: string
  scheme?: 'Bearer' | 'DPoP'
} {
  const authorization = ctx.request.headers.get('authorization') ?? ''
  const match = /^(bearer|dpop) +(\S+)\s*$/i.exec(authorization)
  const header = match?.[2]
  const scheme = match?.[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer'
  const body =
    ctx.request.method === 'POST' && isForm(ctx.request) ? ctx.form.get('access_token') : null
  return {
    ...(header === undefined ? {} : { header, scheme }),
    ...(body === null ? {} : { body }),
  }
}

/**
 * `GET` or `POST /userinfo`.
 * @param ctx - the request
 * @returns the claims, or a Bearer challenge
 */
export async function handleUserinfo(ctx: RequestContext): Promise<Response> {
  const { request, state } = ctx
  if (request.method !== 'GET' && request.method !== 'POST')
    return methodNotAllowed(['GET', 'POST'])
  const found = bearerTokens(ctx)
  if (found.header !== undefined && found.body !== undefined) {
    return challenge(400, 'invalid_request', 'the access token must be sent one way only')
  }
  const token = found.header ?? found.body
  if (token === undefined) return challenge(401)
  ctx.record.accessTokenIn = found.header === undefined ? 'body' : 'header'
  const grant = state.accessTokens.get(token)
  if (!grant || grant.expiresAt <= state.now()) {
    return challenge(401, 'invalid_token', 'the access token is invalid or expired')
  }
  const client = state.clients.get(grant.clientId)
  if (!client) return challenge(401, 'invalid_token', 'the access token is invalid or expired')
  if (
    grant.certificateThumbprint !== undefined &&
    grant.certificateThumbprint !== ctx.certificate
  ) {
    // RFC 8705 §3: a bound token comes over a connection with its certificate, or is refused
    return challenge(401, 'invalid_token', 'the access token is bound to another certificate')
  }
  const refused = await checkBinding(ctx, grant, found.scheme ?? 'Bearer', token)
  if (refused !== undefined) return refused
  const fault = takeFault(state.faults, client.client_id, (f) =>
    'userinfo' in f ? f.userinfo : undefined,
  )
  if (fault === 'unauthorized')
    return challenge(401, 'invalid_token', 'the access token was revoked')
  const claims = userinfoClaims(state.users[grant.sub] ?? {}, grant)
  if (fault === 'wrong-sub') claims.sub = `not-${grant.sub}`
  await addSources(state, 'userinfo', grant.sub, client.client_id, claims)
  return respond(state, client, claims, fault === 'bad-signature')
}

/** The claims as JSON, or as a signed and/or encrypted JWT when the client registered one. */
async function respond(
  state: OpState,
  client: MockClient,
  claims: Record<string, unknown>,
  corrupt: boolean,
): Promise<Response> {
  const fallbackAlg = state.signingAlgs.includes('RS256')
    ? 'RS256'
    : (state.signingAlgs[0] ?? 'RS256')
  const alg = client.userinfo_signed_response_alg ?? (corrupt ? fallbackAlg : undefined)
  const encAlg = client.userinfo_encrypted_response_alg
  const enc = client.userinfo_encrypted_response_enc ?? 'A128GCM'
  if (alg === undefined && encAlg === undefined) return noStoreJson(claims)
  let body = JSON.stringify(claims)
  if (alg !== undefined) {
    const kid = currentKid(state.keys, alg)
    const header = kid === undefined ? { alg } : { alg, kid }
    const payload = { ...claims, iss: state.issuer, aud: client.client_id }
    const jws = await signCompact(
      payload,
      header,
      signingMaterial(state.keys, alg, client.client_secret),
    )
    body = corrupt ? corruptSignature(jws) : jws
  }
  if (encAlg !== undefined)
    body = await encryptToClient(client, body, encAlg, enc, alg !== undefined)
  return new Response(body, {
    headers: { 'content-type': 'application/jwt', 'cache-control': 'no-store' },
  })
}

/**
 * A DPoP-bound token must come with the `DPoP` scheme and a proof of its key (RFC 9449 §7.1).
 *
 * An unbound one comes with `Bearer`.
 */
async function checkBinding(
  ctx: RequestContext,
  grant: AccessGrant,
  scheme: 'Bearer' | 'DPoP',
  token: string,
): Promise<Response | undefined> {
  if (grant.jkt === undefined) {
    if (scheme === 'DPoP')
      return challenge(401, 'invalid_token', 'the access token is not DPoP-bound')
    return undefined
  }
  if (scheme !== 'DPoP') {
    return dpopChallenge(
      ctx,
      'invalid_token',
      'the access token is DPoP-bound: use the DPoP scheme',
    )
  }
  try {
    const jkt = await checkDPoPProof(ctx, { clientId: grant.clientId, accessToken: token })
    if (jkt === undefined)
      return dpopChallenge(ctx, 'invalid_dpop_proof', 'a DPoP proof is required')
    if (jkt !== grant.jkt) {
      return dpopChallenge(ctx, 'invalid_token', "the DPoP proof key is not the token's")
    }
    ctx.record.dpopJkt = jkt
    return undefined
  } catch (error) {
    if (!(error instanceof DPoPFailure)) throw error
    return dpopChallenge(ctx, error.error, error.message, error.sendNonce)
  }
}

/** A 401 with a `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1), and the nonce when asked. */
function dpopChallenge(
  ctx: RequestContext,
  error: string,
  description: string,
  sendNonce = true,
): Response {
  const algs = ctx.state.dpop.algs.join(' ')
  const value = `DPoP algs="${algs}", error="${error}", error_description="${description}"`
  const nonce = sendNonce ? nonceHeaders(ctx.state, error === 'use_dpop_nonce') : {}
  return jsonResponse({ error, error_description: description }, 401, {
    'www-authenticate': value,
    'cache-control': 'no-store',
    ...nonce,
  })
}

/** A 401/400 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3). */
function challenge(status: number, error?: string, description?: string): Response {
  const value =
    error === undefined
      ? 'Bearer realm="userinfo"'
      : `Bearer error="${error}", error_description="${description ?? ''}"`
  const body = error === undefined ? {} : { error, error_description: description }
  return jsonResponse(body, status, { 'www-authenticate': value, 'cache-control': 'no-store' })
}

/**
 * The client_id an access token was issued to (to scope faults).
 * @param state - the OP state
 * @param token - the access token
 * @returns the client_id, if the token is known
 */
export function tokenClientId(state: OpState, token: string | undefined): string | undefined {
  const grant: AccessGrant | undefined =
    token === undefined ? undefined : state.accessTokens.get(token)
  return grant?.clientId
}
