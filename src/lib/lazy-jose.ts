/**
 * jose's modules, loaded on first use through the small modules in lazy-jose/.
 *
 * Importing oidc-rp then loads only `jose/base64url` of jose (an ES module costs its resolution,
 * read and link at import, and jose's verifier is about twenty of them): a process that only builds
 * sign-in URLs never loads a verifier, the first callback loads it, and JWE loads only for a client
 * that encrypts or decrypts. Each is loaded once; later calls share the promise. Bundlers keep only
 * the jose exports those modules name.
 *
 * @module
 */

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load()
    return loading
  }
}

/** `importJWK` (the OP's keys and the client's) and `compactVerify`. */
export const joseCore = /* @__PURE__ */ once(() => import('./lazy-jose/core.js'))
/**
 * Starts loading the verifier without waiting for it, while discovery waits for the network.
 *
 * A failure surfaces where the verifier is awaited.
 */
export function preloadVerifier(): void {
  joseCore().catch(() => undefined)
}
/** `CompactSign`. */
export const joseSign = /* @__PURE__ */ once(() => import('./lazy-jose/sign.js'))
/** `CompactEncrypt`. */
export const joseEncrypt = /* @__PURE__ */ once(() => import('./lazy-jose/encrypt.js'))
/** `compactDecrypt`. */
export const joseDecrypt = /* @__PURE__ */ once(() => import('./lazy-jose/decrypt.js'))
/** `EncryptJWT` and `jwtDecrypt`. */
export const joseSeal = /* @__PURE__ */ once(() => import('./lazy-jose/seal.js'))
