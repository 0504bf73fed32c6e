/**
 * Pushed authorization requests (RFC 9126): the parameters (or a request object) go to the OP over
 * an authenticated back channel, and the browser carries only `client_id` and `request_uri`.
 * @module
 */
import { postAuthenticatedForm } from '../client-auth.js'
import type { Configuration } from '../config/configuration.js'
import { OAuthResponseError, UsageError, ValidationError } from '../errors.js'
import { expectStatus, mediaType, oauthErrorBody, parseJsonObject } from '../lib/http.js'

/**
 * What the PAR endpoint answered.
 * @internal
 */
export interface PushedAuthorizationResponse {
  /** The reference to send to the authorization endpoint. */
  readonly requestUri: string
  /** Its lifetime in seconds. */
  readonly expiresIn: number
}

/**
 * Pushes authorization parameters to the OP's `pushed_authorization_request_endpoint`, with the
 * client's authentication.
 * @param config - the configuration
 * @param params - the authorization parameters, or `client_id` + `request` for the signed form
 * @param signal - aborts the request
 * @returns the `request_uri` and its lifetime
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @throws {@link OAuthResponseError} `PAR_ERROR_RESPONSE` when the OP answers with an OAuth error
 * @throws {@link ValidationError} `PAR_RESPONSE_INVALID` when `request_uri` or `expires_in` is missing or malformed
 * @throws {@link TransportError} `HTTP_*`
 * @see {@link https://www.rfc-editor.org/rfc/rfc9126#section-2 | RFC 9126 §2}
 * @internal
 */
export async function pushAuthorizationRequest(
  config: Configuration,
  params: URLSearchParams,
  signal?: AbortSignal,
): Promise<PushedAuthorizationResponse> {
  const endpoint = config.provider.pushed_authorization_request_endpoint
  if (endpoint === undefined) {
    throw new UsageError(
      'ENDPOINT_MISSING',
      'the OP has no pushed_authorization_request_endpoint',
      {
        parameter: 'pushed_authorization_request_endpoint',
      },
    )
  }
  const response = await postAuthenticatedForm(config, endpoint, params, signal, 'par')
  if (response.status !== 201) {
    // RFC 9126 §2.3: an OAuth error body, its texts redacted of what the request sent
    const error = mediaType(response) === 'application/json' ? oauthErrorBody(response) : undefined
    if (error !== undefined) {
      throw new OAuthResponseError('PAR_ERROR_RESPONSE', { ...error, status: response.status })
    }
    expectStatus(response, 201)
  }
  const body = parseJsonObject(response)
  const requestUri = body.request_uri
  const expiresIn = body.expires_in
  if (typeof requestUri !== 'string' || requestUri === '' || requestUri.length > 2048) {
    throw new ValidationError('PAR_RESPONSE_INVALID', 'the PAR response has no valid request_uri', {
      claim: 'request_uri',
      expected: 'a non-empty string',
      actual: typeof requestUri,
    })
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new ValidationError('PAR_RESPONSE_INVALID', 'the PAR response has no valid expires_in', {
      claim: 'expires_in',
      expected: 'a positive number',
      actual: typeof expiresIn === 'number' ? expiresIn : typeof expiresIn,
    })
  }
  return { requestUri, expiresIn }
}
