/**
 * Request objects passed by reference (RFC 9101 §5.2), at one-time URLs the application serves.
 *
 * The authorization request carries `request_uri=<requestUriBase><random id>`; the application
 * routes GETs under `requestUriBase` to {@link serveRequestObject} (oidc-rp/web does it), which
 * answers with the request object once and then forgets it.
 *
 * Loaded only when a policy's transport is `request-uri`: the sign-in path of other policies never
 * imports it.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { type Runtime, runtimeOf } from '../config/runtime.js'
import { randomBase64urls } from '../lib/random.js'
import { callStore } from '../lib/store-call.js'
import type { RequestObjectStore } from '../storage.js'
import { createMemoryRequestObjectStore } from '../stores/memory.js'

/** The media type of a request object fetched by reference (RFC 9101 §5.2.3). */
const REQUEST_OBJECT_TYPE = 'application/oauth-authz-req+jwt'
/** A request object id: 256 bits, base64url. */
const ID = /^[\w-]{43}$/
/** The in-memory store of each runtime that was given none, made on first use. */
const defaultStores = new WeakMap<Runtime, RequestObjectStore>()

/**
 * Keeps a request object for the OP and gives its URL.
 * @param config - the configuration (its policy's `requestUriBase`, its request object store)
 * @param jwt - the request object
 * @param ttlInSeconds - how long the OP has to fetch it
 * @returns the `request_uri`
 * @throws {@link TransportError} `STORE_ERROR`
 * @internal
 */
export async function keepRequestObject(
  config: Configuration,
  jwt: string,
  ttlInSeconds: number,
): Promise<string> {
  const [id] = randomBase64urls(1) as [string]
  const store = requestObjectsOf(config)
  await callStore('request object store set', () => store.set(id, jwt, ttlInSeconds))
  return `${config.policy.requestUriBase}${id}`
}

/**
 * Serves a request object passed by reference to the OP that fetches it, once.
 *
 * A `GET` of `<requestUriBase><id>`: `200` with the request object
 * (`application/oauth-authz-req+jwt`, `Cache-Control: no-store`) the first time, `404` after,
 * for an unknown id, or once expired; `405` for another method (a `HEAD` does not spend it).
 * `undefined` for a request that is not under the policy's `requestUriBase` (or a policy without
 * one), so the application's other routes can answer it. Framework-free: any server that speaks
 * Web `Request`/`Response` can call it (oidc-rp/web's `createWebAuth` does).
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
  const url = new URL(request.url)
  url.search = ''
  url.hash = ''
  if (base === undefined || !url.href.startsWith(base)) return undefined
  if (request.method !== 'GET') {
    return new Response(null, { status: 405, headers: { allow: 'GET' } })
  }
  const id = url.href.slice(base.length)
  const store = requestObjectsOf(config)
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

/** The configuration's request object store: the application's, else its runtime's memory one. */
function requestObjectsOf(config: Configuration): RequestObjectStore {
  const runtime = runtimeOf(config)
  if (runtime.requestObjects !== undefined) return runtime.requestObjects
  let store = defaultStores.get(runtime)
  if (store === undefined) {
    store = createMemoryRequestObjectStore({ now: runtime.now })
    defaultStores.set(runtime, store)
  }
  return store
}
