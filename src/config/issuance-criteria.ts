/**
 * Issuance criteria: rules a sign-in must meet before the application gets it.
 *
 * As PingFederate's issuance criteria: each rule tests one validated claim or mapped attribute
 * (`equals`, `one-of`, `matches`, `present`, `absent`); the rules combine with `all` (the default)
 * or `any`. A sign-in that does not meet them is refused with `ISSUANCE_CRITERIA_UNMET`, naming
 * the rule and never the value, before any session is made.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'

/** What a rule tests. */
export type IssuanceCondition = 'equals' | 'one-of' | 'matches' | 'present' | 'absent'

/**
 * One issuance rule.
 * @group Configuration
 */
export interface IssuanceRule {
  /** The rule's name, in the refusal's message and its `claim` detail. */
  readonly id: string
  /** Where the value comes from: the merged claims (default) or the mapped attributes. */
  readonly source?: 'claim' | 'attribute'
  /** The claim or attribute name. */
  readonly name: string
  /** The test. A list value (e.g. `groups`) meets `equals`, `one-of`, `matches` by any element. */
  readonly condition: IssuanceCondition
  /**
   * The operand.
   *
   * A string for `equals`; a list for `one-of`; for `matches` a regular expression (at most 256
   * characters), matched against the whole value (anchored), values over 1,024 characters never
   * matching; none for `present` and `absent`.
   */
  readonly value?: string | readonly string[]
}

/**
 * The issuance criteria of a connection (plain data, saved with the configuration).
 * @group Configuration
 */
export interface IssuanceCriteria {
  /** `all` rules must hold (default), or `any` one. */
  readonly match?: 'all' | 'any'
  /** The rules. */
  readonly rules: readonly IssuanceRule[]
}

const CONDITIONS: readonly IssuanceCondition[] = [
  'equals',
  'one-of',
  'matches',
  'present',
  'absent',
]
const MAX_PATTERN = 256
const MAX_MATCHED = 1024
const patterns = new WeakMap<IssuanceRule, RegExp>()

/**
 * Validates the `issuanceCriteria` option.
 * @param input - the option
 * @returns the criteria, or `undefined`
 * @throws `UsageError` `INVALID_CONFIGURATION` naming the bad rule
 * @internal
 */
export function validateIssuanceCriteria(input: unknown): IssuanceCriteria | undefined {
  if (input === undefined) return undefined
  if (!isPlainObject(input) || !Array.isArray(input.rules) || input.rules.length === 0) {
    throw invalidConfiguration('issuanceCriteria', 'an object with a non-empty list of rules')
  }
  const match = input.match ?? 'all'
  if (match !== 'all' && match !== 'any') {
    throw invalidConfiguration('issuanceCriteria.match', "'all' or 'any'")
  }
  const ids = new Set<string>()
  const rules = input.rules.map((rule, i) => {
    const at = `issuanceCriteria.rules[${i}]`
    if (!isPlainObject(rule) || typeof rule.id !== 'string' || !/^[\w.-]{1,64}$/.test(rule.id)) {
      throw invalidConfiguration(`${at}.id`, 'a name of 1–64 of A-Z a-z 0-9 _ . -')
    }
    if (ids.has(rule.id)) throw invalidConfiguration(`${at}.id`, 'unique')
    ids.add(rule.id)
    const source = rule.source ?? 'claim'
    if (source !== 'claim' && source !== 'attribute') {
      throw invalidConfiguration(`${at}.source`, "'claim' or 'attribute'")
    }
    if (typeof rule.name !== 'string' || rule.name === '') {
      throw invalidConfiguration(`${at}.name`, 'a claim or attribute name')
    }
    const condition = rule.condition as IssuanceCondition
    if (!CONDITIONS.includes(condition)) {
      throw invalidConfiguration(`${at}.condition`, CONDITIONS.join(', '))
    }
    const checked = {
      id: rule.id,
      source,
      name: rule.name,
      condition,
      ...operand(rule.value, condition, at),
    }
    return checked as IssuanceRule
  })
  return { match, rules }
}

function operand(value: unknown, condition: IssuanceCondition, at: string) {
  if (condition === 'present' || condition === 'absent') {
    if (value !== undefined) throw invalidConfiguration(`${at}.value`, `absent for ${condition}`)
    return {}
  }
  if (condition === 'one-of') {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
      throw invalidConfiguration(`${at}.value`, 'a non-empty list of strings')
    }
    return { value: [...value] }
  }
  if (typeof value !== 'string') throw invalidConfiguration(`${at}.value`, 'a string')
  if (condition === 'matches') {
    if (value.length > MAX_PATTERN) {
      throw invalidConfiguration(`${at}.value`, `a pattern of at most ${MAX_PATTERN} characters`)
    }
    try {
      new RegExp(value, 'u')
    } catch {
      throw invalidConfiguration(`${at}.value`, 'a valid regular expression (u flag)')
    }
  }
  return { value }
}

/**
 * Refuses a sign-in that does not meet the connection's issuance criteria.
 * @param criteria - the criteria
 * @param values - the merged claims and the mapped attributes
 * @throws {@link ValidationError} `ISSUANCE_CRITERIA_UNMET` naming the failed rule(s), never a
 * value
 * @internal
 */
export function checkIssuanceCriteria(
  criteria: IssuanceCriteria,
  values: {
    readonly claims: Readonly<Record<string, unknown>>
    readonly attributes: Readonly<Record<string, unknown>>
  },
): void {
  const failed = criteria.rules.filter((rule) => !holds(rule, values))
  const met = criteria.match === 'any' ? failed.length < criteria.rules.length : failed.length === 0
  if (met) return
  const names = failed.map((rule) => rule.id).join(', ')
  throw new ValidationError(
    'ISSUANCE_CRITERIA_UNMET',
    criteria.match === 'any'
      ? `the sign-in meets none of the issuance rules (${names})`
      : `the sign-in does not meet the issuance rule${failed.length > 1 ? 's' : ''} ${names}`,
    { claim: failed[0]!.id, expected: 'the connection’s issuance criteria' },
  )
}

function holds(
  rule: IssuanceRule,
  values: {
    readonly claims: Readonly<Record<string, unknown>>
    readonly attributes: Readonly<Record<string, unknown>>
  },
): boolean {
  const from = rule.source === 'attribute' ? values.attributes : values.claims
  const raw = Object.hasOwn(from, rule.name) ? from[rule.name] : undefined
  const present = raw !== undefined && raw !== null && raw !== ''
  if (rule.condition === 'present') return present
  if (rule.condition === 'absent') return !present
  const candidates = (Array.isArray(raw) ? raw : [raw]).filter(
    (v): v is string | number | boolean =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  )
  return candidates.map(String).some((text) => test(rule, text))
}

function test(rule: IssuanceRule, text: string): boolean {
  if (rule.condition === 'equals') return text === rule.value
  if (rule.condition === 'one-of') return (rule.value as readonly string[]).includes(text)
  if (text.length > MAX_MATCHED) return false
  let pattern = patterns.get(rule)
  if (pattern === undefined) {
    pattern = new RegExp(`^(?:${rule.value as string})$`, 'u')
    patterns.set(rule, pattern)
  }
  return pattern.test(text)
}
