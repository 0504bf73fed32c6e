/**
 * The UserInfo endpoint (OIDC Core §5.3, RFC 6750).
 *
 * The bearer token from the header or the form body, claims by scope and `claims` request, as JSON,
 * a signed JWT, or encrypted.
 *
 * @module
 */

import { userinfoClaims } from './claims.js'
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
export function bearerTokens(ctx: RequestContext): { header?: string; body?: string } {
  const authorization = ctx.request.headers.get('authorization') ?? ''
  const header = /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined
  const body =
    ctx.request.method === 'POST' && isForm(ctx.request) ? ctx.form.get('access_token') : null
  return {
    ...(header === undefined ? {} : { header }),
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
  const fault = takeFault(state.faults, client.client_id, (f) =>
    'userinfo' in f ? f.userinfo : undefined,
  )
  if (fault === 'unauthorized')
    return challenge(401, 'invalid_token', 'the access token was revoked')
  const claims = userinfoClaims(state.users[grant.sub] ?? {}, grant)
  if (fault === 'wrong-sub') claims.sub = `not-${grant.sub}`
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
