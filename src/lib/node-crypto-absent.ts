/**
 * The build of lib/node-crypto.ts for pages and workers (package.json's `browser` condition).
 *
 * Those runtimes lend no Node crypto module, so the fast paths never apply there: every function
 * answers "use WebCrypto", and the bundle carries none of the Node-specific code. scripts/build.ts
 * puts this module in place of node-crypto.ts in `dist/no-node/`; the tests run both.
 *
 * @module
 */

/**
 * Does nothing: there are no fast paths to turn on or off.
 * @param _enabled - ignored
 * @internal
 */
export function useNodeCrypto(_enabled: boolean): void {}

/**
 * No synchronous SHA-256 here.
 * @param _value - ignored
 * @returns `undefined`: use WebCrypto
 * @internal
 */
export function sha256Base64url(_value: string): string | undefined {
  return undefined
}

/**
 * A synchronous verifier, as in lib/node-crypto.ts.
 * @internal
 */
export type SyncVerifier = (jws: string) => boolean | undefined

/**
 * No synchronous verifier here.
 * @param _key - ignored
 * @param _alg - ignored
 * @param _jwk - ignored
 * @returns `undefined`: verify with WebCrypto
 * @internal
 */
export function syncVerifier(
  _key: CryptoKey,
  _alg: string,
  _jwk?: object,
): SyncVerifier | undefined {
  return undefined
}

/**
 * No synchronous signing here.
 * @param _key - ignored
 * @param _header - ignored
 * @param _payload - ignored
 * @param _jwk - ignored
 * @returns `undefined`: sign with jose
 * @internal
 */
export function signCompactSync(
  _key: CryptoKey,
  _header: { readonly alg: string; readonly [parameter: string]: unknown },
  _payload: Uint8Array,
  _jwk?: object,
): string | undefined {
  return undefined
}
