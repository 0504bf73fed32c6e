/**
 * `oidc-rp/web` on Node servers (`node:http`, Express, Fastify).
 *
 * The routes as a middleware, and the session of a Node request.
 *
 * @module
 */
import type { GetSessionOptions, WebAuth } from './auth.js'
import {
  appendSetCookies,
  type NodeMiddleware,
  type NodeRequest,
  type NodeResponse,
  toNodeMiddleware,
  toWebRequest,
} from './node.js'
import type { WebSession } from './session.js'

/**
 * The routes of `auth` as a connect/Express middleware.
 *
 * Other requests go to `next()` with their body unread.
 *
 * @param auth - what {@link createWebAuth} made
 * @returns the middleware
 * @example
 * ```ts
 * app.use(nodeMiddleware(auth)) // Express
 * ```
 * @group Node
 */
export function nodeMiddleware(auth: WebAuth): NodeMiddleware {
  return toNodeMiddleware((request) => auth.handle(request), auth.origin)
}

/**
 * The signed-in end-user of a Node request, or `undefined`; sets the session's cookies on `res`.
 *
 * As {@link WebAuth.getSession}, which it calls: the access token is refreshed when due.
 * @param auth - what {@link createWebAuth} made
 * @param req - the Node request (its body is not read)
 * @param res - the Node response, which gets the renewed or refreshed cookie
 * @param options - whether to refresh
 * @returns the session
 * @example
 * ```ts
 * app.get('/account', async (req, res) => {
 *   const session = await nodeSession(auth, req, res)
 *   if (!session) return res.redirect('/auth/login?returnTo=%2Faccount')
 *   res.json(session.attributes)
 * })
 * ```
 * @group Node
 */
export async function nodeSession(
  auth: WebAuth,
  req: NodeRequest,
  res: NodeResponse,
  options?: GetSessionOptions,
): Promise<WebSession | undefined> {
  const session = await auth.getSession(toWebRequest(req, auth.origin), options)
  if (session !== undefined && session.setCookie.length > 0) {
    appendSetCookies(res, session.setCookie)
  }
  return session
}
