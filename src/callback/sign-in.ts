/**
 * The callback: the state, issuer, error, response mode and shape checks of the authorization
 * response (read by `lib/callback-input.ts` from whatever the HTTP framework hands over), and the
 * orchestration of the whole sign-in (token request, ID token validation, UserInfo, result).
 * @module
 */
import {
  checkBrowserBinding,
  clearBindingCookie,
  misnamedHandle,
  presentedBinding,
  requireHandle,
} from '../browser-binding.js'
import type { Configuration, UserInfoMode } from '../config/configuration.js'
import { RUNTIME } from '../config/runtime.js'
import { OAuthResponseError, UsageError, ValidationError } from '../errors.js'
import { type IdTokenClaims, type IdTokenExpectations, validateIdToken } from '../id-token.js'
import {
  type CallbackInput,
  type CallbackParameters,
  type Delivery,
  readCallbackParameters,
} from '../lib/callback-input.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction } from '../storage.js'
import { type AccessToken, exchangeAuthorizationCode, toAccessToken } from '../token.js'
import { fetchUserInfo, type UserInfoOptions } from '../userinfo.js'
import { buildSignInResult, type SignInResult } from './result.js'

export type { CallbackInput } from '../lib/callback-input.js'

/**
 * Options of {@link handleCallback}.
 * @group Everyday use
 */
export interface CallbackOptions {
  /**
   * The browser-binding cookie's value (`AuthorizationRequest.browserBinding.value`), when the
   * application reads it itself. Default: read from the `Cookie` header of `cookie` or of the
   * `Request` input, by the cookie's name.
   */
  readonly browserBinding?: string
  /**
   * The callback request's `Cookie` header, when the input is not a `Request` (e.g. Express:
   * `req.headers.cookie`). Ignored when `browserBinding` is given.
   */
  readonly cookie?: string
  /** Aborts the token, JWKS and UserInfo requests. */
  readonly signal?: AbortSignal
  /** When to call UserInfo; default `config.settings.userinfo` (`when-available`). */
  readonly userinfo?: UserInfoMode
  /** Send the access token to UserInfo in the `Authorization: Bearer` header (default) or the form `body`. */
  readonly userinfoPlacement?: 'header' | 'body'
}

/** What each supported response type returns from the authorization endpoint. */
interface Shape {
  readonly code: boolean
  readonly idToken: boolean
  readonly token: boolean
}
const SHAPES: Readonly<Record<string, Shape>> = {
  code: { code: true, idToken: false, token: false },
  id_token: { code: false, idToken: true, token: false },
  'id_token token': { code: false, idToken: true, token: true },
  'code id_token': { code: true, idToken: true, token: false },
}

/**
 * Completes a sign-in from the authorization response. In order:
 *
 * 1. reads the parameters (duplicates and more than `settings.maxCallbackParameters`, default 50,
 *    refused; empty values count as absent, RFC 6749 §3.1);
 * 2. takes the transaction by `state` from the store, which consumes it: a replay, an unknown or an
 *    expired state is refused, and a failure at any later step leaves it consumed and nothing else
 *    changed;
 * 3. checks the callback came from the browser that started the sign-in: its browser-binding
 *    cookie (read from the `Request`'s `Cookie` header, `options.cookie` or
 *    `options.browserBinding`) must be the one `createAuthorizationRequest` returned as
 *    `browserBinding` (login CSRF defence);
 * 4. checks the transaction was made for this OP and client, and RFC 9207 `iss` (checked whenever
 *    present; required when the OP advertises `authorization_response_iss_parameter_supported`,
 *    except for a successful response of a response type that returns a front-channel ID token,
 *    whose validated `iss` claim identifies the OP: never for an error response);
 * 5. turns `error` into an {@link OAuthResponseError} carrying the OP's values;
 * 6. checks the response mode where the input shows it: a `form_post` sign-in must arrive by POST,
 *    a query sign-in in the query, and a fragment sign-in never in the query (front-channel tokens
 *    must not reach server logs). A POST answers a fragment sign-in too: that is how a server
 *    receives fragment parameters (see `docs/implicit.md`). Bare `URLSearchParams` or a bare
 *    parameter string are not checked;
 * 7. checks the parameters fit the response type: `code` needs `code` and no front-channel
 *    `id_token` or `access_token`; `id_token` needs `id_token`; `id_token token` also needs
 *    `access_token` and a `Bearer` `token_type`; `code id_token` (hybrid) both. Other response
 *    types (`code token`, `code id_token token`) are not supported (`INVALID_ARGUMENT`);
 * 8. validates a front-channel ID token (nonce required, `at_hash` and `c_hash` required and checked
 *    when an access token or code came with it), redeems the code (client authentication as
 *    configured, PKCE verifier) and validates the token endpoint's ID token (in a hybrid flow its
 *    `iss` and `sub` must equal the front-channel one's);
 * 9. calls UserInfo per the mode (its `sub` must be the ID token's) and builds the
 *    {@link SignInResult}.
 *
 * A `Request` is read by method: GET from its URL query, POST from its
 * `application/x-www-form-urlencoded` body (at most `settings.maxCallbackBytes`, default 64 KiB;
 * the body must not have been read).
 * A `URL` (or URL string) is read from its query, or from its fragment when the query has no
 * `state` and there is a fragment.
 * @param config - the configuration
 * @param input - the callback request, URL, fragment or form body
 * @param options - the browser-binding value or Cookie header, a signal, the UserInfo mode and placement
 * @returns the sign-in result
 * @throws {@link ValidationError} `CALLBACK_STATE_MISSING` (nothing consumed), `CALLBACK_STATE_UNKNOWN`,
 * `CALLBACK_BROWSER_BINDING_MISSING`, `CALLBACK_BROWSER_BINDING_MISMATCH`,
 * `CALLBACK_ISSUER_MISSING`, `CALLBACK_ISSUER_MISMATCH`, `CALLBACK_RESPONSE_MODE_MISMATCH`,
 * `CALLBACK_RESPONSE_TYPE_MISMATCH`, `CALLBACK_DUPLICATE_PARAMETER`, `CALLBACK_INVALID_INPUT`,
 * `CALLBACK_ID_TOKEN_MISMATCH`, `TOKEN_RESPONSE_INVALID`, `ID_TOKEN_*`, `JWT_*`, `JWKS_*`, `USERINFO_*`
 * @throws {@link OAuthResponseError} `AUTHORIZATION_ERROR_RESPONSE` (e.g. `access_denied`),
 * `TOKEN_ERROR_RESPONSE` (e.g. `invalid_grant`), `USERINFO_BEARER_CHALLENGE`
 * @throws {@link TransportError} `HTTP_*`, `STORE_ERROR` (the transaction store failed)
 * @throws {@link UsageError} `INVALID_ARGUMENT` (bad options: nothing consumed; or an unsupported
 * transaction), `USERINFO_UNAVAILABLE`, `MISSING_CREDENTIALS`, `ENDPOINT_MISSING`
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps | OIDC Core §3.1},
 * {@link https://openid.net/specs/openid-connect-core-1_0.html#ImplicitFlowSteps | §3.2},
 * {@link https://www.rfc-editor.org/rfc/rfc9207 | RFC 9207},
 * {@link https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html | Form Post Response Mode}
 * @example
 * ```ts
 * // a server: the framework gives a Request (GET query or form_post POST)
 * const result = await handleCallback(config, request) // reads the browser-binding cookie
 * session.user = result.attributes
 * session.idToken = result.idToken // for logout's id_token_hint
 *
 * // a browser application with the implicit flow: the parameters are in the fragment
 * const result = await handleCallback(config, location.href)
 * history.replaceState(null, '', location.pathname) // drop the tokens from the address bar
 * ```
 * @group Everyday use
 */
export async function handleCallback(
  config: Configuration,
  input: CallbackInput,
  options: CallbackOptions = {},
): Promise<SignInResult> {
  checkOptions(options)
  const cookieHeader =
    options.cookie ?? (input instanceof Request ? input.headers.get('cookie') : null)
  const { params, delivery } = await readCallbackParameters(input, {
    maxParameters: config.settings.maxCallbackParameters,
    maxBytes: config.settings.maxCallbackBytes,
  })
  const { transaction, binding } = await takeTransaction(
    config,
    params.state,
    options.browserBinding,
    cookieHeader,
  )
  await checkBrowserBinding(config[RUNTIME].store, transaction, binding)
  const shape = shapeOf(transaction)
  // RFC 9207: `iss` may be left out only where the transaction's response type brings a front-channel
  // ID token (validated below, its signed `iss` names the OP): never for an error response, and
  // never because of what the callback happens to carry.
  checkIssuer(config, transaction, params.iss, shape.idToken && params.error === undefined)
  if (params.error !== undefined) {
    throw new OAuthResponseError('AUTHORIZATION_ERROR_RESPONSE', {
      error: params.error,
      errorDescription: params.error_description,
      errorUri: params.error_uri,
    })
  }
  checkResponseMode(transaction, shape, delivery)
  checkShape(transaction.responseType, shape, params)
  const signal = options.signal

  let frontClaims: IdTokenClaims | undefined
  let idToken = params.id_token
  if (shape.idToken) {
    if (transaction.nonce === undefined) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `the transaction of a ${transaction.responseType} sign-in has no nonce`,
        { parameter: 'transaction.nonce' },
      )
    }
    frontClaims = await validateIdToken(
      config,
      idToken!,
      expectationsOf(transaction, 'authorization', signal, params.access_token, params.code),
    )
  }

  let idTokenClaims = frontClaims
  let accessToken: AccessToken | undefined
  let refreshToken: string | undefined
  if (shape.code) {
    const tokens = await exchangeAuthorizationCode(
      config,
      params.code!,
      {
        redirectUri: transaction.redirectUri,
        codeVerifier: transaction.codeVerifier,
        requireIdToken: true,
      },
      signal,
    )
    idToken = tokens.idToken!
    idTokenClaims = await validateIdToken(
      config,
      idToken,
      expectationsOf(transaction, 'token', signal, undefined, undefined),
    )
    if (frontClaims !== undefined) checkSameAuthentication(frontClaims, idTokenClaims)
    accessToken = toAccessToken(config, tokens, transaction.scope)
    refreshToken = tokens.refreshToken
  } else if (shape.token) {
    accessToken = frontAccessToken(config, params, transaction.scope)
  }
  const claims = idTokenClaims!

  const userinfo = await callUserInfo(config, claims, accessToken, options)
  return buildSignInResult(config, {
    idToken: idToken!,
    idTokenClaims: claims,
    userinfo,
    accessToken,
    refreshToken,
    transaction,
    clearBrowserBinding: binding === undefined ? undefined : clearBindingCookie(transaction),
  })
}

async function takeTransaction(
  config: Configuration,
  state: string | undefined,
  option: string | undefined,
  cookieHeader: string | null,
): Promise<{ transaction: Transaction; binding: string | undefined }> {
  if (state === undefined) {
    throw new ValidationError('CALLBACK_STATE_MISSING', 'the callback has no state parameter', {
      claim: 'state',
    })
  }
  const runtime = config[RUNTIME]
  // A 'handle' store (sealed) needs the cookie to open the transaction; other stores need it after.
  const handle =
    runtime.store.browserBinding === 'handle'
      ? requireHandle(presentedBinding(option, cookieHeader, state))
      : undefined
  const transaction = await callStore('transaction store take', () =>
    runtime.store.take(state, handle),
  )
  if (transaction === undefined || transaction.state !== state) {
    throw unknownState('no pending sign-in has this state: unknown, already used or expired')
  }
  if (transaction.expiresAt * 1000 <= runtime.now()) {
    throw unknownState('the pending sign-in for this state has expired')
  }
  if (transaction.clientId !== config.client.client_id) {
    throw unknownState('the pending sign-in for this state belongs to another client')
  }
  const binding = presentedBinding(option, cookieHeader, state, transaction.redirectUri)
  if (handle !== undefined && binding !== handle) throw misnamedHandle()
  return { transaction, binding }
}

function checkIssuer(
  config: Configuration,
  transaction: Transaction,
  iss: string | undefined,
  hasIdToken: boolean,
): void {
  if (transaction.issuer !== config.issuer) {
    throw issuerMismatch(
      `the pending sign-in was started with another OP (${clip(transaction.issuer)}), not ${config.issuer}`,
      transaction.issuer,
    )
  }
  if (iss === undefined) {
    // A front-channel ID token names its issuer in its signed `iss`, which is validated: OPs leave
    // `iss` out of such responses (oidc-provider does), and oauth4webapi does not require it then.
    if (config.provider.authorization_response_iss_parameter_supported === true && !hasIdToken) {
      throw new ValidationError(
        'CALLBACK_ISSUER_MISSING',
        'the OP advertises authorization_response_iss_parameter_supported but the callback has no iss',
        { claim: 'iss', expected: config.issuer },
      )
    }
  } else if (iss !== config.issuer) {
    throw issuerMismatch(
      `the callback iss ${JSON.stringify(clip(iss))} is not the OP's issuer ${config.issuer}`,
      clip(iss),
    )
  }
}

function issuerMismatch(message: string, actual: string): ValidationError {
  return new ValidationError('CALLBACK_ISSUER_MISMATCH', message, {
    claim: 'iss',
    expected: 'the issuer of the configuration',
    actual,
  })
}

function shapeOf(transaction: Transaction): Shape {
  const type = transaction.responseType
  const key = Object.hasOwn(SHAPES, type) ? type : type.split(' ').sort().join(' ')
  const shape = Object.hasOwn(SHAPES, key) ? SHAPES[key] : undefined
  if (shape === undefined) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `the response type ${JSON.stringify(clip(transaction.responseType))} is not supported`,
      { parameter: 'transaction.responseType' },
    )
  }
  return shape
}

function checkResponseMode(transaction: Transaction, shape: Shape, delivery: Delivery): void {
  if (delivery === 'unknown') return
  const expected = transaction.responseMode ?? (shape.idToken || shape.token ? 'fragment' : 'query')
  const fits =
    expected === 'form_post'
      ? delivery === 'form_post'
      : expected === 'query'
        ? delivery === 'query'
        : expected === 'fragment'
          ? delivery !== 'query'
          : true
  if (!fits) {
    throw new ValidationError(
      'CALLBACK_RESPONSE_MODE_MISMATCH',
      `the sign-in used response mode ${clip(expected)} but the callback came in the ${delivery === 'form_post' ? 'POST body' : delivery}`,
      { claim: 'response_mode', expected, actual: delivery },
    )
  }
}

function checkShape(responseType: string, shape: Shape, params: CallbackParameters): void {
  expectParameter('code', shape.code, params.code, responseType)
  expectParameter('id_token', shape.idToken, params.id_token, responseType)
  expectParameter('access_token', shape.token, params.access_token, responseType)
  if (shape.token) {
    const type = params.token_type
    if (type === undefined) expectParameter('token_type', true, type, responseType)
    else if (type.toLowerCase() !== 'bearer') {
      throw invalidInput(
        `the callback token_type must be Bearer, got ${JSON.stringify(clip(type))}`,
      )
    }
  }
}

function expectParameter(
  name: string,
  wanted: boolean,
  value: string | undefined,
  responseType: string,
): void {
  if (wanted === (value !== undefined)) return
  throw new ValidationError(
    'CALLBACK_RESPONSE_TYPE_MISMATCH',
    wanted
      ? `the callback has no ${name}, which response type ${responseType} returns`
      : `the callback has a ${name}, which response type ${responseType} never returns`,
    { claim: name, expected: wanted ? 'present' : 'absent', actual: wanted ? 'absent' : 'present' },
  )
}

function expectationsOf(
  transaction: Transaction,
  source: 'authorization' | 'token',
  signal: AbortSignal | undefined,
  accessToken: string | undefined,
  code: string | undefined,
): IdTokenExpectations {
  const expectations: Record<string, unknown> = { source }
  if (accessToken !== undefined) expectations.accessToken = accessToken
  if (code !== undefined) expectations.code = code
  if (transaction.nonce !== undefined) expectations.nonce = transaction.nonce
  if (transaction.maxAgeInSeconds !== undefined)
    expectations.maxAgeInSeconds = transaction.maxAgeInSeconds
  if (transaction.requireAuthTime !== undefined) {
    expectations.requireAuthTime = transaction.requireAuthTime
  }
  if (transaction.requiredAcr !== undefined) expectations.requiredAcr = transaction.requiredAcr
  if (signal !== undefined) expectations.signal = signal
  return expectations as unknown as IdTokenExpectations
}

/** OIDC Core §3.3.3.6: both ID tokens of a hybrid flow speak of one authentication. */
function checkSameAuthentication(front: IdTokenClaims, back: IdTokenClaims): void {
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

const DIGITS = /^\d{1,10}$/

function frontAccessToken(
  config: Configuration,
  params: CallbackParameters,
  requestedScope: string,
): AccessToken {
  const expiresIn = params.expires_in
  if (expiresIn !== undefined && !DIGITS.test(expiresIn)) {
    throw invalidInput('the callback expires_in must be a number of seconds')
  }
  return toAccessToken(
    config,
    {
      accessToken: params.access_token!,
      expiresIn: expiresIn === undefined ? undefined : Number(expiresIn),
      refreshToken: undefined,
      scope: params.scope,
      idToken: undefined,
    },
    requestedScope,
  )
}

async function callUserInfo(
  config: Configuration,
  claims: IdTokenClaims,
  accessToken: AccessToken | undefined,
  options: CallbackOptions,
): Promise<Record<string, unknown> | undefined> {
  const mode = options.userinfo ?? config.settings.userinfo
  if (mode === 'never') return undefined
  if (config.provider.userinfo_endpoint === undefined || accessToken === undefined) {
    if (mode !== 'required') return undefined
    throw new UsageError(
      'USERINFO_UNAVAILABLE',
      accessToken === undefined
        ? 'UserInfo is required but no access token came (response type id_token?)'
        : 'UserInfo is required but the OP has no userinfo_endpoint',
      { parameter: 'userinfo' },
    )
  }
  const fetchOptions: Record<string, unknown> = { expectedSubject: claims.sub }
  if (options.userinfoPlacement !== undefined) fetchOptions.placement = options.userinfoPlacement
  if (options.signal !== undefined) fetchOptions.signal = options.signal
  return fetchUserInfo(config, accessToken.value, fetchOptions as unknown as UserInfoOptions)
}

const USERINFO_MODES: readonly unknown[] = ['never', 'when-available', 'required']
const PLACEMENTS: readonly unknown[] = ['header', 'body']

/** Refuses bad options before anything is consumed. */
function checkOptions(options: CallbackOptions): void {
  const bad =
    options.userinfo !== undefined && !USERINFO_MODES.includes(options.userinfo)
      ? 'userinfo'
      : options.userinfoPlacement !== undefined && !PLACEMENTS.includes(options.userinfoPlacement)
        ? 'userinfoPlacement'
        : options.browserBinding !== undefined && typeof options.browserBinding !== 'string'
          ? 'browserBinding'
          : options.cookie !== undefined && typeof options.cookie !== 'string'
            ? 'cookie'
            : undefined
  if (bad !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', `the callback option ${bad} is not valid`, {
      parameter: bad,
    })
  }
}

function unknownState(message: string): ValidationError {
  return new ValidationError('CALLBACK_STATE_UNKNOWN', message, { claim: 'state' })
}

function invalidInput(message: string): ValidationError {
  return new ValidationError('CALLBACK_INVALID_INPUT', message)
}

function clip(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value
}
