/**
 * jose's modules, loaded on first use through the small modules in lazy-jose/.
 *
 * Importing oidc-rp loads no jose module (an ES module costs its resolution, read and link at
 * import; base64url is lib/base64url.ts). Signatures are verified with WebCrypto directly
 * (webcrypto-jws.ts), so a sign-in never loads jose; it loads for a client's own private keys
 * (request objects, `private_key_jwt`), and JWE only for a client that encrypts or decrypts. Each
 * is loaded once; later calls share the promise. Bundlers put each in a chunk of its own.
 *
 * @module
 */
import { lazy } from './lazy.js'

/** `importJWK`, for the client's own keys. */
export const joseCore = /* @__PURE__ */ lazy(() => import('./lazy-jose/core.js'))
/** `CompactSign`. */
export const joseSign = /* @__PURE__ */ lazy(() => import('./lazy-jose/sign.js'))
/** `CompactEncrypt`. */
export const joseEncrypt = /* @__PURE__ */ lazy(() => import('./lazy-jose/encrypt.js'))
/** `compactDecrypt`. */
export const joseDecrypt = /* @__PURE__ */ lazy(() => import('./lazy-jose/decrypt.js'))
/** `EncryptJWT` and `jwtDecrypt`. */
export const joseSeal = /* @__PURE__ */ lazy(() => import('./lazy-jose/seal.js'))
