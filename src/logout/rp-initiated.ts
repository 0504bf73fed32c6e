/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the return.
 *
 * The checks on the OP's return to the `post_logout_redirect_uri` (§3). The request to the OP's
 * `end_session_endpoint` is built by end-session-request.ts.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { ValidationError } from '../errors.js'
import { type LogoutInput, readRequestInput } from '../lib/request-input.js'

/**
 * Options of {@link handlePostLogoutRedirect}.
 * @group Logout
 */
export interface PostLogoutRedirectOptions {
  /** The `state` `createEndSessionRequest` sent, if it sent one. */
  readonly expectedState: string | undefined
}

/**
 * Checks the OP's return to the `post_logout_redirect_uri` (RP-Initiated Logout §3).
 *
 * The `state` must be the one sent; when none was sent, none may come.
 *
 * @param config - the configuration: its callback limits (`maxCallbackParameters`,
 * `maxCallbackBytes`)
 * @param input - the redirect: the `Request`, its URL, or its query
 * @param options - the `state` sent
 * @returns the `state` checked (`undefined` when none was sent)
 * @throws {@link ValidationError} `LOGOUT_STATE_MISSING` (OIDF rp-init-logout-no-state),
 * `LOGOUT_STATE_MISMATCH` (OIDF rp-init-logout-other-state; also a repeated `state`, a `state`
 * when none was sent, or a request other than a GET)
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type
 * @see {@link https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout | RP-Initiated Logout §3}
 * @example
 * ```ts
 * await handlePostLogoutRedirect(config, request, { expectedState: cookies['logout-state'] })
 * // Set-Cookie: logout-state=; Max-Age=0
 * ```
 * @group Logout
 */
export async function handlePostLogoutRedirect(
  config: Configuration,
  input: LogoutInput,
  options: PostLogoutRedirectOptions,
): Promise<{ state: string | undefined }> {
  const { maxCallbackParameters: maxParameters, maxCallbackBytes: maxBytes } = config.settings
  const read = await readRequestInput(input, { maxParameters, maxBytes, methods: ['GET'] })
  if (!read.ok) {
    throw new ValidationError(
      'LOGOUT_STATE_MISMATCH',
      `the post-logout redirect is malformed: ${read.problem}`,
      {
        claim: 'state',
      },
    )
  }
  const state = read.params.state
  const expected = options?.expectedState || undefined
  if (expected === undefined) {
    if (state === undefined) return { state: undefined }
    throw new ValidationError(
      'LOGOUT_STATE_MISMATCH',
      'the post-logout redirect carries a state although none was sent',
      { claim: 'state', expected: 'no state' },
    )
  }
  if (state === undefined) {
    throw new ValidationError(
      'LOGOUT_STATE_MISSING',
      'the post-logout redirect has no state although one was sent',
      { claim: 'state', expected: 'the state sent' },
    )
  }
  if (!(await sameString(state, expected))) {
    throw new ValidationError(
      'LOGOUT_STATE_MISMATCH',
      'the post-logout redirect state is not the one sent',
      { claim: 'state', expected: 'the state sent' },
    )
  }
  return { state }
}

/**
 * Compares two strings through their SHA-256 digests, in time that reveals nothing.
 *
 * The time taken says nothing of where they differ.
 */
async function sameString(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder()
  const [x, y] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ])
  const left = new Uint8Array(x)
  const right = new Uint8Array(y)
  let diff = 0
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!
  return diff === 0
}
