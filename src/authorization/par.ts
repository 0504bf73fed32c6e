/**
 * Pushed authorization requests (RFC 9126).
 *
 * The parameters (or a request object) go to the OP over an authenticated back channel, and the
 * browser carries only `client_id` and `request_uri`.
 *
 * @module
 */
import { postAuthenticatedForm } from '../client-auth.js'
import type { Configuration } from '../config/configuration.js'
import { sendWithDPoP } from '../dpop.js'
import { requireEndpoint } from '../endpoints.js'
import { type UsageError, ValidationError } from '../errors.js'
import type { DPoPHandle } from '../lib/dpop.js'
import { type HttpResponse, parseJsonObject } from '../lib/http.js'
import { oauthError } from '../lib/oauth-error.js'

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
 * Pushes authorization parameters to the OP's `pushed_authorization_request_endpoint`.
 *
 * Sends them ({@link sendPushedAuthorizationRequest}) and reads the answer ({@link
 * readPushedAuthorizationResponse}).
 *
 * @param config - the configuration: its PAR endpoint, client authentication and HTTP settings
 * @param params - the authorization parameters, or `client_id` + `request` for the signed form
 * @param signal - aborts the request
 * @param dpop - the DPoP key: the request carries a proof (RFC 9449 §10.1)
 * @returns the `request_uri` and its lifetime
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @throws {@link OAuthResponseError} `PAR_ERROR_RESPONSE` when the OP answers with an OAuth error
 * @throws {@link ValidationError} `PAR_RESPONSE_INVALID` when `request_uri` or `expires_in` is
 * missing or malformed
 * @throws {@link TransportError} `HTTP_*`
 * @see {@link https://www.rfc-editor.org/rfc/rfc9126#section-2 | RFC 9126 §2}
 * @internal
 */
export async function pushAuthorizationRequest(
  config: Configuration,
  params: URLSearchParams,
  signal?: AbortSignal,
  dpop?: DPoPHandle,
): Promise<PushedAuthorizationResponse> {
  return readPushedAuthorizationResponse(
    await sendPushedAuthorizationRequest(config, params, signal, dpop),
  )
}

/**
 * Sends authorization parameters to the PAR endpoint with the client's authentication.
 * @param config - the configuration (PAR endpoint, credentials, settings)
 * @param params - the authorization parameters, or `client_id` + `request` for the signed form
 * @param signal - aborts the request
 * @param dpop - the DPoP key: the request carries a proof, retried once on `use_dpop_nonce`
 * @returns the response, fully read, not yet checked
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @throws {@link TransportError} `HTTP_*`
 * @internal
 */
export async function sendPushedAuthorizationRequest(
  config: Configuration,
  params: URLSearchParams,
  signal?: AbortSignal,
  dpop?: DPoPHandle,
): Promise<HttpResponse> {
  const endpoint = requireEndpoint(
    config,
    'pushed_authorization_request_endpoint',
    'ENDPOINT_MISSING',
  )
  return sendWithDPoP(
    config,
    dpop,
    { method: 'POST', url: endpoint },
    (headers) => postAuthenticatedForm(config, endpoint, params, signal, 'par', headers),
    'authorization',
  )
}

/**
 * Reads a PAR endpoint response.
 *
 * A 201 with a `request_uri` and a positive `expires_in`, an OAuth error (RFC 9126 §2.3, its texts
 * redacted of what the request sent), or an unexpected status.
 *
 * @param response - the response, as {@link sendPushedAuthorizationRequest} returned it
 * @returns the `request_uri` and its lifetime
 * @throws {@link OAuthResponseError} `PAR_ERROR_RESPONSE`
 * @throws {@link ValidationError} `PAR_RESPONSE_INVALID`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS`, `HTTP_BAD_CONTENT_TYPE`,
 * `HTTP_INVALID_JSON`,
 * `HTTP_JSON_NOT_OBJECT`
 * @internal
 */
export async function readPushedAuthorizationResponse(
  response: HttpResponse,
): Promise<PushedAuthorizationResponse> {
  if (response.status !== 201) throw await oauthError(response, 'PAR_ERROR_RESPONSE', 201)
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
