/**
 * Assertions for the portable suite (node:assert is not available in browsers or workerd). Each
 * throws an `AssertionError` with what was expected and what came.
 */

/** A failed assertion. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

/**
 * Fails unless the value is truthy.
 * @param value - the value
 * @param message - what was expected
 */
export function ok(value: unknown, message: string): asserts value {
  if (!value) throw new AssertionError(message)
}

/**
 * Fails unless `actual === expected` (Object.is).
 * @param actual - what came
 * @param expected - what was expected
 * @param message - what is compared
 */
export function equal<T>(actual: unknown, expected: T, message: string): asserts actual is T {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

/**
 * Fails unless both are structurally equal (JSON values, keys in any order).
 * @param actual - what came
 * @param expected - what was expected
 * @param message - what is compared
 */
export function deepEqual(actual: unknown, expected: unknown, message: string): void {
  const a = canonical(actual)
  const b = canonical(expected)
  if (a !== b) throw new AssertionError(`${message}: expected ${b}, got ${a}`)
}

/**
 * Fails unless the text matches the pattern.
 * @param text - the text
 * @param pattern - the pattern
 * @param message - what is matched
 */
export function match(text: unknown, pattern: RegExp, message: string): void {
  if (typeof text !== 'string' || !pattern.test(text)) {
    throw new AssertionError(`${message}: expected to match ${pattern}, got ${show(text)}`)
  }
}

/** Values no error may show: client secrets, codes, tokens, nonces, key material. */
const secrets = new Set<string>()

/**
 * Registers values that must never appear in an error's message, members or causes.
 * @param values - the secrets (short or absent values are skipped)
 */
export function registerSecret(...values: (string | null | undefined)[]): void {
  for (const value of values) if (typeof value === 'string' && value.length >= 8) secrets.add(value)
}

/**
 * Fails when a registered secret appears in the error or its cause chain.
 * @param err - the error
 */
export function assertNoSecrets(err: unknown): void {
  const text = errorText(err)
  for (const secret of secrets) {
    if (text.includes(secret)) {
      throw new AssertionError(
        `the error leaks a secret (${secret.slice(0, 4)}…): ${text.slice(0, 160)}`,
      )
    }
  }
}

/**
 * Runs the action and returns what it threw; fails when it succeeds.
 * @param action - a promise, or a function returning a value or a promise
 * @param what - what was expected, for the message
 * @returns the error
 */
export async function thrown(
  action: Promise<unknown> | (() => unknown),
  what: string,
): Promise<unknown> {
  try {
    await (typeof action === 'function' ? action() : action)
  } catch (err) {
    return err
  }
  throw new AssertionError(`expected ${what}, but it succeeded`)
}

/** The text of an error: message, own properties and the cause chain, for leak checks. */
export function errorText(err: unknown, depth = 0): string {
  if (depth > 5 || err === undefined || err === null) return ''
  if (err instanceof Error) {
    const own = Object.entries(err)
      .map(([k, v]) => `${k}=${safeString(v)}`)
      .join(' ')
    return `${err.name}: ${err.message} ${own} ${errorText(err.cause, depth + 1)}`
  }
  return safeString(err)
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    return String(value)
  }
}

function show(value: unknown): string {
  const text = safeString(value)
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}
