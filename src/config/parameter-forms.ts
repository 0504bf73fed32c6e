/**
 * How request parameter values are written.
 *
 * Which are space-separated lists, and the canonical form two values are compared in. Kept apart
 * from the rules of parameter-values.ts, which only the policy check and the per-request merge
 * need, so a page that uses neither does not load them.
 *
 * @module
 */

/**
 * Parameters whose values are space-separated lists; others repeat for several values.
 * @internal
 */
export const SPACE_SEPARATED: ReadonlySet<string> = new Set([
  'scope',
  'acr_values',
  'prompt',
  'ui_locales',
  'claims_locales',
])

/**
 * The canonical form of one value for comparisons (`claims` JSON is re-serialised compactly).
 * @param name - the parameter name
 * @param value - one value
 * @returns the value to compare
 * @internal
 */
export function canonicalValue(name: string, value: string): string {
  if (name !== 'claims') return value
  try {
    return JSON.stringify(JSON.parse(value))
  } catch {
    return value
  }
}
