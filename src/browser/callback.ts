/**
 * A page's callback: the code exchanged, the ID token validated, UserInfo called.
 *
 * Every check is the core's (`handleCallback` of `oidc-rp/core`), on the page's configuration.
 *
 * @module
 */

import {
  CODE_SHAPE,
  callbackParameters,
  callbackReadRules,
  checkCallbackIssuer,
  checkPendingSignIn,
  checkResponse,
  issuerRequiredBy,
  jarmUnexpected,
  requireState,
} from '../callback/response-checks.js'
import { mergeClaims, type SignInTransaction } from '../callback/result.js'
import type { UserInfoMode } from '../config/settings.js'
import { UsageError } from '../errors.js'
import { type AccessToken, codeGrantForm, toAccessToken } from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import { invalidArgument } from '../lib/checks.js'
import { readUrlInput } from '../lib/request-params.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction } from '../storage.js'
import { callsUserInfo } from '../userinfo-response.js'
import { type PageConfiguration, pageRuntimeOf } from './configuration.js'
import { sendTokenForm, validatePageIdToken } from './token-request.js'
import { fetchUserInfo } from './userinfo.js'

/**
 * What a page's callback gives.
 * @group Page sign-in
 */
export interface PageSignInResult {
  /** The ID token, as it came. Never log it. */
  readonly idToken: string
  /** Its validated claims. */
  readonly idTokenClaims: IdTokenClaims
  /** The UserInfo claims, when UserInfo was called. */
  readonly userinfo?: Readonly<Record<string, unknown>>
  /** The ID token's claims with UserInfo's added (the ID token's win). */
  readonly claims: Readonly<Record<string, unknown>>
  /** The access token. */
  readonly accessToken: AccessToken
  /** The refresh token, when the OP gave one. */
  readonly refreshToken?: string
  /** The sign-in's request: its scope, redirect URI, time and application state. */
  readonly transaction: SignInTransaction
}

/**
 * How a page's callback runs.
 * @group Page sign-in
 */
export interface PageCallbackOptions {
  /**
   * When to call UserInfo.
   *
   * Default: the settings' `userinfo` (`when-available`: when the OP has a UserInfo endpoint).
   */
  readonly userinfo?: UserInfoMode
  /** Aborts the requests. */
  readonly signal?: AbortSignal
}

/**
 * Handles the redirect back to the page.
 *
 * Reads the response from the URL, takes the pending sign-in of its `state` from the page's store
 * (once), checks `iss` (RFC 9207), the response's form and any OP error, exchanges the code with
 * its PKCE verifier, validates the ID token (signature always verified, then every claim of OIDC
 * Core §3.1.3.7) and calls UserInfo, whose `sub` must be the ID token's.
 *
 * Take the code out of the address bar afterwards, whatever happened (`history.replaceState`).
 *
 * @param config - the configuration made by `discover`
 * @param input - the page's URL (`location.href`), or its query (`location.search`)
 * @param options - UserInfo, abort signal
 * @returns the tokens and claims
 * @throws `OAuthResponseError` `AUTHORIZATION_ERROR_RESPONSE` (the OP's answer, e.g. the
 * user refused), `TOKEN_ERROR_RESPONSE`, `USERINFO_BEARER_CHALLENGE`
 * @throws `ValidationError` `CALLBACK_*`, `TOKEN_*`, `ID_TOKEN_*`, `JWT_*`, `JWKS_*`,
 * `USERINFO_*`
 * @throws `TransportError` `HTTP_*`, `STORE_ERROR`
 * @throws `UsageError` `INVALID_ARGUMENT`, `USERINFO_UNAVAILABLE`
 * @example
 * ```ts
 * try {
 *   const result = await handleCallback(config, location.href)
 * } finally {
 *   history.replaceState(null, '', location.pathname)
 * }
 * ```
 * @group Page sign-in
 */
export async function handleCallback(
  config: PageConfiguration,
  input: string | URL,
  options: PageCallbackOptions = {},
): Promise<PageSignInResult> {
  const { settings, provider } = config
  const runtime = pageRuntimeOf(config)
  const read = readUrlInput(input, callbackReadRules(settings))
  if (read === undefined) throw invalidArgument('input', "the page's URL (location.href)")
  const { params, delivery } = callbackParameters(read)
  if (params.response !== undefined) throw jarmUnexpected()
  const transaction = await takePendingSignIn(config, params.state)
  if (transaction.responseType !== 'code') {
    // a sign-in the core started in the same store (an implicit or hybrid one)
    throw new UsageError(
      'INVALID_ARGUMENT',
      "this pending sign-in is not a code flow's: finish it with oidc-rp/core's handleCallback",
      { parameter: 'input' },
    )
  }
  checkCallbackIssuer(transaction, params.iss, {
    issuer: config.issuer,
    requiredBy: issuerRequiredBy(undefined, provider, false),
    isTenantIssuer: undefined,
  })
  checkResponse(transaction, CODE_SHAPE, params, delivery, undefined)

  const form = codeGrantForm(params.code!, transaction.redirectUri, transaction.codeVerifier)
  const tokens = await sendTokenForm(config, form, 'required', options.signal)
  const idToken = tokens.idToken!
  const now = runtime.now()
  const idTokenClaims = await validatePageIdToken(
    config,
    idToken,
    {
      source: 'token',
      nonce: transaction.nonce ?? null,
      maxAgeInSeconds: transaction.maxAgeInSeconds,
      requireAuthTime: transaction.requireAuthTime === true,
      requiredAcr: transaction.requiredAcr,
    },
    now,
    options.signal,
  )
  const accessToken = toAccessToken(tokens, transaction.scope, now)
  const userinfo = await callUserInfo(config, idTokenClaims, accessToken, options)
  return {
    idToken,
    idTokenClaims,
    ...(userinfo === undefined ? {} : { userinfo }),
    claims: mergeClaims(idTokenClaims, userinfo),
    accessToken,
    ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
    transaction: {
      scope: transaction.scope,
      responseType: transaction.responseType,
      redirectUri: transaction.redirectUri,
      createdAt: transaction.createdAt,
      ...(transaction.appState === undefined ? {} : { appState: transaction.appState }),
    },
  }
}

/** Takes the pending sign-in of `state` from the page's store, once. */
async function takePendingSignIn(
  config: PageConfiguration,
  state: string | undefined,
): Promise<Transaction> {
  requireState(state)
  const runtime = pageRuntimeOf(config)
  return checkPendingSignIn(
    await callStore('transaction store take', () => runtime.store.take(state)),
    state,
    { clientId: config.client.client_id, now: runtime.now(), hint: '' },
  )
}

async function callUserInfo(
  config: PageConfiguration,
  claims: IdTokenClaims,
  accessToken: AccessToken,
  options: PageCallbackOptions,
): Promise<Record<string, unknown> | undefined> {
  const mode = options.userinfo ?? config.settings.userinfo
  if (!callsUserInfo(mode, config.provider.userinfo_endpoint !== undefined, true)) return undefined
  return fetchUserInfo(config, accessToken, {
    expectedSubject: claims.sub,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
}
