/**
 * The application's authorization parameters, read and checked.
 *
 * Each value for its parameter's format, never a parameter the SDK sets, `openid` always among the
 * scopes. An administrator's policy merges them (merge.ts); a page's sign-in, which has no
 * administrator, sends them as they are ({@link openParameters}).
 *
 * @module
 */

import { checkValues, isSdkOwned } from '../config/parameter-values.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { hasRepeatedMembers } from '../lib/json.js'
import { type ClaimsRequirements, claimsRequirements, isClaimsRequest } from './claims-request.js'

/**
 * The application's parameters where no policy applies.
 * @internal
 */
export interface OpenParameters {
  /** The scopes to send, `openid` first. */
  readonly scopes: readonly string[]
  /** The other values to send, by name. */
  readonly values: ReadonlyMap<string, readonly string[]>
  /** What a claims request among them requires of the ID token (essential `acr`, `auth_time`). */
  readonly claims: ClaimsRequirements
}

/**
 * The application's parameters where no policy applies.
 *
 * A page's sign-in has no administrator: every parameter but the SDK's own is sent, each value
 * checked for its parameter's format.
 * @param app - the application's parameters
 * @returns the scopes (`openid` first, `openid` alone by default) and the other values by name
 * @throws {@link UsageError} `POLICY_PARAMETER_RESERVED`, `INVALID_ARGUMENT`
 * @internal
 */
export function openParameters(app: Readonly<Record<string, unknown>>): OpenParameters {
  let scopes: readonly string[] = ['openid']
  const values = new Map<string, readonly string[]>()
  for (const name of Object.keys(app)) {
    const raw = app[name]
    if (raw === undefined) continue
    if (isSdkOwned(name)) throw reserved(name)
    if (name === 'scope') scopes = askedScopes(raw)
    else {
      const given = toValues(name, raw)
      if (given.length > 0) values.set(name, given)
    }
  }
  const claims = values.get('claims')?.[0]
  return {
    scopes,
    values,
    claims: claimsRequirements(claims === undefined ? undefined : JSON.parse(claims)),
  }
}

/**
 * The error of a parameter the SDK sets.
 * @param name - the parameter
 * @returns `POLICY_PARAMETER_RESERVED`
 * @internal
 */
export function reserved(name: string): UsageError {
  return new UsageError(
    'POLICY_PARAMETER_RESERVED',
    `${JSON.stringify(name.slice(0, 64))} is, or imitates, a parameter the SDK sets: the application cannot give it`,
    { parameter: name },
  )
}

/**
 * The scopes the application asked for, `openid` first.
 * @param raw - the application's `scope`
 * @returns the scopes
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function askedScopes(raw: unknown): string[] {
  const asked = checkValues('scope', stringList('scope', raw), 'scope', 'INVALID_ARGUMENT')
  return ['openid', ...asked.filter((s) => s !== 'openid')]
}

/**
 * An application value as a list of strings, checked for its parameter's format.
 * @param name - the parameter
 * @param raw - the application's value
 * @returns the values to send (none for `null`)
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function toValues(name: string, raw: unknown): string[] {
  if (raw === null) return []
  if (name === 'claims') {
    let text: string | undefined
    try {
      text = typeof raw === 'string' ? raw : JSON.stringify(raw)
      const parsed: unknown = JSON.parse(text)
      // One meaning: a repeated member is refused, and what is sent is what was checked.
      text =
        isClaimsRequest(parsed) && !hasRepeatedMembers(text) ? JSON.stringify(parsed) : undefined
    } catch {
      text = undefined
    }
    if (text === undefined) {
      throw invalidArgument(name, 'a claims request (OIDC Core §5.5) without repeated members')
    }
    return [text]
  }
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw invalidArgument(name, 'a finite number')
    return checkValues(name, [String(raw)], name, 'INVALID_ARGUMENT')
  }
  return checkValues(name, stringList(name, raw), name, 'INVALID_ARGUMENT')
}

function stringList(name: string, raw: unknown): string[] {
  if (typeof raw === 'string') return [raw]
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw
  throw invalidArgument(name, 'a string or an array of strings')
}
