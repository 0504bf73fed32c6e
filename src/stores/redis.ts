/**
 * `oidc-rp/redis`.
 *
 * The transaction store, the session store and the replay guard over a Redis client the application
 * passes in (node-redis 4+ or ioredis; no dependency is added), so RPs behind a load balancer share
 * them. Every step that must happen once is one atomic Redis command (`GETDEL`, `SET … NX`) or one
 * Lua script.
 *
 * Keys are `<prefix>tx:<state>`, `<prefix>session:<id>`, `<prefix>sid:<iss> <sid>`,
 * `<prefix>sub:<iss> <sub>`, `<prefix>lock:<id>`, `<prefix>replay:<value>` and the hash
 * `<prefix>connections` (the connection store). Needs Redis 6.2
 * or later (`GETDEL`).
 * On Redis Cluster, give a prefix with a hash tag (`{oidc}:`) so a session's keys share a slot.
 *
 * Every expiry sent to Redis is a whole number of seconds between 1 and a year, so no input can
 * make Redis refuse it; every Redis failure reaches the caller as `TransportError` `STORE_ERROR`
 * (its `cause` without the command's arguments).
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisReplayGuard, createRedisSessionStore, createRedisTransactionStore } from 'oidc-rp/redis'
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect()
 * const config = await discover(issuer, client, { store: createRedisTransactionStore(redis) })
 * const sessions = createRedisSessionStore(redis)
 * const replayGuard = createRedisReplayGuard(redis)
 * ```
 * @module
 */
import { TransportError } from '../errors.js'
import { invalidArgument, positiveTtl } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'
import { randomBase64url } from '../lib/random.js'
import { storeFailure } from '../lib/store-call.js'
import type {
  ConnectionRecord,
  ConnectionStore,
  ReplayGuard,
  Session,
  SessionStore,
  Transaction,
  TransactionStore,
} from '../storage.js'

/**
 * The node-redis (v4 and later) methods the stores call. A connected `createClient()` fits.
 * @group Redis
 */
export interface NodeRedisClient {
  /** `SET key value EX ttl [NX]`. */
  set(key: string, value: string, options: { EX: number; NX?: true }): Promise<unknown>
  /** `GET key`. */
  get(key: string): Promise<unknown>
  /** `GETDEL key` (Redis 6.2+). */
  getDel(key: string): Promise<unknown>
  /** `EVAL script numkeys keys… args…`. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

/**
 * The ioredis methods the stores call. A `new Redis()` fits.
 * @group Redis
 */
export interface IoRedisClient {
  /** `SET key value EX ttl [NX]`. */
  set(key: string, value: string, mode: 'EX', ttl: number, condition?: 'NX'): Promise<unknown>
  /** `GET key`. */
  get(key: string): Promise<unknown>
  /** `GETDEL key` (Redis 6.2+). */
  getdel(key: string): Promise<unknown>
  /** `EVAL script numkeys keys… args…`. */
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>
}

/**
 * A Redis client of either shape.
 *
 * Node-redis (`getDel`, options objects) or ioredis (`getdel`, positional arguments). The shape is
 * told by which `getdel` method the client has.
 *
 * @group Redis
 */
export type RedisClient = NodeRedisClient | IoRedisClient

/**
 * Options of the Redis stores.
 * @group Redis
 */
export interface RedisStoreOptions {
  /** The prefix of every key. Default `oidc-rp:`. */
  readonly prefix?: string
  /**
   * Clock in milliseconds since the epoch (the replay guard turns expiry times into TTLs).
   *
   * Default `Date.now`.
   */
  readonly now?: () => number
}

/**
 * Options of {@link createRedisSessionStore}: the key prefix and the lock's timings.
 * @group Redis
 */
export interface RedisSessionStoreOptions extends RedisStoreOptions {
  /**
   * How long a session's lock lasts when its holder never releases it (a crashed machine).
   *
   * In seconds. Longer than the work done under the lock (a token refresh): once it passes,
   * another caller may take the lock while the first still works. Default 10.
   */
  readonly lockTtlInSeconds?: number
  /**
   * How long `withLock` waits for a lock another caller holds before it gives up.
   *
   * In seconds; then it throws `TransportError` `SESSION_LOCK_TIMEOUT`. Default 10.
   */
  readonly lockWaitInSeconds?: number
}

/** The longest expiry sent to Redis, in seconds (a year): far below what Redis can represent. */
const MAX_TTL = 365 * 24 * 60 * 60
/** The first pause between two attempts to take a lock, in milliseconds; it doubles from there. */
const FIRST_POLL_MS = 5
/** The longest pause between two attempts to take a lock, in milliseconds. */
const MAX_POLL_MS = 200

/** The few commands the stores need, whatever the client's shape. */
interface Commands {
  set(key: string, value: string, ttl: number, onlyIfNew: boolean): Promise<boolean>
  get(key: string): Promise<string | undefined>
  getdel(key: string): Promise<string | undefined>
  eval(script: string, keys: string[], args: string[]): Promise<unknown>
}

function commandsOf(client: RedisClient): Commands {
  const commands = clientCommands(client)
  const typed =
    <A extends unknown[], R>(name: string, command: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await command(...args)
      } catch (err) {
        throw storeFailure(`Redis ${name}`, err)
      }
    }
  return {
    set: typed('SET', commands.set),
    get: typed('GET', commands.get),
    getdel: typed('GETDEL', commands.getdel),
    eval: typed('EVAL', commands.eval),
  }
}

function clientCommands(client: RedisClient): Commands {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  if (typeof (client as NodeRedisClient)?.getDel === 'function') {
    const c = client as NodeRedisClient
    return {
      set: async (key, value, ttl, onlyIfNew) =>
        (await c.set(key, value, onlyIfNew ? { EX: ttl, NX: true } : { EX: ttl })) !== null,
      get: async (key) => text(await c.get(key)),
      getdel: async (key) => text(await c.getDel(key)),
      eval: (script, keys, args) => c.eval(script, { keys, arguments: args }),
    }
  }
  if (typeof (client as IoRedisClient)?.getdel === 'function') {
    const c = client as IoRedisClient
    return {
      set: async (key, value, ttl, onlyIfNew) =>
        (await (onlyIfNew ? c.set(key, value, 'EX', ttl, 'NX') : c.set(key, value, 'EX', ttl))) !==
        null,
      get: async (key) => text(await c.get(key)),
      getdel: async (key) => text(await c.getdel(key)),
      eval: (script, keys, args) => c.eval(script, keys.length, ...keys, ...args),
    }
  }
  throw invalidArgument(
    'client',
    'a node-redis client (with getDel) or an ioredis client (with getdel)',
  )
}

function prefixOf(options: RedisStoreOptions): string {
  const prefix = options.prefix ?? 'oidc-rp:'
  if (typeof prefix !== 'string') {
    throw invalidArgument('prefix', 'a string')
  }
  return prefix
}

/** Whole seconds, at least 1 and at most {@link MAX_TTL}. */
function clampTtl(seconds: number): number {
  return Math.min(MAX_TTL, Math.max(1, Math.ceil(seconds)))
}

function parse(json: string | undefined): Record<string, unknown> | undefined {
  if (json === undefined) return undefined
  try {
    const value: unknown = JSON.parse(json)
    return isPlainObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * A {@link TransactionStore} over Redis.
 *
 * `set` is `SET <prefix>tx:<state> <JSON> EX <ttl>`, `take` is `GETDEL`, so of any number of racing
 * callbacks on any number of machines exactly one gets the transaction.
 *
 * @param client - a connected node-redis or ioredis client
 * @param options - key prefix
 * @returns the store (its `set` returns no handle)
 * @throws `UsageError` `INVALID_ARGUMENT` for a client of neither shape or a bad prefix (and
 * from `set` when the TTL is not positive); its methods throw `TransportError` `STORE_ERROR` when
 * Redis fails
 * @group Redis
 */
export function createRedisTransactionStore(
  client: RedisClient,
  options: RedisStoreOptions = {},
): TransactionStore {
  const redis = commandsOf(client)
  const prefix = `${prefixOf(options)}tx:`
  return {
    async set(transaction, ttlInSeconds) {
      const ttl = clampTtl(positiveTtl(ttlInSeconds))
      await redis.set(prefix + transaction.state, JSON.stringify(transaction), ttl, false)
      return undefined
    },
    async take(state) {
      if (typeof state !== 'string' || state === '') return undefined
      const tx = parse(await redis.getdel(prefix + state))
      return tx?.state === state ? (tx as unknown as Transaction) : undefined
    },
  }
}

/**
 * A {@link ReplayGuard} over Redis.
 *
 * `SET <prefix>replay:<value> 1 EX <ttl> NX`, true only for the first claim on any machine. Use it
 * for logout-token `jti`s (`handleBackChannelLogout`'s `replayGuard`) and for the sealed store's
 * states (`createSealedTransactionStore`'s `replayGuard`).
 *
 * @param client - a connected node-redis or ioredis client
 * @param options - key prefix and clock
 * @returns the guard (its expiry is clamped to between 1 s and a year from now)
 * @throws `UsageError` `INVALID_ARGUMENT` for a client of neither shape or a bad prefix (and from
 * `claim` when `expiresAt` is not a number); `claim` throws `TransportError` `STORE_ERROR` when
 * Redis fails
 * @group Redis
 */
export function createRedisReplayGuard(
  client: RedisClient,
  options: RedisStoreOptions = {},
): ReplayGuard {
  const redis = commandsOf(client)
  const prefix = `${prefixOf(options)}replay:`
  const now = options.now ?? Date.now
  return {
    claim(value, expiresAt) {
      if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
        throw invalidArgument('expiresAt', 'a number of seconds')
      }
      return redis.set(prefix + value, '1', clampTtl(expiresAt - now() / 1000), true)
    },
  }
}

/**
 * Saves a session and adds it to its indexes, all at once. KEYS: session, sub index[, sid index].
 */
const SET_SESSION = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1`
/** Removes a session id from its indexes. */
const UNINDEX = `
for i = 1, #KEYS do redis.call('SREM', KEYS[i], ARGV[1]) end
return 1`
const MEMBERS = `return redis.call('SMEMBERS', KEYS[1])`
const MGET = `return redis.call('MGET', unpack(KEYS))`
/** Takes a lock when it is free. KEYS: the lock; ARGV: the holder's token, the TTL in ms. */
const LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`
/** Releases a lock, only when it still holds the token given. KEYS: the lock; ARGV: the token. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`
/** At most this many sessions are read per MGET. */
const BATCH = 200

/**
 * A {@link SessionStore} over Redis.
 *
 * Each session a JSON value with its TTL, indexed by sets per issuer and `sid` / `sub` (written in
 * one Lua script with the session). `delete` is `GETDEL`, so of racing logouts exactly one reports
 * the session ended; stale index entries are dropped when found. The session's `data` is kept
 * with it.
 *
 * `withLock` holds `<prefix>lock:<id>` across every machine sharing the database: taken with
 * `SET … <random token> NX PX <lockTtl>` (tried again after a short, growing pause while another
 * holds it), released by a script that deletes the key only while it still holds this caller's
 * token, so a caller whose lock expired never releases the next holder's. A failed release is
 * ignored: the lock then ends with its TTL.
 *
 * @param client - a connected node-redis or ioredis client
 * @param options - key prefix and the lock's timings
 * @returns the store
 * @throws `UsageError` `INVALID_ARGUMENT` for a client of neither shape, a bad prefix or lock
 * timing (and from `set` when the TTL is not positive or `data` is not a JSON object; from
 * `withLock` when the session id is not a non-empty string or `fn` not a function); its methods
 * throw `TransportError` `STORE_ERROR` when Redis fails, and `withLock` throws `TransportError`
 * `SESSION_LOCK_TIMEOUT` when the lock stays taken past `lockWaitInSeconds`
 * @group Redis
 */
export function createRedisSessionStore(
  client: RedisClient,
  options: RedisSessionStoreOptions = {},
): SessionStore {
  const redis = commandsOf(client)
  const prefix = prefixOf(options)
  const lockTtlMs = millisecondsOf('lockTtlInSeconds', options.lockTtlInSeconds ?? 10)
  const lockWaitInSeconds = positiveTtl(options.lockWaitInSeconds ?? 10, 'lockWaitInSeconds')
  const lockWaitMs = millisecondsOf('lockWaitInSeconds', lockWaitInSeconds)
  const sessionKey = (id: string) => `${prefix}session:${id}`
  const lockKey = (id: string) => `${prefix}lock:${id}`
  const subKey = (iss: string, sub: string) => `${prefix}sub:${iss} ${sub}`
  const sidKey = (iss: string, sid: string) => `${prefix}sid:${iss} ${sid}`
  const indexKeys = (s: Session) => [
    subKey(s.iss, s.sub),
    ...(s.sid === undefined ? [] : [sidKey(s.iss, s.sid)]),
  ]

  const find = async (
    index: string,
    matches: (session: Session) => boolean,
  ): Promise<Session[]> => {
    const ids = await redis.eval(MEMBERS, [index], [])
    if (!Array.isArray(ids) || ids.length === 0) return []
    const found: Session[] = []
    const stale: string[] = []
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH).map(String)
      const values = await redis.eval(MGET, batch.map(sessionKey), [])
      batch.forEach((id, j) => {
        const session = toSession(Array.isArray(values) ? values[j] : undefined)
        if (session?.id === id && matches(session)) found.push(session)
        else stale.push(id)
      })
    }
    for (const id of stale) await redis.eval(UNINDEX, [index], [id])
    return found
  }

  return {
    async set(session, ttlInSeconds) {
      const ttl = clampTtl(positiveTtl(ttlInSeconds))
      const json = sessionJson(session)
      const keys = [sessionKey(session.id), ...indexKeys(session)]
      await redis.eval(SET_SESSION, keys, [json, String(ttl), session.id])
    },
    async get(sessionId) {
      if (typeof sessionId !== 'string' || sessionId === '') return undefined
      const session = toSession(await redis.get(sessionKey(sessionId)))
      return session?.id === sessionId ? session : undefined
    },
    async delete(sessionId) {
      if (typeof sessionId !== 'string' || sessionId === '') return false
      const json = await redis.getdel(sessionKey(sessionId))
      if (json === undefined) return false
      const session = toSession(json)
      if (session !== undefined) await redis.eval(UNINDEX, indexKeys(session), [sessionId])
      return true
    },
    findBySid(iss, sid) {
      return find(sidKey(iss, sid), (s) => s.iss === iss && s.sid === sid)
    },
    findBySub(iss, sub) {
      return find(subKey(iss, sub), (s) => s.iss === iss && s.sub === sub)
    },
    async withLock<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
      if (typeof sessionId !== 'string' || sessionId === '') {
        throw invalidArgument('sessionId', 'a non-empty string')
      }
      if (typeof fn !== 'function') throw invalidArgument('fn', 'a function')
      const key = lockKey(sessionId)
      const token = randomBase64url(16)
      // Real time, whatever `now` says: this is how long the caller really waits.
      const deadline = performance.now() + lockWaitMs
      for (let pause = FIRST_POLL_MS; ; pause = Math.min(MAX_POLL_MS, pause * 2)) {
        if ((await redis.eval(LOCK, [key], [token, String(lockTtlMs)])) === 1) break
        const left = deadline - performance.now()
        if (left <= 0) {
          throw new TransportError(
            'SESSION_LOCK_TIMEOUT',
            `the session's lock stayed taken for ${lockWaitInSeconds} s (lockWaitInSeconds)`,
          )
        }
        // Jittered, so callers that wait together do not retry together.
        await sleep(Math.min(left, pause / 2 + (Math.random() * pause) / 2))
      }
      try {
        return await fn()
      } finally {
        await redis.eval(UNLOCK, [key], [token]).catch(() => {
          // Redis failed: the lock ends with its TTL, and fn's outcome stands.
        })
      }
    },
  }
}

/** Waits `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A lock timing in whole milliseconds, between 1 ms and a year.
 * @param name - the option
 * @param seconds - its value
 * @returns the milliseconds
 * @throws `UsageError` `INVALID_ARGUMENT` when it is not a positive number
 */
function millisecondsOf(name: string, seconds: unknown): number {
  return Math.min(MAX_TTL * 1000, Math.max(1, Math.ceil(positiveTtl(seconds, name) * 1000)))
}

/**
 * The JSON of a session, as stored.
 * @param session - the session passed to `set`
 * @returns its JSON
 * @throws `UsageError` `INVALID_ARGUMENT` when `data` is not a JSON object
 */
function sessionJson(session: Session): string {
  if (session.data !== undefined && !isPlainObject(session.data)) {
    throw invalidArgument('session.data', 'a JSON object')
  }
  try {
    return JSON.stringify(session)
  } catch {
    // A cycle, a BigInt, or nesting too deep for the stack.
    throw invalidArgument('session.data', 'JSON-serialisable')
  }
}

function toSession(value: unknown): Session | undefined {
  const s = parse(typeof value === 'string' ? value : undefined)
  const ok =
    s !== undefined &&
    typeof s.id === 'string' &&
    typeof s.iss === 'string' &&
    typeof s.sub === 'string' &&
    (s.sid === undefined || typeof s.sid === 'string') &&
    typeof s.clientId === 'string' &&
    typeof s.idToken === 'string' &&
    typeof s.createdAt === 'number' &&
    typeof s.expiresAt === 'number' &&
    (s.data === undefined || isPlainObject(s.data))
  return ok ? (s as unknown as Session) : undefined
}

/** Writes a connection if the stored revision is the one before (0: none). */
const PUT_CONNECTION = `local current = redis.call('HGET', KEYS[1], ARGV[1])
local revision = 0
if current then revision = cjson.decode(current).revision end
if revision ~= tonumber(ARGV[3]) - 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`

/**
 * A {@link ConnectionStore} over Redis, shared by every machine of a connection registry.
 *
 * One hash, `<prefix>connections`, a field per connection id holding its record's JSON (never a
 * credential). `put` compares the revision and writes in one Lua script, so of two administrators
 * editing one connection at once, the second is told to read it again.
 *
 * @param client - a connected node-redis or ioredis client
 * @param options - key prefix
 * @returns the store
 * @throws `UsageError` `INVALID_ARGUMENT` for a client of neither shape or a bad prefix; its
 * methods throw `TransportError` `STORE_ERROR` when Redis fails or holds a record that is not one
 * @group Redis
 */
export function createRedisConnectionStore(
  client: RedisClient,
  options: RedisStoreOptions = {},
): ConnectionStore {
  const redis = commandsOf(client)
  const key = `${prefixOf(options)}connections`
  const record = (value: unknown): ConnectionRecord => {
    const parsed = parse(typeof value === 'string' ? value : undefined)
    if (
      parsed === undefined ||
      typeof parsed.id !== 'string' ||
      !isPlainObject(parsed.configuration)
    ) {
      throw new TransportError('STORE_ERROR', 'Redis holds a connection record that is not one')
    }
    return parsed as unknown as ConnectionRecord
  }
  return {
    async list() {
      const values = await redis.eval("return redis.call('HVALS', KEYS[1])", [key], [])
      return (Array.isArray(values) ? values : []).map(record)
    },
    async get(id) {
      const value = await redis.eval("return redis.call('HGET', KEYS[1], ARGV[1])", [key], [id])
      return typeof value === 'string' ? record(value) : undefined
    },
    async put(connection) {
      const args = [connection.id, JSON.stringify(connection), String(connection.revision)]
      return (await redis.eval(PUT_CONNECTION, [key], args)) === 1
    },
    async delete(id) {
      return (await redis.eval("return redis.call('HDEL', KEYS[1], ARGV[1])", [key], [id])) === 1
    },
  }
}
