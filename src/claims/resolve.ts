/**
 * The public entry of claim source resolution, and its loader.
 *
 * The resolution (sources.ts) is imported on first use, so a bundle whose sign-ins never meet a
 * claim source does not load it.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { lazy } from '../lib/lazy.js'
import type { ResolveClaimSourcesOptions, ResolvedClaims } from './types.js'

/**
 * The resolution module, loaded once on first use.
 * @internal
 */
export const loadClaimSources = /* @__PURE__ */ lazy(() => import('./sources.js'))

/**
 * Resolves the aggregated and distributed claims of a claims object (UserInfo, ID token).
 *
 * For each source `_claim_names` points to (at most `claimSources.maxSources`):
 *
 * - aggregated (`JWT`): the JWT is decoded once, its `alg` must be asymmetric (never `none` or
 * `HS*`), its `iss` one of `claimSources.providers`, its signature verified with that provider's
 * keys (configured, its `jwks_uri`, or found by its OpenID configuration), then `aud` (when
 * present, it must contain the client_id), `exp`, `iat`, `nbf`;
 * - distributed (`endpoint`, `access_token`): only an endpoint on `claimSources.endpoints` is
 * called, a GET with `Authorization: Bearer`; the answer must be a JWT (§5.6.2: the endpoint MUST
 * return the claims as a JWT), verified as an aggregated one.
 *
 * Only the claims named for the source are taken, and each must be in its JWT; a claim the input
 * already has keeps its value and is reported as `local-value-kept`. A source's `sub` is the
 * end-user's identifier at the claims provider, not the OP's: reported in the origin, never
 * merged. With `onError: 'skip'` a failed source's claims are reported as `source-failed`.
 *
 * @param config - the configuration: its `claimSources`, client_id, settings and fetch
 * @param claims - the claims, with `_claim_names` and `_claim_sources`
 * @param options - a signal
 * @returns the claims merged, each resolved claim's origin, and what was not taken
 * @throws {@link ValidationError} `CLAIM_SOURCE_INVALID`, `CLAIM_SOURCE_TOO_MANY`,
 * `CLAIM_SOURCE_ISSUER_NOT_ALLOWED`, `CLAIM_SOURCE_SIGNATURE_INVALID`,
 * `CLAIM_SOURCE_AUDIENCE_MISMATCH`, `CLAIM_SOURCE_JWT_INVALID`,
 * `CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED`, `CLAIM_SOURCE_RESPONSE_INVALID`
 * @throws {@link TransportError} `CLAIM_SOURCE_UNAVAILABLE`; `HTTP_ABORTED` when the signal aborts
 * @throws {@link UsageError} `INVALID_ARGUMENT` for a configuration without `claimSources` or
 * claims that are not an object
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AggregatedDistributedClaims | OIDC Core §5.6.2}
 * @example
 * ```ts
 * const claims = await fetchUserInfo(config, accessToken, { expectedSubject: sub })
 * const { claims: merged, origins } = await resolveClaimSources(config, claims)
 * console.log(merged.credit_score, origins.credit_score?.issuer)
 * ```
 * @group Claim sources
 */
export async function resolveClaimSources(
  config: Configuration,
  claims: Readonly<Record<string, unknown>>,
  options: ResolveClaimSourcesOptions = {},
): Promise<ResolvedClaims> {
  return (await loadClaimSources()).resolveClaims(config, claims, options)
}
