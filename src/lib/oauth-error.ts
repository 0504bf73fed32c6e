/**
 * OAuth error responses read into typed errors, by a module loaded with the first one.
 *
 * The reading (src/lib/error-response.ts: error bodies, `WWW-Authenticate` challenges, every OP
 * text redacted) is loaded only when an OP answers with an error, so a page whose sign-ins succeed
 * never ships it.
 *
 * @module
 */
import { OAuthResponseError, type OAuthResponseErrorCode, TransportError } from '../errors.js'
import type * as ErrorResponse from './error-response.js'
import type { HttpResponse } from './http.js'
import { lazy } from './lazy.js'

/**
 * The reading of error responses, loaded on first use.
 * @internal
 */
export const loadErrorResponse: () => Promise<typeof ErrorResponse> = /* @__PURE__ */ lazy(
  () => import('./error-response.js'),
)

/**
 * The error for a response that is not the expected success.
 *
 * An OAuth error, or an unexpected status.
 *
 * A 4xx with an OAuth error body becomes an {@link OAuthResponseError} of `code` (its
 * `WWW-Authenticate` challenges kept); anything else a `HTTP_UNEXPECTED_STATUS`.
 * @param response - the response
 * @param code - the code of the OAuth error
 * @param expected - the success status, for the message
 * @returns the error to throw
 * @throws {@link TransportError} `HTTP_NETWORK_ERROR` when the reading module cannot be loaded
 * @internal
 */
export async function oauthError(
  response: HttpResponse,
  code: Exclude<
    OAuthResponseErrorCode,
    'AUTHORIZATION_ERROR_RESPONSE' | 'USERINFO_BEARER_CHALLENGE' | 'PROTECTED_RESOURCE_CHALLENGE'
  >,
  expected: number,
): Promise<OAuthResponseError | TransportError> {
  // only a 4xx carries an OAuth error: anything else is refused without loading the reading
  const clientError = response.status >= 400 && response.status < 500
  const details = clientError ? (await loadErrorResponse()).oauthErrorDetails(response) : undefined
  if (details !== undefined) return new OAuthResponseError(code, details)
  return new TransportError(
    'HTTP_UNEXPECTED_STATUS',
    `${response.url} answered with status ${response.status}, expected ${expected} or an OAuth error`,
    { url: response.url, status: response.status },
  )
}

/**
 * The error for a 401 or 403 with a `WWW-Authenticate` challenge (RFC 6750 §3), if there is one.
 * @param response - the response
 * @param code - the code of the error
 * @param scheme - the scheme the token was sent with (its challenge is preferred)
 * @returns the error, or `undefined` when the response is no challenge
 * @throws {@link TransportError} `HTTP_NETWORK_ERROR` when the reading module cannot be loaded
 * @internal
 */
export async function challengeError(
  response: HttpResponse,
  code: Extract<
    OAuthResponseErrorCode,
    'USERINFO_BEARER_CHALLENGE' | 'PROTECTED_RESOURCE_CHALLENGE'
  > = 'USERINFO_BEARER_CHALLENGE',
  scheme: 'bearer' | 'dpop' = 'bearer',
): Promise<OAuthResponseError | undefined> {
  if (
    (response.status !== 401 && response.status !== 403) ||
    !response.headers.has('www-authenticate')
  ) {
    return undefined
  }
  const details = (await loadErrorResponse()).challengeDetails(response, scheme)
  return details === undefined ? undefined : new OAuthResponseError(code, details)
}
