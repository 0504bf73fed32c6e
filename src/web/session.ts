/**
 * The web session.
 *
 * Started by a sign-in, read by every request, refreshed on demand, ended by logout.
 *
 * The session cookie holds a sealed {@link SessionCookie}; the session store holds the record
 * logout needs (`iss`, `sub`, `sid`, the ID token), and in `'store'` mode the content too.
 *
 * @module
 */
import type { SignInResult } from '../callback/result.js'
import { OAuthResponseError, UsageError } from '../errors.js'
import type { IdTokenClaims } from '../id-token.js'
import { type AccessToken, recordSession, refreshTokens } from '../index.js'
import { isPlainObject } from '../lib/json.js'
import { randomBase64url } from '../lib/random.js'
import { callStore } from '../lib/store-call.js'
import type { Session } from '../storage.js'
import type { RefreshFlight, SharedContext, WebContext } from './context.js'
import type { CookieAttributes } from './cookies.js'
import { clearChunked, readChunked, writeChunked } from './sealed-cookie.js'

/**
 * A signed-in end-user, as a request of the application sees them.
 * @group Web
 */
export interface WebSession {
  /** The end-user's `sub` at the OP. */
  readonly sub: string
  /** The OP's issuer. */
  readonly issuer: string
  /** The id of the registry connection the user signed in through (with a registry). */
  readonly connection?: string
  /** The end-user claims: the ID token's merged with UserInfo's. */
  readonly claims: Readonly<Record<string, unknown>>
  /** The application's attributes, mapped from the claims by the configuration. */
  readonly attributes: Readonly<Record<string, unknown>>
  /** What the application's `onSignIn` hook kept (default empty). */
  readonly data: Readonly<Record<string, unknown>>
  /**
   * The access token, refreshed when it was about to expire. Never send it to the page.
   *
   * Absent when the sign-in gave none. A `DPoP` one (with the `dpop` option) goes with the handle:
   * `fetchProtectedResource(config, url, session.accessToken, { dpop })`.
   */
  readonly accessToken?: AccessToken
  /** When the session ends unless used again, in seconds since the epoch. */
  readonly expiresAt: number
  /** The token the logout form must carry (see `logoutForm`). */
  readonly csrfToken: string
  /**
   * `Set-Cookie` values to send with this request's response.
   *
   * The renewed or refreshed session cookie; usually empty. `protect` and `nodeSession` send them.
   */
  readonly setCookie: readonly string[]
}

/**
 * What the session keeps of the sign-in: in the cookie, or in the store's `Session.data`.
 * @internal
 */
export interface SessionContent {
  readonly claims: Readonly<Record<string, unknown>>
  readonly attributes: Readonly<Record<string, unknown>>
  readonly data: Readonly<Record<string, unknown>>
  readonly accessToken?: AccessToken
  readonly refreshToken?: string
  /** The thumbprint of the DPoP key the tokens are bound to (RFC 9449 §6), when they are. */
  readonly dpopJkt?: string
}

/**
 * The sealed session cookie's payload.
 * @internal
 */
export interface SessionCookie {
  /** The session id in the store. */
  readonly id: string
  readonly iss: string
  readonly sub: string
  readonly csrf: string
  /** Sign-in time, and when the session ends at the latest, in seconds. */
  readonly createdAt: number
  readonly endsAt: number
  /** The last time a request renewed the cookie, in seconds. */
  readonly touchedAt: number
  /** The content, in `'cookie'` mode. */
  readonly content?: SessionContent
  /** The registry connection the session belongs to, with a registry. */
  readonly connection?: string
}

/** A session as read from a request: its cookie, its record, and its content. */
interface OpenSession {
  readonly cookie: SessionCookie
  readonly record: Session
  readonly content: SessionContent
}

/**
 * Starts the session of a sign-in: records it, and seals the cookie.
 * @param ctx - the web context
 * @param request - the callback request (its cookies: an earlier session is ended)
 * @param result - the sign-in
 * @returns the `Set-Cookie` values of the session
 * @internal
 */
export async function startSession(
  ctx: WebContext,
  request: Request,
  result: SignInResult,
): Promise<string[]> {
  const earlier = await openCookie(ctx, request)
  if (earlier !== undefined) {
    await callStore('session store delete', () => ctx.store.delete(earlier.id))
  }
  const kept = (await ctx.options.onSignIn?.(result)) ?? {}
  const content: SessionContent = {
    claims: result.claims,
    attributes: result.attributes,
    data: isPlainObject(kept) ? kept : {},
    ...(result.accessToken ? { accessToken: result.accessToken } : {}),
    ...(result.refreshToken ? { refreshToken: result.refreshToken } : {}),
    ...boundTo(ctx, result.accessToken),
  }
  const inStore = ctx.settings.sessionData === 'store'
  const { session } = await recordSession(ctx.config, ctx.store, result, {
    ttlInSeconds: ctx.settings.absoluteTimeout,
    ...(inStore ? { data: content as unknown as Record<string, unknown> } : {}),
  })
  const now = ctx.now()
  const cookie: SessionCookie = {
    id: session.id,
    iss: session.iss,
    sub: session.sub,
    csrf: randomBase64url(32),
    createdAt: now,
    endsAt: now + ctx.settings.absoluteTimeout,
    touchedAt: now,
    ...(inStore ? {} : { content }),
    ...(ctx.connection === undefined ? {} : { connection: ctx.connection }),
  }
  return writeSessionCookie(ctx, request, cookie)
}

/**
 * Reads the request's session.
 *
 * `undefined` when there is none, it was tampered with or sealed with another key, it expired, or
 * logout ended it.
 *
 * @param ctx - the web context
 * @param request - the request
 * @param refresh - whether to refresh an access token about to expire
 * @returns the session, with the cookies to send
 * @internal
 */
export async function readSession(
  ctx: WebContext,
  request: Request,
  refresh: boolean,
): Promise<WebSession | undefined> {
  const open = await openSession(ctx, request)
  if (open === undefined) return undefined
  let { cookie, content } = open
  let changed = false
  if (refresh && needsRefresh(ctx, content)) {
    checkDPoPKey(ctx, content)
    const refreshed = await refreshContent(ctx, open).catch((err: unknown) => {
      // the OP unreachable: a token that is still valid serves until it expires
      const expiresAt = content.accessToken?.expiresAt
      if (expiresAt !== undefined && expiresAt > ctx.now()) return content
      throw err
    })
    if (refreshed === undefined) return undefined
    if (refreshed !== content) {
      content = refreshed
      changed = ctx.settings.sessionData === 'cookie'
    }
  }
  const now = ctx.now()
  if (now - cookie.touchedAt >= ctx.settings.idleTimeout / 10) {
    cookie = { ...cookie, touchedAt: now }
    changed = true
  }
  const setCookie = changed
    ? await writeSessionCookie(ctx, request, {
        ...cookie,
        ...(ctx.settings.sessionData === 'cookie' ? { content } : {}),
      })
    : []
  return {
    sub: cookie.sub,
    issuer: cookie.iss,
    ...(cookie.connection === undefined ? {} : { connection: cookie.connection }),
    claims: content.claims,
    attributes: content.attributes,
    data: content.data,
    ...(content.accessToken ? { accessToken: content.accessToken } : {}),
    expiresAt: Math.min(cookie.endsAt, cookie.touchedAt + ctx.settings.idleTimeout),
    csrfToken: cookie.csrf,
    setCookie,
  }
}

/**
 * Ends the request's session: removes its record, and gives the cookies that clear it.
 * @param ctx - the web context
 * @param request - the request
 * @returns the ended record (for `id_token_hint`), the sealed cookie, and the `Set-Cookie` values
 * @internal
 */
export async function endSession(
  ctx: SharedContext,
  request: Request,
): Promise<{ record?: Session; cookie?: SessionCookie; setCookie: string[] }> {
  const setCookie = clearSessionCookie(ctx, request)
  const cookie = await openCookie(ctx, request)
  if (cookie === undefined) return { setCookie }
  const record = await callStore('session store get', () => ctx.store.get(cookie.id))
  await callStore('session store delete', () => ctx.store.delete(cookie.id))
  return record === undefined ? { cookie, setCookie } : { record, cookie, setCookie }
}

/**
 * The sealed session cookie of a request, opened; `undefined` when absent or not opening.
 * @internal
 */
export async function openCookie(
  ctx: SharedContext,
  request: Request,
): Promise<SessionCookie | undefined> {
  const sealed = readChunked(request.headers.get('cookie'), ctx.cookies.session)
  if (sealed === undefined) return undefined
  const payload = await ctx.sealer.open(sealed, 'session')
  if (!isSessionCookie(payload)) return undefined
  const now = ctx.now()
  if (now >= payload.endsAt || now >= payload.touchedAt + ctx.settings.idleTimeout) return undefined
  return payload
}

/**
 * The `Set-Cookie` values that delete the session cookie (every chunk the request carries).
 * @internal
 */
export function clearSessionCookie(ctx: SharedContext, request: Request): string[] {
  return clearChunked(request.headers.get('cookie'), ctx.cookies.session, cookieAttributes(ctx, 0))
}

/**
 * The attributes of the session and logout cookies.
 * @internal
 */
export function cookieAttributes(ctx: SharedContext, maxAge: number): CookieAttributes {
  return { maxAge, secure: ctx.secure, sameSite: 'Lax', path: '/', httpOnly: true }
}

async function openSession(ctx: WebContext, request: Request): Promise<OpenSession | undefined> {
  const cookie = await openCookie(ctx, request)
  if (cookie === undefined) return undefined
  const record = await callStore('session store get', () => ctx.store.get(cookie.id))
  // ended by logout, expired in the store, or not this OP's
  if (record === undefined || record.iss !== cookie.iss || record.sub !== cookie.sub) {
    return undefined
  }
  const content = cookie.content ?? contentOf(record)
  return content === undefined ? undefined : { cookie, record, content }
}

async function writeSessionCookie(
  ctx: WebContext,
  request: Request,
  cookie: SessionCookie,
): Promise<string[]> {
  const maxAge = Math.min(cookie.endsAt - ctx.now(), ctx.settings.idleTimeout)
  const sealed = await ctx.sealer.seal(
    cookie as unknown as Record<string, unknown>,
    'session',
    maxAge,
  )
  return writeChunked(
    ctx.cookies.session,
    sealed,
    cookieAttributes(ctx, maxAge),
    request.headers.get('cookie'),
  )
}

/**
 * Whether a session with a refresh token is refreshed now.
 *
 * When the access token expires within the leeway, or is bound to another DPoP key than the `dpop`
 * option's (a rotated key: the refresh binds the new access token to this key, a confidential
 * client's refresh token being bound to no key, RFC 9449 §5).
 */
function needsRefresh(ctx: WebContext, content: SessionContent): boolean {
  if (content.refreshToken === undefined) return false
  const { dpop } = ctx.options
  if (dpop !== undefined && content.dpopJkt !== undefined && content.dpopJkt !== dpop.thumbprint) {
    return true
  }
  const expiresAt = content.accessToken?.expiresAt
  return expiresAt !== undefined && expiresAt - ctx.now() <= ctx.settings.refreshLeeway
}

/**
 * Refreshes a session's tokens once, however many requests ask at the same time.
 *
 * In this process one flight per session; across machines under the store's lock, re-reading the
 * record first (another machine may have refreshed it). A request that still carries the refresh
 * token an earlier flight used gets that flight's outcome for a minute, so refresh-token rotation
 * never sends a used refresh token. The OP refusing the refresh token (`invalid_grant`) ends the
 * session; another OAuth error is thrown.
 * @returns the new content (or the same when no refresh was needed after all), `undefined` when
 * the session ended
 */
async function refreshContent(
  ctx: WebContext,
  open: OpenSession,
): Promise<SessionContent | undefined> {
  const id = open.cookie.id
  const from = open.content.refreshToken!
  const now = ctx.now()
  const flight = ctx.refreshes.get(id)
  if (flight !== undefined && flight.from === from && flight.until >= now) {
    return (await flight.outcome) as SessionContent | undefined
  }
  const run = () => refreshUnderLock(ctx, open)
  const outcome = ctx.store.withLock === undefined ? run() : ctx.store.withLock(id, run)
  const entry: RefreshFlight = { from, outcome, until: Number.POSITIVE_INFINITY }
  forgetOldFlights(ctx, now)
  ctx.refreshes.set(id, entry)
  try {
    return await outcome
  } finally {
    entry.until = ctx.now() + 60
  }
}

async function refreshUnderLock(
  ctx: WebContext,
  open: OpenSession,
): Promise<SessionContent | undefined> {
  let { record, content } = open
  if (ctx.settings.sessionData === 'store') {
    const current = await callStore('session store get', () => ctx.store.get(record.id))
    const now = current === undefined ? undefined : contentOf(current)
    if (current === undefined || now === undefined) return undefined
    record = current
    content = now
    // another machine refreshed while this one waited for the lock
    if (!needsRefresh(ctx, content)) return content
  }
  let refreshed: Awaited<ReturnType<typeof refreshTokens>>
  try {
    const { dpop } = ctx.options
    refreshed = await refreshTokens(ctx.config, content.refreshToken!, {
      original: content.claims as IdTokenClaims,
      ...(dpop ? { dpop } : {}),
    })
  } catch (err) {
    if (err instanceof OAuthResponseError && err.error === 'invalid_grant') {
      // the OP no longer honours the refresh token (revoked, expired, reused): the session is
      // over. Any other refusal (a DPoP proof refused, invalid_client, temporarily_unavailable)
      // is not the session's: it is thrown, and a token still valid serves meanwhile
      await callStore('session store delete', () => ctx.store.delete(record.id))
      return undefined
    }
    throw err
  }
  const { dpopJkt: _before, ...rest } = content
  const next: SessionContent = {
    ...rest,
    accessToken: refreshed.accessToken,
    refreshToken: refreshed.refreshToken,
    ...boundTo(ctx, refreshed.accessToken),
  }
  const inStore = ctx.settings.sessionData === 'store'
  if (inStore || refreshed.idToken !== undefined) {
    const updated: Session = {
      ...record,
      ...(refreshed.idToken ? { idToken: refreshed.idToken } : {}),
      ...(inStore ? { data: next as unknown as Record<string, unknown> } : {}),
    }
    const ttl = Math.max(1, record.expiresAt - ctx.now())
    await callStore('session store set', () => ctx.store.set(updated, ttl))
  }
  return next
}

/** The `dpopJkt` member of a session whose access token is bound to the `dpop` option's key. */
function boundTo(ctx: WebContext, accessToken: AccessToken | undefined): { dpopJkt?: string } {
  const { dpop } = ctx.options
  return accessToken?.type === 'DPoP' && dpop !== undefined ? { dpopJkt: dpop.thumbprint } : {}
}

/**
 * Refuses to refresh a session bound to a DPoP key without the `dpop` option (RFC 9449 §5).
 *
 * The OP would answer a confidential client with a `Bearer` token (the binding silently dropped),
 * or refuse a public client's refresh token, which would end the session. An instance without the
 * application's key, among others that have it, is a deployment fault: it is thrown, and the
 * session stays for the instances that have the key.
 * @throws `UsageError` `DPOP_KEY_MISMATCH`
 */
function checkDPoPKey(ctx: WebContext, content: SessionContent): void {
  if (content.dpopJkt === undefined || ctx.options.dpop !== undefined) return
  throw new UsageError(
    'DPOP_KEY_MISMATCH',
    "the session's tokens are bound to a DPoP key: give createWebAuth the application's dpop handle to refresh them",
    { parameter: 'dpop' },
  )
}

/** Drops finished flights past their reuse window, so the map stays small. */
function forgetOldFlights(ctx: WebContext, now: number): void {
  for (const [id, flight] of ctx.refreshes) {
    if (flight.until < now) ctx.refreshes.delete(id)
  }
}

/**
 * The content a store record keeps in `'store'` mode, when it is one.
 * @internal
 */
export function contentOf(record: Session): SessionContent | undefined {
  const data = record.data
  if (!isPlainObject(data) || !isPlainObject(data.claims) || !isPlainObject(data.attributes)) {
    return undefined
  }
  return data as unknown as SessionContent
}

function isSessionCookie(value: unknown): value is SessionCookie {
  if (!isPlainObject(value)) return false
  const { id, iss, sub, csrf, createdAt, endsAt, touchedAt, content, connection } = value
  return (
    typeof id === 'string' &&
    (connection === undefined || typeof connection === 'string') &&
    typeof iss === 'string' &&
    typeof sub === 'string' &&
    typeof csrf === 'string' &&
    typeof createdAt === 'number' &&
    typeof endsAt === 'number' &&
    typeof touchedAt === 'number' &&
    (content === undefined ||
      (isPlainObject(content) &&
        isPlainObject(content.claims) &&
        isPlainObject(content.attributes)))
  )
}
