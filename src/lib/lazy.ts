/**
 * Modules loaded on first use.
 *
 * A feature most sign-ins never use (request objects, PAR, JWE, the client's own keys) is imported
 * dynamically, so a bundler puts it in a chunk of its own that a page loads only when it is used,
 * and a process never loads it at all.
 *
 * @module
 */

/**
 * Loads a module on first use; later calls share the one promise.
 * @param load - the dynamic `import()`
 * @returns the loader
 * @internal
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load()
    return loading
  }
}
