/**
 * The introspection endpoint (RFC 7662), with JWT responses (RFC 9701).
 *
 * It answers the real state of the token: active until it expires or is revoked.
 *
 * @module
 */

import type { IntrospectionFault } from './faults.js'
import { takeFault } from './faults.js'
import {
  methodNotAllowed,
  noStoreJson,
  OAuthFailure,
  oauthErrorResponse,
  textResponse,
} from './http.js'
import { encryptToClient } from './jwt.js'
import { corruptSignature, currentKid, signCompact, signingMaterial } from './keys.js'
import { nowSeconds, type OpState, type RequestContext } from './state.js'
import { type FoundToken, readTokenRequest } from './token-request.js'
import type { MockClient } from './types.js'

/** The media type of a JWT introspection response (RFC 9701 §4). */
const JWT_MEDIA_TYPE = 'application/token-introspection+jwt'
/** The faults that need a JWT response to happen in. */
const JWT_FAULTS: ReadonlySet<IntrospectionFault> = new Set([
  'bad-signature',
  'wrong-audience',
  'wrong-issuer',
  'wrong-typ',
])

/**
 * `POST /introspect` (RFC 7662 §2.1).
 *
 * A client authenticated with `none` sees only its own tokens (as oidc-provider's default policy).
 *
 * @param ctx - the request
 * @returns the introspection response (JSON, or a JWT when the client registered one and asked for
 * it), or an OAuth error
 */
export async function handleIntrospection(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const read = await readTokenRequest(ctx, ctx.state.endpoints.introspection)
    if ('response' in read) return read.response
    const { client } = read
    const registered =
      client.introspection_signed_response_alg !== undefined ||
      client.introspection_encrypted_response_alg !== undefined
    const acceptsJwt = (ctx.request.headers.get('accept') ?? '').includes(JWT_MEDIA_TYPE)
    if (client.introspection_encrypted_response_alg !== undefined && !acceptsJwt) {
      throw new OAuthFailure(
        'invalid_request',
        `introspection must be requested with Accept: ${JWT_MEDIA_TYPE} for this client`,
      )
    }
    const fault = takeFault(ctx.state.faults, client.client_id, (f) =>
      'introspection' in f ? f.introspection : undefined,
    )
    if (fault === 'not-json') {
      return textResponse('<html><body>introspection</body></html>', 200, {
        'content-type': 'text/html',
      })
    }
    const found =
      ctx.record.clientAuthMethod === 'none' && read.found?.grant.clientId !== client.client_id
        ? undefined
        : read.found
    const body = introspectionBody(ctx.state, found)
    if (fault === 'no-active') delete body.active
    if (fault === 'active-not-boolean') body.active = String(body.active)
    const jwt = (registered && acceptsJwt) || (fault !== undefined && JWT_FAULTS.has(fault))
    if (!jwt) return noStoreJson(body)
    return jwtResponse(ctx.state, client, body, fault)
  } catch (error) {
    if (error instanceof OAuthFailure) return oauthErrorResponse(error)
    throw error
  }
}

/** RFC 7662 §2.2: `active`, and for an active token what it is. */
function introspectionBody(state: OpState, found: FoundToken | undefined): Record<string, unknown> {
  if (found === undefined) return { active: false }
  const { grant } = found
  const body: Record<string, unknown> = {
    active: true,
    scope: grant.scope,
    client_id: grant.clientId,
    sub: grant.sub,
    iss: state.issuer,
  }
  if (found.kind === 'access_token') {
    // RFC 9449 §6.2, RFC 8705 §3.2: a bound token says so, and names its key or certificate.
    const { jkt, certificateThumbprint } = found.grant
    body.token_type = jkt === undefined ? 'Bearer' : 'DPoP'
    body.exp = Math.floor(found.grant.expiresAt / 1000)
    if (jkt !== undefined) body.cnf = { jkt }
    else if (certificateThumbprint !== undefined) body.cnf = { 'x5t#S256': certificateThumbprint }
  }
  return body
}

/** RFC 9701 §5: the answer in `token_introspection`, signed, and encrypted when registered. */
async function jwtResponse(
  state: OpState,
  client: MockClient,
  body: Record<string, unknown>,
  fault: IntrospectionFault | undefined,
): Promise<Response> {
  const alg = client.introspection_signed_response_alg ?? 'RS256'
  const kid = currentKid(state.keys, alg)
  const typ = fault === 'wrong-typ' ? 'JWT' : 'token-introspection+jwt'
  const header = kid === undefined ? { alg, typ } : { alg, typ, kid }
  const payload = {
    iss: fault === 'wrong-issuer' ? 'https://wrong-issuer.example' : state.issuer,
    aud: fault === 'wrong-audience' ? 'https://other-client.example' : client.client_id,
    iat: nowSeconds(state),
    token_introspection: body,
  }
  const jws = await signCompact(
    payload,
    header,
    signingMaterial(state.keys, alg, client.client_secret),
  )
  let token = fault === 'bad-signature' ? corruptSignature(jws) : jws
  const encAlg = client.introspection_encrypted_response_alg
  if (encAlg !== undefined) {
    const enc = client.introspection_encrypted_response_enc ?? 'A128CBC-HS256'
    token = await encryptToClient(client, token, encAlg, enc, true)
  }
  return new Response(token, {
    headers: { 'content-type': JWT_MEDIA_TYPE, 'cache-control': 'no-store' },
  })
}
