/**
 * JWT Secured Authorization Responses (JARM §2), well-formed or broken on purpose.
 *
 * The response parameters signed (and encrypted) into one `response` parameter.
 *
 * @module
 */

import { type JarmFault, takeFault } from './faults.js'
import { encryptToClient } from './jwt.js'
import { corruptSignature, currentKid, signCompact, signingMaterial } from './keys.js'
import { nowSeconds, type OpState } from './state.js'
import type { MockClient } from './types.js'

/** How long a JARM response is valid, in seconds (JARM §2.1 recommends a short lifetime). */
const JARM_TTL = 600
/** How long ago the `expired` fault's response expired, in seconds: past the default tolerance. */
const EXPIRED_AGO = 120

/** The `enc` of an encrypted JARM response when the client registered none (JARM §3). */
export const JARM_DEFAULT_ENC = 'A128CBC-HS256'

/**
 * What the authorization endpoint sends back in a JARM mode.
 *
 * `response` alone, or (fault `plain`) the parameters unwrapped.
 * @param state - the OP state (issuer, keys, clock, faults)
 * @param client - the client the response is for
 * @param params - the authorization response parameters (`code`, `state`, `error`, …)
 * @returns the parameters to deliver
 */
export async function jarmParameters(
  state: OpState,
  client: MockClient,
  params: URLSearchParams,
): Promise<URLSearchParams> {
  const fault = takeFault(state.faults, client.client_id, (f) => ('jarm' in f ? f.jarm : undefined))
  if (fault === 'plain') return params
  return new URLSearchParams({ response: await signJarmResponse(state, client, params, fault) })
}

/**
 * Signs the response parameters as a JARM JWT (`iss`, `aud`, `exp`, the parameters).
 *
 * Then encrypts it when the client registered `authorization_encrypted_response_alg`.
 * @param state - the OP state
 * @param client - the client
 * @param params - the authorization response parameters
 * @param fault - how to break it, if at all
 * @returns the compact JWS or JWE
 */
async function signJarmResponse(
  state: OpState,
  client: MockClient,
  params: URLSearchParams,
  fault: JarmFault | undefined,
): Promise<string> {
  const now = nowSeconds(state)
  const claims: Record<string, unknown> = {
    ...Object.fromEntries(params),
    iss: fault === 'wrong-issuer' ? 'https://wrong-issuer.example' : state.issuer,
    aud: fault === 'wrong-audience' ? 'https://other-client.example' : client.client_id,
    iat: fault === 'expired' ? now - JARM_TTL : now,
    exp: fault === 'expired' ? now - EXPIRED_AGO : now + JARM_TTL,
  }
  if (fault === 'no-exp') delete claims.exp
  const alg = fault === 'alg-none' ? 'none' : (client.authorization_signed_response_alg ?? 'RS256')
  const kid = currentKid(state.keys, alg)
  const header = { alg, ...(kid === undefined ? {} : { kid }) }
  const jws = await signCompact(
    claims,
    header,
    signingMaterial(state.keys, alg, client.client_secret),
  )
  const token = fault === 'bad-signature' ? corruptSignature(jws) : jws
  const encAlg = client.authorization_encrypted_response_alg
  if (encAlg === undefined || fault === 'signed-only') return token
  const enc = client.authorization_encrypted_response_enc ?? JARM_DEFAULT_ENC
  return encryptToClient(client, token, encAlg, enc, true)
}
