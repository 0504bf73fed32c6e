/**
 * `oidc-rp/web`.
 *
 * Sign-in, sessions, refresh and logout for a web application in a few lines, over Web `Request`
 * and `Response`, on Node, Deno, Bun and workers, with any framework.
 *
 * Start with {@link createWebAuth}; on Node (Express, Fastify, `node:http`) add
 * {@link nodeMiddleware} and {@link nodeSession}.
 * @module
 */
export { createWebAuth, type GetSessionOptions, type WebAuth } from './auth.js'
export type { LoginOptions } from './login.js'
export {
  appendSetCookies,
  type NodeMiddleware,
  type NodeRequest,
  type NodeResponse,
  sendWebResponse,
  toNodeMiddleware,
  toWebRequest,
} from './node.js'
export { nodeMiddleware, nodeSession } from './node-auth.js'
export type { WebAuthOptions, WebRoutes } from './options.js'
export { fragmentRelayPage } from './pages.js'
export type { RegistryWebOptions } from './registry.js'
export type { WebSession } from './session.js'
