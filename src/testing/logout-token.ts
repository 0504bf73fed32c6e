/**
 * Logout tokens (Back-Channel Logout 1.0 §2.4), well-formed or broken on purpose.
 *
 * Broken in each way an RP must refuse.
 *
 * @module
 */

import { randomToken } from './http.js'
import { mergeDeleting } from './id-token-faults.js'
import { encryptToClient } from './jwt.js'
import { corruptSignature, currentKid, isHmac, signCompact, signingMaterial } from './keys.js'
import type { LogoutTokenFault, LogoutTokenOptions } from './logout-types.js'
import { MockOPError } from './mock-op-error.js'
import { nowSeconds, type OpState, requireClient } from './state.js'
import type { MockClient } from './types.js'

/** The event member that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** How long a logout token is valid, in seconds (the spec recommends about two minutes). */
const LOGOUT_TOKEN_TTL = 120

/** Claim changes per fault. */
const CLAIM_FAULTS: Partial<
  Record<LogoutTokenFault, (claims: Record<string, unknown>, now: number) => void>
> = {
  'wrong-issuer': (claims) => {
    claims.iss = 'https://wrong-issuer.example'
  },
  'wrong-aud': (claims) => {
    claims.aud = 'https://other-client.example'
  },
  'no-event': (claims) => {
    delete claims.events
  },
  'wrong-event': (claims) => {
    claims.events = { 'http://schemas.openid.net/event/other-event': {} }
  },
  'event-not-object': (claims) => {
    claims.events = { [BACKCHANNEL_LOGOUT_EVENT]: 'logout' }
  },
  'with-nonce': (claims) => {
    claims.nonce = `nonce-${randomToken(8)}`
  },
  'no-jti': (claims) => {
    delete claims.jti
  },
  'no-iat': (claims) => {
    delete claims.iat
  },
  'iat-in-future': (claims, now) => {
    claims.iat = now + 3600
    claims.exp = now + 3600 + LOGOUT_TOKEN_TTL
  },
  expired: (claims, now) => {
    claims.iat = now - 3600
    claims.exp = now - 3600 + LOGOUT_TOKEN_TTL
  },
  'no-sid-no-sub': (claims) => {
    delete claims.sid
    delete claims.sub
  },
}

/**
 * Builds and signs a logout token for a client.
 *
 * `iss`, `aud`, `iat`, `exp` (two minutes), a fresh `jti`, the back-channel logout event, `sub`
 * and/or `sid`; header `typ: logout+jwt`, signed like the client's ID tokens (and encrypted like
 * them when the client registered ID token encryption).
 *
 * @param state - the OP state
 * @param options - the client, the user and/or session, a fault, claim and header patches
 * @returns the compact logout token
 * @throws MockOPError for an unknown client, a token with neither `sub` nor `sid` (without the
 * `no-sid-no-sub` fault), or a `wrong-alg` fault with no other algorithm available
 */
export async function issueLogoutToken(
  state: OpState,
  options: LogoutTokenOptions,
): Promise<string> {
  const client = requireClient(state, options.clientId)
  const { fault } = options
  if (options.user === undefined && options.sid === undefined && fault !== 'no-sid-no-sub') {
    throw new MockOPError('a logout token needs a user (sub) or a sid')
  }
  const now = nowSeconds(state)
  const claims: Record<string, unknown> = {
    iss: state.issuer,
    aud: client.client_id,
    iat: now,
    exp: now + LOGOUT_TOKEN_TTL,
    jti: randomToken(16),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(options.user === undefined ? {} : { sub: options.user }),
    ...(options.sid === undefined ? {} : { sid: options.sid }),
  }
  if (fault !== undefined) CLAIM_FAULTS[fault]?.(claims, now)
  if (options.claims) mergeDeleting(claims, options.claims)

  let alg = registeredAlg(client)
  if (fault === 'wrong-alg') alg = otherAlg(state, client, alg)
  const kid = currentKid(state.keys, alg)
  const header: Record<string, unknown> & { alg: string } = {
    alg,
    typ: fault === 'wrong-typ' ? 'at+jwt' : 'logout+jwt',
    ...(kid === undefined ? {} : { kid }),
  }
  if (options.header) mergeDeleting(header, options.header)
  const key =
    fault === 'alg-none' ? undefined : signingMaterial(state.keys, alg, client.client_secret)
  if (fault === 'alg-none') {
    header.alg = 'none'
    delete header.kid
  }
  const jws = await signCompact(claims, header, key)
  const token = fault === 'bad-signature' ? corruptSignature(jws) : jws
  const encAlg = client.id_token_encrypted_response_alg
  if (encAlg === undefined || fault === 'alg-none') return token
  const enc = client.id_token_encrypted_response_enc ?? 'A128GCM'
  return encryptToClient(client, token, encAlg, enc, true)
}

/** The client's ID token alg, which logout tokens share; `none` falls back to RS256. */
function registeredAlg(client: MockClient): string {
  const alg = client.id_token_signed_response_alg
  return alg === undefined || alg === 'none' ? 'RS256' : alg
}

/** Another algorithm than the client's: another OP key, else HS256 with the client secret. */
function otherAlg(state: OpState, client: MockClient, alg: string): string {
  const other = state.signingAlgs.find((a) => a !== alg)
  if (other !== undefined) return other
  if (!isHmac(alg) && client.client_secret !== undefined) return 'HS256'
  throw new MockOPError(`no algorithm other than ${alg} to sign a wrong-alg logout token with`)
}
