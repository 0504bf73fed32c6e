/**
 * The login route: starts a sign-in and sends the browser to the OP.
 *
 * @module
 */
import {
  type AuthorizationParameters,
  createAuthorizationRequest,
} from '../authorization/request.js'
import type { WebContext } from './context.js'
import { checkReturnTo } from './return-to.js'

/**
 * Options of `login`.
 * @group Web
 */
export interface LoginOptions {
  /**
   * This sign-in's authorization parameters, e.g. a `login_hint` from the application's form.
   *
   * Added to the configured `loginParameters`; the policy checks them all.
   */
  readonly parameters?: AuthorizationParameters
  /**
   * Where to go after sign-in: a path of the application, or a URL of an allowed origin.
   *
   * Default the request's `returnTo` query parameter, else `/`.
   */
  readonly returnTo?: string
}

/**
 * Starts a sign-in: the redirect to the OP, with the sign-in's browser-binding cookie.
 *
 * With the `dpop` option the request names its key (`dpop_jkt`, RFC 9449 §10).
 * @param ctx - the web context
 * @param request - the login request
 * @param options - this sign-in's parameters and return path
 * @returns the redirect (302)
 * @throws `ValidationError` `RETURN_TO_NOT_ALLOWED`, and what `createAuthorizationRequest`
 * throws
 * @internal
 */
export async function startLogin(
  ctx: WebContext,
  request: Request,
  options: LoginOptions = {},
): Promise<Response> {
  const returnTo = checkReturnTo(
    options.returnTo ?? new URL(request.url).searchParams.get('returnTo'),
    ctx.appOrigin,
    ctx.settings.allowedReturnOrigins,
  )
  const configured = ctx.options.loginParameters ?? defaultParameters(ctx)
  const base = typeof configured === 'function' ? await configured(request) : configured
  const { url, browserBinding } = await createAuthorizationRequest(
    ctx.config,
    { ...base, ...options.parameters },
    { appState: { returnTo }, ...(ctx.options.dpop ? { dpop: ctx.options.dpop } : {}) },
  )
  const headers = new Headers({ location: url.href, 'cache-control': 'no-store' })
  if (browserBinding !== undefined) headers.append('set-cookie', browserBinding.setCookie)
  return new Response(null, { status: 302, headers })
}

/** The profile scopes a sign-in asks for by default (those the OP supports, when it says). */
const DEFAULT_SCOPES = ['openid', 'profile', 'email']

/**
 * The default parameters: `scope: openid profile email` when the policy leaves the scope open.
 *
 * That is when no policy was given: a first sign-in then brings the user's name and e-mail.
 */
function defaultParameters(ctx: WebContext): AuthorizationParameters | undefined {
  if (ctx.config.policy.scopeRule.override !== 'any') return undefined
  const supported = ctx.config.provider.scopes_supported
  const scope = DEFAULT_SCOPES.filter((s) => supported === undefined || supported.includes(s))
  return { scope }
}
