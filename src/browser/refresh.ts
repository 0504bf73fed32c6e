/**
 * A page's refresh: a refresh token exchanged for new tokens, with the core's checks.
 *
 * @module
 */

import { checkRefreshedClaims, refreshGrantForm, toAccessToken } from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import { invalidArgument } from '../lib/checks.js'
import type { RefreshResult } from '../token.js'
import { type PageConfiguration, pageRuntimeOf } from './configuration.js'
import { sendTokenForm, validatePageIdToken } from './token-request.js'

/**
 * How a page's refresh runs.
 * @group Page sign-in
 */
export interface PageRefreshOptions {
  /**
   * The claims of the ID token of the original sign-in (`result.idTokenClaims`).
   *
   * When given and the OP returns a new ID token, its `iss`, `sub`, `aud`, `azp` and `auth_time`
   * must match them (OIDC Core §12.2). Always pass it when you have it.
   */
  readonly original?: IdTokenClaims
  /** A narrower scope to ask for (RFC 6749 §6); default the scope originally granted. */
  readonly scope?: string
  /** Aborts the request (and any JWKS fetch). */
  readonly signal?: AbortSignal
}

/**
 * Uses a refresh token in a page (RFC 6749 §6, OIDC Core §12).
 *
 * The same as `oidc-rp/core`'s `refreshTokens`, for a page's configuration.
 * A public client's request (its `client_id`, no secret). A `Bearer` access token must come. A
 * new ID token is verified and checked as the sign-in's was (its `nonce` is not required), and it
 * must keep the original's `iss`, `sub`, `aud`, `azp` and `auth_time`. The refresh token to use
 * next is the new one when the OP rotated it.
 *
 * `createBrowserSession` calls it under a lock shared by the tabs, so a rotated refresh token is
 * never presented twice: call it yourself only in a page that keeps its tokens alone.
 *
 * @param config - the configuration made by `discover`
 * @param refreshToken - the refresh token from the sign-in (or the previous refresh)
 * @param options - the original ID token claims, a narrower scope, a signal
 * @returns the new access token, the refresh token to use next, and the new ID token if any
 * @throws `OAuthResponseError` `TOKEN_ERROR_RESPONSE` (e.g. `invalid_grant` when the refresh
 * token expired or was used already)
 * @throws `ValidationError` `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED`,
 * `REFRESH_ID_TOKEN_MISMATCH`, `ID_TOKEN_*`, `JWT_*`, `JWKS_*`
 * @throws `TransportError` `HTTP_*`
 * @throws `UsageError` `INVALID_ARGUMENT`, `ENDPOINT_MISSING`
 * @example
 * ```ts
 * const refreshed = await refreshTokens(config, result.refreshToken, {
 *   original: result.idTokenClaims,
 * })
 * ```
 * @group Page sign-in
 */
export async function refreshTokens(
  config: PageConfiguration,
  refreshToken: string,
  options: PageRefreshOptions = {},
): Promise<RefreshResult> {
  const runtime = pageRuntimeOf(config)
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw invalidArgument('refreshToken', 'a non-empty string')
  }
  const { scope, signal } = options
  const form = refreshGrantForm(refreshToken, scope)
  const tokens = await sendTokenForm(config, form, 'optional', signal)
  const now = runtime.now()
  const accessToken = toAccessToken(tokens, scope, now)
  const next = tokens.refreshToken ?? refreshToken
  if (tokens.idToken === undefined) return { accessToken, refreshToken: next }
  const idTokenClaims = await validatePageIdToken(
    config,
    tokens.idToken,
    {
      source: 'refresh',
      nonce: undefined,
      maxAgeInSeconds: undefined,
      requireAuthTime: false,
      requiredAcr: undefined,
    },
    now,
    signal,
  )
  if (options.original !== undefined) checkRefreshedClaims(options.original, idTokenClaims)
  return { accessToken, refreshToken: next, idToken: tokens.idToken, idTokenClaims }
}
