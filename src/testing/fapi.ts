/**
 * The mock OP as a FAPI 2.0 authorization server (`securityProfile`): what it refuses.
 *
 * Pushed requests only, PKCE S256, the `code` response type, `private_key_jwt` or mutual-TLS
 * client authentication, sender-constrained tokens (a DPoP proof, or a certificate-bound client),
 * FAPI signing algorithms; with Message Signing also signed request objects and JARM responses.
 * @module
 */
import { OAuthFailure } from './http.js'
import { MockOPError } from './mock-op-error.js'
import type { MockClient, MockSecurityProfile } from './types.js'

/** The signing algorithms FAPI 2.0 allows. */
const FAPI_ALGS: readonly string[] = ['PS256', 'ES256', 'EdDSA']
/** The client authentication methods FAPI 2.0 allows. */
const FAPI_AUTH_METHODS: readonly string[] = [
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
]

/**
 * Checks a client the OP is made with against the profile.
 * @param profile - the profile, or `undefined` for none
 * @param client - the client
 * @throws {@link MockOPError} for a client the profile cannot serve
 */
export function checkProfileClient(
  profile: MockSecurityProfile | undefined,
  client: MockClient,
): void {
  if (profile === undefined) return
  const method = client.token_endpoint_auth_method ?? 'client_secret_basic'
  if (!FAPI_AUTH_METHODS.includes(method)) {
    throw new MockOPError(`client ${client.client_id}: ${profile} allows no ${method}`)
  }
  const alg = client.id_token_signed_response_alg
  if (alg === undefined || !FAPI_ALGS.includes(alg)) {
    throw new MockOPError(
      `client ${client.client_id}: ${profile} needs id_token_signed_response_alg PS256, ES256 or EdDSA`,
    )
  }
}

/**
 * Checks an authorization request against the profile (at PAR, and at the authorization endpoint).
 * @param profile - the profile, or `undefined` for none
 * @param params - the effective parameters
 * @param how - `pushed` at the PAR endpoint (with whether a request object came), `front` at the
 * authorization endpoint (with whether it names a pushed request)
 * @throws OAuthFailure `invalid_request` or `unsupported_response_type`
 */
export function checkProfileAuthorization(
  profile: MockSecurityProfile | undefined,
  params: Record<string, string>,
  how: { readonly at: 'par'; readonly signed: boolean } | { readonly at: 'front' },
): void {
  if (profile === undefined) return
  const invalid = (why: string) => new OAuthFailure('invalid_request', `${profile}: ${why}`)
  if (how.at === 'front') {
    if (params.request_uri === undefined) throw invalid('pushed authorization requests only')
    return
  }
  if (params.response_type !== 'code') {
    throw new OAuthFailure('unsupported_response_type', `${profile}: response_type code only`)
  }
  if (params.code_challenge === undefined) throw invalid('PKCE is required')
  if (profile === 'fapi2-message-signing') {
    if (!how.signed) throw invalid('a signed request object is required')
    if (!params.response_mode?.endsWith('jwt')) throw invalid('a JARM response_mode is required')
  }
}

/**
 * Checks a token request against the profile: client authentication and sender constraint.
 * @param profile - the profile, or `undefined` for none
 * @param client - the authenticated client
 * @param method - how it authenticated
 * @param jkt - the DPoP proof's key thumbprint, when a proof came
 * @throws OAuthFailure `invalid_client` (401) or `invalid_request`
 */
export function checkProfileTokenRequest(
  profile: MockSecurityProfile | undefined,
  client: MockClient,
  method: string | undefined,
  jkt: string | undefined,
): void {
  if (profile === undefined) return
  if (method === undefined || !FAPI_AUTH_METHODS.includes(method)) {
    throw new OAuthFailure('invalid_client', `${profile}: client authentication ${method}`, 401)
  }
  if (jkt === undefined && client.tls_client_certificate_bound_access_tokens !== true) {
    throw new OAuthFailure(
      'invalid_request',
      `${profile}: sender-constrained tokens only (a DPoP proof, or certificate-bound tokens)`,
    )
  }
}

/**
 * The metadata the profile changes: pushed requests required, its client authentication methods.
 * @param profile - the profile, or `undefined` for none
 * @returns members to put over the OP's metadata
 */
export function profileMetadata(profile: MockSecurityProfile | undefined): Record<string, unknown> {
  if (profile === undefined) return {}
  return {
    require_pushed_authorization_requests: true,
    token_endpoint_auth_methods_supported: [...FAPI_AUTH_METHODS],
  }
}
