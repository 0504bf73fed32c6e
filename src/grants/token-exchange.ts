/**
 * OAuth 2.0 Token Exchange (RFC 8693): one token traded for another.
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import {
  type OAuthResponseError,
  type TransportError,
  type UsageError,
  ValidationError,
} from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import { describe } from '../lib/json.js'
import {
  dpopOption,
  type GrantResult,
  grantResult,
  oneOrMany,
  requireGrantType,
  setScopeAndResource,
} from './grant.js'
import { sendGrant } from './token-endpoint.js'
import type { AccessToken } from './token-messages.js'
import { readTokenResponse } from './token-messages.js'

/**
 * The `grant_type` of token exchange (RFC 8693 §2.1).
 * @group Grants
 */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/**
 * Token type identifier of an OAuth 2.0 access token (RFC 8693 §3).
 * @group Grants
 */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/**
 * Token type identifier of an OAuth 2.0 refresh token (RFC 8693 §3).
 * @group Grants
 */
export const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token'
/**
 * Token type identifier of an OpenID Connect ID token (RFC 8693 §3).
 * @group Grants
 */
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'
/**
 * Token type identifier of a JWT of any kind (RFC 8693 §3, RFC 7519 §9).
 * @group Grants
 */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
/**
 * Token type identifier of a base64url-encoded SAML 1.1 assertion (RFC 8693 §3).
 * @group Grants
 */
export const SAML1_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:saml1'
/**
 * Token type identifier of a base64url-encoded SAML 2.0 assertion (RFC 8693 §3).
 * @group Grants
 */
export const SAML2_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:saml2'

/**
 * Input of {@link exchangeToken} (RFC 8693 §2.1).
 * @group Grants
 */
export interface TokenExchangeOptions {
  /** The token that represents the party on whose behalf the new token is asked for. */
  readonly subjectToken: string
  /** What kind of token `subjectToken` is: a token type URI such as {@link ACCESS_TOKEN_TYPE}. */
  readonly subjectTokenType: string
  /** The token of the party acting for the subject (delegation), if any. */
  readonly actorToken?: string
  /** What kind of token `actorToken` is; required with `actorToken`, refused without it. */
  readonly actorTokenType?: string
  /** The kind of token wanted (a token type URI); default the OP's choice. */
  readonly requestedTokenType?: string
  /** The logical name(s) of the service(s) the token is for. */
  readonly audience?: string | readonly string[]
  /** The resource server URI(s) the token is for: absolute, without fragment (RFC 8707 §2). */
  readonly resource?: string | readonly string[]
  /** The scope to ask for (space-separated). */
  readonly scope?: string
  /**
   * Binds the issued access token to this DPoP key (RFC 9449 §5).
   *
   * The request carries a proof (retried once with the OP's nonce when it asks, §8). An issued
   * access token must then be a `DPoP` one: a `Bearer` answer is `TOKEN_TYPE_UNEXPECTED`. An issued
   * token that is not an access token keeps its `token_type` `N_A` (RFC 8693 §2.2.1): RFC 9449
   * binds access tokens only, so whether such a token is tied to the key is up to the OP and the
   * token's consumer. Send a `DPoP` token with the same handle (the `dpop` option of
   * `fetchProtectedResource`).
   */
  readonly dpop?: DPoPHandle
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * What {@link exchangeToken} returns: the issued token, of the kind `issuedTokenType` names.
 * @group Grants
 */
export type TokenExchangeResult = GrantResult<AccessToken['type'] | 'N_A'> & {
  /** What kind of token was issued (RFC 8693 §2.2.1), e.g. {@link ACCESS_TOKEN_TYPE}. */
  readonly issuedTokenType: string
}

/**
 * Trades a token for another at the OP's token endpoint (RFC 8693 §2).
 *
 * For a service that calls another service on a user's behalf (impersonation), or with its own
 * identity beside the user's (delegation, `actorToken`). The client authenticates with its
 * `token_endpoint_auth_method`.
 *
 * The answer is read strictly (RFC 8693 §2.2.1): `issued_token_type` is required; `token_type` is
 * `Bearer` (`DPoP` with the `dpop` option, RFC 9449 §5), or `N_A` only when the issued token is not
 * an access token (then `result.accessToken.type` is `N_A` and the token is whatever
 * `issuedTokenType` says, e.g. a JWT for another system). An `id_token` member is dropped unread.
 *
 * @param config - the configuration: the OP's token endpoint, the client's authentication
 * @param options - the subject token and its type, the actor, what is wanted, a DPoP key, a signal
 * @returns the issued token, its type, and the refresh token when the OP sent one
 * @throws {@link OAuthResponseError} `TOKEN_ERROR_RESPONSE` (e.g. `invalid_request` for a subject
 * token the OP does not accept, `invalid_target` for an audience it refuses)
 * @throws {@link ValidationError} `TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID`,
 * `TOKEN_EXCHANGE_TOKEN_TYPE_INVALID`, `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED` (a
 * `token_type` other than the one asked for, `DPoP` with the `dpop` option, else `Bearer`, or
 * `N_A`)
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `OP_UNSUPPORTED_GRANT_TYPE` (the OP lists `grant_types_supported`
 * without token exchange), `INVALID_ARGUMENT`, `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`
 * @see {@link https://www.rfc-editor.org/rfc/rfc8693#section-2 | RFC 8693 §2},
 * {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
 * @example
 * ```ts
 * // the API received the user's access token and calls the billing API on their behalf
 * const exchanged = await exchangeToken(config, {
 *   subjectToken: incomingAccessToken,
 *   subjectTokenType: ACCESS_TOKEN_TYPE,
 *   audience: 'billing-api',
 * })
 * await fetch('https://billing.example.com/invoices', {
 *   headers: { authorization: `Bearer ${exchanged.accessToken.value}` },
 * })
 * ```
 * @group Grants
 */
export async function exchangeToken(
  config: Configuration,
  options: TokenExchangeOptions,
): Promise<TokenExchangeResult> {
  const params = exchangeParameters(options)
  const dpop = dpopOption(options.dpop)
  requireGrantType(config, TOKEN_EXCHANGE_GRANT_TYPE)
  const response = await sendGrant(config, params, { signal: options.signal, dpop })
  const tokens = await readTokenResponse(response, {
    idToken: 'ignored',
    notApplicableTokenType: true,
    tokenType: dpop ? 'DPoP' : 'Bearer',
  })
  const issuedTokenType = tokens.members.issued_token_type
  if (typeof issuedTokenType !== 'string' || issuedTokenType === '') {
    throw new ValidationError(
      'TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID',
      `the token exchange response's issued_token_type must be a non-empty string, got ${describe(issuedTokenType)} (RFC 8693 2.2.1)`,
      {
        claim: 'issued_token_type',
        expected: 'a token type URI',
        actual: describe(issuedTokenType),
      },
    )
  }
  if (tokens.tokenType === 'N_A' && issuedTokenType === ACCESS_TOKEN_TYPE) {
    throw new ValidationError(
      'TOKEN_EXCHANGE_TOKEN_TYPE_INVALID',
      'the token exchange response has token_type "N_A" for an issued access token (RFC 8693 2.2.1)',
      { claim: 'token_type', expected: dpop ? '"DPoP"' : '"Bearer"', actual: 'N_A' },
    )
  }
  const result = grantResult(config, tokens, options.scope)
  return {
    ...result,
    accessToken: { ...result.accessToken, type: tokens.tokenType },
    issuedTokenType,
  }
}

/** The request's parameters (RFC 8693 §2.1), every input checked before anything is sent. */
function exchangeParameters(options: TokenExchangeOptions): URLSearchParams {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const params = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT_TYPE })
  params.set('subject_token', token('subjectToken', options.subjectToken))
  params.set('subject_token_type', tokenType('subjectTokenType', options.subjectTokenType))
  if (options.actorToken !== undefined || options.actorTokenType !== undefined) {
    params.set('actor_token', token('actorToken', options.actorToken))
    params.set('actor_token_type', tokenType('actorTokenType', options.actorTokenType))
  }
  if (options.requestedTokenType !== undefined) {
    params.set('requested_token_type', tokenType('requestedTokenType', options.requestedTokenType))
  }
  for (const audience of oneOrMany('audience', options.audience))
    params.append('audience', audience)
  setScopeAndResource(params, options.scope, options.resource)
  return params
}

function token(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(
      name,
      `a non-empty string${name === 'actorToken' ? ' (actorTokenType was given)' : ''}`,
    )
  }
  return value
}

/** A token type identifier is a URI (RFC 8693 §3). */
function tokenType(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) {
    throw invalidArgument(
      name,
      `a token type URI such as ${ACCESS_TOKEN_TYPE}${name === 'actorTokenType' ? ' (required with actorToken)' : ''}`,
    )
  }
  return value
}
