/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.5–2.8).
 *
 * The OP's POST, the logout token's validation, the end of the sessions it names, and the answer
 * the spec asks for.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { type AnyOidcRpError, isOidcRpError, UsageError, ValidationError } from '../errors.js'
import { type LogoutInput, readRequestInput } from '../lib/request-input.js'
import { endSessions } from '../sessions.js'
import type { Session, SessionStore } from '../storage.js'
import {
  type LogoutTokenClaims,
  type LogoutTokenValidationOptions,
  validateLogoutToken,
} from './logout-token.js'

/**
 * Options of {@link handleBackChannelLogout}.
 *
 * The logout token's validation options and the session store.
 *
 * @group Logout
 */
export interface BackChannelLogoutOptions extends LogoutTokenValidationOptions {
  /**
   * Where the RP's sessions live; the token's `sid`/`sub` sessions of this client are ended there.
   */
  readonly sessionStore: SessionStore
}

/**
 * What {@link handleBackChannelLogout} did.
 * @group Logout
 */
export interface BackChannelLogoutResult {
  /**
   * The answer for the OP.
   *
   * `200` when the token was valid (also when no session matched), else `400` with `{ "error":
   * "invalid_request", "error_description": … }`; always `Cache-Control: no-store`.
   */
  readonly response: Response
  /** The sessions ended by this request. */
  readonly ended: readonly Session[]
  /** The validated claims, when the token was valid (also when the session store then failed). */
  readonly claims?: LogoutTokenClaims
  /** Why the request was refused, for the application's log. */
  readonly error?: AnyOidcRpError
}

/**
 * Handles a back-channel logout request (Back-Channel Logout §2.5–2.8).
 *
 * Reads the POSTed `logout_token`, validates it with {@link validateLogoutToken}, then ends the
 * client's sessions of its `sid` (or, without `sid`, of its `sub`) in the session store.
 *
 * It never throws for a bad request or token, nor when the OP's JWKS cannot be fetched or a store
 * fails: the `response` says 400 (the logout failed, §2.8) and `error` carries the typed error
 * (`STORE_ERROR` for the replay guard or the session store; when the session store fails the `jti`
 * is already remembered). It throws only for the application's own mistakes ({@link UsageError}:
 * missing credentials, a bad option).
 * @param config - the configuration: its callback limits, client_id, and what {@link
 * validateLogoutToken} reads
 * @param input - the POST `Request`, its form body string, or its parameters
 * @param options - the session store, replay guard, maximum age, abort signal
 * @returns the response for the OP, the sessions ended, the claims or the error
 * @throws {@link UsageError} `INVALID_ARGUMENT`, `MISSING_CREDENTIALS`
 * @see {@link https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest | Back-Channel Logout §2.5–2.8}
 * @example
 * ```ts
 * // POST /backchannel-logout
 * const { response, ended, error } = await handleBackChannelLogout(config, request, {
 *   sessionStore: sessions,
 * })
 * if (error) log.warn('logout token refused', error.code)
 * return response
 * ```
 * @group Logout
 */
export async function handleBackChannelLogout(
  config: Configuration,
  input: LogoutInput,
  options: BackChannelLogoutOptions,
): Promise<BackChannelLogoutResult> {
  let claims: LogoutTokenClaims
  try {
    const { maxCallbackParameters: maxParameters, maxCallbackBytes: maxBytes } = config.settings
    const read = await readRequestInput(input, { maxParameters, maxBytes, methods: ['POST'] })
    const token = read.ok ? read.params.logout_token : undefined
    if (token === undefined || token === '') {
      throw new ValidationError(
        'LOGOUT_REQUEST_INVALID',
        `the back-channel logout request is not a form POST with one logout_token${read.ok ? '' : `: ${read.problem}`}`,
        { claim: 'logout_token' },
      )
    }
    claims = await validateLogoutToken(config, token, options)
  } catch (err) {
    if (!isOidcRpError(err) || err instanceof UsageError) throw err
    return { response: refusal(err), ended: [], error: err }
  }
  let ended: Session[]
  try {
    ended = await endSessions(options.sessionStore, {
      iss: claims.iss,
      clientId: config.client.client_id,
      sid: claims.sid,
      sub: claims.sub,
    })
  } catch (err) {
    if (!isOidcRpError(err) || err instanceof UsageError) throw err
    return { response: refusal(err), ended: [], claims, error: err }
  }
  return { response: new Response(null, { status: 200, headers: NO_STORE }), ended, claims }
}

const NO_STORE = { 'cache-control': 'no-store' }

function refusal(err: AnyOidcRpError): Response {
  const body = JSON.stringify({ error: 'invalid_request', error_description: err.message })
  return new Response(body, {
    status: 400,
    headers: { ...NO_STORE, 'content-type': 'application/json' },
  })
}
