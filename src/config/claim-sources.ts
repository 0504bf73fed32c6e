/**
 * Which aggregated and distributed claims a connection resolves (OIDC Core §5.6.2).
 *
 * Plain data saved with the configuration: the claims providers whose signed claims are trusted,
 * the endpoints distributed claims may be fetched from, and the limits. Absent: claim sources stay
 * unresolved, as the OP sent them.
 *
 * @module
 */
import type { JWK } from 'jose'
import { invalidConfiguration } from '../lib/checks.js'
import { isLoopback } from '../lib/http.js'
import { cloneJson, deepFreeze, isPlainObject } from '../lib/json.js'

/**
 * A claims provider whose signed claims the connection accepts.
 *
 * Its keys: `jwks` (the public keys, given here), else `jwks_uri`, else the `jwks_uri` of its
 * OpenID configuration (`{issuer}/.well-known/openid-configuration`), fetched on first use. The
 * OP's own issuer, listed here, uses the OP's key set.
 *
 * @group Claim sources
 */
export interface ClaimsProvider {
  /** The issuer identifier: the `iss` of its JWTs, exactly. */
  readonly issuer: string
  /** Where its public keys are (https). */
  readonly jwks_uri?: string
  /** Its public keys. */
  readonly jwks?: { readonly keys: readonly JWK[] }
}

/**
 * What to do when a claim source cannot be resolved.
 *
 * `throw` (default): the sign-in (or `resolveClaimSources`) fails with the source's
 * `CLAIM_SOURCE_*` error; `skip`: its claims are left out and reported as unresolved.
 *
 * @group Claim sources
 */
export type ClaimSourceErrorMode = 'throw' | 'skip'

/**
 * The aggregated and distributed claims a connection resolves, as an administrator writes it.
 *
 * @example
 * ```ts
 * const config = await discover(issuer, client, {
 *   claimSources: {
 *     providers: [{ issuer: 'https://bank.example.com' }],
 *     endpoints: ['https://bank.example.com/claims/'],
 *   },
 * })
 * ```
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AggregatedDistributedClaims | OIDC Core §5.6.2}
 * @group Claim sources
 */
export interface ClaimSourcesInput {
  /**
   * The claims providers trusted to sign claims: aggregated JWTs and distributed responses alike.
   *
   * A JWT whose `iss` is not one of them is refused: the OP cannot introduce a provider.
   */
  readonly providers: readonly ClaimsProvider[]
  /**
   * The distributed claim endpoints the RP may call.
   *
   * Exact https URLs, or https prefixes ending in `/`. Default none: every distributed claim is
   * refused (`CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED`), so an OP cannot make the RP send requests
   * anywhere.
   */
  readonly endpoints?: readonly string[]
  /** The most claim sources resolved for one response. Default 5. */
  readonly maxSources?: number
  /**
   * Timeout of each request for a claim source, in milliseconds. Default 5,000.
   *
   * The distributed endpoint, the claims provider's discovery and JWKS.
   */
  readonly timeoutInMs?: number
  /** What a failed source does. Default `throw`. */
  readonly onError?: ClaimSourceErrorMode
}

/**
 * The validated claim sources of a configuration, defaults filled.
 * @group Claim sources
 */
export interface ClaimSources {
  readonly providers: readonly ClaimsProvider[]
  readonly endpoints: readonly string[]
  readonly maxSources: number
  readonly timeoutInMs: number
  readonly onError: ClaimSourceErrorMode
}

const MEMBER = 'claimSources'
const MEMBERS = new Set(['providers', 'endpoints', 'maxSources', 'timeoutInMs', 'onError'])

/**
 * Validates the claim sources of a configuration and fills the defaults.
 * @param input - the administrator's value, or `undefined` (claim sources stay unresolved)
 * @param allowInsecureRequests - whether plain http outside loopback is allowed
 * @returns the frozen value, or `undefined`
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the member
 * @internal
 */
export function validateClaimSources(
  input: unknown,
  allowInsecureRequests: boolean,
): ClaimSources | undefined {
  if (input === undefined) return undefined
  if (!isPlainObject(input)) throw invalidConfiguration(MEMBER, 'an object')
  for (const key of Object.keys(input)) {
    if (!MEMBERS.has(key)) throw invalidConfiguration(`${MEMBER}.${key}`, 'absent (unknown)')
  }
  const { providers, endpoints = [], maxSources = 5, timeoutInMs = 5000, onError = 'throw' } = input
  if (!Array.isArray(providers)) {
    throw invalidConfiguration(`${MEMBER}.providers`, 'an array of claims providers')
  }
  const issuers = new Set<string>()
  const checked = providers.map((provider: unknown, i) => {
    const at = `${MEMBER}.providers[${i}]`
    const valid = checkProvider(provider, at, allowInsecureRequests)
    if (issuers.has(valid.issuer)) throw invalidConfiguration(`${at}.issuer`, 'listed once')
    issuers.add(valid.issuer)
    return valid
  })
  if (!Array.isArray(endpoints)) throw invalidConfiguration(`${MEMBER}.endpoints`, 'an array')
  const allowed = endpoints.map((entry: unknown, i) =>
    checkEndpointEntry(entry, `${MEMBER}.endpoints[${i}]`, allowInsecureRequests),
  )
  if (!(typeof maxSources === 'number' && Number.isSafeInteger(maxSources) && maxSources >= 1)) {
    throw invalidConfiguration(`${MEMBER}.maxSources`, 'a positive integer')
  }
  if (!(typeof timeoutInMs === 'number' && timeoutInMs > 0 && Number.isFinite(timeoutInMs))) {
    throw invalidConfiguration(`${MEMBER}.timeoutInMs`, 'a positive number')
  }
  if (onError !== 'throw' && onError !== 'skip') {
    throw invalidConfiguration(`${MEMBER}.onError`, 'throw or skip')
  }
  return deepFreeze({ providers: checked, endpoints: allowed, maxSources, timeoutInMs, onError })
}

function checkProvider(value: unknown, at: string, insecure: boolean): ClaimsProvider {
  if (!isPlainObject(value)) throw invalidConfiguration(at, 'an object with an issuer')
  const { issuer, jwks_uri, jwks } = value
  if (typeof issuer !== 'string' || !isSecureUrl(issuer, insecure)) {
    throw invalidConfiguration(`${at}.issuer`, 'an https URL')
  }
  const provider: { issuer: string; jwks_uri?: string; jwks?: { keys: JWK[] } } = { issuer }
  if (jwks_uri !== undefined) {
    if (typeof jwks_uri !== 'string' || !isSecureUrl(jwks_uri, insecure)) {
      throw invalidConfiguration(`${at}.jwks_uri`, 'an https URL')
    }
    provider.jwks_uri = jwks_uri
  }
  if (jwks !== undefined) {
    if (
      !isPlainObject(jwks) ||
      !Array.isArray(jwks.keys) ||
      jwks.keys.length === 0 ||
      !jwks.keys.every((key) => isPlainObject(key) && key.d === undefined && key.k === undefined)
    ) {
      throw invalidConfiguration(`${at}.jwks`, 'a JWK Set of public keys ({ keys: [...] })')
    }
    provider.jwks = { keys: cloneJson(jwks.keys as JWK[]) }
  }
  if (provider.jwks !== undefined && provider.jwks_uri !== undefined) {
    throw invalidConfiguration(at, 'given jwks or jwks_uri, not both')
  }
  return provider
}

/** An allow-list entry: an absolute https URL without credentials or fragment, normalised. */
function checkEndpointEntry(value: unknown, at: string, insecure: boolean): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined
  if (
    url === undefined ||
    !isSecureUrl(url.href, insecure) ||
    url.username !== '' ||
    url.password !== '' ||
    url.hash !== '' ||
    (url.href !== value && url.href !== `${value}/`)
  ) {
    throw invalidConfiguration(
      at,
      'an https URL (exact, or a prefix ending in /) without credentials, fragment or dot segments',
    )
  }
  return url.href
}

function isSecureUrl(value: string, insecure: boolean): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (insecure || isLoopback(url.hostname)))
  )
}
