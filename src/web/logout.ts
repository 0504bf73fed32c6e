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
import type { WebContext } from './context.js'
import { oneCookieValue, serializeCookie } from './cookies.js'
import { logoutFormHtml, page } from './pages.js'
import { checkReturnTo } from './return-to.js'
import { revokeSessionTokens } from './revoke.js'
import { clearSessionCookie, cookieAttributes, endSession, openCookie } from './session.js'

/** How long the end-user has to come back from the OP's logout, in seconds. */
const LOGOUT_TTL = 600

/**
 * `GET` on the logout route: a confirmation page with the sign-out form, or home when signed out.
 *
 * A link cannot sign anyone out: only the form's `POST` does.
 * @internal
 */
export async function confirmLogout(ctx: WebContext, request: Request): Promise<Response> {
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
 * @param ctx - the web context
 * @param request - the logout `POST` (form: `csrf`, optional `returnTo`)
 * @returns the redirect (303)
 * @throws `ValidationError` `LOGOUT_CSRF_MISMATCH` (nothing ended),
 * `RETURN_TO_NOT_ALLOWED`
 * @internal
 */
export async function startLogout(ctx: WebContext, request: Request): Promise<Response> {
  const { maxCallbackParameters: maxParameters, maxCallbackBytes: maxBytes } = ctx.config.settings
  const read = await readRequestInput(request, { maxParameters, maxBytes, methods: ['POST'] })
  const form = read.ok ? read.params : {}
  const returnTo = checkReturnTo(form.returnTo, ctx.appOrigin, ctx.settings.allowedReturnOrigins)
  const cookie = await openCookie(ctx, request)
  if (cookie === undefined) return redirect(returnTo, clearSessionCookie(ctx, request))
  checkSameOrigin(ctx, request)
  if (form.csrf === undefined || !sameText(form.csrf, cookie.csrf)) {
    throw csrfRefused('the logout form does not carry this session’s CSRF token')
  }
  const { record, cookie: ended, setCookie } = await endSession(ctx, request)
  await revokeSessionTokens(ctx, request, ended?.content ?? record)
  if (ctx.config.provider.end_session_endpoint === undefined) return redirect(returnTo, setCookie)
  const end = createEndSessionRequest(ctx.config, record === undefined ? {} : { session: record })
  if (end.state !== undefined) {
    const sealed = await ctx.sealer.seal({ state: end.state, returnTo }, 'logout', LOGOUT_TTL)
    setCookie.push(serializeCookie(ctx.cookies.logout, sealed, cookieAttributes(ctx, LOGOUT_TTL)))
  }
  return redirect(end.url.href, setCookie)
}

/**
 * The return from the OP's logout: its `state` checked against the logout cookie.
 * @param ctx - the web context
 * @param request - the post-logout redirect
 * @returns the redirect (303) to the logout's `returnTo`
 * @throws `ValidationError` `LOGOUT_STATE_MISSING`, `LOGOUT_STATE_MISMATCH`
 * @internal
 */
export async function finishLogout(ctx: WebContext, request: Request): Promise<Response> {
  const header = request.headers.get('cookie')
  const sealed = oneCookieValue(header, ctx.cookies.logout)
  const opened = sealed === undefined ? undefined : await ctx.sealer.open(sealed, 'logout')
  const expectedState = typeof opened?.state === 'string' ? opened.state : undefined
  await handlePostLogoutRedirect(ctx.config, request, { expectedState })
  const returnTo = checkReturnTo(
    typeof opened?.returnTo === 'string' ? opened.returnTo : '/',
    ctx.appOrigin,
    ctx.settings.allowedReturnOrigins,
  )
  return redirect(returnTo, [serializeCookie(ctx.cookies.logout, '', cookieAttributes(ctx, 0))])
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
function checkSameOrigin(ctx: WebContext, request: Request): void {
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
