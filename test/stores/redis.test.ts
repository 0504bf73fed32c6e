import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createClient } from 'redis'
import type { TransportError } from '../../src/errors.js'
import { handleBackChannelLogout } from '../../src/logout/back-channel.js'
import type { Session, Transaction } from '../../src/storage.js'
import {
  createRedisReplayGuard,
  createRedisSessionStore,
  createRedisTransactionStore,
  type IoRedisClient,
  type RedisClient,
} from '../../src/stores/redis.js'
import { createSealedTransactionStore } from '../../src/stores/sealed.js'
import { expectCode } from '../support/helpers.js'
import { createLogoutFixture } from '../support/logout.js'
import {
  type ConnectedRedis,
  type NodeRedis,
  startConnectedRedis,
} from '../support/redis-server.js'
import { CLIENT_ID } from '../support/sign-in.js'

let server: ConnectedRedis
let redis: NodeRedis

before(async () => {
  server = await startConnectedRedis()
  redis = server.client
})

after(() => server?.stop())

/**
 * An ioredis-shaped client (`set(k, v, 'EX', ttl, 'NX')`, `getdel`, positional `eval`) over the
 * real node-redis connection, so both call shapes run against the real server.
 */
function ioredisShape(client: NodeRedis): IoRedisClient {
  return {
    set: (key, value, mode, ttl, condition) =>
      client.sendCommand(['SET', key, value, mode, String(ttl), ...(condition ? [condition] : [])]),
    get: (key) => client.get(key),
    getdel: (key) => client.sendCommand(['GETDEL', key]),
    eval: (script, numKeys, ...rest) =>
      client.sendCommand(['EVAL', script, String(numKeys), ...rest]),
  }
}

let prefixes = 0
/** A fresh key prefix, so tests never see each other's keys. */
const freshPrefix = () => `t${++prefixes}-${Date.now()}:`

function transaction(state: string): Transaction {
  return {
    state,
    issuer: 'https://op.example.com',
    clientId: 'rp',
    redirectUri: 'https://rp.example/cb',
    responseType: 'code',
    scope: 'openid',
    nonce: 'n-1',
    codeVerifier: 'v'.repeat(43),
    createdAt: 1,
    expiresAt: 601,
  }
}

function session(id: string, extra: Partial<Session> = {}): Session {
  return {
    id,
    iss: 'https://op.example.com',
    sub: 'alice',
    sid: 'op-1',
    clientId: 'rp',
    idToken: 'h.p.s',
    createdAt: 1,
    expiresAt: 2,
    ...extra,
  }
}

const shapes: [string, () => RedisClient][] = [
  ['node-redis', () => redis],
  ['ioredis', () => ioredisShape(redis)],
]

for (const [shape, client] of shapes) {
  describe(`Redis stores over a ${shape} client`, () => {
    test('the transaction store saves with the TTL and takes once', async () => {
      const prefix = freshPrefix()
      const store = createRedisTransactionStore(client(), { prefix })
      assert.equal(await store.set(transaction('s-1'), 600), undefined)
      const ttl = await redis.ttl(`${prefix}tx:s-1`)
      assert.ok(ttl > 590 && ttl <= 600, `TTL ${ttl}`)
      assert.deepEqual(await store.take('s-1'), transaction('s-1'))
      assert.equal(await store.take('s-1'), undefined)
      assert.equal(await store.take('never-set'), undefined)
      assert.equal(await redis.exists(`${prefix}tx:s-1`), 0)
    })

    test('of 1,000 concurrent takes of one state exactly one wins', async () => {
      const store = createRedisTransactionStore(client(), { prefix: freshPrefix() })
      await store.set(transaction('race'), 60)
      const taken = await Promise.all(Array.from({ length: 1000 }, () => store.take('race')))
      assert.equal(taken.filter((tx) => tx !== undefined).length, 1)
    })

    test('a transaction expires with its TTL; a corrupted value is treated as absent', async () => {
      const prefix = freshPrefix()
      const store = createRedisTransactionStore(client(), { prefix })
      await store.set(transaction('short'), 0.2)
      assert.ok(await redis.exists(`${prefix}tx:short`))
      await redis.pExpire(`${prefix}tx:short`, 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(await store.take('short'), undefined)
      await redis.set(`${prefix}tx:bad`, '{not json')
      assert.equal(await store.take('bad'), undefined)
      await redis.set(`${prefix}tx:other`, JSON.stringify(transaction('mismatch')))
      assert.equal(await store.take('other'), undefined)
      await expectCode(store.set(transaction('x'), 0), 'INVALID_ARGUMENT')
    })

    test('the replay guard claims a value once, until it expires', async () => {
      const prefix = freshPrefix()
      const now = Date.now()
      const guard = createRedisReplayGuard(client(), { prefix, now: () => now })
      assert.equal(await guard.claim('jti-1', now / 1000 + 120), true)
      assert.equal(await guard.claim('jti-1', now / 1000 + 120), false)
      assert.equal(await guard.claim('jti-2', now / 1000 + 120), true)
      const ttl = await redis.ttl(`${prefix}replay:jti-1`)
      assert.ok(ttl > 110 && ttl <= 120, `TTL ${ttl}`)
      assert.equal(await guard.claim('past', now / 1000 - 50), true)
      assert.ok((await redis.ttl(`${prefix}replay:past`)) <= 1)
      const claims = await Promise.all(
        Array.from({ length: 200 }, () => guard.claim('jti-race', now / 1000 + 60)),
      )
      assert.equal(claims.filter(Boolean).length, 1)
    })

    test('the session store gets, finds by sid and sub, and deletes once with its indexes', async () => {
      const prefix = freshPrefix()
      const store = createRedisSessionStore(client(), { prefix })
      await store.set(session('a'), 3600)
      await store.set(session('b', { sid: 'op-2' }), 60)
      await store.set(session('c', { sid: undefined }), 60)
      await store.set(session('d', { iss: 'https://other.example' }), 60)
      assert.deepEqual(await store.get('a'), session('a'))
      assert.equal(await store.get('zzz'), undefined)
      assert.deepEqual(
        (await store.findBySid('https://op.example.com', 'op-1')).map((s) => s.id),
        ['a'],
      )
      assert.deepEqual(
        (await store.findBySub('https://op.example.com', 'alice')).map((s) => s.id).sort(),
        ['a', 'b', 'c'],
      )
      const ttl = await redis.ttl(`${prefix}sid:https://op.example.com op-1`)
      assert.ok(ttl > 3500, `the index lives as long as its longest session (${ttl})`)
      const deletes = await Promise.all([store.delete('a'), store.delete('a'), store.delete('a')])
      assert.equal(deletes.filter(Boolean).length, 1)
      assert.equal(await store.get('a'), undefined)
      assert.deepEqual(await store.findBySid('https://op.example.com', 'op-1'), [])
      assert.equal(await redis.sIsMember(`${prefix}sid:https://op.example.com op-1`, 'a'), 0)
      assert.equal(await store.delete(''), false)
    })

    test('expired or replaced sessions are not found and their stale index entries are dropped', async () => {
      const prefix = freshPrefix()
      const store = createRedisSessionStore(client(), { prefix })
      await store.set(session('gone'), 60)
      await redis.del(`${prefix}session:gone`)
      await store.set(session('moved'), 60)
      await store.set(session('moved', { sid: 'op-9' }), 60)
      assert.deepEqual(await store.findBySid('https://op.example.com', 'op-1'), [])
      assert.deepEqual(await redis.sMembers(`${prefix}sid:https://op.example.com op-1`), [])
      assert.deepEqual(
        (await store.findBySid('https://op.example.com', 'op-9')).map((s) => s.id),
        ['moved'],
      )
      await redis.set(`${prefix}session:junk`, '[]')
      assert.equal(await store.get('junk'), undefined)
      await expectCode(store.set(session('x'), -1), 'INVALID_ARGUMENT')
    })

    test('a command Redis refuses (WRONGTYPE) is STORE_ERROR, its cause the Redis message; twin: the same calls on sound keys work', async () => {
      const prefix = freshPrefix()
      const transactions = createRedisTransactionStore(client(), { prefix })
      const sessions = createRedisSessionStore(client(), { prefix })
      await redis.sAdd(`${prefix}tx:wrong`, 'x')
      await redis.sAdd(`${prefix}session:wrong`, 'x')
      await redis.set(`${prefix}sid:https://op.example.com op-1`, 'not a set')
      for (const [name, call] of [
        ['take', () => transactions.take('wrong')],
        ['get', () => sessions.get('wrong')],
        ['set', () => sessions.set(session('s'), 60)],
        ['findBySid', () => sessions.findBySid('https://op.example.com', 'op-1')],
      ] as const) {
        const err = await expectCode<TransportError>(call(), 'STORE_ERROR')
        assert.match(String((err.cause as Error).message), /WRONGTYPE|wrong kind/i, name)
      }
      await redis.del([`${prefix}tx:wrong`, `${prefix}session:wrong`])
      await redis.del(`${prefix}sid:https://op.example.com op-1`)
      await transactions.set(transaction('wrong'), 60)
      assert.equal((await transactions.take('wrong'))?.state, 'wrong')
      await sessions.set(session('wrong'), 60)
      assert.equal((await sessions.get('wrong'))?.id, 'wrong')
      assert.deepEqual(
        (await sessions.findBySid('https://op.example.com', 'op-1')).map((x) => x.id),
        ['wrong'],
      )
    })

    test('expiries are clamped: a TTL of 1e300 s or an expiry 1e300 s away is kept a year, never a Redis error; twin: 600 s is 600 s', async () => {
      const prefix = freshPrefix()
      const now = Date.now()
      const year = 365 * 24 * 60 * 60
      const transactions = createRedisTransactionStore(client(), { prefix })
      const sessions = createRedisSessionStore(client(), { prefix })
      const guard = createRedisReplayGuard(client(), { prefix, now: () => now })
      await transactions.set(transaction('huge'), 1e300)
      await sessions.set(session('huge'), 1e300)
      assert.equal(await guard.claim('huge', 1e300), true)
      assert.equal(await guard.claim('infinite', Number.POSITIVE_INFINITY), true)
      for (const key of ['tx:huge', 'session:huge', 'replay:huge', 'replay:infinite']) {
        const ttl = await redis.ttl(`${prefix}${key}`)
        assert.ok(ttl > year - 10 && ttl <= year, `${key}: TTL ${ttl}`)
      }
      assert.equal(await guard.claim('past', Number.NEGATIVE_INFINITY), true)
      assert.ok((await redis.ttl(`${prefix}replay:past`)) <= 1)
      await expectCode(() => guard.claim('nan', Number.NaN), 'INVALID_ARGUMENT')
      await transactions.set(transaction('normal'), 600)
      const ttl = await redis.ttl(`${prefix}tx:normal`)
      assert.ok(ttl > 590 && ttl <= 600, `TTL ${ttl}`)
    })
  })
}

describe('Redis stores with the rest of the SDK', () => {
  test('a client of neither shape or a bad prefix is refused with INVALID_ARGUMENT', async () => {
    await expectCode(() => createRedisTransactionStore({} as never), 'INVALID_ARGUMENT')
    await expectCode(() => createRedisSessionStore({ get() {} } as never), 'INVALID_ARGUMENT')
    await expectCode(
      () => createRedisReplayGuard(redis, { prefix: 5 as never }),
      'INVALID_ARGUMENT',
    )
    assert.ok(createRedisReplayGuard(redis))
  })

  test('two sealed stores (two machines) sharing a Redis replay guard open one sealed value once', async () => {
    const replayGuard = createRedisReplayGuard(redis, { prefix: freshPrefix() })
    const keys = [crypto.getRandomValues(new Uint8Array(32))]
    const machineA = createSealedTransactionStore({ keys, replayGuard })
    const machineB = createSealedTransactionStore({ keys, replayGuard })
    const handle = await machineA.set(transaction('sealed'), 60)
    const takes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i % 2 ? machineA : machineB).take('sealed', handle)),
    )
    assert.equal(takes.filter((tx) => tx !== undefined).length, 1)
  })

  test('back-channel logout with the Redis session store and replay guard ends the session once', async () => {
    const sessions = createRedisSessionStore(redis, { prefix: freshPrefix() })
    const replayGuard = createRedisReplayGuard(redis, { prefix: freshPrefix() })
    const f = await createLogoutFixture({ sessions })
    const { sessionId } = await f.signInSession('op-redis-1')
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: 'op-redis-1' })
    const body = new URLSearchParams({ logout_token: token })
    const first = await handleBackChannelLogout(f.config, body, {
      sessionStore: sessions,
      replayGuard,
    })
    assert.deepEqual(
      first.ended.map((s) => s.id),
      [sessionId],
    )
    assert.equal(await sessions.get(sessionId), undefined)
    const again = await handleBackChannelLogout(f.config, body, {
      sessionStore: sessions,
      replayGuard,
    })
    assert.equal(again.error?.code, 'LOGOUT_TOKEN_REPLAYED')
  })

  test('a closed Redis connection is STORE_ERROR from every store; twin: the open connection works', async () => {
    const closed: NodeRedis = createClient({ url: server.url })
    await closed.connect()
    await closed.close()
    for (const c of [closed, ioredisShape(closed)] as RedisClient[]) {
      const prefix = freshPrefix()
      await expectCode(
        createRedisTransactionStore(c, { prefix }).set(transaction('t'), 60),
        'STORE_ERROR',
      )
      await expectCode(createRedisTransactionStore(c, { prefix }).take('t'), 'STORE_ERROR')
      await expectCode(createRedisSessionStore(c, { prefix }).set(session('s'), 60), 'STORE_ERROR')
      await expectCode(createRedisSessionStore(c, { prefix }).delete('s'), 'STORE_ERROR')
      await expectCode(
        () => createRedisReplayGuard(c, { prefix }).claim('r', Date.now() / 1000 + 60),
        'STORE_ERROR',
      )
    }
    const prefix = freshPrefix()
    await createRedisTransactionStore(redis, { prefix }).set(transaction('t'), 60)
    assert.equal((await createRedisTransactionStore(redis, { prefix }).take('t'))?.state, 't')
  })

  test('back-channel logout: a logout token with a huge exp (EX out of range for Redis before) is accepted once, remembered at most a day', async () => {
    const sessions = createRedisSessionStore(redis, { prefix: freshPrefix() })
    const prefix = freshPrefix()
    const f = await createLogoutFixture({ sessions })
    const replayGuard = createRedisReplayGuard(redis, { prefix, now: () => f.clock.now })
    const { sessionId } = await f.signInSession('op-redis-huge-exp')
    const token = await f.op.logoutToken({
      clientId: CLIENT_ID,
      sid: 'op-redis-huge-exp',
      claims: { exp: 1e18, jti: 'huge-exp' },
    })
    const body = new URLSearchParams({ logout_token: token })
    const first = await handleBackChannelLogout(f.config, body, {
      sessionStore: sessions,
      replayGuard,
    })
    assert.equal(first.response.status, 200, first.error?.message)
    assert.deepEqual(
      first.ended.map((s) => s.id),
      [sessionId],
    )
    const keys = await redis.keys(`${prefix}replay:*`)
    assert.equal(keys.length, 1)
    const ttl = await redis.ttl(keys[0]!)
    assert.ok(ttl > 0 && ttl <= 86_400 + 30, `TTL ${ttl}`)
    const again = await handleBackChannelLogout(f.config, body, {
      sessionStore: sessions,
      replayGuard,
    })
    assert.equal(again.error?.code, 'LOGOUT_TOKEN_REPLAYED')
  })

  test('back-channel logout over a closed Redis connection answers 400 with STORE_ERROR, never a raw error', async () => {
    const closed: NodeRedis = createClient({ url: server.url })
    await closed.connect()
    await closed.close()
    const f = await createLogoutFixture()
    const { sessionId } = await f.signInSession('op-redis-closed')
    const token = await f.op.logoutToken({ clientId: CLIENT_ID, sid: 'op-redis-closed' })
    const body = new URLSearchParams({ logout_token: token })
    const refused = await handleBackChannelLogout(f.config, body, {
      sessionStore: f.sessions,
      replayGuard: createRedisReplayGuard(closed, { prefix: freshPrefix() }),
    })
    assert.equal(refused.response.status, 400)
    assert.equal(refused.error?.code, 'STORE_ERROR')
    assert.ok(await f.sessions.get(sessionId), 'the session survives')
    const ended = await handleBackChannelLogout(f.config, body, {
      sessionStore: createRedisSessionStore(closed, { prefix: freshPrefix() }),
      replayGuard: createRedisReplayGuard(redis, { prefix: freshPrefix() }),
    })
    assert.equal(ended.error?.code, 'STORE_ERROR')
    assert.equal(ended.claims?.sid, 'op-redis-closed')
  })
})
