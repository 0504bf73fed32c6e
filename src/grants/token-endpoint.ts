/**
 * The token endpoint, whatever the grant: sending a grant and reading the answer.
 *
 * {@link sendGrant} posts every grant with the client's authentication; {@link readTokenResponse}
 * is the one strict reader of RFC 6749 §5.1 / §5.2 answers. The authorization code and refresh
 * token grants (src/token.ts) and the grants of this folder use both, each saying what it expects.
 *
 * @module
 */

import { postAuthenticatedForm } from '../client-auth.js'
import type { Configuration } from '../config/configuration.js'
import { securityProfileFeature, tokenParametersFeature } from '../config/features.js'
import { sendWithDPoP } from '../dpop.js'
import { requireEndpoint } from '../endpoints.js'
import { TransportError, type UsageError } from '../errors.js'
import type { DPoPHandle } from '../lib/dpop.js'
import type { HttpResponse } from '../lib/http.js'

/**
 * The options of a request to the token endpoint, whatever the grant.
 *
 * The seam of sender-constrained tokens: DPoP (RFC 9449) arrives here as one more option, and
 * {@link sendGrant} is the one place that adds its proof header and retries on `use_dpop_nonce`.
 *
 * @internal
 */
export interface GrantRequestOptions {
  /** Aborts the request. */
  readonly signal?: AbortSignal | undefined
  /**
   * Binds the tokens to this DPoP key (RFC 9449 §5).
   *
   * A proof goes with the request; one `use_dpop_nonce` answer is retried with the server's nonce
   * (§8).
   */
  readonly dpop?: DPoPHandle | undefined
}

/**
 * POSTs a grant to the token endpoint with the client's authentication (RFC 6749 §3.2, §2.3).
 *
 * Every grant goes through here: the authorization code and refresh token grants, client
 * credentials, token exchange, JWT bearer.
 *
 * @param config - the configuration: its token endpoint, client authentication and settings
 * @param params - the grant's parameters, `grant_type` included
 * @param options - a signal, the DPoP key
 * @returns the response, fully read, not yet checked
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INSECURE_URL`
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-3.2 | RFC 6749 §3.2}
 * @internal
 */
export async function sendGrant(
  config: Configuration,
  params: URLSearchParams,
  options: GrantRequestOptions = {},
): Promise<HttpResponse> {
  if (config.securityProfile !== undefined) {
    securityProfileFeature().requireSenderConstraint(
      config.securityProfile,
      config.client,
      options.dpop !== undefined,
      'the token request',
    )
  }
  const endpoint = requireEndpoint(config, 'token_endpoint', 'ENDPOINT_MISSING')
  return sendWithDPoP(
    config,
    options.dpop,
    { method: 'POST', url: endpoint },
    (headers) =>
      postAuthenticatedForm(
        config,
        endpoint,
        config.tokenParameters === undefined
          ? params
          : tokenParametersFeature().withTokenParameters(params, config.tokenParameters),
        options.signal,
        'token',
        headers,
      ),
    'authorization',
  )
}
