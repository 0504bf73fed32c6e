/**
 * Token revocation (RFC 7009).
 *
 * The client tells the OP that it no longer needs an access or refresh token.
 *
 * @module
 */

import { postAuthenticatedForm } from './client-auth.js'
import type { Configuration } from './config/configuration.js'
import { requireEndpoint } from './endpoints.js'
import type { UsageError } from './errors.js'
import { invalidArgument } from './lib/checks.js'
import { oauthError } from './lib/oauth-error.js'

/**
 * What kind of token is sent (`token_type_hint`, RFC 7009 §2.1, RFC 7662 §2.1).
 *
 * `access_token` and `refresh_token` are registered; an OP may know others. It is a hint: the OP
 * looks further when the token is not of that kind.
 *
 * @group Token management
 */
export type TokenTypeHint = 'access_token' | 'refresh_token' | (string & {})

/**
 * Options of {@link revokeToken} and {@link introspectToken}.
 * @group Token management
 */
export interface TokenManagementOptions {
  /** What kind of token it is (`token_type_hint`); default none, the OP finds out. */
  readonly tokenTypeHint?: TokenTypeHint
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * Revokes an access or refresh token at the OP (RFC 7009 §2.1).
 *
 * POSTs the token, with the client's authentication (every `token_endpoint_auth_method`), to the
 * OP's `revocation_endpoint`. The OP answers 200 also for a token it does not know or that has
 * already expired (RFC 7009 §2.2): success says only that the token is no longer usable. Revoking a
 * refresh token SHOULD also revoke the access tokens of the same grant, and revoking an access
 * token MAY revoke its refresh token (RFC 7009 §2.1): revoke the refresh token first.
 *
 * @param config - the configuration: the OP's revocation endpoint, the client authentication and
 * settings
 * @param token - the access or refresh token to revoke
 * @param options - `tokenTypeHint`, a signal
 * @throws {@link OAuthResponseError} `REVOCATION_ERROR_RESPONSE` for an OAuth error body (RFC 7009
 * §2.2.1: `unsupported_token_type`, `invalid_client`, …)
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200 (503: try again
 * later, RFC 7009 §2.2.1), and the other `HTTP_*` codes for timeouts, size limits, redirects and
 * network failures
 * @throws {@link UsageError} `REVOCATION_UNAVAILABLE` without a `revocation_endpoint`,
 * `INVALID_ARGUMENT` for an empty token or hint, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2 RFC 7009 §2
 * @example
 * ```ts
 * await revokeToken(config, session.refreshToken, { tokenTypeHint: 'refresh_token' })
 * await revokeToken(config, session.accessToken.value, { tokenTypeHint: 'access_token' })
 * ```
 * @group Token management
 */
export async function revokeToken(
  config: Configuration,
  token: string,
  options: TokenManagementOptions = {},
): Promise<void> {
  const endpoint = revocationEndpoint(config)
  const params = tokenForm(token, options)
  const response = await postAuthenticatedForm(config, endpoint, params, options.signal)
  if (response.status !== 200) throw await oauthError(response, 'REVOCATION_ERROR_RESPONSE', 200)
}

/**
 * The form of a revocation or introspection request: `token` and `token_type_hint`.
 *
 * RFC 7009 §2.1, RFC 7662 §2.1.
 *
 * @param token - the token
 * @param options - the hint
 * @returns the form parameters
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an empty token or hint
 * @internal
 */
export function tokenForm(token: string, options: TokenManagementOptions): URLSearchParams {
  if (typeof token !== 'string' || token === '') {
    throw invalidArgument('token', 'a non-empty string')
  }
  const params = new URLSearchParams({ token })
  const hint = options.tokenTypeHint
  if (hint !== undefined) {
    if (typeof hint !== 'string' || hint === '') {
      throw invalidArgument('tokenTypeHint', 'a non-empty string such as refresh_token')
    }
    params.set('token_type_hint', hint)
  }
  return params
}

function revocationEndpoint(config: Configuration): string {
  return requireEndpoint(config, 'revocation_endpoint', 'REVOCATION_UNAVAILABLE')
}
