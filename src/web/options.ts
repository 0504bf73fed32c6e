/**
 * The options of `oidc-rp/web`, checked once.
 *
 * Where the routes are, how long sessions last, where they live, and the application's hooks.
 *
 * @module
 */
import type { AuthorizationParameters } from '../authorization/request.js'
import type { SignInResult } from '../callback/result.js'
import type { AnyOidcRpError } from '../errors.js'
import { invalidArgument, positiveTtl } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import type { SessionStore } from '../storage.js'

/**
 * The paths `oidc-rp/web` serves.
 *
 * The callback and the post-logout return are the paths of the client's `redirect_uris` and
 * `post_logout_redirect_uris`, so they are not set here.
 *
 * @group Web
 */
export interface WebRoutes {
  /** Starts a sign-in: `GET`, with an optional `returnTo`. Default `/auth/login`. */
  readonly login?: string
  /** Signs out: `GET` shows a confirmation form, `POST` signs out. Default `/auth/logout`. */
  readonly logout?: string
  /** Shows why a sign-in failed, by its error code only. Default `/auth/error`. */
  readonly error?: string
  /** Receives the OP's back-channel logout `POST`. Default `/auth/backchannel-logout`. */
  readonly backChannelLogout?: string
  /** Receives the OP's front-channel logout iframe `GET`. Default `/auth/frontchannel-logout`. */
  readonly frontChannelLogout?: string
}

/**
 * Options of `createWebAuth`.
 * @group Web
 */
export interface WebAuthOptions {
  /**
   * The keys that seal the session cookie, 32 bytes each (a `Uint8Array` or its base64url).
   *
   * The first seals, all open: put a new key first, and drop the old one once the sessions it
   * sealed have expired (the absolute timeout). Keep them secret, like a password database.
   */
  readonly secrets: readonly (string | Uint8Array)[]
  /**
   * Where sessions are recorded, so back- and front-channel logout can end them.
   *
   * Default an in-memory store of this process. With several processes or machines give a shared
   * one (`createRedisSessionStore` from `oidc-rp/redis`): a session ended by logout must be ended
   * everywhere, and a refresh must happen once.
   */
  readonly sessionStore?: SessionStore
  /**
   * Where the session's user, attributes and tokens live.
   *
   * - `'cookie'` (default): sealed (encrypted and authenticated) in the session cookie, split
   *   across several cookies past the browser's ~4 KB limit; the store keeps what logout needs.
   * - `'store'`: in the session store; the cookie holds only a sealed session id. Choose it for
   *   large sessions, or to refresh once across machines (with the Redis store's lock).
   */
  readonly sessionData?: 'cookie' | 'store'
  /**
   * The session cookie's name, without the `__Host-` prefix https adds. Default `oidc-rp.session`.
   *
   * Give each `createWebAuth` of one origin its own (several OPs side by side). The logout state
   * cookie is named after it, with `-logout`.
   */
  readonly cookieName?: string
  /** The paths of the routes; see {@link WebRoutes} for the defaults. */
  readonly routes?: WebRoutes
  /**
   * How long a session lasts without a request, in seconds. Default 86,400 (one day).
   *
   * Each request that finds the session more than a tenth of this old renews its cookie.
   */
  readonly idleTimeoutInSeconds?: number
  /** How long a session lasts at most after sign-in, in seconds. Default 604,800 (seven days). */
  readonly absoluteTimeoutInSeconds?: number
  /**
   * Refresh the access token when it expires within this many seconds. Default 60.
   *
   * Only sessions with a refresh token are refreshed.
   */
  readonly refreshLeewayInSeconds?: number
  /**
   * The authorization parameters of every sign-in, or a function of the login request.
   *
   * Checked by the configuration's policy, as for `createAuthorizationRequest`. Default, when the
   * policy leaves the scope to the application (no policy given): `scope: openid profile email`
   * (those of them the OP supports).
   */
  readonly loginParameters?:
    | AuthorizationParameters
    | ((request: Request) => AuthorizationParameters | Promise<AuthorizationParameters>)
  /**
   * Origins besides the application's own that `returnTo` may name, e.g. `https://app.example`.
   *
   * Default none: only paths of the application.
   */
  readonly allowedReturnOrigins?: readonly string[]
  /**
   * What the session keeps of a sign-in besides the user and attributes (JSON). Default nothing.
   *
   * The merged claims, the attributes and the tokens are always kept.
   */
  readonly onSignIn?: (
    result: SignInResult,
  ) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>
  /**
   * The response for a sign-in, login or logout that failed.
   *
   * Default: a redirect to the error route with the error's code alone, so nothing of the
   * callback (code, state, tokens) stays in the address bar. The error is typed: log its `code`.
   */
  readonly onError?: (error: AnyOidcRpError, request: Request) => Response | Promise<Response>
  /**
   * Revoke the session's tokens at logout (RFC 7009): the refresh token, then the access token.
   *
   * Default true; it happens only when the OP has a `revocation_endpoint`. The session has ended
   * before: a revocation that fails (OP unreachable, 503, an OAuth error) never blocks the logout,
   * it goes to {@link WebAuthOptions.onRevocationError}. It delays the logout redirect by the OP's
   * answers (at most `settings.timeoutInMs` each).
   */
  readonly revokeOnLogout?: boolean
  /**
   * Told of each revocation at logout that failed.
   *
   * Its return value is ignored, and so is its own failure. Default: nothing is done (the token
   * then lives until it expires).
   *
   * The error is an oidc-rp error in practice (`TransportError`, `OAuthResponseError`, …): log its
   * `code`; check with `isOidcRpError`.
   */
  readonly onRevocationError?: (
    error: unknown,
    tokenTypeHint: 'access_token' | 'refresh_token',
    request: Request,
  ) => void | Promise<void>
  /**
   * The application's DPoP key (RFC 9449): the sessions' tokens are bound to it.
   *
   * Each sign-in sends its thumbprint (`dpop_jkt`) and redeems the code with a proof, UserInfo and
   * every refresh carry a proof, and the session's access token is a `DPoP` one: call APIs with
   * `fetchProtectedResource(config, url, session.accessToken, { dpop })`. Default none (`Bearer`
   * tokens). Required by `securityProfile: 'fapi2'` unless the client has certificate-bound tokens.
   *
   * One key for the application (its processes are one client to the OP): every
   * process that reads the same sessions must have a handle of the same key pair, made from a
   * private key stored once with the other secrets (docs/web.md shows how). A process with another
   * key refreshes each session it reads at once, to bind it to its key (what rotating the key
   * needs); with a key generated at each start, processes would undo each other's bindings at every
   * request. A process without the option refuses to refresh a DPoP session (`DPOP_KEY_MISMATCH`)
   * rather than turn it into a `Bearer` one. Logout's revocation sends no proof (RFC 9449 defines
   * none for RFC 7009).
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5, §7, §10}
   */
  readonly dpop?: DPoPHandle
}

/**
 * The options with their defaults, checked.
 * @internal
 */
export interface WebSettings {
  readonly routes: Required<WebRoutes>
  readonly cookieName: string
  readonly sessionData: 'cookie' | 'store'
  readonly idleTimeout: number
  readonly absoluteTimeout: number
  readonly refreshLeeway: number
  readonly allowedReturnOrigins: ReadonlySet<string>
  readonly revokeOnLogout: boolean
}

const DEFAULT_ROUTES: Required<WebRoutes> = {
  login: '/auth/login',
  logout: '/auth/logout',
  error: '/auth/error',
  backChannelLogout: '/auth/backchannel-logout',
  frontChannelLogout: '/auth/frontchannel-logout',
}

/**
 * Checks the options and fills in the defaults.
 * @param options - the application's options
 * @returns the settings
 * @throws `UsageError` `INVALID_ARGUMENT` naming the option
 * @internal
 */
export function webSettings(options: WebAuthOptions): WebSettings {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const routes = { ...DEFAULT_ROUTES }
  for (const [name, path] of Object.entries(options.routes ?? {})) {
    if (!(name in DEFAULT_ROUTES)) throw invalidArgument(`routes.${name}`, 'a known route')
    if (path === undefined) continue
    if (typeof path !== 'string' || !/^\/[\w\-./~]*$/.test(path) || path.startsWith('//')) {
      throw invalidArgument(`routes.${name}`, 'a path starting with /')
    }
    routes[name as keyof WebRoutes] = path
  }
  const sessionData = options.sessionData ?? 'cookie'
  if (sessionData !== 'cookie' && sessionData !== 'store') {
    throw invalidArgument('sessionData', "'cookie' or 'store'")
  }
  const origins = new Set<string>()
  for (const origin of options.allowedReturnOrigins ?? []) {
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {
      parsed = undefined
    }
    if (parsed === undefined || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw invalidArgument('allowedReturnOrigins', 'origins such as https://app.example')
    }
    origins.add(origin)
  }
  const leeway = options.refreshLeewayInSeconds ?? 60
  if (typeof leeway !== 'number' || !(leeway >= 0) || !Number.isFinite(leeway)) {
    throw invalidArgument('refreshLeewayInSeconds', 'a number of seconds, 0 or more')
  }
  const revokeOnLogout = options.revokeOnLogout ?? true
  if (typeof revokeOnLogout !== 'boolean') throw invalidArgument('revokeOnLogout', 'a boolean')
  for (const hook of ['onSignIn', 'onError', 'onRevocationError', 'loginParameters'] as const) {
    const value = options[hook]
    if (hook !== 'loginParameters' && value !== undefined && typeof value !== 'function') {
      throw invalidArgument(hook, 'a function')
    }
  }
  const { dpop } = options
  if (
    dpop !== undefined &&
    (typeof dpop?.thumbprint !== 'string' || typeof dpop.proof !== 'function')
  ) {
    throw invalidArgument('dpop', 'a handle from createDPoPHandle')
  }
  const cookieName = options.cookieName ?? 'oidc-rp.session'
  // a name ending in .<digits> would read as a chunk of another name's session cookie
  if (
    typeof cookieName !== 'string' ||
    !/^[\w.-]{1,64}$/.test(cookieName) ||
    /\.\d+$/.test(cookieName)
  ) {
    throw invalidArgument(
      'cookieName',
      'letters, digits, _, . and - (at most 64), not ending in .<digits>',
    )
  }
  return {
    routes,
    cookieName,
    sessionData,
    idleTimeout: positiveTtl(options.idleTimeoutInSeconds ?? 86_400, 'idleTimeoutInSeconds'),
    absoluteTimeout: positiveTtl(
      options.absoluteTimeoutInSeconds ?? 604_800,
      'absoluteTimeoutInSeconds',
    ),
    refreshLeeway: leeway,
    allowedReturnOrigins: origins,
    revokeOnLogout,
  }
}
