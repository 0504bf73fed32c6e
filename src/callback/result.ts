/**
 * The sign-in result.
 *
 * What the application receives once a callback is fully validated. Claims are merged, and the
 * application's attributes fulfilled through the administrator's mapping.
 *
 * @module
 */
import type { ClaimOrigin, ResolvedClaims, UnresolvedClaim } from '../claims/types.js'
import type { Configuration } from '../config/configuration.js'
import type { AttributeContract } from '../config/contract.js'
import { fulfilAttributes } from '../config/mapping.js'
import type { AccessToken } from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import type { Mutable } from '../lib/json.js'
import { PROTOCOL_CLAIMS } from '../lib/protocol-claims.js'
import type { Transaction } from '../storage.js'

/**
 * Claims about the token itself, not the end-user or the authentication.
 *
 * Left out of the contract report even when the OP lists them in `claims_supported` (a missing
 * `c_hash` says nothing of the end-user).
 */
const TOKEN_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
])

/** UserInfo members about claim sources (OIDC Core §5.6.2), not claims: kept out of the merge. */
const CLAIM_SOURCE_MEMBERS: ReadonlySet<string> = new Set(['_claim_names', '_claim_sources'])

/**
 * How the OP's claims matched the attribute contract.
 * @group Everyday use
 */
export interface ContractReport {
  /**
   * Contract claims the OP sent (in the ID token or UserInfo).
   *
   * Claims about the token itself (`iss`, `aud`, `exp`, `iat`, `nbf`, `jti`, `nonce`, `azp`,
   * `at_hash`, `c_hash`, `s_hash`) are left out of all three lists.
   */
  readonly received: readonly string[]
  /**
   * Contract claims the OP did not send (or sent as `null`).
   *
   * Not an error: PingFederate's "runtime errors might occur" case made explicit, for the
   * application to log or act on.
   */
  readonly missing: readonly string[]
  /** End-user claims the OP sent that the contract does not name (protocol claims excluded). */
  readonly notInContract: readonly string[]
}

/**
 * The pending sign-in as the application sees it after the callback (without nonce or verifier).
 * @group Everyday use
 */
export interface SignInTransaction {
  /** The application data given when the sign-in started (e.g. the page to return to). */
  readonly appState?: unknown
  /** The scope requested. */
  readonly scope: string
  /** The response type used. */
  readonly responseType: string
  /** The redirect URI used. */
  readonly redirectUri: string
  /** When the sign-in started, in seconds since the epoch. */
  readonly createdAt: number
}

/**
 * Everything a successful sign-in gives the application.
 * @group Everyday use
 */
export interface SignInResult {
  /** The raw ID token: keep it for RP-initiated logout's `id_token_hint`. Never log it. */
  readonly idToken: string
  /** The validated ID token claims. */
  readonly idTokenClaims: IdTokenClaims
  /** The UserInfo claims, when UserInfo was called. */
  readonly userinfo?: Readonly<Record<string, unknown>>
  /**
   * The end-user claims merged.
   *
   * The ID token's claims, overridden by UserInfo's for end-user claims (UserInfo is fresher, as in
   * PingFederate), while the ID token always wins on the protocol claims (`iss`, `sub`, `aud`,
   * `exp`, `iat`, `nbf`, `jti`, `auth_time`, `nonce`, `acr`, `amr`, `azp`, `at_hash`, `c_hash`,
   * `s_hash`, `sid`). UserInfo's `_claim_names` / `_claim_sources` are left out; with the
   * connection's `claimSources`, the claims they name are resolved and added (never over a claim
   * the ID token or UserInfo has), and the ID token's are left out too.
   */
  readonly claims: Readonly<Record<string, unknown>>
  /**
   * Where each aggregated or distributed claim in {@link SignInResult.claims} came from.
   *
   * Only when the connection has `claimSources` and the ID token or UserInfo named claim sources
   * (OIDC Core §5.6.2; docs/claims.md).
   */
  readonly claimOrigins?: Readonly<Record<string, ClaimOrigin>>
  /**
   * The claims named by claim sources that were not taken, and why.
   *
   * A local value kept, or a source that failed with `onError: 'skip'`. With
   * {@link SignInResult.claimOrigins}.
   */
  readonly unresolvedClaims?: readonly UnresolvedClaim[]
  /**
   * The application's attributes, fulfilled through `config.attributeMapping`.
   *
   * They are taken from {@link SignInResult.claims}.
   */
  readonly attributes: Readonly<Record<string, unknown>>
  /** Attributes whose claim the OP did not send and that have no default. */
  readonly missingAttributes: readonly string[]
  /**
   * The application's own name for the authentication context.
   *
   * The ID token's `acr` through the connection's `acrMapping.response` (docs/registry.md);
   * with only `acrMapping.request`, the `acr` as returned. Absent without an acr mapping, or when
   * no row matches.
   */
  readonly localAcr?: string
  /** How the claims received matched the attribute contract. */
  readonly contract: ContractReport
  /**
   * The access token, when one came.
   *
   * The token endpoint's when a code was redeemed (code and hybrid flows), else the authorization
   * response's (`id_token token`).
   *
   * This is the one to use and keep: it comes over the back channel, bound to the client's
   * authentication, and refreshes replace it.
   */
  readonly accessToken?: AccessToken
  /**
   * The hybrid authorization response's access token, kept apart from {@link accessToken}.
   *
   * Only with `code token` and `code id_token token` (OIDC Core §3.3.2.5). It travelled through
   * the browser; with `code id_token token` its `at_hash` was checked against the front-channel
   * ID token (§3.3.2.9), with `code token` nothing binds it to the sign-in. Use it only where the
   * application needs a token before the code is redeemed; otherwise ignore it.
   * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#HybridAuthResponse | OIDC Core §3.3.2.5}
   */
  readonly frontChannelAccessToken?: AccessToken
  /** The refresh token, when the OP issued one. */
  readonly refreshToken?: string
  /** The sign-in that this callback completed. */
  readonly transaction: SignInTransaction
  /**
   * A `Set-Cookie` header value that deletes the sign-in's browser-binding cookie.
   *
   * Send it with the callback's response. `undefined` when the sign-in had no such cookie.
   */
  readonly clearBrowserBinding?: string
}

/**
 * The parts of a sign-in result, once every check passed.
 * @internal
 */
export interface SignInParts {
  readonly idToken: string
  readonly idTokenClaims: IdTokenClaims
  readonly userinfo: Record<string, unknown> | undefined
  readonly accessToken: AccessToken | undefined
  readonly refreshToken: string | undefined
  readonly frontChannelAccessToken?: AccessToken | undefined
  readonly transaction: Transaction
  readonly clearBrowserBinding?: string | undefined
  /** The merged claims with their claim sources resolved, when the connection resolves them. */
  readonly resolved?: ResolvedClaims | undefined
  /** The merged claims with the attribute lookup's added, when the connection has one. */
  readonly lookedUp?: Record<string, unknown> | undefined
}

/**
 * Merges the ID token and UserInfo claims.
 *
 * UserInfo wins on end-user claims, the ID token on protocol claims; claim-source members are
 * dropped.
 *
 * @param idTokenClaims - the validated ID token claims
 * @param userinfo - the UserInfo claims, if any
 * @returns a new object
 * @internal
 */
export function mergeClaims(
  idTokenClaims: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const claims: Record<string, unknown> = { ...idTokenClaims }
  if (userinfo === undefined) return claims
  for (const name of Object.keys(userinfo)) {
    if (PROTOCOL_CLAIMS.has(name) || CLAIM_SOURCE_MEMBERS.has(name) || name === '__proto__') {
      continue
    }
    claims[name] = userinfo[name]
  }
  return claims
}

const contractNames = new WeakMap<AttributeContract, ReadonlySet<string>>()

function namesOf(contract: AttributeContract): ReadonlySet<string> {
  let names = contractNames.get(contract)
  if (names === undefined) {
    names = new Set(contract.map((attribute) => attribute.name))
    contractNames.set(contract, names)
  }
  return names
}

/**
 * Compares the claims received with the attribute contract.
 * @param contract - the attribute contract
 * @param claims - the merged claims
 * @returns received, missing and not-in-contract claim names
 * @internal
 */
export function reportContract(
  contract: AttributeContract,
  claims: Readonly<Record<string, unknown>>,
): ContractReport {
  const received: string[] = []
  const missing: string[] = []
  for (const { name } of contract) {
    if (TOKEN_CLAIMS.has(name)) continue
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined
    if (value === undefined || value === null) missing.push(name)
    else received.push(name)
  }
  const names = namesOf(contract)
  const notInContract: string[] = []
  for (const name of Object.keys(claims)) {
    if (!names.has(name) && !PROTOCOL_CLAIMS.has(name)) notInContract.push(name)
  }
  return { received, missing, notInContract }
}

/**
 * Builds the sign-in result: merged claims, attributes through the mapping, the contract report.
 * @param config - the configuration (contract and mapping)
 * @param parts - the validated tokens and claims, and the transaction
 * @returns the result
 * @internal
 */
export function buildSignInResult(config: Configuration, parts: SignInParts): SignInResult {
  const claims =
    parts.lookedUp ?? parts.resolved?.claims ?? mergeClaims(parts.idTokenClaims, parts.userinfo)
  const { attributes, missing } = fulfilAttributes(config.attributeMapping, claims)
  const tx = parts.transaction
  const transaction: Mutable<SignInTransaction> = {
    scope: tx.scope,
    responseType: tx.responseType,
    redirectUri: tx.redirectUri,
    createdAt: tx.createdAt,
  }
  if (tx.appState !== undefined) transaction.appState = tx.appState
  const result: Mutable<SignInResult> = {
    idToken: parts.idToken,
    idTokenClaims: parts.idTokenClaims,
    claims,
    attributes,
    missingAttributes: missing,
    contract: reportContract(config.contract, claims),
    transaction,
  }
  if (parts.userinfo !== undefined) result.userinfo = parts.userinfo
  if (parts.resolved !== undefined) {
    result.claimOrigins = parts.resolved.origins
    result.unresolvedClaims = parts.resolved.unresolved
  }
  if (parts.accessToken !== undefined) result.accessToken = parts.accessToken
  if (parts.refreshToken !== undefined) result.refreshToken = parts.refreshToken
  if (parts.frontChannelAccessToken !== undefined) {
    result.frontChannelAccessToken = parts.frontChannelAccessToken
  }
  if (parts.clearBrowserBinding !== undefined) {
    result.clearBrowserBinding = parts.clearBrowserBinding
  }
  return result
}
