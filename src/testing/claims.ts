/**
 * Which user claims go where.
 *
 * Scope values (OIDC Core §5.4) and the `claims` request parameter (§5.5).
 *
 * @module
 */

import type { Grant } from './state.js'
import type { ClaimRequest, ClaimsRequest } from './types.js'

/** The standard claims each scope value asks for (OIDC Core §5.4). */
const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
}

/**
 * Parses the `claims` request parameter.
 * @param value - the JSON text, if any
 * @returns the parsed request, or undefined when it is not a valid JSON object
 */
export function parseClaimsParameter(value: string | undefined): ClaimsRequest | undefined {
  if (value === undefined) return {}
  try {
    const parsed: unknown = JSON.parse(value)
    if (!isObject(parsed)) return undefined
    const out: ClaimsRequest = {}
    for (const member of ['id_token', 'userinfo'] as const) {
      const part = parsed[member]
      if (part === undefined) continue
      if (!isObject(part)) return undefined
      out[member] = part as Record<string, ClaimRequest>
    }
    return out
  } catch {
    return undefined
  }
}

/**
 * The claim names a scope string asks for.
 * @param scope - the space-separated scope
 * @returns the claim names
 */
export function scopeClaimNames(scope: string): string[] {
  return scope.split(' ').flatMap((value) => SCOPE_CLAIMS[value] ?? [])
}

/**
 * The user claims to put in an ID token.
 *
 * `claims.id_token` members, plus the scope's claims when no access token is issued
 * (`response_type=id_token`).
 *
 * @param user - the user's claims
 * @param grant - the grant
 * @param withScopeClaims - include the scope's claims
 * @returns the claims
 */
export function idTokenUserClaims(
  user: Record<string, unknown>,
  grant: Grant,
  withScopeClaims: boolean,
): Record<string, unknown> {
  const names = Object.keys(grant.claims.id_token ?? {})
  if (withScopeClaims) names.push(...scopeClaimNames(grant.scope))
  return pick(user, names)
}

/**
 * The claims UserInfo returns: the scope's claims plus `claims.userinfo` members, with `sub`.
 * @param user - the user's claims
 * @param grant - the grant behind the access token
 * @returns the claims
 */
export function userinfoClaims(
  user: Record<string, unknown>,
  grant: Grant,
): Record<string, unknown> {
  const names = [...scopeClaimNames(grant.scope), ...Object.keys(grant.claims.userinfo ?? {})]
  return { sub: grant.sub, ...pick(user, names) }
}

/**
 * The `acr` values asked for in `claims.id_token.acr` (value or values).
 * @param claims - the claims request
 * @returns the requested values
 */
export function requestedAcrClaim(claims: ClaimsRequest): string[] {
  const acr = claims.id_token?.acr
  if (!acr) return []
  const values = acr.values ?? (acr.value === undefined ? [] : [acr.value])
  return values.filter((v): v is string => typeof v === 'string')
}

/** The user's claims among `names`, protocol claims excluded. */
function pick(user: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const protocol = new Set([
    'sub',
    'iss',
    'aud',
    'exp',
    'iat',
    'nbf',
    'auth_time',
    'nonce',
    'acr',
    'amr',
    'azp',
    'sid',
  ])
  const out: Record<string, unknown> = {}
  for (const name of names) {
    if (!protocol.has(name) && user[name] !== undefined) out[name] = user[name]
  }
  return out
}

/** Tells whether a value is a plain JSON object. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
