/**
 * The UserInfo response's body: its text and JSON object, and the error for a malformed one.
 *
 * @module
 */
import { ValidationError } from './errors.js'
import { decodeUtf8, parseJsonObjectText } from './lib/json.js'

/**
 * The error of a malformed UserInfo response.
 * @param message - what is wrong, after "the UserInfo response"
 * @param expected - what was expected
 * @param actual - what came, when it can be shown
 * @returns a `USERINFO_RESPONSE_INVALID` error
 * @internal
 */
export function invalidUserInfo(
  message: string,
  expected: unknown,
  actual?: unknown,
): ValidationError {
  return new ValidationError('USERINFO_RESPONSE_INVALID', `the UserInfo response ${message}`, {
    expected,
    actual,
  })
}

/**
 * Parses the UserInfo claims object.
 * @param text - the JSON text
 * @param what - where it came from, for the message (`application/json`, `decrypted`)
 * @returns the object
 * @throws {@link ValidationError} `USERINFO_RESPONSE_INVALID`
 * @internal
 */
export function parseUserInfoObject(text: string, what: string): Record<string, unknown> {
  return parseJsonObjectText(text, (problem) =>
    invalidUserInfo(`${problem} (${what})`, 'a JSON object'),
  )
}

/**
 * The body as UTF-8 text.
 * @param body - the response body
 * @returns the text
 * @throws {@link ValidationError} `USERINFO_RESPONSE_INVALID` for bytes that are not UTF-8
 * @internal
 */
export function userInfoText(body: Uint8Array): string {
  try {
    return decodeUtf8(body)
  } catch {
    throw invalidUserInfo('is not valid UTF-8', 'UTF-8 text')
  }
}
