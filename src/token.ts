/**
 * The token endpoint.
 *
 * The authorization code grant, the refresh token grant, and the strict reading of their responses.
 *
 * @module
 */

import type { Configuration } from './config/configuration.js'
import { runtimeOf } from './config/runtime.js'
import {
  type OAuthResponseError,
  type TransportError,
  type UsageError,
  ValidationError,
} from './errors.js'
import { sendGrant } from './grants/token-endpoint.js'
import {
  type AccessToken,
  checkRefreshedClaims,
  codeGrantForm,
  readTokenResponse,
  refreshGrantForm,
  type TokenEndpointResponse,
  toAccessToken,
} from './grants/token-messages.js'
import { type IdTokenClaims, validateIdToken } from './id-token.js'
import { invalidArgument } from './lib/checks.js'
import type { DPoPHandle } from './lib/dpop.js'
import type { HttpResponse } from './lib/http.js'

/**
 * What the authorization code grant needs from the pending sign-in.
 * @internal
 */
export interface CodeGrantInput {
  /** The `redirect_uri` of the authorization request. */
  readonly redirectUri: string
  /** The PKCE `code_verifier`, when PKCE was used. */
  readonly codeVerifier?: string | undefined
  /** Whether the response must carry an ID token (an OpenID sign-in). */
  readonly requireIdToken: boolean
  /** The DPoP key the tokens are to be bound to (RFC 9449 §5). */
  readonly dpop?: DPoPHandle | undefined
}

/**
 * Redeems an authorization code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5).
 *
 * Sends the grant ({@link sendCodeGrant}) and reads the answer ({@link readTokenResponse}).
 *
 * @param config - the configuration: its token endpoint, client authentication and settings
 * @param code - the authorization code from the callback
 * @param input - redirect_uri, PKCE verifier, whether an ID token is required
 * @param signal - aborts the request
 * @returns the checked token response (its ID token not yet validated)
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE`
 * @throws {@link ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED`
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @internal
 */
export async function exchangeAuthorizationCode(
  config: Configuration,
  code: string,
  input: CodeGrantInput,
  signal?: AbortSignal,
): Promise<TokenEndpointResponse> {
  const response = await sendCodeGrant(config, code, input, signal)
  return readTokenResponse(response, {
    idToken: input.requireIdToken ? 'required' : 'optional',
    tokenType: input.dpop ? 'DPoP' : 'Bearer',
  })
}

/**
 * Sends the authorization code grant to the token endpoint, with client authentication.
 *
 * @param config - the configuration (token endpoint, credentials, settings)
 * @param code - the authorization code from the callback
 * @param input - redirect_uri, PKCE verifier, and the DPoP key if any
 * @param signal - aborts the request
 * @returns the response, fully read, not yet checked
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @internal
 */
export async function sendCodeGrant(
  config: Configuration,
  code: string,
  input: Omit<CodeGrantInput, 'requireIdToken'>,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  const params = codeGrantForm(code, input.redirectUri, input.codeVerifier)
  return sendGrant(config, params, { signal, dpop: input.dpop })
}

/**
 * Sends the refresh token grant (RFC 6749 §6) to the token endpoint, with client authentication.
 *
 * @param config - the configuration (token endpoint, credentials, settings)
 * @param refreshToken - the refresh token
 * @param scope - a narrower scope to ask for, if any
 * @param signal - aborts the request
 * @param dpop - the DPoP key the new tokens are to be bound to
 * @returns the response, fully read, not yet checked
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @internal
 */
export async function sendRefreshGrant(
  config: Configuration,
  refreshToken: string,
  scope: string | undefined,
  signal?: AbortSignal,
  dpop?: DPoPHandle,
): Promise<HttpResponse> {
  return sendGrant(config, refreshGrantForm(refreshToken, scope), { signal, dpop })
}

/**
 * Options of {@link refreshTokens}.
 * @group Everyday use
 */
export interface RefreshOptions {
  /**
   * The claims of the ID token of the original sign-in (`result.idTokenClaims`).
   *
   * When given and the OP returns a new ID token, its `iss`, `sub`, `aud`, `azp` and `auth_time`
   * must match them. Without it those comparisons cannot run: always pass it when you have it.
   */
  readonly original?: IdTokenClaims
  /** A narrower scope to ask for (RFC 6749 §6); default the scope originally granted. */
  readonly scope?: string
  /**
   * The DPoP key the new access token is to be bound to (RFC 9449 §5).
   *
   * The request carries a proof and the new access token must be a `DPoP` one. Use the handle of
   * the sign-in: a public client's refresh token is bound to its key.
   */
  readonly dpop?: DPoPHandle
  /** Aborts the request (and any JWKS fetch). */
  readonly signal?: AbortSignal
}

/**
 * What a refresh returns.
 * @group Everyday use
 */
export interface RefreshResult {
  /** The new access token. */
  readonly accessToken: AccessToken
  /**
   * The refresh token to use next time.
   *
   * The OP's new one when it rotated it, otherwise the one given (RFC 6749 §6: it stays valid).
   */
  readonly refreshToken: string
  /** The new raw ID token, when the OP sent one (keep it for logout's `id_token_hint`). */
  readonly idToken?: string
  /** The validated claims of the new ID token, when the OP sent one. */
  readonly idTokenClaims?: IdTokenClaims
}

/**
 * Uses a refresh token (RFC 6749 §6, OIDC Core §12).
 *
 * A new ID token in the response is validated (signature, issuer, audience, times) and, when
 * `original` is given, must keep the original's `iss`, `sub`, `aud`, `azp` and `auth_time` (OIDC
 * Core §12.2). With the `dpop` option the request carries a DPoP proof and only a `DPoP` access
 * token is accepted; without it only a `Bearer` one (RFC 9449 §5).
 *
 * @param config - the configuration: its token endpoint, client authentication, settings, and the
 * ID token rules
 * @param refreshToken - the refresh token from the sign-in (or the previous refresh)
 * @param options - the original ID token claims, a narrower scope, a signal
 * @returns the new access token, the refresh token to use next, and the new ID token if any
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE` (e.g. `invalid_grant` when the refresh
 * token expired)
 * @throws {@link ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED`,
 * `REFRESH_ID_TOKEN_MISMATCH`,
 * `ID_TOKEN_*`,
 * `JWT_*`, `JWKS_*`
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `INVALID_ARGUMENT`, `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse | OIDC Core §12.2}
 * @example
 * ```ts
 * const refreshed = await refreshTokens(config, session.refreshToken, {
 *   original: session.idTokenClaims,
 * })
 * session.accessToken = refreshed.accessToken
 * session.refreshToken = refreshed.refreshToken
 * if (refreshed.idToken) session.idToken = refreshed.idToken
 * ```
 * @group Everyday use
 */
export async function refreshTokens(
  config: Configuration,
  refreshToken: string,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw invalidArgument('refreshToken', 'a non-empty string')
  }
  const { dpop } = options
  const response = await sendRefreshGrant(config, refreshToken, options.scope, options.signal, dpop)
  const tokens = await readTokenResponse(response, {
    idToken: 'optional',
    tokenType: dpop ? 'DPoP' : 'Bearer',
  })
  const accessToken = toAccessToken(tokens, options.scope, runtimeOf(config).now())
  const next = tokens.refreshToken ?? refreshToken
  if (tokens.idToken === undefined) return { accessToken, refreshToken: next }
  const claims = await validateIdToken(config, tokens.idToken, {
    source: 'refresh',
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (options.original !== undefined) checkRefreshedClaims(options.original, claims)
  return { accessToken, refreshToken: next, idToken: tokens.idToken, idTokenClaims: claims }
}
