/**
 * Merges the application's runtime parameters with the administrator's policy.
 *
 * The per-request half of the request parameter policy. The policy was validated once by
 * `normalizePolicy`.
 *
 * @module
 */

import { canonicalValue, SPACE_SEPARATED } from '../config/parameter-forms.js'
import { checkValues, isSdkOwned } from '../config/parameter-values.js'
import type { CompiledRule, RequestPolicy } from '../config/policy.js'
import { UsageError, type UsageErrorCode } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { hasRepeatedMembers } from '../lib/json.js'
import { type ClaimsRequirements, claimsRequirements, isClaimsRequest } from './claims-request.js'

/**
 * The codes a disallowed application value can be ignored with (`onDisallowed: 'ignore'`).
 *
 * `POLICY_PARAMETER_RESERVED` and `POLICY_PARAMETER_PROTECTED` are never ignored.
 *
 * @group Authorization
 */
export type IgnorableCode = Extract<
  UsageErrorCode,
  | 'POLICY_PARAMETER_UNKNOWN'
  | 'POLICY_PARAMETER_FIXED'
  | 'POLICY_VALUE_NOT_ALLOWED'
  | 'POLICY_SCOPE_NOT_ALLOWED'
>

/**
 * An application parameter left out in `ignore` mode, and why.
 * @group Authorization
 */
export interface IgnoredParameter {
  /** The parameter name. */
  readonly name: string
  /** The code it would have been refused with. */
  readonly reason: IgnorableCode
}

/**
 * The outcome of a merge.
 * @internal
 */
export interface MergedParameters {
  /** The scopes to send, `openid` first. */
  readonly scopes: readonly string[]
  /** The extra parameters to send, by name, in policy order. */
  readonly values: ReadonlyMap<string, readonly string[]>
  /** The application's parameters left out in ignore mode. */
  readonly ignored: readonly IgnoredParameter[]
}

/**
 * Applies the policy's rules to the application's parameters.
 * @param policy - the normalised policy
 * @param rules - its compiled rules
 * @param defaults - the default values by name
 * @param app - the application's parameters
 * @param ignore - ignore (rather than refuse) disallowed values of unprotected parameters
 * @returns the scopes and values to send, and what was ignored
 * @throws {@link UsageError} `POLICY_PARAMETER_RESERVED`, `POLICY_PARAMETER_PROTECTED`,
 * `POLICY_PARAMETER_UNKNOWN`, `POLICY_PARAMETER_FIXED`, `POLICY_VALUE_NOT_ALLOWED`,
 * `POLICY_SCOPE_NOT_ALLOWED`, `INVALID_ARGUMENT`
 * @internal
 */
export function mergeParameters(
  policy: RequestPolicy,
  rules: ReadonlyMap<string, CompiledRule>,
  defaults: ReadonlyMap<string, readonly string[]>,
  app: Readonly<Record<string, unknown>>,
  ignore: boolean,
): MergedParameters {
  let scopes = policy.scopes
  let values: Map<string, readonly string[]> | undefined
  const ignored: IgnoredParameter[] = []
  const disallow = (name: string, code: IgnorableCode, message: string): void => {
    if (!ignore) throw new UsageError(code, message, { parameter: name })
    ignored.push({ name, reason: code })
  }
  for (const name of Object.keys(app)) {
    const raw = app[name]
    if (raw === undefined) continue
    if (isSdkOwned(name)) throw reserved(name)
    if (name === 'scope') {
      const asked = mergeScope(policy, raw)
      if (asked === undefined) {
        disallow(name, 'POLICY_SCOPE_NOT_ALLOWED', scopeMessage(policy))
      } else {
        scopes = asked
      }
      continue
    }
    if ((name === 'acr_values' || name === 'prompt') && policy.protect[name]) {
      throw protectedError(name, `${name} is protected by the policy`)
    }
    const rule = rules.get(name)
    if (rule === undefined) {
      disallow(name, 'POLICY_PARAMETER_UNKNOWN', `${name} is not a parameter the policy names`)
      continue
    }
    const given = toValues(name, raw)
    if (
      name === 'claims' &&
      policy.protect.acr_values &&
      given.some((v) => claimsRequirements(JSON.parse(v)).mentionsAcr)
    ) {
      throw protectedError(
        name,
        'claims may not ask for acr: acr_values is protected by the policy',
      )
    }
    if (rule.rule === 'fixed') {
      if (!sameValues(name, given, rule.value ?? [])) {
        disallow(name, 'POLICY_PARAMETER_FIXED', `${name} is fixed by the policy`)
      }
      continue
    }
    if (rule.rule === 'allowed') {
      const allowed = rule.allowed!
      if (given.length === 0 || !given.every((v) => allowed.has(canonicalValue(name, v)))) {
        disallow(
          name,
          'POLICY_VALUE_NOT_ALLOWED',
          `${name} may only take values from the policy's list (${[...allowed].join(', ').slice(0, 200)})`,
        )
        continue
      }
    }
    values ??= new Map(defaults)
    if (given.length === 0) values.delete(name)
    else values.set(name, given)
  }
  return { scopes, values: values ?? defaults, ignored }
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
export function openParameters(
  app: Readonly<Record<string, unknown>>,
): Omit<MergedParameters, 'ignored'> & { readonly claims: ClaimsRequirements } {
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

function reserved(name: string): UsageError {
  return new UsageError(
    'POLICY_PARAMETER_RESERVED',
    `${JSON.stringify(name.slice(0, 64))} is, or imitates, a parameter the SDK sets: the application cannot give it`,
    { parameter: name },
  )
}

/** The scopes the application asked for, `openid` first. */
function askedScopes(raw: unknown): string[] {
  const asked = checkValues('scope', stringList('scope', raw), 'scope', 'INVALID_ARGUMENT')
  return ['openid', ...asked.filter((s) => s !== 'openid')]
}

/** The scopes the application asked for, or `undefined` when the policy does not allow them. */
function mergeScope(policy: RequestPolicy, raw: unknown): readonly string[] | undefined {
  const scopes = askedScopes(raw)
  const rule = policy.scopeRule
  if (rule.override === 'any') return scopes
  const known = new Set(policy.scopes)
  if (rule.override === 'fixed') {
    return scopes.length === known.size && scopes.every((s) => known.has(s))
      ? policy.scopes
      : undefined
  }
  const allowed = rule.allowed ?? []
  return scopes.every((s) => known.has(s) || allowed.includes(s)) ? scopes : undefined
}

function scopeMessage(policy: RequestPolicy): string {
  return policy.scopeRule.override === 'fixed'
    ? 'the policy fixes the scopes'
    : `the policy allows only the scopes ${[...policy.scopes, ...(policy.scopeRule.allowed ?? [])].join(' ').slice(0, 200)}`
}

/** An application value as a list of strings, checked for its parameter's format. */
function toValues(name: string, raw: unknown): string[] {
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

function sameValues(name: string, a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  if (SPACE_SEPARATED.has(name)) {
    const set = new Set(b)
    return a.every((v) => set.has(v))
  }
  return a.every((v, i) => canonicalValue(name, v) === canonicalValue(name, b[i]!))
}

function protectedError(name: string, message: string): UsageError {
  return new UsageError('POLICY_PARAMETER_PROTECTED', message, { parameter: name })
}
