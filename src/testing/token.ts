/**
 * The token endpoint (RFC 6749 §3.2, §4.1.3, §6; OIDC Core §3.1.3, §12).
 *
 * Authorization_code with PKCE, and refresh_token; client credentials, token exchange and JWT
 * bearer in ./grants.ts. The DPoP proof of every grant is checked here, and its key binds the
 * access token issued.
 *
 * @module
 */

import { base64url } from 'jose'
import { authenticateClient } from './client-auth.js'
import { checkDPoPProof, DPoPFailure, nonceHeaders } from './dpop.js'
import { checkProfileTokenRequest } from './fapi.js'
import { handleExtensionGrant } from './grants.js'
import {
  isForm,
  methodNotAllowed,
  noStoreJson,
  OAuthFailure,
  oauthErrorResponse,
  repeatedParameter,
} from './http.js'
import { accessTokenBinding } from './mtls.js'
import type { CodeGrant, Grant, RequestContext } from './state.js'
import { tokenResponseBody } from './tokens.js'
import type { MockClient } from './types.js'

/** Parameters that may repeat at the token endpoint: RFC 8707 §2, RFC 8693 §2.1. */
const MAY_REPEAT: ReadonlySet<string> = new Set(['resource', 'audience'])

/**
 * `POST /token`.
 * @param ctx - the request
 * @returns the token response, or an OAuth error (400, or 401 for invalid_client)
 */
export async function handleToken(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    if (!isForm(ctx.request)) {
      throw new OAuthFailure(
        'invalid_request',
        'the body must be application/x-www-form-urlencoded',
      )
    }
    const repeated = repeatedParameter(ctx.form, MAY_REPEAT)
    if (repeated !== undefined) throw new OAuthFailure('invalid_request', `${repeated} is repeated`)
    const { endpoints, issuer, strictAssertionAudience } = ctx.state
    const audiences = strictAssertionAudience ? [endpoints.token] : [endpoints.token, issuer]
    const auth = await authenticateClient(ctx, audiences)
    if ('response' in auth) return auth.response
    const jkt = await checkDPoPProof(ctx, { clientId: auth.client.client_id })
    if (jkt !== undefined) ctx.record.dpopJkt = jkt
    if (jkt === undefined && (ctx.state.dpop.required || auth.client.dpop_bound_access_tokens)) {
      throw new DPoPFailure('invalid_dpop_proof', 'a DPoP proof is required', false)
    }
    checkProfileTokenRequest(
      ctx.state.securityProfile,
      auth.client,
      ctx.record.clientAuthMethod,
      jkt,
    )
    const grantType = ctx.form.get('grant_type')
    let response: Response
    if (grantType === 'authorization_code') response = await codeGrant(ctx, auth.client, jkt)
    else if (grantType === 'refresh_token') response = await refreshGrant(ctx, auth.client, jkt)
    else if (grantType === null) throw new OAuthFailure('invalid_request', 'grant_type is missing')
    else {
      const extension = await handleExtensionGrant(ctx, auth.client, grantType, jkt)
      if (extension === undefined) {
        throw new OAuthFailure('unsupported_grant_type', `grant_type ${grantType} is not supported`)
      }
      response = extension
    }
    for (const [name, value] of Object.entries(nonceHeaders(ctx.state))) {
      response.headers.set(name, value)
    }
    return response
  } catch (error) {
    if (error instanceof OAuthFailure) return oauthErrorResponse(error, nonceHeaders(ctx.state))
    if (error instanceof DPoPFailure) {
      return oauthErrorResponse(
        new OAuthFailure(error.error, error.message),
        error.sendNonce ? nonceHeaders(ctx.state, error.error === 'use_dpop_nonce') : {},
      )
    }
    throw error
  }
}

/** The authorization_code grant: one-time code, same client, same redirect_uri, PKCE. */
async function codeGrant(
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
): Promise<Response> {
  const { state, form } = ctx
  const invalid = (why: string) => new OAuthFailure('invalid_grant', why)
  const code = form.get('code')
  const entry = code === null ? undefined : state.codes.get(code)
  if (!entry) throw invalid('unknown authorization code')
  if (entry.used) {
    revoke(ctx, entry)
    throw invalid('authorization code was already used')
  }
  if (entry.expiresAt <= state.now()) throw invalid('authorization code expired')
  if (entry.clientId !== client.client_id)
    throw invalid('authorization code was issued to another client')
  if (form.get('redirect_uri') !== entry.redirectUri) {
    throw invalid('redirect_uri differs from the authorization request')
  }
  if (client.token_endpoint_auth_method === 'none' && entry.codeChallenge === undefined) {
    throw invalid('a public client must use PKCE')
  }
  await checkVerifier(entry, form.get('code_verifier'))
  // RFC 9449 §10: a code bound by dpop_jkt is redeemed only with a proof of that key
  if (entry.dpopJkt !== undefined && entry.dpopJkt !== jkt) {
    throw invalid('the DPoP proof key is not the dpop_jkt of the authorization request')
  }
  const binding = accessTokenBinding(ctx, client)
  entry.used = true
  const body = await tokenResponseBody(state, client, bound(entry, jkt), {
    includeNonce: true,
    ...certificateBound(binding),
  })
  entry.issued = [String(body.access_token), String(body.refresh_token)]
  return noStoreJson(body)
}

/** PKCE (RFC 7636 §4.6): BASE64URL(SHA256(code_verifier)) must equal the challenge. */
async function checkVerifier(entry: CodeGrant, verifier: string | null): Promise<void> {
  const invalid = (why: string) => new OAuthFailure('invalid_grant', why)
  if (entry.codeChallenge === undefined) {
    if (verifier !== null) throw invalid('code_verifier sent but no code_challenge was')
    return
  }
  if (verifier === null) throw invalid('code_verifier is missing')
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) throw invalid('code_verifier is malformed')
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  if (base64url.encode(new Uint8Array(digest)) !== entry.codeChallenge) {
    throw invalid('code_verifier does not match the code_challenge')
  }
}

/** A replayed code revokes what it produced (RFC 6749 §4.1.2). */
function revoke(ctx: RequestContext, entry: CodeGrant): void {
  for (const token of entry.issued) {
    ctx.state.accessTokens.delete(token)
    ctx.state.refreshTokens.delete(token)
  }
}

/**
 * The refresh_token grant: a new access token and ID token, same iss/sub/aud/auth_time, no nonce.
 */
async function refreshGrant(
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
): Promise<Response> {
  const { state, form } = ctx
  const refreshToken = form.get('refresh_token')
  const successor = refreshToken === null ? undefined : state.usedRefreshTokens.get(refreshToken)
  if (successor !== undefined) {
    // a used refresh token came back: someone holds a copy; revoke the whole chain
    revokeChain(state, successor)
    throw new OAuthFailure('invalid_grant', 'refresh token already used')
  }
  const grant = refreshToken === null ? undefined : state.refreshTokens.get(refreshToken)
  if (!grant || grant.clientId !== client.client_id || refreshToken === null) {
    throw new OAuthFailure('invalid_grant', 'unknown refresh token')
  }
  // RFC 9449 §5: a public client's refresh token is bound to its DPoP key
  if (grant.jkt !== undefined && grant.jkt !== jkt) {
    throw new OAuthFailure('invalid_grant', 'the refresh token is bound to another DPoP key')
  }
  const asked = form.get('scope')
  const granted = grant.scope.split(' ')
  if (asked !== null && !asked.split(' ').every((scope) => granted.includes(scope))) {
    throw new OAuthFailure('invalid_scope', 'scope exceeds the original grant')
  }
  const { nonce: _nonce, ...rest } = grant
  const renewed = bound({ ...rest, scope: asked ?? grant.scope }, jkt)
  const binding = certificateBound(accessTokenBinding(ctx, client))
  if (!state.rotateRefreshTokens) {
    return noStoreJson(
      await tokenResponseBody(state, client, renewed, {
        refreshToken,
        includeNonce: false,
        ...binding,
      }),
    )
  }
  state.refreshTokens.delete(refreshToken)
  const body = await tokenResponseBody(state, client, renewed, { includeNonce: false, ...binding })
  state.usedRefreshTokens.set(refreshToken, String(body.refresh_token))
  return noStoreJson(body)
}

/** The token response option that binds the access token to a certificate, when it is bound. */
function certificateBound(thumbprint: string | undefined): { certificateThumbprint?: string } {
  return thumbprint === undefined ? {} : { certificateThumbprint: thumbprint }
}

/** The grant with its tokens bound to a DPoP key, or unbound without a proof. */
function bound<G extends Grant>(grant: G, jkt: string | undefined): G {
  const { jkt: _previous, ...rest } = grant
  return (jkt === undefined ? rest : { ...rest, jkt }) as G
}

/** Revokes a refresh token and every token rotated from it. */
function revokeChain(state: RequestContext['state'], token: string): void {
  let next: string | undefined = token
  while (next !== undefined) {
    state.refreshTokens.delete(next)
    next = state.usedRefreshTokens.get(next)
  }
}
