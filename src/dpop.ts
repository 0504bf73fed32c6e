/**
 * DPoP at the SDK's requests (RFC 9449).
 *
 * The application's key pair becomes a handle ({@link createDPoPHandle}); each request to the
 * authorization server or a resource server then carries a proof, and a server's demand for a nonce
 * (`use_dpop_nonce`) is answered with one retry, never more.
 *
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { runtimeOf } from './config/runtime.js'
import { invalidArgument } from './lib/checks.js'
import type { DPoPAlg, DPoPHandle, DPoPHandleOptions, DPoPServer } from './lib/dpop.js'
import type { HttpResponse } from './lib/http.js'
import { lazy } from './lib/lazy.js'

/** The proof maker, loaded on first use only: an application without DPoP never loads it. */
const proofMaker = /* @__PURE__ */ lazy(() => import('./lib/dpop.js'))

/**
 * Generates a key pair for DPoP proofs, its private key non-extractable.
 *
 * Keep the pair for as long as the tokens bound to it live (a browser can keep a non-extractable
 * key in IndexedDB).
 * @param alg - `ES256` (default), `ES384`, `ES512`, `PS256`…, `RS256`…, or `EdDSA` (Ed25519, where
 * the runtime's WebCrypto has it)
 * @returns the WebCrypto key pair
 * @throws {@link UsageError} `INVALID_ARGUMENT` for another algorithm
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-2 | RFC 9449 §2}
 * @example
 * ```ts
 * const dpop = await createDPoPHandle(await generateDPoPKeyPair())
 * ```
 * @group DPoP
 */
export async function generateDPoPKeyPair(alg?: DPoPAlg): Promise<CryptoKeyPair> {
  return (await proofMaker()).generateKeyPairFor(alg)
}

/**
 * Makes the DPoP handle of a key pair: what the `dpop` option of the SDK's calls takes.
 *
 * The handle signs proofs with the private key (which may be non-extractable), names the public key
 * in each proof's `jwk` header, and remembers the `DPoP-Nonce` each server (origin) last sent, for
 * the next proofs to it (RFC 9449 §8, §9). Use one handle for a sign-in and everything its tokens
 * are used for: the tokens are bound to its key.
 * @param keyPair - a WebCrypto key pair (ECDSA P-256/384/521, RSA-PSS, RSASSA-PKCS1-v1_5, Ed25519)
 * @param options - the algorithm, when not the key's own
 * @returns the handle
 * @throws {@link UsageError} `INVALID_ARGUMENT` for something other than a signing key pair, or an
 * `alg` that does not fit the key
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4 | RFC 9449 §4}
 * @example
 * ```ts
 * const dpop = await createDPoPHandle(await generateDPoPKeyPair('ES256'))
 * const { url } = await createAuthorizationRequest(config, undefined, { dpop })
 * // … at the callback, the same handle:
 * const result = await handleCallback(config, request, { dpop })
 * const api = await fetchProtectedResource(config, 'https://api.example/me', result.accessToken!, { dpop })
 * ```
 * @group DPoP
 */
export async function createDPoPHandle(
  keyPair: CryptoKeyPair,
  options?: DPoPHandleOptions,
): Promise<DPoPHandle> {
  return (await proofMaker()).makeHandle(keyPair, options)
}

/**
 * Sends a request with a DPoP proof, and once more with the server's nonce when it asks for one.
 *
 * The `DPoP-Nonce` of every response is remembered. The retry happens only when the server
 * answered `use_dpop_nonce` (a 400 OAuth error from the authorization server, a 401 `DPoP`
 * challenge from a resource server) with a nonce other than the one just sent; the second answer
 * is returned whatever it is.
 * @param config - the configuration, for its clock
 * @param dpop - the handle; without one the request is sent once, without a proof
 * @param request - the method, URL and (at resource servers) the access token the proof covers
 * @param send - sends the request with these extra headers
 * @param server - the kind of server
 * @returns the last response
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8, §9}
 * @internal
 */
export async function sendWithDPoP(
  config: Configuration,
  dpop: DPoPHandle | undefined,
  request: { readonly method: string; readonly url: string; readonly accessToken?: string },
  send: (headers: Record<string, string>) => Promise<HttpResponse>,
  server: DPoPServer,
): Promise<HttpResponse> {
  if (dpop === undefined) return send({})
  const now = runtimeOf(config).now
  return (await proofMaker()).sendWithProof(dpop, now, request, send, server)
}

/**
 * How an access token is sent: its value and scheme (RFC 6750 §2.1, RFC 9449 §7.1).
 *
 * A `DPoP` token (or a bare string given with a DPoP handle) goes with the `DPoP` scheme and needs
 * the handle; a `Bearer` token goes as `Bearer`.
 * @param accessToken - the token, bare or as the SDK returned it
 * @param dpop - the DPoP handle, if any
 * @returns the value and scheme
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an empty token, or a `DPoP` token without a
 * handle
 * @internal
 */
export function accessTokenScheme(
  accessToken: string | { readonly value: string; readonly type: string },
  dpop: DPoPHandle | undefined,
): { readonly value: string; readonly scheme: 'Bearer' | 'DPoP' } {
  const value = typeof accessToken === 'string' ? accessToken : accessToken?.value
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument('accessToken', 'a non-empty string or an AccessToken')
  }
  if (dpop !== undefined && typeof dpop?.proof !== 'function') {
    throw invalidArgument('dpop', 'a handle from createDPoPHandle')
  }
  const type = typeof accessToken === 'string' ? (dpop ? 'DPoP' : 'Bearer') : accessToken.type
  if (type === 'DPoP' && dpop === undefined) {
    throw invalidArgument('dpop', 'the DPoP handle the access token is bound to (a DPoP token)')
  }
  return { value, scheme: type === 'DPoP' ? 'DPoP' : 'Bearer' }
}
