/**
 * Modules loaded on first use.
 *
 * A feature most sign-ins never use (request objects, PAR, JWE, the client's own keys) is imported
 * dynamically, so a bundler puts it in a chunk of its own that a page loads only when it is used,
 * and a process never loads it at all.
 *
 * @module
 */
import { TransportError } from '../errors.js'

/**
 * Loads a module on first use; later calls share the one promise.
 *
 * A failed load (a page that lost its network before fetching the chunk) rejects with a typed
 * error and is not kept: the next call tries again.
 * @param load - the dynamic `import()`
 * @returns the loader
 * @throws {@link TransportError} `HTTP_NETWORK_ERROR` (from the loader) when the module cannot be
 * loaded, its cause the runtime's error
 * @internal
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load().catch((cause: unknown) => {
      loading = undefined
      throw new TransportError(
        'HTTP_NETWORK_ERROR',
        'a part of oidc-rp that loads on first use could not be loaded',
        { cause },
      )
    })
    return loading
  }
}
