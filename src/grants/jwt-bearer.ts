/**
 * The JWT bearer grant (RFC 7523 §2.1): a JWT assertion traded for an access token.
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import type { OAuthResponseError, TransportError, UsageError, ValidationError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import {
  type GrantResult,
  requestAccessTokenGrant,
  requireGrantType,
  setScopeAndResource,
} from './grant.js'

/**
 * The `grant_type` of the JWT bearer grant (RFC 7523 §2.1).
 * @group Grants
 */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * Input of {@link requestJwtBearerGrant}.
 * @group Grants
 */
export interface JwtBearerGrantOptions {
  /**
   * The JWT assertion, as the application got or made it (RFC 7523 §3).
   *
   * Its issuer must be one the OP trusts, its `sub` the subject the token is for, its `aud` the
   * OP. Sent as it is; never shown in an error.
   */
  readonly assertion: string
  /** The scope to ask for (space-separated). */
  readonly scope?: string
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
 * Trades a JWT assertion for an access token (RFC 7523 §2.1).
 *
 * The assertion is the authorization grant (it names the subject and is signed by an issuer the
 * OP trusts); the client still authenticates with its `token_endpoint_auth_method`, which RFC 7523
 * §3.1 allows. The answer is read strictly (RFC 6749 §5.1): a `Bearer` access token, or a `DPoP`
 * one with the `dpop` option (RFC 9449 §5); a refresh token when the OP sends one; an `id_token`
 * is dropped unread.
 *
 * @param config - the configuration: the OP's token endpoint, the client's authentication
 * @param options - the assertion, a scope, a DPoP key, a signal
 * @returns the access token
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE` (`invalid_grant` when the OP refuses
 * the assertion)
 * @throws {@link ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED` (a `token_type`
 * other than the one asked for: `DPoP` with the `dpop` option, else `Bearer`)
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `OP_UNSUPPORTED_GRANT_TYPE` (the OP lists `grant_types_supported`
 * without the JWT bearer grant), `INVALID_ARGUMENT`, `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.1 | RFC 7523 §2.1},
 * {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
 * @example
 * ```ts
 * // an assertion signed by an issuer the OP trusts, e.g. the workload's identity token
 * const { accessToken } = await requestJwtBearerGrant(config, {
 *   assertion: workloadIdentityJwt,
 *   scope: 'inventory:read',
 * })
 * ```
 * @group Grants
 */
export async function requestJwtBearerGrant(
  config: Configuration,
  options: JwtBearerGrantOptions,
): Promise<GrantResult> {
  const assertion = options?.assertion
  if (typeof assertion !== 'string' || assertion === '') {
    throw invalidArgument('assertion', 'a non-empty string (a JWT)')
  }
  requireGrantType(config, JWT_BEARER_GRANT_TYPE)
  const params = new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion })
  setScopeAndResource(params, options.scope, undefined)
  return requestAccessTokenGrant(config, params, options)
}
