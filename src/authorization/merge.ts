/**
 * Merges the application's runtime parameters with the administrator's policy.
 *
 * The per-request half of the request parameter policy. The policy was validated once by
 * `normalizePolicy`.
 *
 * @module
 */

import { claimsParameterText, claimsRequirements } from '../config/claims-parameter.js'
import { canonicalValue, SPACE_SEPARATED } from '../config/parameter-forms.js'
import { isSdkOwned } from '../config/parameter-values.js'
import type { CompiledRule, RequestPolicy } from '../config/policy.js'
import { UsageError, type UsageErrorCode } from '../errors.js'
import { askedScopes, claimsValues, reserved, toValues } from './application-parameters.js'

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
    const given = name === 'claims' ? claimsValues(raw, claimsParameterText) : toValues(name, raw)
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
