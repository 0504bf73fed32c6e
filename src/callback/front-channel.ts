/**
 * The implicit and hybrid flows' front channel: the tokens beside (or instead of) a code.
 *
 * Loaded with the first sign-in whose response type returns an ID token or an access token from
 * the authorization endpoint, so a code-flow page never ships it.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { runtimeOf } from '../config/runtime.js'
import { UsageError, ValidationError } from '../errors.js'
import { type AccessToken, toAccessToken } from '../grants/token-messages.js'
import { type IdTokenClaims, validateIdToken } from '../id-token.js'
import type { Transaction } from '../storage.js'
import { expectationsOf } from './expectations.js'
import type { CallbackParameters, Shape } from './response-checks.js'

/**
 * The front channel's tokens, checked.
 * @internal
 */
export interface FrontChannel {
  /** The front-channel ID token's claims, when the response type returns one. */
  readonly idTokenClaims: IdTokenClaims | undefined
  /** The front-channel access token, when the response type returns one. */
  readonly accessToken: AccessToken | undefined
}

/**
 * Validates the front-channel ID token and reads the front-channel access token.
 *
 * The ID token's `at_hash` and `c_hash` are checked against the access token and code.
 * @param config - the configuration
 * @param transaction - the pending sign-in (its nonce, scope and requirements)
 * @param shape - what its response type returns
 * @param params - the checked callback parameters
 * @param signal - aborts a JWKS fetch
 * @returns the front channel's ID token claims and access token
 * @throws {@link ValidationError} `ID_TOKEN_*`, `JWT_*`, `JWKS_*`
 * @throws {@link UsageError} `INVALID_ARGUMENT` for a transaction without a nonce
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDTValidation | OIDC Core §3.2.2.11}
 * @internal
 */
export async function readFrontChannel(
  config: Configuration,
  transaction: Transaction,
  shape: Shape,
  params: CallbackParameters,
  signal: AbortSignal | undefined,
): Promise<FrontChannel> {
  let idTokenClaims: IdTokenClaims | undefined
  if (shape.idToken) {
    if (transaction.nonce === undefined) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `the transaction of a ${transaction.responseType} sign-in has no nonce`,
        { parameter: 'transaction.nonce' },
      )
    }
    idTokenClaims = await validateIdToken(
      config,
      params.id_token!,
      expectationsOf(transaction, 'authorization', signal, params.access_token, params.code),
    )
  }
  const expiresIn = params.expires_in // digits: checked with the response's shape
  const accessToken = shape.token
    ? toAccessToken(
        {
          accessToken: params.access_token!,
          tokenType: 'Bearer',
          expiresIn: expiresIn === undefined ? undefined : Number(expiresIn),
          refreshToken: undefined,
          scope: params.scope,
          idToken: undefined,
        },
        transaction.scope,
        runtimeOf(config).now(),
      )
    : undefined
  return { idTokenClaims, accessToken }
}

/**
 * OIDC Core §3.3.3.6: both ID tokens of a hybrid flow speak of one authentication.
 *
 * `code id_token` and `code id_token token`: the same `iss` and `sub`.
 * @param front - the front-channel ID token's claims
 * @param back - the token endpoint's ID token's claims
 * @throws {@link ValidationError} `CALLBACK_ID_TOKEN_MISMATCH`
 * @internal
 */
export function checkSameAuthentication(front: IdTokenClaims, back: IdTokenClaims): void {
  for (const claim of ['iss', 'sub'] as const) {
    if (front[claim] !== back[claim]) {
      throw new ValidationError(
        'CALLBACK_ID_TOKEN_MISMATCH',
        `the token endpoint's ID token has another ${claim} than the authorization response's`,
        { claim, expected: front[claim], actual: back[claim] },
      )
    }
  }
}
