/**
 * `serveRequestObject`: the application's route for request objects passed by reference.
 *
 * The OP fetches `<requestUriBase><id>` once (RFC 9101 §5.2); this answers it from the request
 * object store and forgets it. No module of the sign-in path imports this one: only an application
 * that serves the route (itself, or through oidc-rp/web) carries it.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { callStore } from '../lib/store-call.js'
import { requestObjectStoreOf } from './request-uri.js'

/** The media type of a request object fetched by reference (RFC 9101 §5.2.3). */
const REQUEST_OBJECT_TYPE = 'application/oauth-authz-req+jwt'
/** A request object id: 256 bits, base64url. */
const ID = /^[\w-]{43}$/

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
  const url = new URL(request.url)
  url.search = ''
  url.hash = ''
  if (!url.href.startsWith(base)) return undefined
  if (request.method !== 'GET') {
    return new Response(null, { status: 405, headers: { allow: 'GET' } })
  }
  const id = url.href.slice(base.length)
  const store = requestObjectStoreOf(config)
  const jwt = ID.test(id)
    ? await callStore('request object store take', () => store.take(id))
    : undefined
  if (jwt === undefined) {
    return new Response(null, { status: 404, headers: { 'cache-control': 'no-store' } })
  }
  return new Response(jwt, {
    headers: { 'content-type': REQUEST_OBJECT_TYPE, 'cache-control': 'no-store' },
  })
}
