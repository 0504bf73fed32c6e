/**
 * What the revocation and introspection endpoints share.
 *
 * The form checks, client authentication and token lookup of RFC 7009 §2.1 and RFC 7662 §2.1.
 *
 * @module
 */

import { authenticateClient } from './client-auth.js'
import { isForm, OAuthFailure, repeatedParameter } from './http.js'
import type { AccessGrant, Grant, RequestContext } from './state.js'
import type { MockClient } from './types.js'

/** A token the OP issued, found by its value. */
export type FoundToken =
  | { kind: 'access_token'; grant: AccessGrant }
  | { kind: 'refresh_token'; grant: Grant }

/** An authenticated token request: the client, the token and what it is, if the OP knows it. */
export interface TokenRequest {
  /** The authenticated client. */
  client: MockClient
  /** The `token` parameter. */
  token: string
  /** The token, when the OP issued it and it is still valid. */
  found: FoundToken | undefined
}

/**
 * Checks a revocation or introspection request and authenticates its client.
 * @param ctx - the request
 * @param endpoint - the endpoint's URL (a client assertion's `aud` may be it)
 * @returns the request, or the error response to send
 * @throws OAuthFailure `invalid_request` for a bad form
 */
export async function readTokenRequest(
  ctx: RequestContext,
  endpoint: string,
): Promise<TokenRequest | { response: Response }> {
  if (!isForm(ctx.request)) {
    throw new OAuthFailure('invalid_request', 'the body must be application/x-www-form-urlencoded')
  }
  const repeated = repeatedParameter(ctx.form)
  if (repeated !== undefined) throw new OAuthFailure('invalid_request', `${repeated} is repeated`)
  const { issuer, strictAssertionAudience } = ctx.state
  const auth = await authenticateClient(
    ctx,
    strictAssertionAudience ? [endpoint] : [endpoint, issuer],
  )
  if ('response' in auth) return auth
  const token = ctx.form.get('token')
  if (token === null || token === '') throw new OAuthFailure('invalid_request', 'token is missing')
  return { client: auth.client, token, found: findToken(ctx, token) }
}

/** An access token not yet expired, else a refresh token (the hint only changes the order). */
function findToken(ctx: RequestContext, token: string): FoundToken | undefined {
  const { state } = ctx
  const access = state.accessTokens.get(token)
  if (access !== undefined && access.expiresAt > state.now()) {
    return { kind: 'access_token', grant: access }
  }
  const refresh = state.refreshTokens.get(token)
  return refresh === undefined ? undefined : { kind: 'refresh_token', grant: refresh }
}
