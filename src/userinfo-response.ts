/**
 * The UserInfo response, on plain inputs.
 *
 * When a sign-in calls UserInfo, and reading its response: a challenge, the status, the claims of
 * its JSON body (or of the registered JWT, read by userinfo-jwt.ts), the `sub`. The core's
 * `fetchUserInfo` and a page's (`oidc-rp/browser`) both read it so.
 *
 * @module
 */
import type { UserInfoMode } from './config/settings.js'
import { UsageError, ValidationError } from './errors.js'
import { expectStatus, type HttpResponse, mediaType } from './lib/http.js'
import { decodeUtf8, parseJsonObjectText, shown } from './lib/json.js'
import { challengeError } from './lib/oauth-error.js'

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

/**
 * Whether a sign-in calls UserInfo.
 *
 * Never with `never`; otherwise when the OP has a UserInfo endpoint and an access token came, and
 * `required` refuses a sign-in that cannot.
 * @param mode - the `userinfo` mode of the callback or the settings
 * @param hasEndpoint - whether the OP has a `userinfo_endpoint`
 * @param hasAccessToken - whether an access token came
 * @returns true to call UserInfo
 * @throws {@link UsageError} `USERINFO_UNAVAILABLE` when it is required and cannot be called
 * @internal
 */
export function callsUserInfo(
  mode: UserInfoMode,
  hasEndpoint: boolean,
  hasAccessToken: boolean,
): boolean {
  if (mode === 'never') return false
  if (hasEndpoint && hasAccessToken) return true
  if (mode !== 'required') return false
  throw new UsageError(
    'USERINFO_UNAVAILABLE',
    hasAccessToken
      ? 'UserInfo is required but the OP has no userinfo_endpoint'
      : 'UserInfo is required but no access token came (response type id_token?)',
    { parameter: 'userinfo' },
  )
}

/**
 * Reads a UserInfo response, on plain inputs.
 *
 * A challenge, an unexpected status, or the claims (a JSON object, or what `jwtClaims` reads from
 * a signed and/or encrypted response), whose `sub` must be the expected one.
 *
 * @param response - the response, fully read
 * @param expectedSubject - the ID token's `sub`
 * @param scheme - the scheme the token was sent with, whose challenge is read first
 * @param jwtClaims - reads the claims of the registered JWT response; without it, JSON is expected
 * @returns the claims, `sub` included
 * @throws {@link OAuthResponseError} `USERINFO_BEARER_CHALLENGE` on a 401/403 with
 * `WWW-Authenticate`
 * @throws {@link ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_RESPONSE_INVALID`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for any other non-200
 * @internal
 */
export async function readUserInfo(
  response: HttpResponse,
  expectedSubject: string,
  scheme: 'Bearer' | 'DPoP',
  jwtClaims?: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  // Some OPs quote the token they refuse in error_description: it never reaches an error.
  const challenge = await challengeError(
    response,
    'USERINFO_BEARER_CHALLENGE',
    scheme === 'DPoP' ? 'dpop' : 'bearer',
  )
  if (challenge !== undefined) throw challenge
  expectStatus(response, 200)
  const claims = jwtClaims === undefined ? jsonClaims(response) : await jwtClaims()
  if (claims.sub !== expectedSubject) {
    throw new ValidationError('USERINFO_SUB_MISMATCH', 'the UserInfo sub is not the ID token sub', {
      claim: 'sub',
      expected: expectedSubject,
      actual: shown(claims.sub),
    })
  }
  return claims
}

/** The claims of a plain JSON UserInfo response. */
function jsonClaims(response: HttpResponse): Record<string, unknown> {
  const type = mediaType(response)
  if (type !== 'application/json') {
    throw invalidUserInfo(
      `has content type ${JSON.stringify(type.slice(0, 60))}, expected application/json (no signed or encrypted UserInfo is registered)`,
      'application/json',
      type.slice(0, 60),
    )
  }
  return parseUserInfoObject(userInfoText(response.body), 'application/json')
}
