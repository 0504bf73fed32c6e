/**
 * Front-channel logout (OpenID Connect Front-Channel Logout 1.0).
 *
 * The OP loads the RP's `frontchannel_logout_uri` in an iframe with `iss` and `sid`; the RP checks
 * them against its session, ends it, and answers with a page safe to frame.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { type AnyOidcRpError, isOidcRpError, UsageError, ValidationError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { type LogoutInput, readRequestInput } from '../lib/request-input.js'
import { callStore } from '../lib/store-call.js'
import { endSessions } from '../sessions.js'
import type { Session, SessionStore } from '../storage.js'

/**
 * Options of {@link handleFrontChannelLogout}.
 * @group Logout
 */
export interface FrontChannelLogoutOptions {
  /** Where the RP's sessions live. */
  readonly sessionStore: SessionStore
  /**
   * The session id from the application's cookie, when the browser sent one.
   *
   * Third-party cookies are often blocked in iframes: the sessions of `sid` are ended either way.
   * When given, its session must have the request's `iss` and `sid`.
   */
  readonly sessionId?: string | undefined
  /**
   * Require `iss` and `sid` in the request (register `frontchannel_logout_session_required: true`).
   *
   * Default true. With `false`, a request without them ends only the session of `sessionId`.
   *
   * > [!WARNING]
   * > Without `iss` and `sid` any web page can frame the URI and sign the end-user out.
   */
  readonly requireSession?: boolean
  /**
   * The origins allowed to frame the page (CSP `frame-ancestors`).
   *
   * Default the origins of the OP's issuer and `end_session_endpoint`.
   */
  readonly frameAncestors?: readonly string[]
}

/**
 * What {@link handleFrontChannelLogout} did.
 * @group Logout
 */
export interface FrontChannelLogoutResult {
  /**
   * The page for the OP's iframe.
   *
   * `200` (or `400` when refused), `Cache-Control: no-store`, and a `Content-Security-Policy` that
   * runs nothing and lets only the OP frame it. Append the application's own `Set-Cookie` (clearing
   * its session cookie) to its headers.
   */
  readonly response: Response
  /** The sessions ended by this request. */
  readonly ended: readonly Session[]
  /** Why the request was refused, for the application's log. */
  readonly error?: AnyOidcRpError
}

/**
 * Handles a front-channel logout request (Front-Channel Logout §2, §3).
 *
 * Checks `iss` and `sid` (the issuer's, and the session's when `sessionId` is given), ends the
 * client's sessions of that `sid`, and answers with a page the OP can load in an iframe. It never
 * throws for a bad request or a failing session store: `error` carries the typed error
 * (`STORE_ERROR` for the store) and the response is a 400 page.
 *
 * @param config - the configuration: its issuer and `end_session_endpoint` (the default frame
 * ancestors), client_id and callback limits
 * @param input - the GET `Request`, its URL or query
 * @param options - the session store, the cookie's session id, whether `iss`/`sid` are required,
 * the framing origins
 * @returns the page, the sessions ended, and the error when refused
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type or a malformed
 * `frameAncestors` entry
 * @see {@link https://openid.net/specs/openid-connect-frontchannel-1_0.html#RPLogout | Front-Channel Logout §2}
 * @example
 * ```ts
 * // GET /frontchannel-logout?iss=…&sid=…
 * const { response, error } = await handleFrontChannelLogout(config, request, {
 *   sessionStore: sessions,
 *   sessionId: cookies.sid,
 * })
 * response.headers.append('set-cookie', 'sid=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None')
 * return response
 * ```
 * @group Logout
 */
export async function handleFrontChannelLogout(
  config: Configuration,
  input: LogoutInput,
  options: FrontChannelLogoutOptions,
): Promise<FrontChannelLogoutResult> {
  const headers = pageHeaders(config, options.frameAncestors)
  try {
    const ended = await frontChannelLogout(config, input, options)
    return { response: page('You are signed out.', 200, headers), ended }
  } catch (err) {
    if (!isOidcRpError(err) || err instanceof UsageError) throw err
    return {
      response: page('The logout request was refused.', 400, headers),
      ended: [],
      error: err,
    }
  }
}

async function frontChannelLogout(
  config: Configuration,
  input: LogoutInput,
  options: FrontChannelLogoutOptions,
): Promise<Session[]> {
  const { sessionStore: store, sessionId } = options
  const { maxCallbackParameters: maxParameters, maxCallbackBytes: maxBytes } = config.settings
  const read = await readRequestInput(input, { maxParameters, maxBytes, methods: ['GET'] })
  if (!read.ok) throw invalid(`the front-channel logout request is malformed: ${read.problem}`)
  const { iss, sid } = read.params
  const clientId = config.client.client_id
  if ((iss === undefined) !== (sid === undefined)) {
    throw invalid('the front-channel logout request has one of iss and sid without the other')
  }
  if (iss === undefined || sid === undefined) {
    if (options.requireSession ?? true) {
      throw new ValidationError(
        'FRONT_CHANNEL_SESSION_MISSING',
        'the front-channel logout request has no iss and sid',
        { claim: 'sid', expected: 'iss and sid' },
      )
    }
    if (sessionId === undefined || sessionId === '') return []
    const session = await callStore('session store get', () => store.get(sessionId))
    if (session?.iss !== config.issuer || session.clientId !== clientId) return []
    return (await callStore('session store delete', () => store.delete(sessionId))) ? [session] : []
  }
  if (iss !== config.issuer) {
    throw new ValidationError(
      'FRONT_CHANNEL_ISSUER_MISMATCH',
      `the front-channel logout iss is not the issuer ${config.issuer}`,
      { claim: 'iss', expected: config.issuer, actual: iss.slice(0, 80) },
    )
  }
  if (sessionId !== undefined && sessionId !== '') {
    const session = await callStore('session store get', () => store.get(sessionId))
    if (session !== undefined && (session.iss !== iss || session.sid !== sid)) {
      throw new ValidationError(
        'FRONT_CHANNEL_SID_MISMATCH',
        "the front-channel logout sid is not the session's sid",
        { claim: 'sid', expected: "the session's sid" },
      )
    }
  }
  return endSessions(store, { iss, clientId, sid })
}

function invalid(message: string): ValidationError {
  return new ValidationError('FRONT_CHANNEL_REQUEST_INVALID', message, { claim: 'sid' })
}

/** No caching, no scripts or resources, framed only by the OP. */
function pageHeaders(
  config: Configuration,
  frameAncestors: readonly string[] | undefined,
): Record<string, string> {
  const origins =
    frameAncestors ??
    [config.issuer, config.provider.end_session_endpoint]
      .filter((url): url is string => url !== undefined)
      .map((url) => new URL(url).origin)
  for (const origin of origins) {
    if (typeof origin !== 'string' || !/^[^\s;,']+$/.test(origin)) {
      throw invalidArgument('frameAncestors', 'origins without spaces or ;')
    }
  }
  const ancestors = [...new Set(origins)].join(' ') || "'none'"
  return {
    'content-type': 'text/html;charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors ${ancestors}`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  }
}

function page(text: string, status: number, headers: Record<string, string>): Response {
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Logout</title></head><body><p>${text}</p></body></html>`
  return new Response(html, { status, headers })
}
