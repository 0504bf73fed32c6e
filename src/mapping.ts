/**
 * The attribute mapping: how contract claims become the application's attributes.
 * @module
 */
import { UsageError } from './errors.js'

/**
 * One rule of the attribute mapping: the application attribute `attribute` takes the value of the
 * end-user claim `claim`, or `default` when the OP did not send it.
 * @group Attribute contract
 */
export interface AttributeMappingRule {
  /** The application's attribute name. */
  readonly attribute: string
  /** The contract claim it comes from. */
  readonly claim: string
  /** The value when the claim is missing; without one, the attribute is reported missing. */
  readonly default?: unknown
}

/**
 * The attribute mapping of a connection: application attributes from contract claims.
 * @group Attribute contract
 */
export type AttributeMapping = readonly AttributeMappingRule[]

/**
 * Validates an attribute mapping.
 * @param input - the mapping as written, or `undefined` (no mapping)
 * @returns the frozen mapping
 * @throws {@link UsageError} `INVALID_CONFIGURATION`
 * @internal
 */
export function normalizeMapping(input: unknown): AttributeMapping {
  if (input === undefined) return Object.freeze([])
  if (
    !Array.isArray(input) ||
    !input.every(
      (rule) =>
        typeof rule === 'object' &&
        rule !== null &&
        typeof rule.attribute === 'string' &&
        rule.attribute !== '' &&
        typeof rule.claim === 'string' &&
        rule.claim !== '',
    )
  ) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      'attributeMapping must be an array of { attribute, claim, default? }',
      {
        parameter: 'attributeMapping',
      },
    )
  }
  return Object.freeze(input.map((rule) => Object.freeze({ ...rule })))
}
