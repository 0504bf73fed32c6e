import assert from 'node:assert/strict'
import { type ErrorCode, isOidcRpError } from '../../src/errors.js'
// Tests reach the SDK's modules directly, as the main entry runs them: every optional feature
// installed (test/core.test.ts checks the lean entry, without them, in a program of its own).
import '../../src/index.js'
import { errorText } from '../portable/assert.js'

/** Values that must never appear in an error message or cause: tests register their secrets and tokens here. */
const secrets = new Set<string>(['s3cr3t-client-secret-value', 'another-client-secret-value'])

/**
 * Registers a value (client secret, code, token, key material) that no error may contain.
 * @param values - secret values
 */
export function registerSecret(...values: (string | undefined)[]): void {
  for (const value of values) if (value !== undefined && value.length >= 8) secrets.add(value)
}

/**
 * Asserts that no registered secret appears in an error's message, properties or cause chain.
 * @param err - the error
 */
export function assertNoSecrets(err: unknown): void {
  const text = errorText(err)
  for (const secret of secrets) {
    assert.ok(
      !text.includes(secret),
      `error text leaks a secret (${secret.slice(0, 4)}…): ${text.slice(0, 200)}`,
    )
  }
}

/**
 * The code a synchronous check throws, or `undefined` when it passes.
 * @param check - the check
 * @param kind - the error class it must throw
 * @returns the error's code, or `undefined`
 */
export function thrownCode(
  check: () => unknown,
  kind: abstract new (...args: never[]) => { readonly code: string },
): string | undefined {
  try {
    check()
    return undefined
  } catch (error) {
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${String(error)}`)
    return error.code
  }
}

/**
 * What an action came to: `accepted`, or the code of the error it threw.
 * @param action - the promise
 * @returns `accepted` or the error's code
 */
export function outcomeOf(action: Promise<unknown>): Promise<string | undefined> {
  return action.then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  )
}

/**
 * Asserts that a promise (or function) fails with an oidc-rp error of the given code, and that the
 * error leaks no registered secret.
 * @param action - the promise, or a function returning a value or a promise
 * @param code - the expected code
 * @returns the error
 */
export async function expectCode<E = unknown>(
  action: Promise<unknown> | (() => unknown),
  code: ErrorCode,
): Promise<E> {
  let failure: unknown
  try {
    await (typeof action === 'function' ? action() : action)
  } catch (err) {
    failure = err
  }
  assert.ok(failure !== undefined, `expected ${code}, but it succeeded`)
  assert.ok(
    isOidcRpError(failure),
    `expected an OidcRpError ${code}, got ${errorText(failure).slice(0, 300)}`,
  )
  assert.equal(failure.code, code, `expected ${code}, got ${failure.code}: ${failure.message}`)
  assertNoSecrets(failure)
  return failure as E
}
