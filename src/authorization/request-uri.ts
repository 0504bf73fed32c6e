/**
 * Request objects passed by reference (RFC 9101 §5.2): keeping one for the OP.
 *
 * The authorization request carries `request_uri=<requestUriBase><random id>`; the request object
 * waits in the configuration's request object store until the OP fetches it through
 * `serveRequestObject` (serve-request-object.ts, which the sign-in path does not import).
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { type Runtime, runtimeOf } from '../config/runtime.js'
import { randomBase64urls } from '../lib/random.js'
import { callStore } from '../lib/store-call.js'
import type { RequestObjectStore } from '../storage.js'
import { createMemoryRequestObjectStore } from '../stores/memory.js'

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
  const store = requestObjectStoreOf(config)
  await callStore('request object store set', () => store.set(id, jwt, ttlInSeconds))
  return `${config.policy.requestUriBase}${id}`
}

/**
 * The configuration's request object store: the application's, else its runtime's memory one.
 * @param config - the configuration
 * @returns the store (the default one made on first use, shared by the configurations a reload
 * derives)
 * @internal
 */
export function requestObjectStoreOf(config: Configuration): RequestObjectStore {
  const runtime = runtimeOf(config)
  if (runtime.requestObjects !== undefined) return runtime.requestObjects
  let store = defaultStores.get(runtime)
  if (store === undefined) {
    store = createMemoryRequestObjectStore({ now: runtime.now })
    defaultStores.set(runtime, store)
  }
  return store
}
