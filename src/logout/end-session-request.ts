/**
 * The URL of the OP's `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0 §2).
 *
 * Alone in its file: a page signs out with it, and its bundler then meets none of the server's
 * reading of the return (rp-initiated.ts).
 *
 * @module
 */

import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { randomBase64url } from '../lib/random.js'
import type { Session } from '../storage.js'

/**
 * Options of {@link createEndSessionRequest}.
 * @group Logout
 */
export interface EndSessionOptions {
  /** The session being ended: its ID token is sent as `id_token_hint`. */
  readonly session?: Pick<Session, 'idToken'>
  /** The ID token to send as `id_token_hint`, when no `session` is given. */
  readonly idTokenHint?: string
  /**
   * Where the OP sends the browser afterwards.
   *
   * One of the client's registered `post_logout_redirect_uris`. Default the first registered one;
   * `null` sends none (the OP then shows its own page).
   */
  readonly postLogoutRedirectUri?: string | null
  /**
   * The `state` to send.
   *
   * Default a fresh CSPRNG value whenever a `post_logout_redirect_uri` is sent; `null` sends none.
   */
  readonly state?: string | null
  /** The end-user's preferred languages for the OP's logout pages (`ui_locales`). */
  readonly uiLocales?: string | readonly string[]
  /** A hint about the end-user logging out (`logout_hint`), e.g. their login name. */
  readonly logoutHint?: string
}

/**
 * The end-session request.
 *
 * Where to send the browser, and the `state` to remember until the end-user comes back.
 *
 * @group Logout
 */
export interface EndSessionRequest {
  /** The OP's `end_session_endpoint` with the parameters in its query. */
  readonly url: URL
  /**
   * The `state` sent, when one was.
   *
   * Keep it (e.g. in a short-lived cookie) for {@link handlePostLogoutRedirect}.
   */
  readonly state: string | undefined
  /** The `post_logout_redirect_uri` sent, when one was. */
  readonly postLogoutRedirectUri: string | undefined
}

/**
 * What {@link createEndSessionRequest} reads of a configuration.
 *
 * The core's configuration, or a page's (`oidc-rp/browser`).
 * @group Logout
 */
export interface EndSessionConfiguration {
  /** The OP's issuer. */
  readonly issuer: string
  /** The OP's metadata: its `end_session_endpoint`. */
  readonly provider: { readonly end_session_endpoint?: string }
  /** The client: its id and registered `post_logout_redirect_uris`. */
  readonly client: {
    readonly client_id: string
    readonly post_logout_redirect_uris?: readonly string[]
  }
}

/**
 * Builds the URL of the OP's `end_session_endpoint` (RP-Initiated Logout §2).
 *
 * `client_id`, and `id_token_hint`, `post_logout_redirect_uri` (a registered one only), `state`,
 * `ui_locales` and `logout_hint` when there are. End the RP's own session
 * (`store.delete(sessionId)`) before redirecting.
 *
 * @param config - the configuration (the core's or a page's): its OP's `end_session_endpoint`,
 * and the client's id and registered `post_logout_redirect_uris`
 * @param options - the session or ID token, the redirect URI, state, locales, logout hint
 * @returns the URL, the `state` to keep, and the redirect URI sent
 * @throws {@link UsageError} `ENDPOINT_MISSING` when the OP has no `end_session_endpoint`;
 * `LOGOUT_REDIRECT_URI_NOT_REGISTERED` for a `post_logout_redirect_uri` the client did not
 * register;
 * `INVALID_ARGUMENT` for an option of the wrong type
 * @see {@link https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout | RP-Initiated Logout §2}
 * @example
 * ```ts
 * const session = await sessions.get(cookies.sid)
 * await sessions.delete(cookies.sid)
 * const { url, state } = createEndSessionRequest(config, { session })
 * // Set-Cookie: logout-state=<state>; Max-Age=600; HttpOnly; Secure; SameSite=Lax
 * return Response.redirect(url, 302)
 * ```
 * @group Logout
 */
export function createEndSessionRequest(
  config: EndSessionConfiguration,
  options: EndSessionOptions = {},
): EndSessionRequest {
  const endpoint = config.provider.end_session_endpoint
  if (endpoint === undefined) {
    throw new UsageError(
      'ENDPOINT_MISSING',
      `the OP ${config.issuer} has no end_session_endpoint (RP-initiated logout is not supported)`,
      { parameter: 'end_session_endpoint' },
    )
  }
  const registered = config.client.post_logout_redirect_uris ?? []
  const redirect =
    options.postLogoutRedirectUri === undefined ? registered[0] : options.postLogoutRedirectUri
  if (redirect !== null && redirect !== undefined && !registered.includes(redirect)) {
    throw new UsageError(
      'LOGOUT_REDIRECT_URI_NOT_REGISTERED',
      `post_logout_redirect_uri ${JSON.stringify(String(redirect).slice(0, 200))} is not one of the client's post_logout_redirect_uris`,
      { parameter: 'postLogoutRedirectUri' },
    )
  }
  const hint = options.session?.idToken ?? options.idTokenHint
  for (const [name, value] of [
    ['idTokenHint', hint],
    ['logoutHint', options.logoutHint],
    ['state', options.state],
  ] as const) {
    if (value !== undefined && value !== null && (typeof value !== 'string' || value === '')) {
      throw invalidArgument(name, 'a non-empty string')
    }
  }
  const url = new URL(endpoint)
  const params = url.searchParams
  if (hint !== undefined) params.set('id_token_hint', hint)
  params.set('client_id', config.client.client_id)
  let state: string | undefined
  if (redirect !== null && redirect !== undefined) {
    params.set('post_logout_redirect_uri', redirect)
    state = options.state === null ? undefined : (options.state ?? randomBase64url(32))
  } else if (typeof options.state === 'string') {
    state = options.state
  }
  if (state !== undefined) params.set('state', state)
  const locales = options.uiLocales
  if (locales !== undefined) {
    const value = typeof locales === 'string' ? locales : locales.join(' ')
    if (value.trim() !== '') params.set('ui_locales', value.trim())
  }
  if (options.logoutHint !== undefined) params.set('logout_hint', options.logoutHint)
  return { url, state, postLogoutRedirectUri: redirect ?? undefined }
}
