/**
 * What resolving aggregated and distributed claims reports (OIDC Core §5.6.2).
 *
 * Kept apart from the resolution itself, which is loaded only when a response names claim sources.
 *
 * @module
 */
import type { AnyOidcRpError } from '../errors.js'

/**
 * Where a resolved claim came from.
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AggregatedDistributedClaims | OIDC Core §5.6.2}
 * @group Claim sources
 */
export interface ClaimOrigin {
  /** The source's name in `_claim_sources` (e.g. `src1`). */
  readonly source: string
  /** `aggregated` (a JWT the OP passed on) or `distributed` (fetched from the endpoint). */
  readonly kind: 'aggregated' | 'distributed'
  /** The claims provider that signed it: its `iss`, one of `claimSources.providers`. */
  readonly issuer: string
  /**
   * The end-user's identifier at the claims provider, when its JWT has a `sub`.
   *
   * Not the OP's `sub` (§5.6.2: it identifies the end-user at the claims provider), so it is never
   * compared with it nor merged.
   */
  readonly subject?: string
}

/**
 * A claim named in `_claim_names` that did not make it into the merged claims.
 * @group Claim sources
 */
export interface UnresolvedClaim {
  /** The claim's name. */
  readonly claim: string
  /** The source it was to come from. */
  readonly source: string
  /**
   * Why it was not taken.
   *
   * `local-value-kept`: the response itself has the claim, whose value wins (the source's is
   * dropped); `source-failed`: the source failed with `onError: 'skip'` (`error` says how).
   */
  readonly reason: 'local-value-kept' | 'source-failed'
  /** The source's error, for `source-failed`. */
  readonly error?: AnyOidcRpError
}

/**
 * Claims with their sources resolved.
 * @group Claim sources
 */
export interface ResolvedClaims {
  /**
   * The claims merged.
   *
   * Those given, without `_claim_names` / `_claim_sources`, plus the resolved ones (never over a
   * claim already present).
   */
  readonly claims: Readonly<Record<string, unknown>>
  /** Each resolved claim's origin, by claim name. */
  readonly origins: Readonly<Record<string, ClaimOrigin>>
  /** The claims named that were not taken, and why. */
  readonly unresolved: readonly UnresolvedClaim[]
}

/**
 * Options of `resolveClaimSources`.
 * @group Claim sources
 */
export interface ResolveClaimSourcesOptions {
  /** Aborts the requests (distributed endpoints, claims provider discovery and JWKS). */
  readonly signal?: AbortSignal
}
