/**
 * Which URL of the OP a request goes to: the plain endpoint, or its mutual-TLS alias.
 *
 * @module
 */

import { usesMutualTls } from './config/client.js'
import type { Configuration } from './config/configuration.js'
import { UsageError, type UsageErrorCode } from './errors.js'

/**
 * The OP endpoints the client calls directly, each of which may have a mutual-TLS alias.
 *
 * The authorization and end-session endpoints are the browser's, never aliased.
 * @internal
 */
export type DirectEndpoint =
  | 'token_endpoint'
  | 'pushed_authorization_request_endpoint'
  | 'userinfo_endpoint'
  | 'revocation_endpoint'
  | 'introspection_endpoint'

/**
 * The URL the client sends a request for an endpoint to (RFC 8705 §5).
 *
 * A mutual-TLS client (it authenticates with `tls_client_auth` or `self_signed_tls_client_auth`,
 * or asked for `tls_client_certificate_bound_access_tokens`) uses the endpoint's entry in the OP's
 * `mtls_endpoint_aliases` when there is one, so that the certificate is asked for there; every
 * other client, and a mutual-TLS client for an endpoint without an alias, uses the plain one.
 *
 * @param config - the configuration: the OP's metadata and the client's
 * @param endpoint - the metadata name of the endpoint
 * @returns the URL, or undefined when the OP has neither
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5
 * @internal
 */
export function endpointFor(config: Configuration, endpoint: DirectEndpoint): string | undefined {
  const plain = config.provider[endpoint]
  if (!usesMutualTls(config.client)) return plain
  return config.provider.mtls_endpoint_aliases?.[endpoint] ?? plain
}

/**
 * The URL a request for an endpoint goes to ({@link endpointFor}), or a typed refusal.
 *
 * @param config - the configuration
 * @param endpoint - the metadata name of the endpoint
 * @param code - the code of the refusal when the OP has none (`ENDPOINT_MISSING`,
 * `USERINFO_UNAVAILABLE`…)
 * @returns the URL
 * @throws {@link UsageError} with `code`, naming the endpoint, when the OP's metadata has none
 * @internal
 */
export function requireEndpoint(
  config: Configuration,
  endpoint: DirectEndpoint,
  code: UsageErrorCode,
): string {
  const url = endpointFor(config, endpoint)
  if (url === undefined) {
    throw new UsageError(code, `the OP has no ${endpoint}`, { parameter: endpoint })
  }
  return url
}
