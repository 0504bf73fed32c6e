/**
 * DPoP proofs checked as an authorization server and a resource server do (RFC 9449 §4.3).
 *
 * The proof's form (`typ`, an allowed asymmetric `alg`, a public `jwk`), its signature, its claims
 * (`htm`, `htu`, `iat` within a window, `jti` once, `ath`, the current nonce when nonces are
 * demanded), and the nonce the OP hands out; plus the DPoP faults.
 *
 * @module
 */
import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
} from 'jose'
import type { DPoPState, MockDPoPOptions } from './dpop-types.js'
import { takeFault } from './faults.js'
import { randomToken } from './http.js'
import type { OpState, RequestContext } from './state.js'

/**
 * The OP's DPoP state from its options.
 * @param options - the `dpop` option
 * @returns the state
 */
export function dpopStateOf(options: MockDPoPOptions | undefined): DPoPState {
  return {
    required: options?.required ?? false,
    nonces: options?.nonces ?? false,
    algs: options?.algs ?? ['ES256', 'PS256', 'RS256', 'EdDSA'],
    nonce: randomToken(16),
    jtis: new Map(),
  }
}

/** How far `iat` may be from the OP's clock, in seconds. */
const IAT_WINDOW_SECONDS = 60

/** JWK members of a private or symmetric key: a proof's `jwk` must have none. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** A refused proof: the `error` the OP answers and whether a fresh nonce goes with it. */
export class DPoPFailure extends Error {
  /** `invalid_dpop_proof` or `use_dpop_nonce`. */
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce'
  /** Whether the answer carries the `DPoP-Nonce` header. */
  readonly sendNonce: boolean

  /**
   * @param error - the error code
   * @param description - why
   * @param sendNonce - whether the answer carries the nonce
   */
  constructor(
    error: 'invalid_dpop_proof' | 'use_dpop_nonce',
    description: string,
    sendNonce = true,
  ) {
    super(description)
    this.error = error
    this.sendNonce = sendNonce
  }
}

/**
 * What a proof must match.
 */
export interface ProofExpectations {
  /** The client the request is for (to scope faults). */
  readonly clientId: string | undefined
  /** At a resource server: the access token, whose hash `ath` must be. */
  readonly accessToken?: string
}

/**
 * Checks the request's DPoP proof, if it has one (RFC 9449 §4.3).
 * @param ctx - the request
 * @param expectations - the client, and the access token at a resource server
 * @returns the JWK thumbprint of the proof's key, or `undefined` when no proof came
 * @throws {@link DPoPFailure} for a proof that fails a check, or a nonce to demand
 */
export async function checkDPoPProof(
  ctx: RequestContext,
  expectations: ProofExpectations,
): Promise<string | undefined> {
  const { state, request } = ctx
  const dpop = state.dpop
  const proof = request.headers.get('dpop')
  if (proof === null) return undefined
  const invalid = (why: string) => new DPoPFailure('invalid_dpop_proof', why)
  if (proof.includes(',')) throw invalid('more than one DPoP header')
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(proof)
  } catch {
    throw invalid('the DPoP proof is not a JWS')
  }
  if (header.typ !== 'dpop+jwt') throw invalid('typ must be dpop+jwt')
  if (typeof header.alg !== 'string' || !dpop.algs.includes(header.alg)) {
    throw invalid(`alg ${String(header.alg)} is not allowed`)
  }
  const jwk = header.jwk as JWK | undefined
  if (jwk === undefined || typeof jwk !== 'object') throw invalid('the jwk header is missing')
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalid('the jwk is not a public key')
  let claims: Record<string, unknown>
  try {
    const key = await importJWK(jwk, header.alg)
    const verified = await compactVerify(proof, key, { algorithms: [header.alg] })
    claims = JSON.parse(new TextDecoder().decode(verified.payload))
  } catch {
    throw invalid('the DPoP proof signature does not verify with its jwk')
  }
  if (claims.htm !== request.method) throw invalid('htm is not the request method')
  const url = new URL(request.url)
  if (claims.htu !== `${url.origin}${url.pathname}`) throw invalid('htu is not the request URL')
  const now = state.now()
  if (typeof claims.iat !== 'number' || Math.abs(claims.iat - now / 1000) > IAT_WINDOW_SECONDS) {
    throw invalid('iat is missing or outside the accepted window')
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') throw invalid('jti is missing')
  for (const [jti, until] of dpop.jtis) if (until <= now) dpop.jtis.delete(jti)
  const jkt = await calculateJwkThumbprint(jwk, 'sha256')
  const seen = `${jkt}:${claims.jti}`
  if (dpop.jtis.has(seen)) throw invalid('jti was already used (a replayed proof)')
  if (expectations.accessToken !== undefined) {
    const hash = await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode(expectations.accessToken),
    )
    if (claims.ath !== base64url.encode(new Uint8Array(hash))) {
      throw invalid('ath is not the hash of the access token')
    }
  }
  const fault = takeFault(state.faults, expectations.clientId, (f) =>
    'dpop' in f && f.dpop !== 'bearer-token-type' ? f.dpop : undefined,
  )
  if (fault === 'nonce-without-header') {
    throw new DPoPFailure('use_dpop_nonce', 'a nonce is required', false)
  }
  if (fault === 'demand-nonce') {
    dpop.nonce = randomToken(16)
    throw new DPoPFailure('use_dpop_nonce', 'a fresh nonce is required')
  }
  if (dpop.nonces && claims.nonce !== dpop.nonce) {
    throw new DPoPFailure('use_dpop_nonce', 'the proof must carry the current nonce')
  }
  dpop.jtis.set(seen, now + 2 * IAT_WINDOW_SECONDS * 1000)
  return jkt
}

/**
 * The headers every response of an endpoint that checks proofs carries: the current nonce.
 * @param state - the OP state
 * @param force - send it even when nonces are not demanded (with a `use_dpop_nonce` answer)
 * @returns the headers
 */
export function nonceHeaders(state: OpState, force = false): Record<string, string> {
  return state.dpop.nonces || force ? { 'dpop-nonce': state.dpop.nonce } : {}
}
