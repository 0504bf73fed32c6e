/**
 * Request objects passed by reference (RFC 9101 §5.2), at one-time URLs the application serves.
 *
 * The authorization request carries `request_uri=<requestUriBase><random id>`; the application
 * routes GETs under `requestUriBase` to `serveRequestObject` (oidc-rp/web does it), which answers
 * with the request object once and then forgets it.
 *
 * Loaded only when a policy uses it (dynamic `import()` from the authorization request and from
 * `serveRequestObject`): no static import reaches this module, so the sign-in path of other
 * policies never contains it.
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
 * Answers the OP's fetch of a request object under the policy's `requestUriBase`, once.
 *
 * What {@link serveRequestObject} does once it has seen that the request is under the base.
 * @param config - the configuration whose authorization requests made the request objects
 * @param request - the OP's request
 * @returns the response, or `undefined` when the request is not under the base
 * @throws {@link TransportError} `STORE_ERROR` when the request object store fails
 * @internal
 */
export async function answerRequestObjectFetch(
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
