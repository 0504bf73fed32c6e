/**
 * The logout routes.
 *
 * The end-user signing out (RP-initiated logout, with CSRF protection), the return from the OP, and
 * the OP's back- and front-channel logout.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import {
  createEndSessionRequest,
  handleBackChannelLogout,
  handleFrontChannelLogout,
  handlePostLogoutRedirect,
} from '../index.js'
import { sameText } from '../lib/compare.js'
import { readRequestInput } from '../lib/request-input.js'
import type { SharedContext, WebContext } from './context.js'
import { oneCookieValue, serializeCookie } from './cookies.js'
import { logoutFormHtml, page } from './pages.js'
import { checkReturnTo } from './return-to.js'
import { revokeSessionTokens } from './revoke.js'
import {
  clearSessionCookie,
  cookieAttributes,
  endSession,
  openCookie,
  type SessionCookie,
} from './session.js'

/** How long the end-user has to come back from the OP's logout, in seconds. */
const LOGOUT_TTL = 600

/**
 * `GET` on the logout route: a confirmation page with the sign-out form, or home when signed out.
 *
 * A link cannot sign anyone out: only the form's `POST` does.
 * @internal
 */
export async function confirmLogout(ctx: SharedContext, request: Request): Promise<Response> {
  const cookie = await openCookie(ctx, request)
  if (cookie === undefined) return redirect('/')
  const form = logoutFormHtml(ctx.settings.routes.logout, cookie.csrf)
  return page('Sign out', `<h1>Sign out?</h1>${form}`, 200)
}

/**
 * `POST` on the logout route.
 *
 * Checks it came from the application's own form, ends the session, revokes its tokens (see
 * `revokeOnLogout`), and sends the browser to the OP's logout (or to `returnTo` when it has none).
 *
 * @param shared - the shared state
 * @param request - the logout `POST` (form: `csrf`, optional `returnTo`)
 * @param contextOf - the context of the session's configuration (`undefined`: its registry
 * connection is gone, so the session ends here only)
 * @returns the redirect (303)
 * @throws `ValidationError` `LOGOUT_CSRF_MISMATCH` (nothing ended),
 * `RETURN_TO_NOT_ALLOWED`
 * @internal
 */
export async function startLogout(
  shared: SharedContext,
  request: Request,
  contextOf: (cookie: SessionCookie) => Promise<WebContext | undefined>,
): Promise<Response> {
  const read = await readRequestInput(request, { ...shared.formLimits, methods: ['POST'] })
  const form = read.ok ? read.params : {}
  const returnTo = checkReturnTo(
    form.returnTo,
    shared.appOrigin,
    shared.settings.allowedReturnOrigins,
  )
  const cookie = await openCookie(shared, request)
  if (cookie === undefined) return redirect(returnTo, clearSessionCookie(shared, request))
  checkSameOrigin(shared, request)
  if (form.csrf === undefined || !sameText(form.csrf, cookie.csrf)) {
    throw csrfRefused('the logout form does not carry this session’s CSRF token')
  }
  // A session whose registry connection is gone ends here only: there is no OP to tell.
  const ctx = await contextOf(cookie)
  const { record, cookie: ended, setCookie } = await endSession(shared, request)
  if (ctx === undefined) return redirect(returnTo, setCookie)
  await revokeSessionTokens(ctx, request, ended?.content ?? record)
  if (ctx.config.provider.end_session_endpoint === undefined) return redirect(returnTo, setCookie)
  const end = createEndSessionRequest(ctx.config, record === undefined ? {} : { session: record })
  if (end.state !== undefined) {
    const { connection } = ctx
    const logout = {
      state: end.state,
      returnTo,
      ...(connection === undefined ? {} : { connection }),
    }
    const sealed = await ctx.sealer.seal(logout, 'logout', LOGOUT_TTL)
    setCookie.push(serializeCookie(ctx.cookies.logout, sealed, cookieAttributes(ctx, LOGOUT_TTL)))
  }
  return redirect(end.url.href, setCookie)
}

/**
 * The logout cookie's content, opened; empty when absent or not opening.
 * @param ctx - the shared state
 * @param request - the post-logout redirect
 * @returns the state sent, the return path and the connection, as sealed
 * @internal
 */
export async function openLogoutCookie(
  ctx: SharedContext,
  request: Request,
): Promise<Readonly<Record<string, unknown>>> {
  const sealed = oneCookieValue(request.headers.get('cookie'), ctx.cookies.logout)
  return (sealed === undefined ? undefined : await ctx.sealer.open(sealed, 'logout')) ?? {}
}

/**
 * The return from the OP's logout: its `state` checked against the logout cookie.
 * @param shared - the shared state
 * @param request - the post-logout redirect
 * @param contextOf - the context of the logout cookie's configuration (`undefined`: with a
 * registry, no logout cookie names a connection, so no state may come)
 * @returns the redirect (303) to the logout's `returnTo`
 * @throws `ValidationError` `LOGOUT_STATE_MISSING`, `LOGOUT_STATE_MISMATCH`
 * @internal
 */
export async function finishLogout(
  shared: SharedContext,
  request: Request,
  contextOf: (opened: Readonly<Record<string, unknown>>) => Promise<WebContext | undefined>,
): Promise<Response> {
  const opened = await openLogoutCookie(shared, request)
  const expectedState = typeof opened.state === 'string' ? opened.state : undefined
  const ctx = await contextOf(opened)
  if (ctx !== undefined) await handlePostLogoutRedirect(ctx.config, request, { expectedState })
  else if (new URL(request.url).searchParams.has('state')) {
    throw new ValidationError(
      'LOGOUT_STATE_MISMATCH',
      'the post-logout redirect carries a state although this browser started no logout',
      { claim: 'state', expected: 'no state' },
    )
  }
  const returnTo = checkReturnTo(
    typeof opened.returnTo === 'string' ? opened.returnTo : '/',
    shared.appOrigin,
    shared.settings.allowedReturnOrigins,
  )
  const cleared = serializeCookie(shared.cookies.logout, '', cookieAttributes(shared, 0))
  return redirect(returnTo, [cleared])
}

/**
 * The OP's back-channel logout `POST`: ends the sessions its logout token names.
 * @internal
 */
export async function backChannelLogout(ctx: WebContext, request: Request): Promise<Response> {
  const { response } = await handleBackChannelLogout(ctx.config, request, {
    sessionStore: ctx.store,
  })
  return response
}

/**
 * The OP's front-channel logout iframe: ends the sessions of its `sid`, clears the cookie.
 * @internal
 */
export async function frontChannelLogout(ctx: WebContext, request: Request): Promise<Response> {
  const cookie = await openCookie(ctx, request)
  const { response } = await handleFrontChannelLogout(ctx.config, request, {
    sessionStore: ctx.store,
    ...(cookie === undefined ? {} : { sessionId: cookie.id }),
  })
  for (const value of clearSessionCookie(ctx, request)) response.headers.append('set-cookie', value)
  return response
}

/** A form `POST` from another site (`Sec-Fetch-Site`, else `Origin`) is refused. */
function checkSameOrigin(ctx: SharedContext, request: Request): void {
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin') {
    throw csrfRefused('the logout POST came from another site')
  }
  const origin = request.headers.get('origin')
  if (origin !== null && origin !== ctx.appOrigin) {
    throw csrfRefused('the logout POST came from another origin')
  }
}

function csrfRefused(message: string): ValidationError {
  return new ValidationError('LOGOUT_CSRF_MISMATCH', message, {
    claim: 'csrf',
    expected: 'the logout form of this application, from this origin',
  })
}

function redirect(location: string, setCookie: readonly string[] = []): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' })
  for (const value of setCookie) headers.append('set-cookie', value)
  return new Response(null, { status: 303, headers })
}
