/**
 * The sign-in.
 *
 * The checked authorization response, then the code exchange, the ID token(s), UserInfo and the
 * result.
 *
 * @module
 */
import { loadClaimSources } from '../claims/resolve.js'
import type { Configuration } from '../config/configuration.js'
import { attributeLookupFeature } from '../config/features.js'
import { runtimeOf } from '../config/runtime.js'
import type { UserInfoMode } from '../config/settings.js'
import { USERINFO_MODES } from '../config/settings.js'
import { OAuthResponseError, UsageError, ValidationError } from '../errors.js'
import { type AccessToken, toAccessToken } from '../grants/token-messages.js'
import { type IdTokenClaims, validateIdToken } from '../id-token.js'
import type { DPoPHandle } from '../lib/dpop.js'
import type { Mutable } from '../lib/json.js'
import { lazy } from '../lib/lazy.js'
import type { CallbackInput } from '../lib/request-input.js'
import { exchangeAuthorizationCode } from '../token.js'
import { fetchUserInfo, type UserInfoOptions } from '../userinfo.js'
import { callsUserInfo } from '../userinfo-response.js'
import { admitSignIn } from './admission.js'
import { expectationsOf } from './expectations.js'
import { readAuthorizationResponse } from './response.js'
import { buildSignInResult, mergeClaims, type SignInResult } from './result.js'

/** The implicit and hybrid flows' front channel, loaded with the first sign-in that has one. */
const loadFrontChannel = /* @__PURE__ */ lazy(() => import('./front-channel.js'))

/**
 * Options of {@link handleCallback}.
 * @group Everyday use
 */
export interface CallbackOptions {
  /**
   * The browser-binding cookie's value, when the application reads the cookie itself.
   *
   * That is `AuthorizationRequest.browserBinding.value`. Default: read from the `Cookie` header of
   * `cookie` or of the `Request` input, by the cookie's name.
   */
  readonly browserBinding?: string
  /**
   * The callback request's `Cookie` header, when the input is not a `Request`.
   *
   * For example Express's `req.headers.cookie`. Ignored when `browserBinding` is given.
   */
  readonly cookie?: string
  /** Aborts the token, JWKS and UserInfo requests. */
  readonly signal?: AbortSignal
  /** When to call UserInfo; default `config.settings.userinfo` (`when-available`). */
  readonly userinfo?: UserInfoMode
  /**
   * Where the access token goes to UserInfo: `header` (default) or the form `body`.
   *
   * The header is `Authorization: Bearer`.
   */
  readonly userinfoPlacement?: 'header' | 'body'
  /**
   * The DPoP key the sign-in's tokens are to be bound to (RFC 9449 §5, §10).
   *
   * The code is redeemed with a proof, the access token must come as `DPoP`, and UserInfo is
   * called with it.
   *
   * Required, and the same key, when the authorization request had one (its `dpop_jkt`).
   */
  readonly dpop?: DPoPHandle
}

/**
 * Completes a sign-in from the authorization response.
 *
 * 1. reads the parameters (limits: `settings.maxCallbackParameters`, `settings.maxCallbackBytes`);
 *    a JARM `response` is decrypted, verified and unwrapped before any of them is used;
 * 2. takes the transaction by `state` from the store, which consumes it;
 * 3. checks the browser-binding cookie (login CSRF defence);
 * 4. checks the OP: the transaction's issuer and RFC 9207 `iss`;
 * 5. turns `error` into an {@link OAuthResponseError};
 * 6. checks the response mode (`query`, `fragment`, `form_post`) where the input shows it;
 * 7. checks the parameters fit the response type;
 * 8. validates a front-channel ID token (`at_hash`, `c_hash`), redeems the code and validates the
 * token endpoint's one (hybrid: same `iss` and `sub` as the front-channel one);
 * 9. calls UserInfo per the mode, resolves aggregated and distributed claims when the connection
 *    has `claimSources` (docs/claims.md), and builds the {@link SignInResult}.
 *
 * Each step, how each kind of input is read, and the error codes: `docs/callback.md` (shipped
 * with the package).
 * @param config - the configuration: every part the sign-in steps read (see `docs/callback.md`)
 * @param input - the callback request, URL, fragment or form body
 * @param options - the browser-binding value or Cookie header, a signal, the UserInfo mode and
 * placement
 * @returns the sign-in result
 * @throws {@link ValidationError} `CALLBACK_STATE_MISSING` (nothing consumed),
 * `CALLBACK_STATE_UNKNOWN` (in a page with the default in-memory store, its message says that store
 * does not survive the redirect and names the fix),
 * `CALLBACK_BROWSER_BINDING_MISSING`, `CALLBACK_BROWSER_BINDING_MISMATCH`,
 * `CALLBACK_ISSUER_MISSING`, `CALLBACK_ISSUER_MISMATCH`, `CALLBACK_RESPONSE_MODE_MISMATCH`,
 * `CALLBACK_RESPONSE_TYPE_MISMATCH`, `CALLBACK_DUPLICATE_PARAMETER`, `CALLBACK_INVALID_INPUT`,
 * `CALLBACK_ID_TOKEN_MISMATCH`, `TOKEN_RESPONSE_INVALID`, `ID_TOKEN_*`, `JWT_*`, `JWKS_*`,
 * `USERINFO_*`, `JARM_*` (a JWT Secured Authorization Response refused, or a plain response to a
 * JARM sign-in and the reverse), `CLAIM_SOURCE_*` (a claim source refused, with `claimSources`)
 * @throws {@link OAuthResponseError} `AUTHORIZATION_ERROR_RESPONSE` (e.g. `access_denied`),
 * `TOKEN_ERROR_RESPONSE` (e.g. `invalid_grant`), `USERINFO_BEARER_CHALLENGE`
 * @throws {@link TransportError} `HTTP_*`, `STORE_ERROR` (the transaction store failed),
 * `CLAIM_SOURCE_UNAVAILABLE`
 * @throws {@link UsageError} `INVALID_ARGUMENT` (bad options: nothing consumed; or an unsupported
 * transaction), `DPOP_KEY_MISMATCH` (the authorization request named another DPoP key, or the
 * callback none), `USERINFO_UNAVAILABLE`, `MISSING_CREDENTIALS`, `ENDPOINT_MISSING`
 * @throws {@link ValidationError} `TOKEN_TYPE_UNEXPECTED` (a `token_type` other than the one asked
 * for: `DPoP` with the `dpop` option, `Bearer` without)
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps | OIDC Core §3.1},
 * {@link https://openid.net/specs/openid-connect-core-1_0.html#ImplicitFlowSteps | §3.2},
 * {@link https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowSteps | §3.3},
 * {@link https://www.rfc-editor.org/rfc/rfc9207 | RFC 9207},
 * {@link https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html | Form Post Response Mode},
 * {@link https://openid.net/specs/oauth-v2-jarm.html#section-4.4 | JARM §4.4}
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
  const { transaction, shape, params, clearBinding } = await readAuthorizationResponse(
    config,
    input,
    options,
    options.signal,
  )
  const signal = options.signal
  const { dpop } = options
  if (transaction.dpopJkt !== undefined && dpop?.thumbprint !== transaction.dpopJkt) {
    throw new UsageError(
      'DPOP_KEY_MISMATCH',
      dpop === undefined
        ? 'the authorization request bound the code to a DPoP key (dpop_jkt): pass its handle as the dpop option'
        : "the dpop option's key is not the one the authorization request named in dpop_jkt",
      { parameter: 'dpop' },
    )
  }

  // Implicit and hybrid: the front channel's tokens (a module loaded with the first such sign-in).
  const frontChannel = shape.idToken || shape.token ? await loadFrontChannel() : undefined
  const front = await frontChannel?.readFrontChannel(config, transaction, shape, params, signal)
  let idToken = params.id_token
  let idTokenClaims = front?.idTokenClaims
  let accessToken: AccessToken | undefined
  let refreshToken: string | undefined
  // Hybrid `code token` / `code id_token token` (OIDC Core §3.3.2.5): the front-channel access
  // token, checked by the front-channel ID token's at_hash (when one came), is kept apart from the
  // token endpoint's, which is the result's accessToken.
  const frontChannelAccessToken = shape.code ? front?.accessToken : undefined
  if (shape.code) {
    const tokens = await exchangeAuthorizationCode(
      config,
      params.code!,
      {
        redirectUri: transaction.redirectUri,
        codeVerifier: transaction.codeVerifier,
        requireIdToken: true,
        dpop,
      },
      signal,
    )
    idToken = tokens.idToken!
    idTokenClaims = await validateIdToken(
      config,
      idToken,
      expectationsOf(transaction, 'token', signal),
    )
    if (front?.idTokenClaims !== undefined) {
      frontChannel!.checkSameAuthentication(front.idTokenClaims, idTokenClaims)
    }
    accessToken = toAccessToken(tokens, transaction.scope, runtimeOf(config).now())
    refreshToken = tokens.refreshToken
  } else {
    accessToken = front?.accessToken
  }
  const claims = idTokenClaims!

  const userinfo = await callUserInfo(config, claims, accessToken, options)
  const resolved =
    config.claimSources !== undefined && (namesSources(userinfo) || namesSources(claims))
      ? await (await loadClaimSources()).resolveSignInClaims(
          config,
          mergeClaims(claims, userinfo),
          [userinfo, claims],
          signal,
        )
      : undefined
  const lookup = runtimeOf(config).attributeLookup
  const lookedUp =
    lookup === undefined
      ? undefined
      : await attributeLookupFeature().lookUpAttributes(
          lookup,
          {
            issuer: claims.iss,
            idTokenClaims: claims,
            claims: resolved?.claims ?? mergeClaims(claims, userinfo),
          },
          config.settings.attributeLookupTimeoutInSeconds,
          signal,
        )
  const result = buildSignInResult(config, {
    resolved,
    lookedUp,
    idToken: idToken!,
    idTokenClaims: claims,
    userinfo,
    accessToken,
    refreshToken,
    frontChannelAccessToken,
    transaction,
    clearBrowserBinding: clearBinding,
  })
  return admitSignIn(config, transaction, result)
}

/** Whether a claims object names aggregated or distributed claims (OIDC Core §5.6.2). */
function namesSources(claims: Readonly<Record<string, unknown>> | undefined): boolean {
  return (
    claims !== undefined &&
    (claims._claim_names !== undefined || claims._claim_sources !== undefined)
  )
}

async function callUserInfo(
  config: Configuration,
  claims: IdTokenClaims,
  accessToken: AccessToken | undefined,
  options: CallbackOptions,
): Promise<Record<string, unknown> | undefined> {
  const mode = options.userinfo ?? config.settings.userinfo
  const hasEndpoint = config.provider.userinfo_endpoint !== undefined
  const called = callsUserInfo(mode, hasEndpoint, accessToken !== undefined)
  if (!called || accessToken === undefined) return undefined
  const fetchOptions: Mutable<UserInfoOptions> = { expectedSubject: claims.sub }
  if (options.userinfoPlacement !== undefined) fetchOptions.placement = options.userinfoPlacement
  if (options.signal !== undefined) fetchOptions.signal = options.signal
  if (accessToken.type === 'DPoP' && options.dpop !== undefined) fetchOptions.dpop = options.dpop
  return fetchUserInfo(config, accessToken, fetchOptions)
}

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
            : options.dpop !== undefined && typeof options.dpop?.thumbprint !== 'string'
              ? 'dpop'
              : undefined
  if (bad !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', `the callback option ${bad} is not valid`, {
      parameter: bad,
    })
  }
}
