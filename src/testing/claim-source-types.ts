/**
 * The types of the mock claims provider and of the claim sources the mock OP names with it.
 *
 * @module
 */

import type { JWK } from 'jose'

/**
 * How the next response's claim sources go wrong (`op.misbehave({ claimSource })`).
 *
 * Each value applies to every source of that response it fits:
 *
 * - `bad-signature`: the source JWT (aggregated, or the endpoint's answer) has altered signature
 *   bytes;
 * - `other-issuer`: the source JWT is signed by the provider's key with `iss`
 *   `https://unknown-claims.example`;
 * - `alg-none`: the source JWT is unsigned (`alg: none`);
 * - `wrong-audience`: the source JWT's `aud` is `https://other-client.example`;
 * - `endpoint-elsewhere`: a distributed source names `https://elsewhere.example/claims`;
 * - `unauthorized`: the endpoint refuses the access token (401 with a Bearer challenge);
 * - `garbage`: the endpoint answers 200 with an HTML page;
 * - `json`: the endpoint answers 200 with the claims as JSON instead of a JWT.
 * @group Faults
 */
export type ClaimSourceFault =
  | 'bad-signature'
  | 'other-issuer'
  | 'alg-none'
  | 'wrong-audience'
  | 'endpoint-elsewhere'
  | 'unauthorized'
  | 'garbage'
  | 'json'

/**
 * Options of {@link createMockClaimsProvider}.
 * @group Everyday use
 */
export interface MockClaimsProviderOptions {
  /** Its issuer identifier. Default `https://claims.example.com`. */
  issuer?: string
  /** The claims it holds, by the end-user's `sub` at the OP. */
  users: Record<string, Record<string, unknown>>
  /** The JWS alg it signs with. Default `ES256`. */
  signingAlg?: string
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number
}

/**
 * A request the claims provider received.
 * @group Everyday use
 */
export interface ClaimsProviderRequest {
  /** The URL requested. */
  url: string
  /** The `Authorization` header, if any. */
  authorization?: string
}

/**
 * Options of {@link MockClaimsProvider.claimsJwt}.
 * @group Everyday use
 */
export interface ClaimsJwtOptions {
  /** The `aud`: the client_id the claims are for. Default none. */
  audience?: string
  /** Spoil the JWT this way. */
  fault?: ClaimSourceFault
  /** The `sub`: the end-user's identifier at the claims provider. Default none (§5.6.2). */
  subject?: string
}

/**
 * A mock claims provider: the `iss`, keys and endpoint of aggregated and distributed claims.
 * @group Everyday use
 */
export interface MockClaimsProvider {
  /** Its issuer identifier. */
  readonly issuer: string
  /** Its distributed claims endpoint, `{issuer}/claims`. */
  readonly endpoint: string
  /** Every request it received. */
  readonly requests: ClaimsProviderRequest[]
  /** Its public JWKS. */
  jwks(): { keys: JWK[] }
  /** Serves its OpenID configuration, JWKS and claims endpoint (`op.fetch` routes here). */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** Whether a URL is one of its own (same origin as its issuer). */
  handles(url: string | URL): boolean
  /** Signs a JWT with the named claims the user has, `iss` and `iat`. */
  claimsJwt(user: string, claims: readonly string[], options?: ClaimsJwtOptions): Promise<string>
  /** Issues an access token for the user's named claims at its endpoint. */
  issueAccessToken(user: string, claims: readonly string[], options?: ClaimsJwtOptions): string
}

/**
 * A claim source the mock OP names for every end-user.
 * @group Everyday use
 */
export interface MockClaimSource {
  /** The claims provider. */
  provider: MockClaimsProvider
  /** `aggregated` (a JWT in the response) or `distributed` (the endpoint and an access token). */
  kind: 'aggregated' | 'distributed'
  /** The claims it provides. */
  claims: readonly string[]
  /** Where the OP names it. Default `userinfo`. */
  in?: 'userinfo' | 'id_token'
  /** Its name in `_claim_sources`. Default `src1`, `src2`… by position. */
  name?: string
}
