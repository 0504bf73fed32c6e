/**
 * What every `oidc-rp/web` handler shares.
 *
 * The configuration, the settings, the session store, the cookie sealer and names, and the
 * refreshes in flight.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { checkedClock, runtimeOf } from '../config/runtime.js'
import { requireSenderConstraint } from '../config/security-profile.js'
import { UsageError } from '../errors.js'
import type { SessionStore } from '../storage.js'
import { createMemorySessionStore } from '../stores/memory.js'
import { cookieName } from './cookies.js'
import type { WebAuthOptions, WebSettings } from './options.js'
import { webSettings } from './options.js'
import { type CookieSealer, createCookieSealer } from './sealed-cookie.js'

/**
 * The state shared by the handlers of one `createWebAuth`.
 * @internal
 */
export interface WebContext {
  readonly config: Configuration
  /** The registry connection of `config`, when `createWebAuth` was given a registry. */
  readonly connection?: string
  readonly options: WebAuthOptions
  readonly settings: WebSettings
  readonly store: SessionStore
  readonly sealer: CookieSealer
  /** The application's origin: the redirect URI's. */
  readonly appOrigin: string
  /** Whether the application is served over https (cookies get `Secure` and `__Host-`). */
  readonly secure: boolean
  /** The session cookie's name, and the logout state cookie's. */
  readonly cookies: { readonly session: string; readonly logout: string }
  /** The paths of the client's redirect URIs at the application's origin. */
  readonly callbackPaths: ReadonlySet<string>
  /** The path of the first post-logout redirect URI, when the client registered one. */
  readonly postLogoutPath: string | undefined
  /** Refreshes in flight and just done, by session id (one refresh at a time per session). */
  readonly refreshes: Map<string, RefreshFlight>
  /** The clock, in seconds since the epoch. */
  now(): number
  /** The most parameters and bytes a logout form may have. */
  readonly formLimits: { readonly maxParameters: number; readonly maxBytes: number }
}

/**
 * One refresh of a session's tokens: the refresh token it used, and its outcome.
 * @internal
 */
export interface RefreshFlight {
  readonly from: string
  readonly outcome: Promise<unknown>
  /** Until when (seconds) a request still carrying `from` may reuse the outcome. */
  until: number
}

/**
 * What the contexts of one `createWebAuth` share, whatever their configuration.
 * @internal
 */
export type SharedContext = Omit<WebContext, 'config' | 'connection'>

/**
 * Builds the shared state of a single configuration.
 * @param config - the configuration
 * @param options - the application's options
 * @returns the context
 * @throws `UsageError` `INVALID_ARGUMENT` for a bad option, or a client whose first redirect
 * URI is not an http(s) URL; `SECURITY_PROFILE_VIOLATION` for a FAPI 2.0 configuration without
 * the `dpop` option nor certificate-bound tokens (every sign-in would be refused)
 * @internal
 */
export function createWebContext(config: Configuration, options: WebAuthOptions): WebContext {
  const shared = createSharedContext(options, {
    redirectUri: config.client.redirect_uris[0]!,
    redirectUris: config.client.redirect_uris,
    postLogoutRedirectUri: config.client.post_logout_redirect_uris?.[0],
    now: runtimeOf(config).now,
    formLimits: {
      maxParameters: config.settings.maxCallbackParameters,
      maxBytes: config.settings.maxCallbackBytes,
    },
  })
  return withConfiguration(shared, config)
}

/**
 * The context of one configuration over the shared state.
 * @param shared - the shared state
 * @param config - the configuration
 * @param connection - the registry connection's id, when there is a registry
 * @returns the context
 * @throws `UsageError` `SECURITY_PROFILE_VIOLATION` for a FAPI 2.0 configuration without the
 * `dpop` option nor certificate-bound tokens
 * @internal
 */
export function withConfiguration(
  shared: SharedContext,
  config: Configuration,
  connection?: string,
): WebContext {
  requireSenderConstraint(
    config.securityProfile,
    config.client,
    shared.options.dpop !== undefined,
    'every sign-in of oidc-rp/web',
  )
  return { ...shared, config, ...(connection === undefined ? {} : { connection }) }
}

/** Where the application lives, for {@link createSharedContext}. */
export interface ApplicationUris {
  /** The redirect URI whose origin is the application's. */
  readonly redirectUri: string
  /** Every redirect URI: those at the application's origin are callback routes. */
  readonly redirectUris: readonly string[]
  /** The post-logout redirect URI, when there is one. */
  readonly postLogoutRedirectUri: string | undefined
  /** The clock, in milliseconds since the epoch. */
  readonly now: () => number
  /** The limits of a logout form read before the session's configuration is known. */
  readonly formLimits: WebContext['formLimits']
}

/**
 * Builds the state every context of one `createWebAuth` shares.
 * @param options - the application's options
 * @param uris - the application's redirect URIs and clock
 * @returns the shared state
 * @throws `UsageError` `INVALID_ARGUMENT` for a bad option, or a first redirect URI that is not an
 * http(s) URL
 * @internal
 */
export function createSharedContext(options: WebAuthOptions, uris: ApplicationUris): SharedContext {
  const settings = webSettings(options)
  const first = URL.canParse(uris.redirectUri) ? new URL(uris.redirectUri) : undefined
  if (first?.protocol !== 'https:' && first?.protocol !== 'http:') {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'oidc-rp/web serves http(s) redirect URIs; the first redirect_uri is not one',
      { parameter: 'config.client.redirect_uris' },
    )
  }
  const appOrigin = first.origin
  const secure = first.protocol === 'https:'
  const sameOriginPath = (uri: string) => {
    const url = new URL(uri)
    return url.origin === appOrigin ? url.pathname : undefined
  }
  const callbackPaths = new Set(
    uris.redirectUris.map(sameOriginPath).filter((p) => p !== undefined),
  )
  const logoutUri = uris.postLogoutRedirectUri
  const clock = checkedClock(uris.now)
  const now = () => Math.floor(clock() / 1000)
  return {
    options,
    settings,
    store: options.sessionStore ?? createMemorySessionStore(),
    sealer: createCookieSealer({ keys: options.secrets, now: clock }),
    appOrigin,
    secure,
    cookies: {
      session: cookieName(settings.cookieName, secure),
      logout: cookieName(`${settings.cookieName}-logout`, secure),
    },
    callbackPaths,
    postLogoutPath: logoutUri === undefined ? undefined : sameOriginPath(logoutUri),
    refreshes: new Map(),
    now,
    formLimits: uris.formLimits,
  }
}
