/**
 * What every grant at the token endpoint shares.
 *
 * The check that the OP offers the grant, the checks of the parameters several grants take
 * (`scope`, `resource`), and the result. Sending and reading are `./token-endpoint.ts`'s.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { runtimeOf } from '../config/runtime.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import { sendGrant } from './token-endpoint.js'
import {
  type AccessToken,
  readTokenResponse,
  type TokenEndpointResponse,
  toAccessToken,
} from './token-messages.js'

/**
 * Refuses a grant the OP does not offer, when it lists what it offers.
 *
 * An OP without `grant_types_supported` is asked anyway (the member is optional, RFC 8414 §2).
 *
 * @param config - the configuration (the OP's metadata)
 * @param grantType - the `grant_type` about to be sent
 * @throws {@link UsageError} `OP_UNSUPPORTED_GRANT_TYPE`
 * @internal
 */
export function requireGrantType(config: Configuration, grantType: string): void {
  const supported = config.provider.grant_types_supported
  if (supported === undefined || supported.includes(grantType)) return
  throw new UsageError(
    'OP_UNSUPPORTED_GRANT_TYPE',
    `the OP does not list the grant type ${grantType} in its grant_types_supported`,
    { parameter: 'grant_type' },
  )
}

/**
 * Adds `scope` and `resource` to a grant's parameters, after checking them.
 *
 * @param params - the grant's parameters
 * @param scope - space-separated scopes, if any
 * @param resource - the resource indicator(s), absolute URIs without fragment (RFC 8707 §2)
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function setScopeAndResource(
  params: URLSearchParams,
  scope: unknown,
  resource: unknown,
): void {
  if (scope !== undefined) {
    if (typeof scope !== 'string' || scope.trim() === '') {
      throw invalidArgument('scope', 'a non-empty string of space-separated scopes')
    }
    params.set('scope', scope)
  }
  for (const uri of oneOrMany('resource', resource)) {
    if (!URL.canParse(uri) || uri.includes('#')) {
      throw invalidArgument('resource', 'absolute URIs without fragment (RFC 8707 §2)')
    }
    params.append('resource', uri)
  }
}

/**
 * The `dpop` option of a grant, checked before anything is sent.
 * @param dpop - the option's value
 * @returns the handle, or `undefined` without one
 * @throws {@link UsageError} `INVALID_ARGUMENT` for something other than a handle
 * @internal
 */
export function dpopOption(dpop: unknown): DPoPHandle | undefined {
  if (dpop === undefined) return undefined
  if (typeof (dpop as { readonly proof?: unknown } | null)?.proof !== 'function') {
    throw invalidArgument('dpop', 'a handle from createDPoPHandle')
  }
  return dpop as DPoPHandle
}

/**
 * A string or array of strings option as a list (absent: empty).
 * @param name - the option, for the error
 * @param value - its value
 * @returns the non-empty strings
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function oneOrMany(name: string, value: unknown): readonly string[] {
  if (value === undefined) return []
  const values = Array.isArray(value) ? value : [value]
  if (values.length === 0 || !values.every((v) => typeof v === 'string' && v !== '')) {
    throw invalidArgument(name, 'a non-empty string or a non-empty array of them')
  }
  return values as string[]
}

/**
 * What a grant at the token endpoint returns: client credentials, token exchange, JWT bearer.
 *
 * No ID token: these grants sign no one in. An `id_token` the OP sends anyway is dropped unread
 * (neither validated nor returned).
 *
 * @typeParam TokenType - the token types the grant can issue: `Bearer`, `DPoP` (with the `dpop`
 * option, RFC 9449 §5), and for token exchange also `N_A`
 * @group Grants
 */
export interface GrantResult<TokenType extends string = AccessToken['type']> {
  /**
   * The token issued (RFC 6749 §5.1).
   *
   * For token exchange it is the issued token whatever its kind
   * ({@link GrantResult.issuedTokenType}); its `type` is then `N_A` when it is not usable as an
   * access token.
   */
  readonly accessToken: Omit<AccessToken, 'type'> & { readonly type: TokenType }
  /**
   * The refresh token, when the OP issued one.
   *
   * RFC 6749 §4.4.3 says it should not for client credentials.
   */
  readonly refreshToken?: string
  /** Token exchange only: what kind of token was issued (RFC 8693 §2.2.1, a token type URI). */
  readonly issuedTokenType?: string
}

/**
 * The result of a checked token response, its access token a `Bearer` or a `DPoP` one.
 * @param config - the configuration (for the clock)
 * @param tokens - the checked response
 * @param requestedScope - the scope asked for, used when the OP sent none
 * @returns the result without ID token
 * @internal
 */
export function grantResult(
  config: Configuration,
  tokens: TokenEndpointResponse,
  requestedScope: string | undefined,
): GrantResult {
  const accessToken = toAccessToken(tokens, requestedScope, runtimeOf(config).now())
  return tokens.refreshToken === undefined
    ? { accessToken }
    : { accessToken, refreshToken: tokens.refreshToken }
}

/**
 * Sends a grant whose answer is an access token and no ID token, and reads it.
 *
 * Client credentials and JWT bearer: the DPoP handle checked, the grant posted, a `DPoP` token
 * required when a proof went and `Bearer` otherwise, an `id_token` dropped unread.
 * @param config - the configuration
 * @param params - the grant's parameters
 * @param options - the signal, the DPoP handle (unchecked), the scope asked for
 * @returns the access token and any refresh token
 * @internal
 */
export async function requestAccessTokenGrant(
  config: Configuration,
  params: URLSearchParams,
  options: { readonly signal?: AbortSignal; readonly dpop?: unknown; readonly scope?: string },
): Promise<GrantResult> {
  const dpop = dpopOption(options.dpop)
  const response = await sendGrant(config, params, { signal: options.signal, dpop })
  const tokens = await readTokenResponse(response, {
    idToken: 'ignored',
    tokenType: dpop ? 'DPoP' : 'Bearer',
  })
  return grantResult(config, tokens, options.scope)
}
