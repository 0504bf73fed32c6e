/**
 * The callback route: the OP's answer, by query, `form_post`, or a fragment relayed by the page.
 *
 * @module
 */

import type { SignInResult } from '../callback/result.js'
import { handleCallback } from '../index.js'
import { isPlainObject } from '../lib/json.js'
import type { SharedContext, WebContext } from './context.js'
import { fragmentRelayPage } from './pages.js'
import { checkReturnTo } from './return-to.js'
import { startSession } from './session.js'

/**
 * Completes a sign-in and starts the session.
 *
 * A `GET` without `state`, `code`, `error` or a JARM `response` in its query came with a fragment
 * the server cannot see (`fragment`, `fragment.jwt`): the answer is the relay page, which posts
 * the fragment back (a JARM `response` as any other parameter). On success: the session cookie,
 * the browser-binding cookie cleared, and a redirect (303) to the sign-in's `returnTo` on a clean
 * URL. With the `dpop` option the code is redeemed, and UserInfo called, with its proofs.
 * @param shared - the shared state
 * @param request - the callback request
 * @param signIn - completes the sign-in: `handleCallback` with the configuration, or the
 * registry's callback, and the context of the configuration it used
 * @returns the response
 * @throws what `handleCallback` throws
 * @internal
 */
export async function finishLogin(
  shared: SharedContext,
  request: Request,
  signIn: (request: Request) => Promise<{ ctx: WebContext; result: SignInResult }>,
): Promise<Response> {
  const url = new URL(request.url)
  if (
    request.method === 'GET' &&
    !['state', 'code', 'error', 'response'].some((n) => url.searchParams.has(n))
  ) {
    return fragmentRelayPage(url.pathname)
  }
  const { ctx, result } = await signIn(request)
  const cookies = await startSession(ctx, request, result)
  const state = result.transaction.appState
  const returnTo = checkReturnTo(
    isPlainObject(state) && typeof state.returnTo === 'string' ? state.returnTo : '/',
    shared.appOrigin,
    shared.settings.allowedReturnOrigins,
  )
  const headers = new Headers({ location: returnTo, 'cache-control': 'no-store' })
  if (result.clearBrowserBinding !== undefined) {
    headers.append('set-cookie', result.clearBrowserBinding)
  }
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { status: 303, headers })
}

/**
 * The sign-in of a single configuration: `handleCallback` with it.
 * @param ctx - the web context
 * @returns what {@link finishLogin} calls
 * @internal
 */
export function signInWith(
  ctx: WebContext,
): (request: Request) => Promise<{ ctx: WebContext; result: SignInResult }> {
  const { dpop } = ctx.options
  return async (request) => ({
    ctx,
    result: await handleCallback(ctx.config, request, dpop ? { dpop } : {}),
  })
}
