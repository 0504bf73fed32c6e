/**
 * `createWebAuth`.
 *
 * Sign-in, sessions and logout for a web application, over Web `Request` and `Response`, on any
 * runtime and framework.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { RUNTIME } from '../config/runtime.js'
import { type AnyOidcRpError, isOidcRpError } from '../errors.js'
import type { ConnectionRegistry } from '../registry/registry.js'
import { finishLogin } from './callback.js'
import type { SharedContext, WebContext } from './context.js'
import { singleContexts } from './contexts.js'
import { type LoginOptions, startLogin } from './login.js'
import {
  backChannelLogout,
  confirmLogout,
  finishLogout,
  frontChannelLogout,
  startLogout,
} from './logout.js'
import type { WebAuthOptions } from './options.js'
import { errorPage, logoutFormHtml, page } from './pages.js'
import { type RegistryWebOptions, registryContexts } from './registry.js'
import { readSession, type WebSession } from './session.js'

/**
 * Options of `getSession`.
 * @group Web
 */
export interface GetSessionOptions {
  /**
   * Refresh the access token when it expires within the refresh leeway. Default true.
   *
   * Pass false where the request needs the user but not the token.
   */
  readonly refresh?: boolean
}

/**
 * Sign-in, sessions and logout for one configuration, made by {@link createWebAuth}.
 * @group Web
 */
export interface WebAuth {
  /** The application's origin (its redirect URI's), e.g. `https://app.example`. */
  readonly origin: string
  /**
   * Serves the routes.
   *
   * Login, callback, logout, the post-logout return, back- and front-channel logout, the error
   * page.
   *
   * @param request - any request of the application
   * @returns the response, or `undefined` when the request is not for one of these routes
   */
  handle(request: Request): Promise<Response | undefined>
  /**
   * The signed-in end-user of a request, or `undefined`.
   *
   * The access token is refreshed when about to expire (once per session, however many requests
   * ask). Send `session.setCookie` with the response.
   * @param request - the request
   * @param options - whether to refresh
   * @returns the session, or `undefined` when signed out, expired, ended by the OP, or tampered
   * with
   */
  getSession(request: Request, options?: GetSessionOptions): Promise<WebSession | undefined>
  /**
   * Runs a handler for a signed-in end-user only.
   *
   * Signed out: a `GET` goes to the login route (with `returnTo` the request's path), anything
   * else gets `401`. Signed in: the handler's response, with the session's cookies.
   * @param request - the request
   * @param handler - makes the response for the session
   * @returns the response
   */
  protect(
    request: Request,
    handler: (session: WebSession) => Response | Promise<Response>,
  ): Promise<Response>
  /**
   * Starts a sign-in from the application's own route (e.g. with a `login_hint` from its form).
   * @param request - the request
   * @param options - this sign-in's parameters and return path
   * @returns the redirect to the OP, or the error response
   */
  login(request: Request, options?: LoginOptions): Promise<Response>
  /**
   * The HTML of the sign-out form (a `POST` with the session's CSRF token), for the page.
   * @param session - the session
   * @param returnTo - where to go after logout (a path), default `/`
   * @returns the form's HTML
   */
  logoutForm(session: WebSession, returnTo?: string): string
}

/**
 * Sign-in, sessions and logout for a web application, over Web `Request` and `Response`.
 *
 * Routes (paths configurable): `GET /auth/login?returnTo=/path`, the callback at the path of the
 * client's redirect URI (query, `form_post`, fragment relay), `GET`/`POST /auth/logout`, the
 * return at the path of its post-logout redirect URI, `POST /auth/backchannel-logout`,
 * `GET /auth/frontchannel-logout`, `GET /auth/error`. Sessions live in a sealed cookie (or in the
 * session store) and are recorded in the session store so the OP's logout ends them.
 *
 * Given a connection registry (`oidc-rp/registry`) instead of a configuration, the same routes
 * serve every connection (docs/registry.md): the login route takes `?connection=<id>`, `?email=`
 * or `?identifier=` (WebFinger; else the only enabled connection, else a page listing them), the
 * one callback at `redirectUri` completes each sign-in with the connection that started it, and
 * each session is refreshed and logged out with its own connection (`session.connection`).
 * @param source - the configuration (its client's redirect URIs give the application's origin and
 * the callback path), or a connection registry
 * @param options - the cookie keys, the session store, routes, lifetimes, hooks; with a registry,
 * also `redirectUri` (and `postLogoutRedirectUri`)
 * @returns the handlers
 * @throws `UsageError` `INVALID_ARGUMENT` for a bad option or key
 * @example
 * ```ts
 * const auth = createWebAuth(config, { secrets: [process.env.SESSION_SECRET] })
 * export default {
 *   async fetch(request: Request) {
 *     return (await auth.handle(request)) ??
 *       auth.protect(request, (session) => new Response(`Hello ${session.claims.name}`))
 *   },
 * }
 * ```
 * @group Web
 */
export function createWebAuth(
  source: Configuration | ConnectionRegistry,
  options: WebAuthOptions | (WebAuthOptions & RegistryWebOptions),
): WebAuth {
  const contexts =
    RUNTIME in source
      ? singleContexts(source, options)
      : registryContexts(source, options as WebAuthOptions & RegistryWebOptions)
  const { shared } = contexts
  const { routes } = shared.settings
  const guarded = (request: Request, run: (request: Request) => Promise<Response>) =>
    run(request).catch((err: unknown) => failed(shared, err, request))
  const login = async (request: Request, loginOptions?: LoginOptions) => {
    const ctx = await contexts.login(request, loginOptions)
    return ctx instanceof Response ? ctx : startLogin(ctx, request, loginOptions)
  }
  const readRequestSession = async (request: Request, refresh: boolean) => {
    const ctx = await contexts.session(request)
    return ctx === undefined ? undefined : readSession(ctx, request, refresh)
  }
  /** A logout request for no connection of this application: 400, as the logout specs say. */
  const ofLogout =
    (
      find: (request: Request) => Promise<WebContext | undefined>,
      run: (ctx: WebContext, request: Request) => Promise<Response>,
    ) =>
    async (request: Request) => {
      const ctx = await find(request)
      return ctx === undefined ? new Response(null, { status: 400 }) : run(ctx, request)
    }
  return {
    origin: shared.appOrigin,
    async handle(request) {
      const { pathname } = new URL(request.url)
      const method = request.method.toUpperCase()
      const route = (allowed: readonly string[], run: (request: Request) => Promise<Response>) =>
        allowed.includes(method) ? guarded(request, run) : notAllowed(allowed)
      if (shared.callbackPaths.has(pathname)) {
        return route(['GET', 'POST'], (r) => finishLogin(shared, r, contexts.signIn))
      }
      if (pathname === routes.login) return route(['GET'], login)
      if (pathname === routes.logout) {
        return route(['GET', 'POST'], (r) =>
          method === 'GET' ? confirmLogout(shared, r) : startLogout(shared, r, contexts.ofSession),
        )
      }
      if (pathname === shared.postLogoutPath) {
        return route(['GET'], (r) => finishLogout(shared, r, contexts.ofLogout))
      }
      if (pathname === routes.backChannelLogout) {
        return route(['POST'], ofLogout(contexts.backChannel, backChannelLogout))
      }
      if (pathname === routes.frontChannelLogout) {
        return route(['GET'], ofLogout(contexts.frontChannel, frontChannelLogout))
      }
      if (pathname === routes.error && method === 'GET') {
        return errorPage(new URL(request.url).searchParams.get('code'), routes.login)
      }
      return contexts.requestObject(request)
    },
    getSession(request, getOptions = {}) {
      return readRequestSession(request, getOptions.refresh ?? true)
    },
    async protect(request, handler) {
      const session = await readRequestSession(request, true)
      if (session === undefined) {
        if (request.method.toUpperCase() !== 'GET') return new Response(null, { status: 401 })
        const { pathname, search } = new URL(request.url)
        const login = `${routes.login}?returnTo=${encodeURIComponent(pathname + search)}`
        return new Response(null, { status: 302, headers: { location: login } })
      }
      return withCookies(await handler(session), session.setCookie)
    },
    login(request, loginOptions) {
      return guarded(request, (r) => login(r, loginOptions))
    },
    logoutForm(session, returnTo) {
      return logoutFormHtml(routes.logout, session.csrfToken, returnTo)
    },
  }
}

/** The response for a failed route: the application's hook, else the default. */
async function failed(ctx: SharedContext, err: unknown, request: Request): Promise<Response> {
  if (!isOidcRpError(err)) throw err
  const hook = ctx.options.onError
  if (hook !== undefined) return hook(err, request)
  return defaultErrorResponse(ctx, err)
}

/**
 * A refused logout.
 *
 * `403`, the session untouched. Anything else: a redirect to the error page with the code alone, so
 * the address bar keeps no code, state or token.
 */
function defaultErrorResponse(ctx: SharedContext, err: AnyOidcRpError): Response {
  if (err.code === 'LOGOUT_CSRF_MISMATCH') {
    return page('Sign-out refused', '<h1>Sign-out refused</h1><p>Use the sign-out button.</p>', 403)
  }
  const location = `${ctx.settings.routes.error}?code=${encodeURIComponent(err.code)}`
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } })
}

function notAllowed(allowed: readonly string[]): Response {
  return new Response(null, { status: 405, headers: { allow: allowed.join(', ') } })
}

/** The response with the cookies appended (copied first when its headers are immutable). */
function withCookies(response: Response, cookies: readonly string[]): Response {
  if (cookies.length === 0) return response
  let out = response
  try {
    for (const value of cookies) out.headers.append('set-cookie', value)
  } catch {
    out = new Response(response.body, response)
    for (const value of cookies) out.headers.append('set-cookie', value)
  }
  return out
}
