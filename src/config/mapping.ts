/**
 * The attribute mapping.
 *
 * How contract claims become the application's attributes (PingFederate's contract fulfilment from
 * "Provider Claims", with an optional default per attribute).
 *
 * The mapping is checked for its shape when the configuration is built, not against the contract:
 * the contract changes on reload and can be extended by the administrator, and a rule on a claim
 * the
 * OP stopped advertising must keep working. A rule whose claim is not in the contract at all is
 * legal (the OP may send the claim anyway); {@link findRulesOutsideContract} lists such rules for
 * an
 * administration screen to warn about.
 * @module
 */

import type { UsageError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import { deepFreeze } from '../lib/json.js'
import type { AttributeContract } from './contract.js'

/**
 * One rule of the attribute mapping.
 *
 * The application attribute `attribute` takes the value of the end-user claim `claim`, or `default`
 * when the OP did not send it.
 *
 * @group Attribute contract
 */
export interface AttributeMappingRule {
  /** The application's attribute name. */
  readonly attribute: string
  /** The contract claim it comes from. */
  readonly claim: string
  /**
   * The value when the claim is missing (any JSON value).
   *
   * Without one, the attribute is reported in `missingAttributes` of the sign-in result.
   */
  readonly default?: unknown
}

/**
 * The attribute mapping of a connection: application attributes from contract claims.
 * @group Attribute contract
 */
export type AttributeMapping = readonly AttributeMappingRule[]

/**
 * Validates an attribute mapping.
 *
 * An array of rules with non-empty `attribute` and `claim` strings, each attribute named once,
 * defaults that are JSON values.
 *
 * @param input - the mapping as written, or `undefined` (no mapping)
 * @returns the frozen mapping
 * @throws {@link UsageError} `INVALID_CONFIGURATION`
 * @internal
 */
export function normalizeMapping(input: unknown): AttributeMapping {
  if (input === undefined) return Object.freeze([])
  if (!Array.isArray(input)) throw invalidConfiguration('attributeMapping', 'an array of rules')
  const seen = new Set<string>()
  const rules: AttributeMappingRule[] = []
  for (const rule of input as unknown[]) {
    if (
      typeof rule !== 'object' ||
      rule === null ||
      typeof (rule as AttributeMappingRule).attribute !== 'string' ||
      typeof (rule as AttributeMappingRule).claim !== 'string' ||
      (rule as AttributeMappingRule).attribute === '' ||
      (rule as AttributeMappingRule).claim === ''
    ) {
      throw invalidConfiguration('attributeMapping', 'an array of { attribute, claim, default? }')
    }
    const { attribute, claim } = rule as AttributeMappingRule
    if (attribute === '__proto__')
      throw invalidConfiguration('attributeMapping', 'free of the attribute name "__proto__"')
    if (seen.has(attribute))
      throw invalidConfiguration(
        'attributeMapping',
        `rules mapping each attribute once ("${attribute}" is mapped twice)`,
      )
    seen.add(attribute)
    const value = (rule as AttributeMappingRule).default
    if (value === undefined) {
      rules.push(Object.freeze({ attribute, claim }))
    } else if (isJsonValue(value, 0)) {
      rules.push(Object.freeze({ attribute, claim, default: deepFreeze(structuredClone(value)) }))
    } else {
      throw invalidConfiguration(
        'attributeMapping',
        `rules whose defaults are JSON values (the default of "${attribute}" is not)`,
      )
    }
  }
  return Object.freeze(rules)
}

/**
 * Lists the mapping rules whose claim is not in the contract.
 *
 * They still work (the attribute takes the claim when the OP sends it); an administration screen
 * may warn about them.
 *
 * @param contract - the attribute contract (`config.contract`)
 * @param mapping - the attribute mapping (`config.attributeMapping`)
 * @returns the rules whose claim the contract does not name
 * @example
 * ```ts
 * for (const rule of findRulesOutsideContract(config.contract, config.attributeMapping)) {
 *   console.warn(`attribute ${rule.attribute} maps ${rule.claim}, which is not in the contract`)
 * }
 * ```
 * @group Attribute contract
 */
export function findRulesOutsideContract(
  contract: AttributeContract,
  mapping: AttributeMapping,
): AttributeMappingRule[] {
  const names = new Set(contract.map((attribute) => attribute.name))
  return mapping.filter((rule) => !names.has(rule.claim))
}

/**
 * Fulfils the attributes of a mapping from the end-user claims.
 *
 * A claim that is `null` counts as not sent (OIDC Core §5.3.2 asks OPs to omit claims they do not
 * return).
 *
 * @param mapping - the attribute mapping
 * @param claims - the merged end-user claims
 * @returns the attributes, and the attributes whose claim is absent and that have no default
 * @internal
 */
export function fulfilAttributes(
  mapping: AttributeMapping,
  claims: Readonly<Record<string, unknown>>,
): { attributes: Record<string, unknown>; missing: string[] } {
  const attributes: Record<string, unknown> = {}
  const missing: string[] = []
  for (const rule of mapping) {
    const value = Object.hasOwn(claims, rule.claim) ? claims[rule.claim] : undefined
    if (value !== undefined && value !== null) {
      attributes[rule.attribute] = value
    } else if (rule.default !== undefined) {
      attributes[rule.attribute] = rule.default
    } else {
      missing.push(rule.attribute)
    }
  }
  return { attributes, missing }
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > 20) return false
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1))
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false
  return Object.values(value).every((item) => isJsonValue(item, depth + 1))
}
