/**
 * `serveRequestObject`: the application's route for request objects passed by reference.
 *
 * A small front that loads the by-reference module (request-uri.ts) only for a request under the
 * policy's `requestUriBase`, so an application that never uses the transport never loads it.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { lazy } from '../lib/lazy.js'

const requestUris = /* @__PURE__ */ lazy(() => import('./request-uri.js'))

/**
 * Serves a request object passed by reference to the OP that fetches it, once.
 *
 * A `GET` of `<requestUriBase><id>`: `200` with the request object
 * (`Content-Type: application/oauth-authz-req+jwt`, `Cache-Control: no-store`) the first time,
 * `404` after, for an unknown id, or once expired; `405` for another method (a `HEAD` does not
 * spend it). `undefined` for a request that is not under the policy's `requestUriBase` (or a
 * policy without one), so the application's other routes can answer it. Framework-free: any
 * server that speaks Web `Request`/`Response` can call it (oidc-rp/web's `createWebAuth` does).
 * @param config - the configuration whose authorization requests made the request objects
 * @param request - the OP's request
 * @returns the response, or `undefined`
 * @throws {@link TransportError} `STORE_ERROR` when the request object store fails
 * @see {@link https://www.rfc-editor.org/rfc/rfc9101#section-5.2 | RFC 9101 §5.2}
 * @example
 * ```ts
 * // beside the application's other routes (oidc-rp/web's createWebAuth does this itself)
 * const served = await serveRequestObject(config, request)
 * if (served) return served
 * ```
 * @group Authorization
 */
export async function serveRequestObject(
  config: Configuration,
  request: Request,
): Promise<Response | undefined> {
  const base = config.policy.requestUriBase
  if (base === undefined || !request.url.startsWith(base)) return undefined
  return (await requestUris()).answerRequestObjectFetch(config, request)
}
