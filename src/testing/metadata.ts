/**
 * The discovery document (OpenID Connect Discovery §3) and the JWKS endpoint.
 * @module
 */

import { PROMPT_VALUES, RESPONSE_TYPES } from './authorization-checks.js'
import { RESPONSE_MODES } from './authorization-response.js'
import { profileMetadata } from './fapi.js'
import { takeFault } from './faults.js'
import { CLIENT_CREDENTIALS, JWT_BEARER, TOKEN_EXCHANGE } from './grants.js'
import { jsonResponse, methodNotAllowed } from './http.js'
import { mergeDeleting } from './id-token-faults.js'
import { JARM_DEFAULT_ENC } from './jarm.js'
import { ENCRYPTION_ALGS, publicJwks } from './keys.js'
import { aliasMetadata } from './mtls.js'
import type { OpState, RequestContext } from './state.js'

/** The default `claims_supported`. */
export const DEFAULT_CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'sid',
  'name',
  'given_name',
  'family_name',
  'email',
  'email_verified',
]

const CONTENT_ENCRYPTION = ['A128GCM', 'A256GCM']
const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
  'tls_client_auth',
  'self_signed_tls_client_auth',
]

/**
 * The metadata the OP serves now: the defaults with the overrides merged over them.
 * @param state - the OP state
 * @returns a fresh copy
 */
export function currentMetadata(state: OpState): Record<string, unknown> {
  const metadata = defaultMetadata(state)
  mergeDeleting(metadata, state.metadataOverrides)
  return structuredClone(metadata)
}

/**
 * Tells whether the metadata advertises the `iss` authorization response parameter (RFC 9207).
 *
 * That is `authorization_response_iss_parameter_supported`.
 *
 * @param state - the OP state
 * @returns true when authorization responses carry `iss`
 */
export function advertisesIssParameter(state: OpState): boolean {
  return currentMetadata(state).authorization_response_iss_parameter_supported === true
}

/**
 * `GET /.well-known/openid-configuration`.
 * @param ctx - the request
 * @returns the metadata, or its `wrong-issuer` fault
 */
export async function handleDiscovery(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'GET') return methodNotAllowed(['GET'])
  const metadata = currentMetadata(ctx.state)
  const fault = takeFault(ctx.state.faults, undefined, (f) =>
    'metadata' in f ? f.metadata : undefined,
  )
  if (fault === 'wrong-issuer') metadata.issuer = 'https://wrong-issuer.example'
  return jsonResponse(metadata)
}

/**
 * `GET /jwks`.
 * @param ctx - the request
 * @returns the public JWKS, or its `empty` / `no-kid` fault
 */
export async function handleJwks(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'GET') return methodNotAllowed(['GET'])
  const jwks = publicJwks(ctx.state.keys)
  const fault = takeFault(ctx.state.faults, undefined, (f) => ('jwks' in f ? f.jwks : undefined))
  if (fault === 'empty') jwks.keys = []
  if (fault === 'no-kid') for (const key of jwks.keys) delete key.kid
  return jsonResponse(jwks)
}

/** The default metadata of the OP. */
function defaultMetadata(state: OpState): Record<string, unknown> {
  const e = state.endpoints
  const signing = state.signingAlgs
  return {
    issuer: state.issuerTemplate ?? state.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    userinfo_endpoint: e.userinfo,
    jwks_uri: e.jwks,
    pushed_authorization_request_endpoint: e.par,
    end_session_endpoint: e.end_session,
    revocation_endpoint: e.revocation,
    introspection_endpoint: e.introspection,
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: [...RESPONSE_MODES],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'implicit',
      CLIENT_CREDENTIALS,
      TOKEN_EXCHANGE,
      JWT_BEARER,
    ],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...signing, 'HS256', 'none'],
    id_token_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    id_token_encryption_enc_values_supported: [...CONTENT_ENCRYPTION],
    userinfo_signing_alg_values_supported: [...signing, 'HS256'],
    userinfo_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    userinfo_encryption_enc_values_supported: [...CONTENT_ENCRYPTION],
    authorization_signing_alg_values_supported: [...signing, 'HS256'],
    authorization_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    authorization_encryption_enc_values_supported: [...CONTENT_ENCRYPTION, JARM_DEFAULT_ENC],
    request_object_signing_alg_values_supported: [
      'RS256',
      'PS256',
      'ES256',
      'EdDSA',
      'HS256',
      'none',
    ],
    request_object_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    request_object_encryption_enc_values_supported: [...CONTENT_ENCRYPTION],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_signing_alg_values_supported: [...signing, 'HS256'],
    introspection_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    introspection_encryption_enc_values_supported: ['A128CBC-HS256', ...CONTENT_ENCRYPTION],
    code_challenge_methods_supported: ['S256'],
    dpop_signing_alg_values_supported: [...state.dpop.algs],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: [...state.claimsSupported],
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    prompt_values_supported: [...PROMPT_VALUES],
    acr_values_supported: ['urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:bronze'],
    authorization_response_iss_parameter_supported: state.issuerTemplate === undefined,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    mtls_endpoint_aliases: aliasMetadata(state),
    tls_client_certificate_bound_access_tokens: true,
    ...profileMetadata(state.securityProfile),
    ...(state.registration === undefined ? {} : { registration_endpoint: e.registration }),
  }
}
