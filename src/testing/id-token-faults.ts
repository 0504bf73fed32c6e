/**
 * The effect of each ID token fault: on the claims, or on how the token is signed.
 * @module
 */

import type { Fault, IdTokenEndpoint, IdTokenFault } from './faults.js'
import { randomToken } from './http.js'
import { halfHash } from './jwt.js'
import { currentKid, generateKey, isHmac, type KeyStore, signingMaterial } from './keys.js'
import type { MockClient } from './types.js'

/** The faults that touch an ID token. */
export type IdTokenFaultValue =
  | { idToken: IdTokenFault }
  | { idTokenClaims: Record<string, unknown> }
  | { idTokenHeader: Record<string, unknown> }

/**
 * Selects the faults that touch ID tokens issued at an endpoint.
 * @param endpoint - where the ID token is issued
 * @returns a selector: the fault when it touches ID tokens of that endpoint
 */
export function idTokenFaultAt(
  endpoint: IdTokenEndpoint,
): (fault: Fault) => IdTokenFaultValue | undefined {
  return (fault) =>
    ('idToken' in fault || 'idTokenClaims' in fault || 'idTokenHeader' in fault) &&
    (fault.endpoint === undefined || fault.endpoint === endpoint)
      ? fault
      : undefined
}

/** How an ID token is signed. */
export interface SigningPlan {
  /** The protected header, with `alg`. */
  header: Record<string, unknown> & { alg: string }
  /** The signing material; undefined for `none`. */
  key: CryptoKey | Uint8Array | undefined
  /** Alter the signature bytes after signing. */
  corrupt: boolean
}

/** What a claim fault needs to know. */
interface FaultContext {
  clientId: string
  now: number
  alg: string
}

const WRONG_AUDIENCE = 'https://other-client.example'
const UNTRUSTED_AUDIENCE = 'https://untrusted.example'
const OTHER_AUDIENCE = 'https://other-audience.example'

/** Claim changes per fault. */
const CLAIM_FAULTS: Partial<
  Record<IdTokenFault, (claims: Record<string, unknown>, c: FaultContext) => void | Promise<void>>
> = {
  'wrong-issuer': (claims) => {
    claims.iss = 'https://wrong-issuer.example'
  },
  'wrong-audience': (claims) => {
    claims.aud = WRONG_AUDIENCE
  },
  'no-audience': (claims) => {
    delete claims.aud
  },
  'extra-audience': (claims, c) => {
    claims.aud = [c.clientId, UNTRUSTED_AUDIENCE]
    claims.azp = c.clientId
  },
  'wrong-azp': (claims) => {
    claims.azp = 'another-client'
  },
  'multiple-audiences-no-azp': (claims, c) => {
    claims.aud = [c.clientId, OTHER_AUDIENCE]
    delete claims.azp
  },
  expired: (claims, c) => {
    claims.iat = c.now - 7200
    claims.exp = c.now - 3600
  },
  'iat-in-future': (claims, c) => {
    claims.iat = c.now + 3600
    claims.exp = c.now + 7200
  },
  'no-iat': (claims) => {
    delete claims.iat
  },
  'nbf-in-future': (claims, c) => {
    claims.nbf = c.now + 3600
  },
  'no-sub': (claims) => {
    delete claims.sub
  },
  'wrong-nonce': (claims) => {
    claims.nonce = `wrong-nonce-${randomToken(8)}`
  },
  'no-nonce': (claims) => {
    delete claims.nonce
  },
  'no-at_hash': (claims) => {
    delete claims.at_hash
  },
  'wrong-at_hash': async (claims, c) => {
    claims.at_hash = await halfHash(c.alg, randomToken())
  },
  'no-c_hash': (claims) => {
    delete claims.c_hash
  },
  'wrong-c_hash': async (claims, c) => {
    claims.c_hash = await halfHash(c.alg, randomToken())
  },
  'no-auth_time': (claims) => {
    delete claims.auth_time
  },
  'old-auth_time': (claims, c) => {
    claims.auth_time = c.now - 86_400
  },
  'wrong-acr': (claims) => {
    claims.acr = 'urn:mock:wrong-acr'
  },
}

/**
 * Applies the claim faults (and `idTokenClaims` merges) in queue order.
 * @param claims - the ID token claims (changed in place)
 * @param faults - the faults taken for this token
 * @param context - the client, the time and the final `alg`
 */
export async function applyClaimFaults(
  claims: Record<string, unknown>,
  faults: IdTokenFaultValue[],
  context: FaultContext,
): Promise<void> {
  for (const fault of faults) {
    if ('idTokenClaims' in fault) mergeDeleting(claims, fault.idTokenClaims)
    if ('idToken' in fault) await CLAIM_FAULTS[fault.idToken]?.(claims, context)
  }
}

/**
 * Decides the header and key of an ID token: the client's registered algorithm, changed by faults.
 * @param keys - the OP's keys
 * @param client - the client
 * @param faults - the faults taken for this token
 * @returns the signing plan
 */
export async function planSigning(
  keys: KeyStore,
  client: MockClient,
  faults: IdTokenFaultValue[],
): Promise<SigningPlan> {
  const headerPatch: Record<string, unknown> = {}
  for (const fault of faults)
    if ('idTokenHeader' in fault) Object.assign(headerPatch, fault.idTokenHeader)
  const patchedAlg = typeof headerPatch.alg === 'string' ? headerPatch.alg : undefined
  const alg = patchedAlg ?? client.id_token_signed_response_alg ?? 'RS256'
  const kid = currentKid(keys, alg)
  let plan: SigningPlan = {
    header: kid === undefined ? { alg } : { alg, kid },
    key: signingMaterial(keys, alg, client.client_secret),
    corrupt: false,
  }
  for (const fault of faults) {
    if ('idToken' in fault) plan = await signingFault(plan, fault.idToken)
  }
  const { alg: _ignored, ...rest } = headerPatch
  mergeDeleting(plan.header, rest)
  return plan
}

/** Changes a signing plan for one fault. */
async function signingFault(plan: SigningPlan, fault: IdTokenFault): Promise<SigningPlan> {
  switch (fault) {
    case 'bad-signature':
      return { ...plan, corrupt: true }
    case 'alg-none':
      return { header: { alg: 'none' }, key: undefined, corrupt: false }
    case 'no-kid': {
      const { kid: _omitted, ...header } = plan.header
      return { ...plan, header }
    }
    case 'unknown-kid': {
      const current = plan.header.alg
      const alg = isHmac(current) || current === 'none' ? 'RS256' : current
      const fresh = await generateKey(alg, 'sig', `unknown-${randomToken(8)}`)
      return { ...plan, header: { alg, kid: fresh.kid }, key: fresh.privateKey }
    }
    case 'hs256-wrong-secret':
      return {
        ...plan,
        header: { alg: 'HS256' },
        key: new TextEncoder().encode(`wrong-secret-${randomToken()}`),
      }
    default:
      return plan
  }
}

/**
 * Merges members over an object; a member whose value is `undefined` is deleted.
 * @param target - the object (changed in place)
 * @param patch - members to set or delete
 */
export function mergeDeleting(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): void {
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete target[name]
    else target[name] = value
  }
}
