/**
 * A page's UserInfo request (OIDC Core §5.3), with a Bearer access token.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import type { AccessToken } from '../grants/token-messages.js'
import { invalidArgument } from '../lib/checks.js'
import { httpRequest } from '../lib/http.js'
import { readUserInfo } from '../userinfo-response.js'
import { httpOptionsOf, type PageConfiguration } from './configuration.js'

/**
 * What a page's UserInfo request needs.
 * @group Page sign-in
 */
export interface PageUserInfoOptions {
  /** The ID token's `sub`: UserInfo's must be it (OIDC Core §5.3.2). */
  readonly expectedSubject: string
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * Calls UserInfo with an access token.
 *
 * The claims must be a JSON object whose `sub` is the expected one. A refused token is the OP's
 * challenge as an error, the token never in it.
 *
 * @param config - the configuration made by `discover`
 * @param accessToken - the access token (a Bearer token)
 * @param options - the expected subject, abort signal
 * @returns the end-user's claims
 * @throws `OAuthResponseError` `USERINFO_BEARER_CHALLENGE`
 * @throws `ValidationError` `USERINFO_SUB_MISMATCH`, `USERINFO_RESPONSE_INVALID`
 * @throws `TransportError` `HTTP_*`
 * @throws `UsageError` `USERINFO_UNAVAILABLE` without a UserInfo endpoint,
 * `INVALID_ARGUMENT`
 * @example
 * ```ts
 * const claims = await fetchUserInfo(config, result.accessToken, {
 *   expectedSubject: result.idTokenClaims.sub,
 * })
 * ```
 * @group Page sign-in
 */
export async function fetchUserInfo(
  config: PageConfiguration,
  accessToken: string | AccessToken,
  options: PageUserInfoOptions,
): Promise<Record<string, unknown>> {
  const endpoint = config.provider.userinfo_endpoint
  if (endpoint === undefined) {
    throw new UsageError('USERINFO_UNAVAILABLE', 'the OP has no userinfo_endpoint', {
      parameter: 'userinfo_endpoint',
    })
  }
  const value = typeof accessToken === 'string' ? accessToken : accessToken?.value
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument('accessToken', 'a non-empty string or an AccessToken')
  }
  if (typeof accessToken !== 'string' && accessToken.type !== 'Bearer') {
    throw invalidArgument('accessToken', 'a Bearer token (DPoP needs oidc-rp/core)')
  }
  const { expectedSubject } = options
  if (typeof expectedSubject !== 'string' || expectedSubject === '') {
    throw invalidArgument('expectedSubject', 'a non-empty string')
  }
  const response = await httpRequest(
    new URL(endpoint),
    { method: 'GET', headers: { accept: 'application/json', authorization: `Bearer ${value}` } },
    httpOptionsOf(config, 'userinfo', options.signal),
  )
  return readUserInfo(response, expectedSubject, 'Bearer')
}
