import { UsageError, type UsageErrorCode } from '../errors.js'

/**
 * The errors and checks for what an administrator or application passes in.
 *
 * Configuration members, function arguments, positive integers and TTLs.
 */

/**
 * The error for a configuration member that is not what it must be.
 * @param member - the member's path, e.g. `policy.scope`
 * @param expected - what it must be, e.g. `a boolean`
 * @returns `INVALID_CONFIGURATION`
 * @internal
 */
export function invalidConfiguration(member: string, expected: string): UsageError {
  return new UsageError('INVALID_CONFIGURATION', `${member} must be ${expected}`, {
    parameter: member,
  })
}

/**
 * The error for a function argument or option that is not what it must be.
 * @param name - the argument or option
 * @param expected - what it must be
 * @returns `INVALID_ARGUMENT`
 * @internal
 */
export function invalidArgument(name: string, expected: string): UsageError {
  return new UsageError('INVALID_ARGUMENT', `${name} must be ${expected}`, { parameter: name })
}

/**
 * Checks a count option (`maxEntries`, …): a positive safe integer.
 * @param name - the option
 * @param value - its value
 * @returns the value
 * @throws {@link UsageError} `INVALID_ARGUMENT` otherwise
 * @internal
 */
export function positiveInteger(name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)) {
    throw invalidArgument(name, 'a positive integer')
  }
  return value
}

/**
 * Checks a lifetime in seconds: a positive finite number.
 * @param value - the TTL
 * @param name - the option, `ttlInSeconds` unless told
 * @returns the value
 * @throws {@link UsageError} `INVALID_ARGUMENT` otherwise
 * @internal
 */
export function positiveTtl(value: unknown, name = 'ttlInSeconds'): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw invalidArgument(name, 'a positive number')
  }
  return value
}

/**
 * The error for something the OP's metadata does not advertise.
 * @param code - the `OP_UNSUPPORTED_*` code
 * @param parameter - the parameter concerned
 * @param what - what is not advertised, for the message
 * @returns the error
 * @internal
 */
export function unsupportedError(
  code: UsageErrorCode,
  parameter: string,
  what: string,
): UsageError {
  return new UsageError(
    code,
    `the OP's metadata does not advertise ${what}; set policy.enforceProviderSupport to false to send it anyway`,
    { parameter },
  )
}
