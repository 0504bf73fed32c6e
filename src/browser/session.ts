/**
 * The tokens of a signed-in single-page application.
 *
 * Kept in memory, refreshed on demand, one refresh at a time across the tabs, sign-out reaching
 * every tab.
 *
 * @module
 */
import type { SignInResult } from '../callback/result.js'
import type { Configuration } from '../config/configuration.js'
import { OAuthResponseError, TransportError, UsageError } from '../errors.js'
import type { AccessToken } from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import { invalidArgument } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import type { RefreshResult } from '../token.js'
import { openChannel, readTabMessage, type TabMessage } from './channel.js'
import {
  type discover,
  isPageConfiguration,
  type PageConfiguration,
  pageRuntimeOf,
} from './configuration.js'
import { defaultLocks, generationMarks } from './locks.js'
import {
  type BrowserSessionOptions,
  checkOptions,
  keptIn,
  readItem,
  webStorage,
  writeItem,
} from './options.js'
import { refreshTokens } from './refresh.js'
import {
  isCounter,
  isDue,
  isExpired,
  parseGeneration,
  readSessionTokens,
  type SessionTokens,
} from './tokens.js'

/**
 * A change of a browser session, made in this tab or another (`fromAnotherTab`).
 *
 * - `signed-in`: tokens arrived (a sign-in here or in another tab, or
 * {@link BrowserSession.restore});
 * - `refreshed`: the access token was refreshed;
 * - `signed-out`: {@link BrowserSession.signOut} was called;
 * - `ended`: the OP refused the refresh token (`invalid_grant`: expired, revoked, or the end-user
 * signed out at the OP); sign in again.
 *
 * @group Browser
 */
export interface SessionChange {
  /** What changed. */
  readonly type: 'signed-in' | 'refreshed' | 'signed-out' | 'ended'
  /** Whether another tab made the change. */
  readonly fromAnotherTab: boolean
}

/**
 * The tokens of a signed-in page. Make one per page with {@link createBrowserSession}.
 * @group Browser
 */
export interface BrowserSession {
  /**
   * Keeps the tokens of a sign-in and sends them to the other tabs.
   *
   * The ID token, its claims, the access and refresh tokens; nothing else of the result. A `DPoP`
   * access token is taken as bound to the `dpop` option's key (the handle the callback used).
   * @param result - what `handleCallback` returned (this entry's or `oidc-rp/core`'s)
   * @throws `UsageError` `INVALID_ARGUMENT` when `result` has no ID token and claims;
   * `DPOP_KEY_MISMATCH` for a `DPoP` access token without the `dpop` option
   */
  signedIn(
    result: Pick<SignInResult, 'idToken' | 'idTokenClaims' | 'accessToken' | 'refreshToken'>,
  ): void
  /**
   * A valid access token, refreshed first when it expires within the leeway.
   *
   * One refresh at a time: the calls of this tab share one, and the tabs take turns under the
   * lock. A tab that finds another tab already refreshed (the shared counter, or the
   * refresher's lock mark, is ahead) waits for those tokens instead of presenting its refresh
   * token, which the OP may have rotated away.
   *
   * Resolves `undefined` when signed out, when the access token expired and there is no refresh
   * token, and when the OP refuses the refresh token (`invalid_grant`): the session then ends in
   * every tab (a `SessionChange` of type `ended`).
   *
   * @returns the access token, or `undefined`
   * @throws `TransportError` `SESSION_SYNC_TIMEOUT` when another tab refreshed but its
   * tokens did not arrive in time (the session stays as it was; try again); `HTTP_*` when the
   * token endpoint could not be reached (the session stays)
   * @throws `OAuthResponseError` `TOKEN_ERROR_RESPONSE` for an OP error other than
   * `invalid_grant` (the session stays)
   * @throws `ValidationError` `TOKEN_RESPONSE_INVALID`, `REFRESH_ID_TOKEN_MISMATCH`,
   * `ID_TOKEN_*` (the session stays)
   * @throws `UsageError` `DPOP_KEY_MISMATCH` when the tokens are bound to a DPoP key and this
   * session's `dpop` option is absent or another key (nothing is sent; the session stays)
   */
  accessToken(): Promise<AccessToken | undefined>
  /** The claims of the ID token, or `undefined` when signed out. */
  readonly user: IdTokenClaims | undefined
  /** The raw ID token (for RP-initiated logout's `idTokenHint`), or `undefined`. */
  readonly idToken: string | undefined
  /** Whether the session holds tokens. */
  readonly isSignedIn: boolean
  /**
   * Gets the tokens in a new tab: from web storage when persisted, otherwise from an open tab.
   * @param timeoutInMs - how long to wait for an open tab's answer; default 250
   * @returns true when the session holds tokens
   * @throws `UsageError` `INVALID_ARGUMENT` for a negative timeout
   */
  restore(timeoutInMs?: number): Promise<boolean>
  /**
   * Forgets the tokens, in this tab and every other.
   *
   * Signs out of the application only: for the OP's session, read {@link BrowserSession.idToken}
   * first and send the browser to `createEndSessionRequest(config, { idTokenHint })`.
   */
  signOut(): Promise<void>
  /**
   * Calls `listener` at each change, made here or in another tab.
   * @param listener - gets the change; what it throws is reported, not thrown at the session
   * @returns a function that stops the calls
   */
  onChange(listener: (change: SessionChange) => void): () => void
  /** Stops hearing and telling the other tabs (when the page goes, and in tests). */
  close(): void
}

/**
 * Makes the session that keeps a single-page application's tokens.
 *
 * The tokens stay in memory (see `persist`); the other tabs of the origin with a session of the
 * same name share them over a `BroadcastChannel`. Refreshes run under a Web Lock, so an OP that
 * rotates refresh tokens never sees one presented twice: with {@link refreshTokens} for a page's
 * configuration, with `oidc-rp/core`'s `refreshTokens` (the option of that name) for the core's.
 *
 * @param config - the configuration made by {@link discover}, or by `oidc-rp/core`'s `discover`
 * for a public client (`token_endpoint_auth_method: 'none'`), with the `refreshTokens` option
 * @param options - persistence, leeway, name, and the browser parts to inject in tests
 * @returns the session, signed out until {@link BrowserSession.signedIn} or
 * {@link BrowserSession.restore}
 * @throws `UsageError` `INVALID_ARGUMENT` for an invalid option (`dpop` with a page's
 * configuration, which binds no token; `refreshTokens` missing with the core's, or given with a
 * page's), or `persist` when the storage it needs cannot be used (blocked site data)
 * @example
 * ```ts
 * import {
 *   createBrowserSession,
 *   createEndSessionRequest,
 *   discover,
 *   handleCallback,
 * } from 'oidc-rp/browser'
 *
 * const config = await discover(issuer, { client_id, redirect_uris: [location.origin + '/'] })
 * const session = createBrowserSession(config)
 * if (location.search.includes('state=')) {
 *   const result = await handleCallback(config, location.href)
 *   history.replaceState(null, '', location.pathname) // the code leaves the address bar
 *   session.signedIn(result)
 * } else {
 *   await session.restore() // another tab may be signed in
 * }
 *
 * const token = await session.accessToken() // refreshed when due
 * if (token) {
 *   const response = await fetch('/api/me', {
 *     headers: { authorization: `Bearer ${token.value}` },
 *   })
 * }
 *
 * // sign-out, here and at the OP
 * const idTokenHint = session.idToken
 * await session.signOut() // every tab
 * location.assign(createEndSessionRequest(config, { idTokenHint }).url)
 * ```
 * @group Browser
 */
export function createBrowserSession(
  config: PageConfiguration | Configuration,
  options: BrowserSessionOptions = {},
): BrowserSession {
  const settings = checkOptions(options)
  const refresher = isPageConfiguration(config)
    ? pageSessionRefresher(config, options)
    : coreSessionRefresher(config, options)
  const name = options.name ?? `oidc-rp:${config.client.client_id}@${config.issuer}`
  const now = options.now ?? refresher.now
  const locks = options.locks ?? defaultLocks()
  const shared = options.storage ?? webStorage('localStorage')
  const kept = keptIn(options, settings.persist, shared)
  const keys = { generation: `${name}.generation`, tokens: `${name}.tokens` }
  const { dpop } = options
  /** The `dpopJkt` of tokens whose access token is bound to the `dpop` option's key. */
  const boundTo = (accessToken: AccessToken | undefined): { dpopJkt?: string } =>
    accessToken?.type === 'DPoP' && dpop !== undefined ? { dpopJkt: dpop.thumbprint } : {}

  let tokens: SessionTokens | undefined
  /** The generation of `tokens`: the shared counter's value when they were made. */
  let generation = 0
  let flight: Promise<AccessToken | undefined> | undefined
  const listeners = new Set<(change: SessionChange) => void>()
  const waiters = new Set<Waiter>()
  let channel = openChannel(options.channel, name)
  channel?.addEventListener('message', (event) => receive(readTabMessage(event.data)))

  const nowInSeconds = () => Math.floor(now() / 1000)

  const marks = generationMarks(locks, `${name}.generation.`)

  function sharedGeneration(): number {
    const value = Number(readItem(shared, keys.generation))
    return isCounter(value) ? value : 0
  }

  /** Takes tokens (or none) of a generation: wakes the waiters, tells the listeners. */
  function apply(
    next: SessionTokens | undefined,
    nextGeneration: number,
    type: SessionChange['type'],
    fromAnotherTab: boolean,
  ): void {
    const changed = next !== undefined || tokens !== undefined
    tokens = next
    generation = nextGeneration
    for (const waiter of waiters) waiter.check()
    if (!changed) return
    for (const listener of listeners) {
      try {
        listener({ type, fromAnotherTab })
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** A change made in this tab: kept, posted to the other tabs, then counted in shared storage. */
  function publish(next: SessionTokens | undefined, type: SessionChange['type']): void {
    const nextGeneration = Math.max(generation, sharedGeneration()) + 1
    writeItem(
      kept,
      keys.tokens,
      next && JSON.stringify({ generation: nextGeneration, tokens: next }),
    )
    post(
      next === undefined
        ? {
            kind: 'signed-out',
            generation: nextGeneration,
            change: type === 'ended' ? 'ended' : 'signed-out',
          }
        : {
            kind: 'tokens',
            generation: nextGeneration,
            change: type === 'refreshed' ? 'refreshed' : 'signed-in',
            tokens: next,
          },
    )
    writeItem(shared, keys.generation, String(nextGeneration))
    apply(next, nextGeneration, type, false)
  }

  function post(message: TabMessage): void {
    channel?.postMessage(message)
  }

  function receive(message: TabMessage | undefined): void {
    if (message === undefined) return
    if (message.kind === 'ask') {
      if (tokens !== undefined) post({ kind: 'tokens', generation, change: 'signed-in', tokens })
      return
    }
    if (message.generation <= generation) return
    if (message.kind === 'tokens') {
      if (settings.persist === 'session') {
        writeItem(
          kept,
          keys.tokens,
          JSON.stringify({ generation: message.generation, tokens: message.tokens }),
        )
      }
      const type = tokens === undefined ? 'signed-in' : message.change
      apply(message.tokens, message.generation, type, true)
    } else {
      if (settings.persist === 'session') writeItem(kept, keys.tokens, undefined)
      apply(undefined, message.generation, message.change, true)
    }
  }

  /** Resolves true once `ready()` holds (checked at each change), false after the timeout. */
  function waitUntil(ready: () => boolean, timeoutInMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const waiter: Waiter = {
        check: () => {
          if (ready()) finish(true)
        },
        cancel: () => finish(false),
      }
      const timer = setTimeout(() => finish(false), timeoutInMs)
      function finish(outcome: boolean): void {
        clearTimeout(timer)
        waiters.delete(waiter)
        resolve(outcome)
      }
      waiters.add(waiter)
    })
  }

  /** The stored tokens, when they are newer than this tab's and not behind the shared counter. */
  function storedTokens(): { generation: number; tokens: SessionTokens } | undefined {
    const stored = parseGeneration(readItem(kept, keys.tokens))
    if (stored === undefined || stored.generation <= generation) return undefined
    return stored.generation >= sharedGeneration() ? stored : undefined
  }

  /** The token to use now, or undefined when a refresh is needed (and possible). */
  function usable(current: SessionTokens): AccessToken | undefined | 'refresh' {
    if (!isDue(current, nowInSeconds(), settings.leeway)) return current.accessToken
    if (current.refreshToken !== undefined) return 'refresh'
    return isExpired(current, nowInSeconds()) ? undefined : current.accessToken
  }

  async function refreshUnderLock(): Promise<AccessToken | undefined> {
    if (settings.persist === 'local') {
      const stored = storedTokens()
      if (stored !== undefined) {
        apply(
          stored.tokens,
          stored.generation,
          tokens === undefined ? 'signed-in' : 'refreshed',
          true,
        )
      }
    }
    const ahead = Math.max(sharedGeneration(), await marks.latest())
    if (ahead > generation && !(await waitUntil(() => generation >= ahead, settings.syncTimeout))) {
      throw new TransportError(
        'SESSION_SYNC_TIMEOUT',
        `another tab changed the session (change ${ahead}, this tab has ${generation}) but its tokens did not reach this tab within ${settings.syncTimeout} ms; not refreshing with a refresh token that may have been rotated away`,
      )
    }
    const current = tokens
    if (current === undefined) return undefined
    const ready = usable(current)
    if (ready !== 'refresh') return ready
    if (current.refreshToken === undefined) return undefined
    if (current.dpopJkt !== undefined && current.dpopJkt !== dpop?.thumbprint) {
      throw keyMismatch(dpop)
    }
    const started = generation
    let refreshed: RefreshResult
    try {
      refreshed = await refresher.refresh(current.refreshToken, current.idTokenClaims, dpop)
    } catch (error) {
      if (generation !== started) return tokens?.accessToken
      if (isRefused(error)) {
        publish(undefined, 'ended')
        await marks.mark(generation)
        return undefined
      }
      throw error
    }
    // signed out, or signed in anew, while the OP answered: those tokens win
    if (generation !== started) return tokens?.accessToken
    const next: SessionTokens = {
      idToken: refreshed.idToken ?? current.idToken,
      idTokenClaims: refreshed.idTokenClaims ?? current.idTokenClaims,
      accessToken: refreshed.accessToken,
      refreshToken: refreshed.refreshToken,
      ...boundTo(refreshed.accessToken),
    }
    publish(next, 'refreshed')
    await marks.mark(generation) // before the refresh lock is released
    return next.accessToken
  }

  return {
    signedIn(result) {
      if (result?.accessToken?.type === 'DPoP' && dpop === undefined) throw keyMismatch(dpop)
      const next = readSessionTokens({
        idToken: result?.idToken,
        idTokenClaims: result?.idTokenClaims,
        accessToken: result?.accessToken,
        refreshToken: result?.refreshToken,
        ...boundTo(result?.accessToken),
      })
      if (next === undefined) {
        throw invalidArgument('result', "handleCallback's result (an ID token and its claims)")
      }
      publish(next, 'signed-in')
    },
    async accessToken() {
      if (tokens === undefined) return undefined
      const ready = usable(tokens)
      if (ready !== 'refresh') return ready
      if (flight === undefined) {
        const started = locks.request(name, { mode: 'exclusive' }, refreshUnderLock)
        flight = started.finally(() => {
          flight = undefined
        })
      }
      return flight
    },
    get user() {
      return tokens?.idTokenClaims
    },
    get idToken() {
      return tokens?.idToken
    },
    get isSignedIn() {
      return tokens !== undefined
    },
    async restore(timeoutInMs = 250) {
      if (!(typeof timeoutInMs === 'number' && Number.isFinite(timeoutInMs) && timeoutInMs >= 0)) {
        throw invalidArgument('timeoutInMs', 'a non-negative number of milliseconds')
      }
      if (tokens !== undefined) return true
      const stored = storedTokens()
      if (stored !== undefined) {
        apply(stored.tokens, stored.generation, 'signed-in', false)
        return true
      }
      if (channel === undefined) return false
      post({ kind: 'ask' })
      return waitUntil(() => tokens !== undefined, timeoutInMs)
    },
    async signOut() {
      publish(undefined, 'signed-out')
    },
    onChange(listener) {
      const own = (change: SessionChange) => listener(change)
      listeners.add(own)
      return () => {
        listeners.delete(own)
      }
    },
    close() {
      channel?.close()
      channel = undefined
      marks.release()
      for (const waiter of waiters) waiter.cancel()
      listeners.clear()
    },
  }
}

interface Waiter {
  check(): void
  cancel(): void
}

/**
 * The refusal to use tokens bound to a DPoP key without a handle of that key.
 *
 * Without it the OP refuses a public client's refresh token (RFC 9449 §5), which would end the
 * session in every tab; a tab that lacks the key is the application's fault.
 */
function keyMismatch(dpop: DPoPHandle | undefined): UsageError {
  return new UsageError(
    'DPOP_KEY_MISMATCH',
    dpop === undefined
      ? "the session's tokens are bound to a DPoP key: give createBrowserSession the handle of that key (the one the sign-in used)"
      : "the session's tokens are bound to another DPoP key than the dpop option's: every tab needs a handle of the same key pair (kept in IndexedDB)",
    { parameter: 'dpop' },
  )
}

/** The OP refused the refresh token itself: expired, revoked, or already used. */
function isRefused(error: unknown): boolean {
  return (
    error instanceof OAuthResponseError &&
    error.code === 'TOKEN_ERROR_RESPONSE' &&
    error.error === 'invalid_grant'
  )
}

/** How a session refreshes its tokens and reads the time, whichever configuration it has. */
interface SessionRefresher {
  readonly now: () => number
  refresh(
    refreshToken: string,
    original: IdTokenClaims,
    dpop: DPoPHandle | undefined,
  ): Promise<RefreshResult>
}

/** A page's configuration refreshes with this entry's {@link refreshTokens}. */
function pageSessionRefresher(
  config: PageConfiguration,
  options: BrowserSessionOptions,
): SessionRefresher {
  if (options.dpop !== undefined) {
    throw invalidArgument('dpop', "absent: a page's lean sign-in binds no token (use oidc-rp/core)")
  }
  if (options.refreshTokens !== undefined) {
    throw invalidArgument('refreshTokens', "absent: a page's configuration refreshes by itself")
  }
  return {
    now: pageRuntimeOf(config).now,
    refresh: (refreshToken, original) => refreshTokens(config, refreshToken, { original }),
  }
}

/** The core's configuration refreshes with the core's `refreshTokens`, given as an option. */
function coreSessionRefresher(
  config: Configuration,
  options: BrowserSessionOptions,
): SessionRefresher {
  const refresh = options.refreshTokens
  if (typeof refresh !== 'function') {
    throw invalidArgument(
      'refreshTokens',
      "oidc-rp/core's refreshTokens, with a configuration of oidc-rp/core",
    )
  }
  return {
    now: Date.now,
    refresh: (refreshToken, original, dpop) =>
      refresh(config, refreshToken, { original, ...(dpop === undefined ? {} : { dpop }) }),
  }
}
