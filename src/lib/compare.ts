/**
 * Comparing secrets (CSRF tokens, binding values) in time that says nothing of where they differ.
 *
 * @module
 */

/**
 * Whether two strings are equal, in time that depends on their length only.
 * @param a - one string
 * @param b - the other
 * @returns true when equal
 * @internal
 */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
