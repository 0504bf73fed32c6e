/**
 * Issuing tokens.
 *
 * ID tokens (OIDC Core §2) with their hashes, signature and encryption; access and refresh tokens.
 *
 * @module
 */

import { addSources } from './claim-sources.js'
import { idTokenUserClaims } from './claims.js'
import type { IdTokenEndpoint } from './faults.js'
import { takeFault, takeFaults } from './faults.js'
import { randomToken } from './http.js'
import { applyClaimFaults, idTokenFaultAt, planSigning } from './id-token-faults.js'
import { encryptToClient, halfHash } from './jwt.js'
import { corruptSignature, signCompact } from './keys.js'
import { type Grant, nowSeconds, type OpState } from './state.js'
import type { MockClient } from './types.js'

/** What an ID token is issued for. */
export interface IdTokenInput {
  /** The audience. */
  client: MockClient
  /** Where the ID token is issued (faults may be scoped to one endpoint). */
  endpoint: IdTokenEndpoint
  /** The grant: user, nonce, auth_time, acr, amr, sid, claims. */
  grant: Grant
  /** The access token issued alongside (adds `at_hash`). */
  accessToken?: string
  /** The code issued alongside (adds `c_hash`). */
  code?: string
  /** Include the grant's `nonce` (not on refresh). */
  includeNonce: boolean
  /** Put the scope's claims in the ID token (when no access token is issued). */
  withScopeClaims: boolean
}

/**
 * Issues an ID token, applying any pending ID token faults for the client.
 * @param state - the OP state
 * @param input - what the token is for
 * @returns the compact JWS, or a JWE when the client registered ID token encryption
 */
export async function issueIdToken(state: OpState, input: IdTokenInput): Promise<string> {
  const { client } = input
  const faults = takeFaults(state.faults, client.client_id, idTokenFaultAt(input.endpoint))
  const plan = await planSigning(state.keys, client, faults)
  const claims = await idTokenClaims(state, input, plan.header.alg)
  await applyClaimFaults(claims, faults, {
    clientId: client.client_id,
    now: nowSeconds(state),
    alg: plan.header.alg,
  })
  const jws = await signCompact(claims, plan.header, plan.key)
  const token = plan.corrupt ? corruptSignature(jws) : jws
  const alg = client.id_token_encrypted_response_alg
  if (alg === undefined) return token
  const enc = client.id_token_encrypted_response_enc ?? 'A128GCM'
  return encryptToClient(client, token, alg, enc, true)
}

/** The claims of a well-behaved ID token. */
async function idTokenClaims(
  state: OpState,
  input: IdTokenInput,
  alg: string,
): Promise<Record<string, unknown>> {
  const { grant, client } = input
  const now = nowSeconds(state)
  const user = state.users[grant.sub] ?? {}
  const claims: Record<string, unknown> = {
    ...idTokenUserClaims(user, grant, input.withScopeClaims),
    iss: state.issuer,
    sub: grant.sub,
    aud: client.client_id,
    exp: now + state.idTokenTtl,
    iat: now,
  }
  if (state.issuerTemplate !== undefined) {
    claims.tid = user.tid
    claims.iss = state.issuerTemplate.replace('{tenantid}', String(user.tid))
  }
  if (grant.includeAuthTime) claims.auth_time = grant.authTime
  if (input.includeNonce && grant.nonce !== undefined) claims.nonce = grant.nonce
  if (grant.acr !== undefined) claims.acr = grant.acr
  if (grant.amr !== undefined) claims.amr = grant.amr
  if (grant.sid !== undefined) claims.sid = grant.sid
  if (input.accessToken !== undefined) claims.at_hash = await halfHash(alg, input.accessToken)
  if (input.code !== undefined) claims.c_hash = await halfHash(alg, input.code)
  await addSources(state, 'id_token', grant.sub, client.client_id, claims)
  return claims
}

/**
 * Issues an opaque access token for a grant.
 * @param state - the OP state
 * @param grant - what the token allows
 * @param certificateThumbprint - the certificate the token is bound to (RFC 8705 §3)
 * @returns the access token
 */
export function issueAccessToken(
  state: OpState,
  grant: Grant,
  certificateThumbprint?: string,
): string {
  const token = randomToken()
  const expiresAt = state.now() + state.accessTokenTtl * 1000
  state.accessTokens.set(token, {
    ...grant,
    expiresAt,
    ...(certificateThumbprint === undefined ? {} : { certificateThumbprint }),
  })
  return token
}

/**
 * Issues an opaque refresh token for a grant.
 * @param state - the OP state
 * @param grant - what the token allows
 * @returns the refresh token
 */
export function issueRefreshToken(state: OpState, grant: Grant): string {
  const token = randomToken()
  const client = state.clients.get(grant.clientId)
  const { jkt, ...rest } = grant
  // RFC 9449 §5: refresh tokens of public clients are bound; confidential clients authenticate
  const publicClient = client?.token_endpoint_auth_method === 'none'
  state.refreshTokens.set(token, publicClient && jkt !== undefined ? { ...rest, jkt } : rest)
  return token
}

/**
 * The token endpoint's success body (RFC 6749 §5.1, OIDC Core §3.1.3.3).
 * @param state - the OP state
 * @param client - the authenticated client
 * @param grant - the grant
 * @param options - the refresh token to return, whether the ID token gets the nonce, the
 * certificate the access token is bound to
 * @returns the JSON body
 */
export async function tokenResponseBody(
  state: OpState,
  client: MockClient,
  grant: Grant,
  options: { refreshToken?: string; includeNonce: boolean; certificateThumbprint?: string },
): Promise<Record<string, unknown>> {
  const family = { ...grant, family: grant.family ?? randomToken(12) }
  const accessToken = issueAccessToken(state, family, options.certificateThumbprint)
  const refreshToken = options.refreshToken ?? issueRefreshToken(state, family)
  const idToken = await issueIdToken(state, {
    client,
    endpoint: 'token',
    grant,
    accessToken,
    includeNonce: options.includeNonce,
    withScopeClaims: false,
  })
  return {
    access_token: accessToken,
    token_type: accessTokenType(state, grant),
    expires_in: state.accessTokenTtl,
    scope: grant.scope,
    id_token: idToken,
    refresh_token: refreshToken,
  }
}

/**
 * The `token_type` of an access token issued for a grant.
 *
 * `DPoP` when it is bound to a DPoP key (RFC 9449 §5), else `Bearer`; or `Bearer` for a bound one
 * under the `bearer-token-type` fault.
 * @param state - the OP state (its faults)
 * @param grant - the grant, with the key thumbprint when bound
 * @returns the token type to answer
 */
export function accessTokenType(state: OpState, grant: Grant): 'Bearer' | 'DPoP' {
  if (grant.jkt === undefined) return 'Bearer'
  const bearerFault = takeFault(state.faults, grant.clientId, (f) =>
    'dpop' in f && f.dpop === 'bearer-token-type' ? true : undefined,
  )
  return bearerFault ? 'Bearer' : 'DPoP'
}
