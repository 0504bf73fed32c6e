/**
 * The checks a real OP makes on authorization request parameters.
 *
 * See OIDC Core §3.1.2.2 and RFC 7636, shared by the authorization endpoint and the PAR endpoint.
 *
 * @module
 */

import { RESPONSE_MODES } from './authorization-response.js'
import { parseClaimsParameter } from './claims.js'
import { OAuthFailure } from './http.js'
import type { MockClient } from './types.js'

/** The response types the OP supports, normalized (values sorted). */
export const RESPONSE_TYPES = [
  'code',
  'id_token',
  'id_token token',
  'code id_token',
  'code token',
  'code id_token token',
]

/** The `prompt` values the OP understands. */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account']

/**
 * Normalizes a response type: space-separated values, sorted.
 * @param value - the response_type
 * @returns the normalized value
 */
export function normalizeResponseType(value: string): string {
  return value.split(' ').filter(Boolean).sort().join(' ')
}

/**
 * Tells whether a redirect URI is registered for the client (exact string match).
 * @param client - the client
 * @param redirectUri - the redirect_uri
 * @returns true when registered
 */
export function isRegisteredRedirect(client: MockClient, redirectUri: string | undefined): boolean {
  return redirectUri !== undefined && client.redirect_uris.includes(redirectUri)
}

/**
 * Checks the parameters of an authorization request; redirect_uri must already be checked.
 * @param client - the client
 * @param params - the effective parameters
 * @throws OAuthFailure with the error to send to the redirect URI
 */
export function checkAuthorizationParams(client: MockClient, params: Record<string, string>): void {
  const invalid = (why: string) => new OAuthFailure('invalid_request', why)
  const responseType = normalizeResponseType(params.response_type ?? '')
  if (responseType === '') throw invalid('response_type is missing')
  if (!RESPONSE_TYPES.includes(responseType)) {
    throw new OAuthFailure(
      'unsupported_response_type',
      `response_type ${responseType} is not supported`,
    )
  }
  const allowed = (client.response_types ?? ['code']).map(normalizeResponseType)
  if (!allowed.includes(responseType)) {
    throw new OAuthFailure(
      'unauthorized_client',
      `client may not use response_type ${responseType}`,
    )
  }
  const types = responseType.split(' ')
  const mode = params.response_mode
  if (mode !== undefined && !RESPONSE_MODES.includes(mode))
    throw invalid(`response_mode ${mode} is not supported`)
  if (mode === 'query' && responseType !== 'code')
    throw invalid('tokens must not be returned in the query')
  if (
    mode === 'query.jwt' &&
    responseType !== 'code' &&
    client.authorization_encrypted_response_alg === undefined
  )
    throw invalid('tokens must not be returned in the query unless the JARM response is encrypted')
  const scopes = (params.scope ?? '').split(' ')
  if (!scopes.includes('openid'))
    throw new OAuthFailure('invalid_scope', 'scope must include openid')
  if (types.includes('id_token') && !params.nonce)
    throw invalid('nonce is required for this response_type')
  checkPkce(client, params, types.includes('code'))
  if (parseClaimsParameter(params.claims) === undefined)
    throw invalid('claims is not a JSON object')
  if (params.max_age !== undefined && !/^\d+$/.test(params.max_age))
    throw invalid('max_age is not a number')
  // RFC 9449 §10: dpop_jkt is the base64url SHA-256 JWK thumbprint
  if (params.dpop_jkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(params.dpop_jkt))
    throw invalid('dpop_jkt is not a JWK SHA-256 thumbprint')
  checkPrompt(params.prompt)
}

/** PKCE (RFC 7636 §4.4): S256 only; required for public clients. */
function checkPkce(client: MockClient, params: Record<string, string>, code: boolean): void {
  const invalid = (why: string) => new OAuthFailure('invalid_request', why)
  const challenge = params.code_challenge
  const method = params.code_challenge_method
  if (challenge === undefined) {
    if (method !== undefined) throw invalid('code_challenge_method without code_challenge')
    if (code && client.token_endpoint_auth_method === 'none') {
      throw invalid('PKCE code_challenge is required for public clients')
    }
    return
  }
  if (method !== 'S256') throw invalid('code_challenge_method must be S256')
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) throw invalid('code_challenge is malformed')
}

/** The prompt values must be known, and `none` must stand alone. */
function checkPrompt(prompt: string | undefined): void {
  if (prompt === undefined) return
  const values = prompt.split(' ').filter(Boolean)
  const unknown = values.find((value) => !PROMPT_VALUES.includes(value))
  if (unknown !== undefined)
    throw new OAuthFailure('invalid_request', `prompt ${unknown} is not supported`)
  if (values.includes('none') && values.length > 1) {
    throw new OAuthFailure('invalid_request', 'prompt=none must stand alone')
  }
}
