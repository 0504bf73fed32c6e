/**
 * Which configuration a request of `oidc-rp/web` is served with.
 *
 * One configuration serves every request; with a connection registry, each request is served with
 * the connection that started its sign-in, holds its session, or sent its logout (web/registry.ts).
 *
 * @module
 */
import { serveRequestObject } from '../authorization/serve-request-object.js'
import type { SignInResult } from '../callback/result.js'
import type { Configuration } from '../config/configuration.js'
import { signInWith } from './callback.js'
import { createWebContext, type SharedContext, type WebContext } from './context.js'
import type { LoginOptions } from './login.js'
import type { WebAuthOptions } from './options.js'
import type { SessionCookie } from './session.js'

/**
 * How the routes find the context of a request.
 * @internal
 */
export interface Contexts {
  /** What every context shares: routes, cookies, sealer, session store, origin. */
  readonly shared: SharedContext
  /** Completes a sign-in with the configuration that started it. */
  signIn(request: Request): Promise<{ ctx: WebContext; result: SignInResult }>
  /**
   * The context a sign-in starts with.
   *
   * A response instead when the end-user must first choose a connection.
   */
  login(request: Request, options?: LoginOptions): Promise<WebContext | Response>
  /** The context of the request's session, when it may have one (`undefined`: it has none). */
  session(request: Request): Promise<WebContext | undefined>
  /** The context of an opened session cookie (`undefined`: its connection is gone). */
  ofSession(cookie: SessionCookie): Promise<WebContext | undefined>
  /** The context of an opened logout cookie (`undefined`: none names a connection). */
  ofLogout(opened: Readonly<Record<string, unknown>>): Promise<WebContext | undefined>
  /** The context of a back-channel logout request (`undefined`: no connection it is for). */
  backChannel(request: Request): Promise<WebContext | undefined>
  /** The context of a front-channel logout request (`undefined`: no connection it is for). */
  frontChannel(request: Request): Promise<WebContext | undefined>
  /** A request object passed by reference, served to the OP (`undefined`: not one). */
  requestObject(request: Request): Promise<Response | undefined>
}

/**
 * The contexts of one configuration: the same for every request.
 * @param config - the configuration
 * @param options - the application's options
 * @returns the contexts
 * @internal
 */
export function singleContexts(config: Configuration, options: WebAuthOptions): Contexts {
  const ctx = createWebContext(config, options)
  const same = async () => ctx
  return {
    shared: ctx,
    signIn: signInWith(ctx),
    login: same,
    session: same,
    ofSession: same,
    ofLogout: same,
    backChannel: same,
    frontChannel: same,
    requestObject: (request) => serveRequestObject(config, request),
  }
}
