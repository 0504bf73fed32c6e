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
import { TransportError, type UsageError, ValidationError } from '../errors.js'
import type { DPoPHandle } from '../lib/dpop.js'
import { type HttpResponse, parseJsonObject } from '../lib/http.js'
import { describe } from '../lib/json.js'
import { oauthError } from '../lib/oauth-error.js'

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

/**
 * A token endpoint success response, checked (RFC 6749 §5.1, OIDC Core §3.1.3.3).
 * @internal
 */
export interface TokenEndpointResponse {
  readonly accessToken: string
  /**
   * The `token_type`, normalised: the one asked for, or `N_A`.
   *
   * `Bearer` or `DPoP`; `N_A` only where the grant accepts it (RFC 8693 §2.2.1).
   */
  readonly tokenType: 'Bearer' | 'DPoP' | 'N_A'
  readonly expiresIn: number | undefined
  readonly refreshToken: string | undefined
  readonly scope: string | undefined
  /** The `id_token`; always `undefined` when the grant ignores ID tokens. */
  readonly idToken: string | undefined
  /** The whole JSON object, for members only one grant reads (`issued_token_type`). */
  readonly members: Readonly<Record<string, unknown>>
}

/**
 * What a grant expects of its token response.
 * @internal
 */
export interface TokenResponseExpectations {
  /**
   * The `id_token` member:
   *
   * - `required`: an OpenID Connect sign-in, it must be there;
   * - `optional`: a refresh, read when present (the caller validates it);
   * - `ignored`: a grant that signs no one in (client credentials, token exchange, JWT bearer):
   * dropped unread, so it is neither trusted nor returned.
   */
  readonly idToken: 'required' | 'optional' | 'ignored'
  /**
   * Accept the `token_type` `N_A` besides `Bearer`. Default false.
   *
   * RFC 8693 §2.2.1: the issued token is not an access token.
   */
  readonly notApplicableTokenType?: boolean
  /**
   * The `token_type` asked for: `DPoP` when a DPoP proof was sent (RFC 9449 §5). Default `Bearer`.
   */
  readonly tokenType?: 'Bearer' | 'DPoP'
}

/**
 * Reads a token endpoint response (of any grant).
 *
 * An OAuth error, an unexpected status, or a success whose members are checked (RFC 6749 §5.1,
 * §5.2). Only the `token_type` asked for is accepted: `DPoP` when a DPoP proof was sent, else
 * `Bearer` (and `N_A` when asked).
 *
 * @param response - the response, as `sendGrant` returned it
 * @param expect - whether an ID token is required, read or ignored; the `token_type` asked for;
 * whether `N_A` is a type
 * @returns the checked members
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE`
 * @throws {@link ValidationError} `TOKEN_RESPONSE_INVALID`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS`
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.1 | RFC 6749 §5.1}
 * @internal
 */
export async function readTokenResponse(
  response: HttpResponse,
  expect: TokenResponseExpectations,
): Promise<TokenEndpointResponse> {
  if (response.status !== 200) throw await oauthError(response, 'TOKEN_ERROR_RESPONSE', 200)
  let body: Record<string, unknown>
  try {
    body = parseJsonObject(response)
  } catch (cause) {
    if (!(cause instanceof TransportError)) throw cause
    throw new ValidationError(
      'TOKEN_RESPONSE_INVALID',
      `the token response is not a JSON object (${cause.code})`,
      { cause },
    )
  }
  const accessToken = body.access_token
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw invalidMember('access_token', 'a non-empty string', accessToken, true)
  }
  const tokenType = readTokenType(
    body.token_type,
    expect.tokenType ?? 'Bearer',
    expect.notApplicableTokenType === true,
  )
  const expiresIn = body.expires_in
  if (
    expiresIn !== undefined &&
    !(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0)
  ) {
    throw invalidMember('expires_in', 'a non-negative number', expiresIn, false)
  }
  const idToken = expect.idToken === 'ignored' ? undefined : optionalString(body, 'id_token', true)
  if (expect.idToken === 'required' && idToken === undefined) {
    throw invalidMember('id_token', 'present (OpenID Connect sign-in)', undefined, false)
  }
  return {
    accessToken,
    tokenType,
    expiresIn: expiresIn === undefined ? undefined : Math.floor(expiresIn),
    refreshToken: optionalString(body, 'refresh_token', true),
    scope: optionalString(body, 'scope', false),
    idToken,
    members: body,
  }
}

/**
 * The `token_type`: the one asked for (any case), or `N_A` where the grant allows it.
 *
 * RFC 6749 §7.1, RFC 8693 §2.2.1. Another type is `TOKEN_TYPE_UNEXPECTED`: a DPoP-bound token
 * answered as `Bearer` would travel unbound, and the reverse is unusable (RFC 9449 §5).
 */
function readTokenType(
  value: unknown,
  expected: 'Bearer' | 'DPoP',
  notApplicable: boolean,
): 'Bearer' | 'DPoP' | 'N_A' {
  if (typeof value !== 'string') throw invalidMember('token_type', 'a string', value, false)
  if (value.toLowerCase() === expected.toLowerCase()) return expected
  if (notApplicable && value.toUpperCase() === 'N_A') return 'N_A'
  throw new ValidationError(
    'TOKEN_TYPE_UNEXPECTED',
    `the token response's token_type is ${describe(value)}, expected ${expected}${notApplicable ? ' or N_A' : ''}${expected === 'DPoP' ? ' (a DPoP proof was sent)' : ''}`,
    { claim: 'token_type', expected, actual: value.slice(0, 40) },
  )
}

function optionalString(
  body: Record<string, unknown>,
  member: string,
  secret: boolean,
): string | undefined {
  const value = body[member]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || (secret && value === '')) {
    throw invalidMember(member, secret ? 'a non-empty string' : 'a string', value, secret)
  }
  return value
}

function invalidMember(
  member: string,
  expected: string,
  actual: unknown,
  secret: boolean,
): ValidationError {
  const shown = secret && typeof actual === 'string' ? 'a string' : describe(actual)
  return new ValidationError(
    'TOKEN_RESPONSE_INVALID',
    `the token response member ${member} must be ${expected}, got ${shown}`,
    { claim: member, expected, actual: shown },
  )
}
