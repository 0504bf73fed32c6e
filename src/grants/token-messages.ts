/**
 * The token endpoint's messages, on plain inputs.
 *
 * The forms of the authorization code and refresh token grants, the strict reading of a token
 * response (RFC 6749 §5.1, §5.2), the access token it gives, and OIDC Core §12.2's comparison of a
 * refreshed ID token with the original. The core's grants (token.ts, this folder) and a page's
 * (`oidc-rp/browser`) send and read them.
 *
 * @module
 */

import { TransportError, ValidationError } from '../errors.js'
import type { IdTokenClaims } from '../id-token.js'
import { type HttpResponse, parseJsonObject } from '../lib/http.js'
import { describe } from '../lib/json.js'
import { oauthError } from '../lib/oauth-error.js'

/**
 * An access token as the application keeps it.
 * @group Everyday use
 */
export interface AccessToken {
  /**
   * The token itself.
   *
   * Send it as `Authorization: Bearer <value>`, or for a `DPoP` token as `Authorization: DPoP
   * <value>` with a proof ({@link fetchProtectedResource} does either).
   */
  readonly value: string
  /**
   * The token type: `Bearer`, or `DPoP` (RFC 9449 §5).
   *
   * `DPoP` when the token is bound to the DPoP key of the request that obtained it. Any other
   * type is refused.
   */
  readonly type: 'Bearer' | 'DPoP'
  /** When it expires, in seconds since the epoch, when the OP said (`expires_in`). */
  readonly expiresAt?: number
  /**
   * The scope granted.
   *
   * The OP's `scope`, or the scope requested when the OP sent none (RFC 6749 §5.1).
   */
  readonly scope?: string
}

/**
 * The form of an authorization code grant, before client authentication adds its members.
 *
 * RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636 §4.5.
 * @param code - the authorization code
 * @param redirectUri - the redirect URI the authorization request sent
 * @param codeVerifier - the PKCE verifier, when one was made
 * @returns the form
 * @internal
 */
export function codeGrantForm(
  code: string,
  redirectUri: string,
  codeVerifier: string | undefined,
): URLSearchParams {
  const params = new URLSearchParams()
  params.set('grant_type', 'authorization_code')
  params.set('code', code)
  params.set('redirect_uri', redirectUri)
  if (codeVerifier !== undefined) params.set('code_verifier', codeVerifier)
  return params
}

/**
 * The form of a refresh token grant (RFC 6749 §6), before client authentication adds its members.
 * @param refreshToken - the refresh token
 * @param scope - a narrower scope to ask for, if any
 * @returns the form
 * @internal
 */
export function refreshGrantForm(refreshToken: string, scope: string | undefined): URLSearchParams {
  const params = new URLSearchParams()
  params.set('grant_type', 'refresh_token')
  params.set('refresh_token', refreshToken)
  if (scope !== undefined) params.set('scope', scope)
  return params
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

/**
 * The access token of a checked token response, with its expiry as a time.
 * @param tokens - the token response
 * @param requestedScope - the scope asked for, used when the OP sent none
 * @param now - the current time, in milliseconds since the epoch
 * @returns the access token
 * @internal
 */
export function toAccessToken(
  tokens: Omit<TokenEndpointResponse, 'members'>,
  requestedScope: string | undefined,
  now: number,
): AccessToken {
  const scope = tokens.scope ?? requestedScope
  const token: { value: string; type: 'Bearer' | 'DPoP'; expiresAt?: number; scope?: string } = {
    value: tokens.accessToken,
    // N_A (token exchange, RFC 8693 §2.2.1) is the caller's to say: it is no access token type
    type: tokens.tokenType === 'DPoP' ? 'DPoP' : 'Bearer',
  }
  if (tokens.expiresIn !== undefined) token.expiresAt = Math.floor(now / 1000) + tokens.expiresIn
  if (scope !== undefined) token.scope = scope
  return token
}

/**
 * OIDC Core §12.2: a refreshed ID token speaks of the same authentication as the original.
 *
 * Its `iss`, `sub`, `azp` and `aud` are the original's, and its `auth_time` when both have one.
 * @param original - the original ID token's claims
 * @param claims - the refreshed ID token's, validated
 * @throws {@link ValidationError} `REFRESH_ID_TOKEN_MISMATCH`
 * @internal
 */
export function checkRefreshedClaims(original: IdTokenClaims, claims: IdTokenClaims): void {
  for (const claim of ['iss', 'sub', 'azp'] as const) {
    if (original[claim] !== claims[claim]) throw mismatch(claim, original[claim], claims[claim])
  }
  if (!sameAudience(original.aud, claims.aud)) throw mismatch('aud', original.aud, claims.aud)
  if (
    original.auth_time !== undefined &&
    claims.auth_time !== undefined &&
    original.auth_time !== claims.auth_time
  ) {
    throw mismatch('auth_time', original.auth_time, claims.auth_time)
  }
}

function sameAudience(a: unknown, b: unknown): boolean {
  const left = Array.isArray(a) ? a : [a]
  const right = Array.isArray(b) ? b : [b]
  return left.length === right.length && left.every((value) => right.includes(value))
}

function mismatch(claim: string, expected: unknown, actual: unknown): ValidationError {
  return new ValidationError(
    'REFRESH_ID_TOKEN_MISMATCH',
    `the refreshed ID token's ${claim} is ${describe(actual)}, the original's ${describe(expected)} (OIDC Core 12.2)`,
    { claim, expected, actual },
  )
}
