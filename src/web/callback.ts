/**
 * The callback route: the OP's answer, by query, `form_post`, or a fragment relayed by the page.
 *
 * @module
 */
import { handleCallback } from '../index.js'
import { isPlainObject } from '../lib/json.js'
import type { WebContext } from './context.js'
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
 * @param ctx - the web context
 * @param request - the callback request
 * @returns the response
 * @throws what `handleCallback` throws
 * @internal
 */
export async function finishLogin(ctx: WebContext, request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (
    request.method === 'GET' &&
    !['state', 'code', 'error', 'response'].some((n) => url.searchParams.has(n))
  ) {
    return fragmentRelayPage(url.pathname)
  }
  const { dpop } = ctx.options
  const result = await handleCallback(ctx.config, request, dpop ? { dpop } : {})
  const cookies = await startSession(ctx, request, result)
  const state = result.transaction.appState
  const returnTo = checkReturnTo(
    isPlainObject(state) && typeof state.returnTo === 'string' ? state.returnTo : '/',
    ctx.appOrigin,
    ctx.settings.allowedReturnOrigins,
  )
  const headers = new Headers({ location: returnTo, 'cache-control': 'no-store' })
  if (result.clearBrowserBinding !== undefined) {
    headers.append('set-cookie', result.clearBrowserBinding)
  }
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { status: 303, headers })
}
