/**
 * The UserInfo request (OIDC Core §5.3).
 *
 * The access token as a bearer header or form body, Bearer challenges parsed, JSON or signed and/or
 * encrypted JWT responses as registered, and the `sub` check.
 *
 * @module
 */

import type { Configuration } from './config/configuration.js'
import { runtimeOf } from './config/runtime.js'
import { responseLimit } from './config/settings.js'
import { accessTokenScheme, sendWithDPoP } from './dpop.js'
import { requireEndpoint } from './endpoints.js'
import { OAuthResponseError, TransportError, UsageError, ValidationError } from './errors.js'
import type { AccessToken } from './grants/token-messages.js'
import { invalidArgument } from './lib/checks.js'
import type { DPoPHandle } from './lib/dpop.js'
import { type HttpResponse, httpRequest } from './lib/http.js'
import { lazy } from './lib/lazy.js'
import { readUserInfo } from './userinfo-response.js'

/** Signed or encrypted UserInfo, loaded with the first client that registered either. */
const loadSignedUserInfo = /* @__PURE__ */ lazy(() => import('./userinfo-jwt.js'))

/**
 * Options of {@link fetchUserInfo}.
 * @group UserInfo
 */
export interface UserInfoOptions {
  /** The ID token's `sub`: UserInfo must name the same end-user (OIDC Core §5.3.2). */
  readonly expectedSubject: string
  /**
   * Where the access token goes.
   *
   * `header` (default, `Authorization: Bearer`, a GET) or `body` (a POST with the form parameter
   * `access_token`, RFC 6750 §2.2). A DPoP token goes in the header only (RFC 9449 §7.1).
   */
  readonly placement?: 'header' | 'body'
  /**
   * The DPoP key the access token is bound to (RFC 9449 §7, §9).
   *
   * The request carries `Authorization: DPoP` and a proof with the token's hash (`ath`), retried
   * once when UserInfo asks for a nonce. Required for a `DPoP` {@link AccessToken}.
   */
  readonly dpop?: DPoPHandle
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * Fetches the end-user's claims from the UserInfo endpoint and checks whose they are.
 *
 * The access token is sent, and the claims must be about the expected end-user. When the client
 * registered `userinfo_signed_response_alg` and/or `userinfo_encrypted_response_alg`, only an
 * `application/jwt` response of that kind is accepted (decrypted with the client's keys, verified
 * with the OP's keys or the client secret, with `iss`, when present, the OP's issuer, `aud`, when
 * present, containing the client_id, and `exp`, `iat` and `nbf`, when present, within the clock
 * tolerance); otherwise only a JSON object. Aggregated and distributed claims (`_claim_names`,
 * `_claim_sources`) are returned as they came, unresolved and unverified: `resolveClaimSources`
 * resolves them (docs/claims.md).
 *
 * @param config - the configuration: its UserInfo endpoint, registered response kind, keys and
 * settings
 * @param accessToken - the access token from the token endpoint or the authorization response (a
 * bare string is sent as `Bearer`, or as `DPoP` when `dpop` is given)
 * @param options - the expected `sub`, where the token goes, the DPoP key, a signal
 * @returns the claims, `sub` included
 * @throws {@link OAuthResponseError} `USERINFO_BEARER_CHALLENGE` on a 401/403 with
 * `WWW-Authenticate` (a `Bearer` or `DPoP` challenge)
 * @throws {@link ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_RESPONSE_INVALID`,
 * `USERINFO_SIGNATURE_INVALID`, `USERINFO_DECRYPTION_FAILED`, `JWT_MALFORMED`, `JWT_TOO_LARGE`,
 * `JWT_CRIT_UNSUPPORTED`, `JWKS_NO_MATCHING_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`,
 * `JWKS_UNSAFE_KEY`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200, and the other
 * `HTTP_*` codes for timeouts, size limits, redirects and network failures
 * @throws {@link UsageError} `USERINFO_UNAVAILABLE` without a `userinfo_endpoint`,
 * `INVALID_ARGUMENT` for an empty access token or expected subject, a `DPoP` token without `dpop`
 * or in the body, `MISSING_CREDENTIALS`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo OIDC Core §5.3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 RFC 6750 §3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7 RFC 9449 §7
 * @example
 * ```ts
 * const claims = await fetchUserInfo(config, tokens.access_token, { expectedSubject: idToken.sub })
 * console.log(claims.email)
 * ```
 * @group UserInfo
 */
export async function fetchUserInfo(
  config: Configuration,
  accessToken: string | AccessToken,
  options: UserInfoOptions,
): Promise<Record<string, unknown>> {
  userinfoEndpoint(config)
  const { expectedSubject, placement = 'header', signal } = options
  const token = accessTokenScheme(accessToken, options.dpop)
  if (typeof expectedSubject !== 'string' || expectedSubject === '') {
    throw invalidArgument('expectedSubject', 'a non-empty string')
  }
  if (placement !== 'header' && placement !== 'body') {
    throw invalidArgument('placement', 'header or body')
  }
  if (token.scheme === 'DPoP' && placement === 'body') {
    throw invalidArgument('placement', 'header for a DPoP token (RFC 9449 §7.1)')
  }
  const dpop = token.scheme === 'DPoP' ? options.dpop : undefined
  const response = await sendUserInfoRequest(config, token.value, placement, signal, dpop)
  return readUserInfoResponse(config, response, expectedSubject, signal, token.scheme)
}

/**
 * Sends the UserInfo request.
 *
 * A GET with `Authorization: Bearer`, or a form POST with `access_token` (RFC 6750 §2.2), accepting
 * `application/jwt` when signed or encrypted UserInfo is registered and `application/json`
 * otherwise.
 *
 * @param config - the configuration (endpoint, registered response kind, settings)
 * @param accessToken - the access token
 * @param placement - where the access token goes
 * @param signal - aborts the request
 * @param dpop - the DPoP key the token is bound to: `Authorization: DPoP` with a proof, retried
 * once on a nonce challenge
 * @returns the response, fully read, not yet checked
 * @throws {@link TransportError} `HTTP_*` for timeouts, size limits, redirects and network failures
 * @throws {@link UsageError} `USERINFO_UNAVAILABLE` without a `userinfo_endpoint`, `INSECURE_URL`
 * @internal
 */
export async function sendUserInfoRequest(
  config: Configuration,
  accessToken: string,
  placement: 'header' | 'body',
  signal: AbortSignal | undefined,
  dpop?: DPoPHandle,
): Promise<HttpResponse> {
  const endpoint = userinfoEndpoint(config)
  const accept = wantsJwt(config) ? 'application/jwt' : 'application/json'
  const scheme = dpop === undefined ? 'Bearer' : 'DPoP'
  const init: { method: string; headers: Record<string, string>; body?: string } =
    placement === 'header'
      ? { method: 'GET', headers: { accept, authorization: `${scheme} ${accessToken}` } }
      : {
          method: 'POST',
          headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ access_token: accessToken }).toString(),
        }
  const send = (extra: Record<string, string>) =>
    httpRequest(
      new URL(endpoint),
      { ...init, headers: { ...init.headers, ...extra } },
      {
        ...config.settings,
        maxResponseBytes: responseLimit(config.settings, 'userinfo'),
        fetch: runtimeOf(config).fetch,
        ...(signal ? { signal } : {}),
      },
    )
  return sendWithDPoP(
    config,
    dpop,
    { method: init.method, url: endpoint, accessToken },
    send,
    'resource',
  )
}

/**
 * Reads a UserInfo response.
 *
 * A Bearer challenge, an unexpected status, or the claims (a JSON object, or the registered signed
 * and/or encrypted JWT), whose `sub` must be the expected one.
 *
 * @param config - the configuration (registered response kind, keys for a JWT response)
 * @param response - the response, as {@link sendUserInfoRequest} returned it
 * @param expectedSubject - the ID token's `sub`
 * @param signal - aborts a JWKS fetch for a signed response
 * @param scheme - the scheme the token was sent with, whose challenge is read first
 * @returns the claims, `sub` included
 * @throws {@link OAuthResponseError} `USERINFO_BEARER_CHALLENGE` on a 401/403 with
 * `WWW-Authenticate`
 * @throws {@link ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_RESPONSE_INVALID`, and those
 * of
 * a signed or encrypted response (see {@link fetchUserInfo})
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200
 * @internal
 */
export async function readUserInfoResponse(
  config: Configuration,
  response: HttpResponse,
  expectedSubject: string,
  signal?: AbortSignal,
  scheme: 'Bearer' | 'DPoP' = 'Bearer',
): Promise<Record<string, unknown>> {
  const jwtClaims = wantsJwt(config)
    ? async () => (await loadSignedUserInfo()).jwtClaims(config, response, signal)
    : undefined
  return readUserInfo(response, expectedSubject, scheme, jwtClaims)
}

function userinfoEndpoint(config: Configuration): string {
  return requireEndpoint(config, 'userinfo_endpoint', 'USERINFO_UNAVAILABLE')
}

/** Whether the client registered a signed and/or encrypted UserInfo response. */
function wantsJwt(config: Configuration): boolean {
  const { client } = config
  return (
    client.userinfo_signed_response_alg !== undefined ||
    client.userinfo_encrypted_response_alg !== undefined
  )
}
