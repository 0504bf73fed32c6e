/**
 * DPoP proofs (RFC 9449) made with WebCrypto, over plain values.
 *
 * A handle holds the application's key pair, its public JWK and RFC 7638 thumbprint, and the
 * nonces servers handed out, per origin. The SDK loads this module only when the application makes
 * a handle (src/dpop.ts imports it lazily), so a sign-in without DPoP never carries it.
 *
 * @module
 */

import { UsageError } from '../errors.js'
import * as base64url from './base64url.js'
import { sha256Text } from './hash.js'
import type { HttpResponse } from './http.js'
import { loadErrorResponse } from './oauth-error.js'
import { randomBase64url } from './random.js'

/**
 * A JWS algorithm a DPoP key can sign with.
 * @group DPoP
 */
export type DPoPAlg =
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'EdDSA'

/**
 * The application's DPoP key, ready to prove possession of it (RFC 9449 §4).
 *
 * Made by {@link createDPoPHandle}; pass it as the `dpop` option of the calls that take one. The
 * SDK makes the proofs itself; `proof` is there for an application that sends its own requests.
 * @group DPoP
 */
export interface DPoPHandle {
  /** The JWS algorithm of the proofs. */
  readonly alg: DPoPAlg
  /** The public key as a JWK (its required members only), the proofs' `jwk` header. */
  readonly publicJwk: Readonly<Record<string, string>>
  /** The JWK SHA-256 thumbprint of the public key (RFC 7638), the `dpop_jkt` and `cnf.jkt`. */
  readonly thumbprint: string
  /**
   * Makes a DPoP proof JWT for one request (RFC 9449 §4.2).
   *
   * With the nonce last remembered for the URL's origin, if any.
   * @param method - the HTTP method (`htm`)
   * @param url - the request URL; `htu` is it without query and fragment
   * @param options - the access token (adds `ath`, at resource servers), the clock
   * @returns the compact JWS, for the `DPoP` request header
   */
  proof(method: string, url: string | URL, options?: DPoPProofOptions): Promise<string>
  /**
   * Remembers the `DPoP-Nonce` of a response, for the next proofs to its origin (RFC 9449 §8, §9).
   * @param url - the URL the response came from
   * @param headers - the response headers
   * @returns true when the header carried a nonce other than the one remembered
   */
  rememberNonce(url: string | URL, headers: Headers): boolean
}

/**
 * Options of {@link DPoPHandle.proof}.
 * @group DPoP
 */
export interface DPoPProofOptions {
  /** The access token the request carries: the proof gets its hash as `ath` (RFC 9449 §4.2). */
  readonly accessToken?: string
  /** The clock, in milliseconds since the epoch, for `iat`. Default `Date.now()`. */
  readonly nowInMs?: number
}

/**
 * Options of {@link createDPoPHandle}.
 * @group DPoP
 */
export interface DPoPHandleOptions {
  /**
   * The algorithm; default the one the key is for (ES256 for a P-256 key).
   *
   * It must fit the key: `INVALID_ARGUMENT` otherwise.
   */
  readonly alg?: DPoPAlg
}

const encoder = new TextEncoder()

/** How many origins' nonces a handle keeps (the oldest goes first). */
const MAX_NONCES = 100

/** RFC 9449 §8.1: nonce = 1*NQCHAR (printable ASCII without `"` and `\`). */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/

/** The JWK members a thumbprint covers, per key type (RFC 7638 §3.2). */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
}

/** The alg a WebCrypto key is for, or `undefined`. */
function algOfKey(key: CryptoKey): DPoPAlg | undefined {
  const algorithm = key.algorithm as KeyAlgorithm & {
    namedCurve?: string
    hash?: { name: string }
  }
  switch (algorithm.name) {
    case 'ECDSA':
      return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const)[
        algorithm.namedCurve as 'P-256'
      ]
    case 'RSA-PSS':
    case 'RSASSA-PKCS1-v1_5': {
      const bits = algorithm.hash?.name.slice(4)
      if (bits !== '256' && bits !== '384' && bits !== '512') return undefined
      return `${algorithm.name === 'RSA-PSS' ? 'PS' : 'RS'}${bits}` as DPoPAlg
    }
    case 'Ed25519':
      return 'EdDSA'
    default:
      return undefined
  }
}

/** The WebCrypto parameters that sign for a JWS alg. */
function signParams(
  alg: DPoPAlg,
  key: CryptoKey,
): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const bits = alg.slice(2)
  if (alg === 'EdDSA') return { name: key.algorithm.name }
  if (alg.startsWith('ES')) return { name: 'ECDSA', hash: `SHA-${bits}` }
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: Number(bits) / 8 }
  return { name: 'RSASSA-PKCS1-v1_5' }
}

/**
 * Generates a key pair for DPoP, the private key non-extractable.
 * @param alg - the algorithm, default `ES256`
 * @returns the key pair
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an algorithm DPoP keys are not made for here
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2 RFC 9449 §2
 */
export async function generateKeyPairFor(alg: DPoPAlg = 'ES256'): Promise<CryptoKeyPair> {
  const bits = alg.slice(2)
  let algorithm: EcKeyGenParams | RsaHashedKeyGenParams | AlgorithmIdentifier
  if (alg === 'EdDSA') algorithm = { name: 'Ed25519' }
  else if (alg.startsWith('ES') && ['256', '384', '512'].includes(bits)) {
    algorithm = { name: 'ECDSA', namedCurve: bits === '512' ? 'P-521' : `P-${bits}` }
  } else if (
    (alg.startsWith('PS') || alg.startsWith('RS')) &&
    ['256', '384', '512'].includes(bits)
  ) {
    algorithm = {
      name: alg.startsWith('PS') ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: `SHA-${bits}`,
    }
  } else {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'alg must be a DPoP signing algorithm (ES256, PS256, RS256, EdDSA…)',
      {
        parameter: 'alg',
      },
    )
  }
  return (await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as CryptoKeyPair
}

/**
 * Makes a {@link DPoPHandle} of a key pair.
 * @param keyPair - a WebCrypto key pair; the private key may be non-extractable
 * @param options - the algorithm, when not the key's own
 * @returns the handle
 * @throws {@link UsageError} `INVALID_ARGUMENT` for something other than a signing key pair, or an
 * `alg` that does not fit the key
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4 RFC 9449 §4
 */
export async function makeHandle(
  keyPair: CryptoKeyPair,
  options: DPoPHandleOptions = {},
): Promise<DPoPHandle> {
  const privateKey = keyPair?.privateKey
  const publicKey = keyPair?.publicKey
  if (
    typeof CryptoKey === 'undefined' ||
    !(privateKey instanceof CryptoKey) ||
    !(publicKey instanceof CryptoKey) ||
    privateKey.type !== 'private' ||
    publicKey.type !== 'public' ||
    !privateKey.usages.includes('sign')
  ) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'keyPair must be a WebCrypto key pair whose private key can sign',
      { parameter: 'keyPair' },
    )
  }
  const own = algOfKey(privateKey)
  const alg = options.alg ?? own
  if (own === undefined || alg !== own) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      own === undefined
        ? `the key's algorithm ${privateKey.algorithm.name} cannot sign DPoP proofs`
        : `alg ${String(alg).slice(0, 20)} does not fit the key (${own})`,
      { parameter: own === undefined ? 'keyPair' : 'alg' },
    )
  }
  const exported = await crypto.subtle.exportKey('jwk', publicKey)
  const members = REQUIRED_MEMBERS[exported.kty ?? ''] ?? []
  const publicJwk: Record<string, string> = {}
  for (const member of members) publicJwk[member] = String(exported[member as keyof JsonWebKey])
  // RFC 7638 §3: the required members, in lexicographic order, no whitespace
  const thumbprint = await sha256Text(JSON.stringify(publicJwk))
  const header = { alg, typ: 'dpop+jwt', jwk: publicJwk }
  const encodedHeader = base64url.encode(JSON.stringify(header))
  const params = signParams(alg, privateKey)
  const nonces = new Map<string, string>()

  return {
    alg,
    publicJwk,
    thumbprint,
    async proof(method, url, proofOptions = {}) {
      const target = new URL(url)
      const claims: Record<string, unknown> = {
        jti: randomBase64url(16),
        htm: method,
        htu: `${target.origin}${target.pathname}`,
        iat: Math.floor((proofOptions.nowInMs ?? Date.now()) / 1000),
      }
      if (proofOptions.accessToken !== undefined) {
        claims.ath = await sha256Text(proofOptions.accessToken)
      }
      const nonce = nonces.get(target.origin)
      if (nonce !== undefined) claims.nonce = nonce
      const input = `${encodedHeader}.${base64url.encode(JSON.stringify(claims))}`
      const signature = await crypto.subtle.sign(params, privateKey, encoder.encode(input))
      return `${input}.${base64url.encode(new Uint8Array(signature))}`
    },
    rememberNonce(url, headers) {
      const nonce = headers.get('dpop-nonce')
      if (nonce === null || !NONCE.test(nonce)) return false
      const origin = new URL(url).origin
      const previous = nonces.get(origin)
      nonces.delete(origin)
      nonces.set(origin, nonce)
      if (nonces.size > MAX_NONCES) nonces.delete(nonces.keys().next().value as string)
      return nonce !== previous
    },
  }
}

/**
 * Which kind of server a request goes to: how it asks for a nonce differs (RFC 9449 §8, §9).
 * @internal
 */
export type DPoPServer = 'authorization' | 'resource'

/**
 * Sends a request with a DPoP proof, and once more with the server's nonce when it asks for one.
 *
 * The `DPoP-Nonce` of every response is remembered. The retry happens only when the server
 * answered `use_dpop_nonce` (a 400 OAuth error from the authorization server, a 401 `DPoP`
 * challenge from a resource server) with a nonce other than the one just sent; the second answer
 * is returned whatever it is.
 * @param dpop - the handle
 * @param now - the clock, in milliseconds
 * @param request - the method, URL and (at resource servers) the access token the proof covers
 * @param send - sends the request with these extra headers
 * @param server - the kind of server
 * @returns the last response
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8, §9}
 * @internal
 */
export async function sendWithProof(
  dpop: DPoPHandle,
  now: () => number,
  request: { readonly method: string; readonly url: string; readonly accessToken?: string },
  send: (headers: Record<string, string>) => Promise<HttpResponse>,
  server: DPoPServer,
): Promise<HttpResponse> {
  const attempt = async () => {
    const proof = await dpop.proof(request.method, request.url, {
      nowInMs: now(),
      ...(request.accessToken === undefined ? {} : { accessToken: request.accessToken }),
    })
    const response = await send({ dpop: proof })
    const freshNonce = dpop.rememberNonce(request.url, response.headers)
    return { response, freshNonce }
  }
  const first = await attempt()
  if (!first.freshNonce || !(await asksForNonce(first.response, server))) return first.response
  return (await attempt()).response
}

/** Whether a response is the server's demand for a DPoP nonce (RFC 9449 §8 and §9). */
async function asksForNonce(response: HttpResponse, server: DPoPServer): Promise<boolean> {
  if (response.status !== (server === 'authorization' ? 400 : 401)) return false
  const { oauthErrorBody, parseChallenges } = await loadErrorResponse()
  if (server === 'authorization') return oauthErrorBody(response)?.error === 'use_dpop_nonce'
  const challenges = parseChallenges(response.headers.get('www-authenticate') ?? '')
  return challenges.some((c) => c.scheme === 'dpop' && c.parameters.error === 'use_dpop_nonce')
}
