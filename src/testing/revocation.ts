/**
 * The revocation endpoint (RFC 7009).
 *
 * A revoked token is no longer active anywhere: at UserInfo, at the token endpoint, at
 * introspection. Revoking a refresh token revokes every token of its authorization.
 *
 * @module
 */

import { takeFault } from './faults.js'
import { methodNotAllowed, OAuthFailure, oauthErrorResponse } from './http.js'
import type { OpState, RequestContext } from './state.js'
import { readTokenRequest } from './token-request.js'

/**
 * `POST /revoke` (RFC 7009 §2.1).
 * @param ctx - the request
 * @returns 200 with an empty body (also for unknown tokens, RFC 7009 §2.2), or an OAuth error
 */
export async function handleRevocation(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const read = await readTokenRequest(ctx, ctx.state.endpoints.revocation)
    if ('response' in read) return read.response
    const fault = takeFault(ctx.state.faults, read.client.client_id, (f) =>
      'revocation' in f ? f.revocation : undefined,
    )
    if (fault === 'unavailable') {
      return new Response(null, { status: 503, headers: { 'retry-after': '1' } })
    }
    const { found } = read
    if (found !== undefined && fault === undefined) {
      if (found.grant.clientId !== read.client.client_id) {
        throw new OAuthFailure('invalid_request', 'the token was issued to another client')
      }
      if (found.kind === 'access_token') ctx.state.accessTokens.delete(read.token)
      else revokeFamily(ctx.state, read.token, found.grant.family)
    }
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
  } catch (error) {
    if (error instanceof OAuthFailure) return oauthErrorResponse(error)
    throw error
  }
}

/** A refresh token and every token of the same authorization (RFC 7009 §2.1). */
function revokeFamily(state: OpState, refreshToken: string, family: string | undefined): void {
  state.refreshTokens.delete(refreshToken)
  if (family === undefined) return
  for (const tokens of [state.accessTokens, state.refreshTokens]) {
    for (const [token, grant] of tokens) if (grant.family === family) tokens.delete(token)
  }
}
