/**
 * The client credentials grant (RFC 6749 §4.4): a token for the client itself, no end-user.
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import type { OAuthResponseError, TransportError, UsageError, ValidationError } from '../errors.js'
import type { DPoPHandle } from '../lib/dpop.js'
import {
  type GrantResult,
  requestAccessTokenGrant,
  requireGrantType,
  setScopeAndResource,
} from './grant.js'

/**
 * Options of {@link requestClientCredentials}.
 * @group Grants
 */
export interface ClientCredentialsOptions {
  /** The scope to ask for (space-separated); default the OP's default for the client. */
  readonly scope?: string
  /**
   * The resource server(s) the token is for: absolute URIs without fragment (RFC 8707 §2).
   */
  readonly resource?: string | readonly string[]
  /**
   * Binds the access token to this DPoP key (RFC 9449 §5).
   *
   * The request carries a proof (retried once with the OP's nonce when it asks, §8), and only a
   * `DPoP` access token is accepted: a `Bearer` answer is `TOKEN_TYPE_UNEXPECTED`. Send the token
   * with the same handle (the `dpop` option of `fetchProtectedResource`).
   */
  readonly dpop?: DPoPHandle
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * Asks the OP for an access token for the client itself (RFC 6749 §4.4).
 *
 * For a machine client calling an API on its own behalf. The client authenticates with its
 * `token_endpoint_auth_method` (client credentials are for confidential clients: `none` is usually
 * refused by the OP). The answer is read strictly (RFC 6749 §4.4.3, §5.1): a `Bearer` access
 * token, or a `DPoP` one with the `dpop` option (RFC 9449 §5); a refresh token when the OP sends
 * one; an `id_token` is dropped unread.
 *
 * @param config - the configuration: the OP's token endpoint, the client's authentication
 * @param options - scope, resource indicators, a DPoP key, a signal
 * @returns the access token (its scope the OP's, or the one asked for when the OP sent none)
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE` (e.g. `unauthorized_client` when the
 * client may not use this grant, `invalid_scope`)
 * @throws {@link ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED` (a `token_type`
 * other than the one asked for: `DPoP` with the `dpop` option, else `Bearer`)
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `OP_UNSUPPORTED_GRANT_TYPE` (the OP lists `grant_types_supported`
 * without `client_credentials`), `INVALID_ARGUMENT`, `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4},
 * {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
 * @example
 * ```ts
 * const config = await discover('https://op.example.com', {
 *   client_id: 'reporting-job',
 *   client_secret: process.env.CLIENT_SECRET,
 *   redirect_uris: ['https://reporting.example.com/unused'],
 * })
 * const { accessToken } = await requestClientCredentials(config, { scope: 'reports:read' })
 * await fetch('https://api.example.com/reports', {
 *   headers: { authorization: `Bearer ${accessToken.value}` },
 * })
 * ```
 * @group Grants
 */
export async function requestClientCredentials(
  config: Configuration,
  options: ClientCredentialsOptions = {},
): Promise<GrantResult> {
  requireGrantType(config, 'client_credentials')
  const params = new URLSearchParams({ grant_type: 'client_credentials' })
  setScopeAndResource(params, options.scope, options.resource)
  return requestAccessTokenGrant(config, params, options)
}
