/**
 * Type-level tests of the error codes: checked by the compiler (test/types.test.ts); a line
 * marked `@ts-expect-error` must fail to compile, so each refusal proves itself.
 */
import {
  type AnyOidcRpError,
  type ErrorCode,
  isOidcRpError,
  type OAuthResponseError,
  type TransportError,
  UsageError,
  ValidationError,
} from '../../src/errors.js'

declare const caught: unknown

/** `switch (err.code)` narrows an oidc-rp error to the class that throws that code. */
export function narrowsByCode(): string {
  if (!isOidcRpError(caught)) return 'not ours'
  const err: AnyOidcRpError = caught
  switch (err.code) {
    case 'CALLBACK_STATE_UNKNOWN': {
      const narrowed: ValidationError = err
      // @ts-expect-error a validation code never belongs to a TransportError
      const wrong: TransportError = err
      return narrowed.code + String(wrong)
    }
    case 'HTTP_TIMEOUT': {
      const narrowed: TransportError = err
      // @ts-expect-error a transport code never belongs to a UsageError
      const wrong: UsageError = err
      return narrowed.code + String(wrong)
    }
    case 'INVALID_CONFIGURATION': {
      const narrowed: UsageError = err
      return narrowed.code
    }
    case 'TOKEN_ERROR_RESPONSE': {
      const narrowed: OAuthResponseError = err
      return narrowed.error
    }
    default:
      return err.code
  }
}

/** Every class's `code` is its own closed union: a code of another class is refused. */
export function codesAreClosed(): void {
  // @ts-expect-error HTTP_TIMEOUT is a transport code
  new ValidationError('HTTP_TIMEOUT', 'x')
  // @ts-expect-error not a code at all
  new UsageError('NO_SUCH_CODE', 'x')
  const known: ErrorCode = 'CALLBACK_STATE_UNKNOWN'
  // @ts-expect-error ErrorCode is a closed union
  const unknown: ErrorCode = 'SOMETHING_ELSE'
  void known
  void unknown
}
