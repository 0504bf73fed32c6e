/**
 * Sessions the RP keeps after a sign-in, so the OP can end them (back- and front-channel logout)
 * and RP-initiated logout can send `id_token_hint`: the {@link SessionStore} contract, an in-memory
 * store, and {@link recordSession}.
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { RUNTIME } from './config/runtime.js'
import { UsageError } from './errors.js'
import type { IdTokenClaims } from './id-token.js'
import { randomBase64url } from './lib/random.js'
import { callStore } from './lib/store-call.js'

/**
 * One signed-in session at the RP, keyed by its {@link Session.id}.
 * @group Sessions
 */
export interface Session {
  /** The session id: 256 bits from the CSPRNG, base64url. What the application's cookie refers to. */
  readonly id: string
  /** The OP's issuer. */
  readonly iss: string
  /** The end-user's `sub` at the OP. */
  readonly sub: string
  /** The OP's session id (`sid` of the ID token), when the OP sent one. */
  readonly sid?: string
  /** The client the session belongs to. */
  readonly clientId: string
  /** The raw ID token, for `id_token_hint` at RP-initiated logout. Never log it. */
  readonly idToken: string
  /** When the session was recorded, in seconds since the epoch. */
  readonly createdAt: number
  /** When the session expires, in seconds since the epoch. */
  readonly expiresAt: number
}

/**
 * Where sessions live, indexed for logout: by id, and by `sid` or `sub` for an issuer. Two stores
 * ship: {@link createMemorySessionStore} (one process) and `createRedisSessionStore` from
 * `oidc-rp/redis` (many machines).
 * @group Sessions
 */
export interface SessionStore {
  /**
   * Saves a session for `ttlInSeconds` (replacing one with the same id).
   * @param session - the session
   * @param ttlInSeconds - how long to keep it
   */
  set(session: Session, ttlInSeconds: number): Promise<void>
  /**
   * Reads a session.
   * @param sessionId - its id
   * @returns the session, or `undefined` when unknown or expired
   */
  get(sessionId: string): Promise<Session | undefined>
  /**
   * Deletes a session, atomically: of two racing deletes, one returns true.
   * @param sessionId - its id
   * @returns true when this call removed it
   */
  delete(sessionId: string): Promise<boolean>
  /**
   * Lists the unexpired sessions of an OP session.
   * @param iss - the issuer
   * @param sid - the OP's session id
   * @returns the sessions (possibly several clients or devices)
   */
  findBySid(iss: string, sid: string): Promise<Session[]>
  /**
   * Lists the unexpired sessions of an end-user at an issuer.
   * @param iss - the issuer
   * @param sub - the end-user's `sub`
   * @returns the sessions
   */
  findBySub(iss: string, sub: string): Promise<Session[]>
}

/**
 * Options of {@link recordSession}.
 * @group Sessions
 */
export interface RecordSessionOptions {
  /** How long the session lasts at the RP, in seconds. Default 28,800 (8 hours). */
  readonly ttlInSeconds?: number
}

/** The default session lifetime: 8 hours. */
const DEFAULT_SESSION_TTL = 8 * 60 * 60

/**
 * Records a session after a successful sign-in: a fresh session id from the CSPRNG, the ID token's
 * `iss`, `sub` and `sid`, and the raw ID token for `id_token_hint`. The application puts the
 * session id in its own cookie.
 * @param config - the configuration the sign-in used
 * @param store - where sessions live
 * @param result - the sign-in result (only `idToken` and `idTokenClaims` are read)
 * @param options - the session lifetime
 * @returns the session id and the session saved
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the result is not a validated sign-in of this
 * configuration's issuer, or the TTL is not a positive number
 * @throws {@link TransportError} `STORE_ERROR` when the session store fails
 * @see {@link https://openid.net/specs/openid-connect-backchannel-1_0.html#RPLogout | Back-Channel Logout §2.3}
 * @example
 * ```ts
 * const result = await handleCallback(config, request) // reads the browser-binding cookie
 * const { sessionId } = await recordSession(config, sessions, result)
 * // Set-Cookie: sid=<sessionId>; HttpOnly; Secure; SameSite=Lax; Path=/
 * ```
 * @group Sessions
 */
export async function recordSession(
  config: Configuration,
  store: SessionStore,
  result: {
    readonly idToken: string
    readonly idTokenClaims: Pick<IdTokenClaims, 'iss' | 'sub' | 'sid'>
  },
  options: RecordSessionOptions = {},
): Promise<{ sessionId: string; session: Session }> {
  const ttl = options.ttlInSeconds ?? DEFAULT_SESSION_TTL
  if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
    throw new UsageError('INVALID_ARGUMENT', 'ttlInSeconds must be a positive number', {
      parameter: 'ttlInSeconds',
    })
  }
  const claims = result?.idTokenClaims
  if (
    typeof result?.idToken !== 'string' ||
    claims?.iss !== config.issuer ||
    typeof claims.sub !== 'string' ||
    claims.sub === ''
  ) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `result must be a sign-in result of ${config.issuer} (idToken and idTokenClaims with iss and sub)`,
      { parameter: 'result' },
    )
  }
  const now = Math.floor(config[RUNTIME].now() / 1000)
  const session: Session = {
    id: randomBase64url(32),
    iss: claims.iss,
    sub: claims.sub,
    ...(typeof claims.sid === 'string' && claims.sid !== '' ? { sid: claims.sid } : {}),
    clientId: config.client.client_id,
    idToken: result.idToken,
    createdAt: now,
    expiresAt: now + Math.ceil(ttl),
  }
  await callStore('session store set', () => store.set(session, Math.ceil(ttl)))
  return { sessionId: session.id, session }
}

/**
 * Options of {@link createMemorySessionStore}.
 * @group Sessions
 */
export interface MemorySessionStoreOptions {
  /** The most sessions kept at once; the oldest is evicted first. Default 100,000. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

interface Entry {
  readonly session: Session
  readonly expiresAtMs: number
}

/**
 * An in-memory {@link SessionStore} for one process: bounded, with TTL, indexed by `sid` and `sub`.
 * Behind a load balancer use a shared one (`createRedisSessionStore` from `oidc-rp/redis`): the OP's
 * back-channel logout may reach another machine than the one that signed the user in.
 * @param options - size bound and clock
 * @returns the store
 * @throws {@link UsageError} `INVALID_ARGUMENT` when `maxEntries` is not a positive integer (and
 * from `set` when the TTL is not positive)
 * @group Sessions
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new UsageError('INVALID_ARGUMENT', 'maxEntries must be a positive integer', {
      parameter: 'maxEntries',
    })
  }
  const now = options.now ?? Date.now
  // Insertion order: the first entry is the oldest.
  const entries = new Map<string, Entry>()
  const bySid = new Map<string, Set<string>>()
  const bySub = new Map<string, Set<string>>()

  const index = (map: Map<string, Set<string>>, key: string, id: string) => {
    let ids = map.get(key)
    if (ids === undefined) {
      ids = new Set()
      map.set(key, ids)
    }
    ids.add(id)
  }
  const unindex = (map: Map<string, Set<string>>, key: string, id: string) => {
    const ids = map.get(key)
    ids?.delete(id)
    if (ids?.size === 0) map.delete(key)
  }
  const remove = (id: string): boolean => {
    const entry = entries.get(id)
    if (entry === undefined) return false
    entries.delete(id)
    const { session } = entry
    if (session.sid !== undefined) unindex(bySid, indexKey(session.iss, session.sid), id)
    unindex(bySub, indexKey(session.iss, session.sub), id)
    return true
  }
  const live = (ids: Set<string> | undefined): Session[] => {
    const at = now()
    const found: Session[] = []
    for (const id of ids ?? []) {
      const entry = entries.get(id)
      if (entry !== undefined && entry.expiresAtMs > at) found.push(entry.session)
    }
    return found
  }

  return {
    async set(session, ttlInSeconds) {
      if (!(ttlInSeconds > 0)) {
        throw new UsageError('INVALID_ARGUMENT', 'ttlInSeconds must be positive', {
          parameter: 'ttlInSeconds',
        })
      }
      const at = now()
      remove(session.id)
      // Sweep from the oldest end: expired entries, then one more when the bound is reached.
      for (const [oldest, entry] of entries) {
        if (entry.expiresAtMs > at && entries.size < maxEntries) break
        remove(oldest)
      }
      entries.set(session.id, { session, expiresAtMs: at + ttlInSeconds * 1000 })
      if (session.sid !== undefined) index(bySid, indexKey(session.iss, session.sid), session.id)
      index(bySub, indexKey(session.iss, session.sub), session.id)
    },
    async get(sessionId) {
      const entry = entries.get(sessionId)
      return entry !== undefined && entry.expiresAtMs > now() ? entry.session : undefined
    },
    async delete(sessionId) {
      const entry = entries.get(sessionId)
      const wasLive = entry !== undefined && entry.expiresAtMs > now()
      remove(sessionId)
      return wasLive
    },
    async findBySid(iss, sid) {
      return live(bySid.get(indexKey(iss, sid)))
    },
    async findBySub(iss, sub) {
      return live(bySub.get(indexKey(iss, sub)))
    },
  }
}

/** The index key of an issuer and a `sid` or `sub` (a newline cannot occur in an issuer URL). */
function indexKey(iss: string, value: string): string {
  return `${iss}\n${value}`
}

/**
 * Ends the sessions of a client that an OP logout names: those of the `sid` (with the same `sub`
 * when both are given), else every session of the `sub`.
 * @param store - the session store
 * @param target - issuer, client, and the logout's `sid` and/or `sub`
 * @returns the sessions this call removed
 * @throws {@link TransportError} `STORE_ERROR` when the session store fails
 * @internal
 */
export async function endSessions(
  store: SessionStore,
  target: {
    readonly iss: string
    readonly clientId: string
    readonly sid?: string | undefined
    readonly sub?: string | undefined
  },
): Promise<Session[]> {
  const { iss, clientId, sid, sub } = target
  let found: Session[]
  if (sid !== undefined) {
    found = (await callStore('session store findBySid', () => store.findBySid(iss, sid))).filter(
      (s) => sub === undefined || s.sub === sub,
    )
  } else if (sub !== undefined) {
    found = await callStore('session store findBySub', () => store.findBySub(iss, sub))
  } else {
    return []
  }
  const mine = found.filter((s) => s.clientId === clientId && s.iss === iss)
  const removed = await Promise.all(
    mine.map((s) => callStore('session store delete', () => store.delete(s.id))),
  )
  return mine.filter((_, i) => removed[i])
}
