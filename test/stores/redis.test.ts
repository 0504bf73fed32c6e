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
  type NodeRedisClient,
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
/** A second connection: the other machine of the lock tests. */
let otherMachine: NodeRedis

before(async () => {
  server = await startConnectedRedis()
  redis = server.client
  otherMachine = createClient({ url: server.url })
  await otherMachine.connect()
})

after(async () => {
  await otherMachine?.close()
  await server?.stop()
})

/** Sees each script a client evaluates. */
type ScriptObserver = (script: string) => void

/**
 * An ioredis-shaped client (`set(k, v, 'EX', ttl, 'NX')`, `getdel`, positional `eval`) over the
 * real node-redis connection, so both call shapes run against the real server.
 */
function ioredisShape(client: NodeRedis, observe: ScriptObserver = () => {}): IoRedisClient {
  return {
    set: (key, value, mode, ttl, condition) =>
      client.sendCommand(['SET', key, value, mode, String(ttl), ...(condition ? [condition] : [])]),
    get: (key) => client.get(key),
    getdel: (key) => client.sendCommand(['GETDEL', key]),
    eval: (script, numKeys, ...rest) => {
      observe(script)
      return client.sendCommand(['EVAL', script, String(numKeys), ...rest])
    },
  }
}

/** The real node-redis client with its scripts observed. */
function nodeRedisShape(client: NodeRedis, observe: ScriptObserver = () => {}): NodeRedisClient {
  return {
    set: (key, value, options) => client.set(key, value, options),
    get: (key) => client.get(key),
    getDel: (key) => client.getDel(key),
    eval: (script, options) => {
      observe(script)
      return client.eval(script, options)
    },
  }
}

/** The script that tries to take a lock (`SET … NX PX`). */
const isLockAttempt = (script: string) => /'NX', 'PX'/.test(script)

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/*
 * Every `assert.ok` here has a message: on Node 20, a failing `assert.ok(value)` without one in a
 * file run through tsx spins forever re-parsing the source for its message, so the test hangs
 * instead of failing.
 */

/** Waits until `condition` holds; fails after a generous 20 s rather than hang. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!condition()) {
    assert.ok(Date.now() < deadline, `still waiting for ${condition}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
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

const shapes: [string, () => RedisClient, (c: NodeRedis, o?: ScriptObserver) => RedisClient][] = [
  ['node-redis', () => redis, nodeRedisShape],
  ['ioredis', () => ioredisShape(redis), ioredisShape],
]

/** What an application keeps with a session: nested, with non-ASCII text. */
const DATA = {
  user: { name: 'Zoë', roles: ['admin', 'user'] },
  tokens: { refreshToken: 'r-1', expiresAt: 1_900_000_000 },
  empty: {},
  nothing: null,
}

for (const [shape, client, shaped] of shapes) {
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
      assert.equal(await redis.exists(`${prefix}tx:short`), 1, 'saved')
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
      const pastTtl = await redis.ttl(`${prefix}replay:past`)
      assert.ok(pastTtl <= 1, `TTL ${pastTtl}`)
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

    test('the session store keeps data through the JSON round trip, on get and on find', async () => {
      const prefix = freshPrefix()
      const store = createRedisSessionStore(client(), { prefix })
      await store.set(session('a', { data: DATA }), 60)
      assert.deepEqual(await store.get('a'), session('a', { data: DATA }))
      assert.deepEqual(
        (await store.findBySid('https://op.example.com', 'op-1')).map((s) => s.data),
        [DATA],
      )
      await store.set(session('a', { data: { user: { name: 'Zoë Z.' } } }), 60)
      assert.deepEqual((await store.get('a'))?.data, { user: { name: 'Zoë Z.' } })
    })

    test('data that is not a JSON object is refused on set (nothing written) and a stored one is read as absent; twin: a JSON object round-trips', async () => {
      const prefix = freshPrefix()
      const store = createRedisSessionStore(client(), { prefix })
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      for (const data of [cyclic, { n: 1n }, ['a'], 'text']) {
        await expectCode(store.set(session('a', { data } as never), 60), 'INVALID_ARGUMENT')
        assert.equal(await redis.exists(`${prefix}session:a`), 0)
      }
      for (const data of [['a'], 'text', 5, null]) {
        await redis.set(`${prefix}session:a`, JSON.stringify(session('a', { data } as never)))
        assert.equal(await store.get('a'), undefined, JSON.stringify(data))
      }
      await store.set(session('a', { data: { n: 1 } }), 60)
      assert.deepEqual((await store.get('a'))?.data, { n: 1 })
    })

    test('withLock on two machines: the second waits while the first holds the lock and runs after it released', async () => {
      const prefix = freshPrefix()
      let attempts = 0
      const machineA = createRedisSessionStore(client(), { prefix })
      const machineB = createRedisSessionStore(
        shaped(otherMachine, (script) => {
          if (isLockAttempt(script)) attempts++
        }),
        { prefix },
      )
      const events: string[] = []
      const held = gate()
      const first = machineA.withLock!('s-1', async () => {
        events.push('A started')
        await held.opened
        events.push('A finished')
        return 'A'
      })
      await until(() => events.length > 0)
      const second = machineB.withLock!('s-1', async () => {
        events.push('B started')
        return 'B'
      })
      await until(() => attempts >= 3 || events.length > 1)
      assert.deepEqual(events, ['A started'], 'B tried three times and waits')
      const pttl = await redis.pTTL(`${prefix}lock:s-1`)
      assert.ok(pttl > 0 && pttl <= 10_000, `the lock lasts at most 10 s by default (${pttl} ms)`)
      held.open()
      assert.deepEqual(await Promise.all([first, second]), ['A', 'B'])
      assert.deepEqual(events, ['A started', 'A finished', 'B started'])
      assert.equal(await redis.exists(`${prefix}lock:s-1`), 0, 'B released it')
    })

    test('withLock on two machines for different sessions: neither waits (twin of the wait)', async () => {
      const prefix = freshPrefix()
      const machineA = createRedisSessionStore(client(), { prefix })
      const machineB = createRedisSessionStore(shaped(otherMachine), { prefix })
      const events: string[] = []
      const held = gate()
      const first = machineA.withLock!('s-1', async () => {
        events.push('A started')
        await held.opened
      })
      await until(() => events.length > 0)
      await machineB.withLock!('s-2', async () => {
        events.push('B ran')
      })
      assert.deepEqual(events, ['A started', 'B ran'])
      held.open()
      await first
    })

    test('withLock: a caller that throws gets its error and releases the lock at once', async () => {
      const prefix = freshPrefix()
      const machineA = createRedisSessionStore(client(), { prefix })
      // Waits at most 1 s for a lock that, unreleased, would last 10 s
      const machineB = createRedisSessionStore(shaped(otherMachine), {
        prefix,
        lockWaitInSeconds: 1,
      })
      const failure = new Error('refresh failed')
      await assert.rejects(
        machineA.withLock!('s-1', async () => {
          assert.equal(await redis.exists(`${prefix}lock:s-1`), 1, 'held while fn runs')
          throw failure
        }),
        (err) => err === failure,
      )
      assert.equal(await redis.exists(`${prefix}lock:s-1`), 0)
      assert.equal(await machineB.withLock!('s-1', async () => 'B ran'), 'B ran')
    })

    test("withLock: a lock held past its TTL expires and is taken by the other machine; the late holder then releases nothing of the new holder (B waits while A's lock lives; twin: B's own release removes it)", async () => {
      const prefix = freshPrefix()
      const key = `${prefix}lock:s-1`
      let attempts = 0
      // A's lock could last a minute: the test cuts it short (below), so it never races the clock.
      const machineA = createRedisSessionStore(client(), { prefix, lockTtlInSeconds: 60 })
      const machineB = createRedisSessionStore(
        shaped(otherMachine, (script) => {
          if (isLockAttempt(script)) attempts++
        }),
        { prefix, lockWaitInSeconds: 60 },
      )
      const events: string[] = []
      const heldByA = gate()
      const heldByB = gate()
      const bHolds = gate()
      let tokenB: unknown
      const first = machineA.withLock!('s-1', async () => {
        events.push('A started')
        await heldByA.opened
        events.push('A finished')
      })
      await until(() => events.length > 0)
      const tokenA = await redis.get(key)
      assert.equal(typeof tokenA, 'string', 'A holds the lock')
      const second = machineB.withLock!('s-1', async () => {
        events.push('B started')
        tokenB = await redis.get(key)
        bHolds.open()
        await heldByB.opened
        events.push('B finished')
      })
      // B's second attempt is sent only once its first was refused.
      await until(() => attempts >= 2)
      assert.deepEqual(events, ['A started'], "B waits while A's lock lives")
      assert.equal(await redis.get(key), tokenA, "A's lock is untouched")
      // A's TTL runs out while A still works: cut to 1 ms rather than raced.
      assert.equal(await redis.pExpire(key, 1), 1, "A's lock had a TTL to cut")
      // B takes it within its 60 s wait, or `second` fails with SESSION_LOCK_TIMEOUT.
      await Promise.race([
        bHolds.opened,
        second.then(() => assert.fail('B returned without holding the lock')),
      ])
      assert.deepEqual(events, ['A started', 'B started'], 'B took the expired lock while A ran')
      assert.equal(typeof tokenB, 'string', 'B holds the lock')
      assert.notEqual(tokenB, tokenA, "B's token, not A's")
      heldByA.open()
      await first
      assert.equal(await redis.get(key), tokenB, "A's release left B's lock")
      heldByB.open()
      await second
      assert.deepEqual(events, ['A started', 'B started', 'A finished', 'B finished'])
      assert.equal(await redis.exists(key), 0, "B's release removed its own lock")
    })

    test("withLock: a lock key holding another caller's token is not released by this caller; twin: its own token is", async () => {
      const prefix = freshPrefix()
      const key = `${prefix}lock:s-1`
      const store = createRedisSessionStore(client(), { prefix })
      await store.withLock!('s-1', async () => {
        // as if this caller's lock had expired and another had taken it
        await redis.set(key, 'another-callers-token', { PX: 10_000 })
      })
      assert.equal(await redis.get(key), 'another-callers-token')
      await redis.del(key)
      await store.withLock!('s-1', async () => {
        assert.equal(await redis.exists(key), 1)
      })
      assert.equal(await redis.exists(key), 0)
    })

    test('withLock: a lock taken past the wait limit is SESSION_LOCK_TIMEOUT and fn never runs; twin: released within the limit, it is acquired', async () => {
      const prefix = freshPrefix()
      const key = `${prefix}lock:secret-session-id`
      let attempts = 0
      const holder = createRedisSessionStore(client(), { prefix })
      const impatient = createRedisSessionStore(shaped(otherMachine), {
        prefix,
        lockWaitInSeconds: 0.2,
      })
      const patient = createRedisSessionStore(
        shaped(otherMachine, (script) => {
          if (isLockAttempt(script)) attempts++
        }),
        { prefix, lockWaitInSeconds: 30 },
      )
      const events: string[] = []
      const held = gate()
      const holding = holder.withLock!('secret-session-id', async () => {
        events.push('holder started')
        await held.opened
        events.push('holder finished')
      })
      await until(() => events.length > 0)
      const token = await redis.get(key)
      const err = await expectCode<TransportError>(
        impatient.withLock!('secret-session-id', async () => {
          events.push('impatient ran')
        }),
        'SESSION_LOCK_TIMEOUT',
      )
      assert.doesNotMatch(err.message, /secret-session-id/)
      assert.deepEqual(events, ['holder started'])
      assert.equal(await redis.get(key), token, "the holder's lock is untouched")
      const waiting = patient.withLock!('secret-session-id', async () => {
        events.push('patient ran')
      })
      await until(() => attempts >= 1)
      held.open()
      await Promise.all([holding, waiting])
      assert.deepEqual(events, ['holder started', 'holder finished', 'patient ran'])
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
      const pastTtl = await redis.ttl(`${prefix}replay:past`)
      assert.ok(pastTtl <= 1, `TTL ${pastTtl}`)
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
    assert.equal(typeof createRedisReplayGuard(redis).claim, 'function', 'the defaults work')
  })

  test('bad lock timings are refused with INVALID_ARGUMENT, a bad session id or fn too; twin: good ones work', async () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      await expectCode(
        () => createRedisSessionStore(redis, { lockTtlInSeconds: bad as never }),
        'INVALID_ARGUMENT',
      )
      await expectCode(
        () => createRedisSessionStore(redis, { lockWaitInSeconds: bad as never }),
        'INVALID_ARGUMENT',
      )
    }
    const prefix = freshPrefix()
    const store = createRedisSessionStore(redis, {
      prefix,
      lockTtlInSeconds: 2.5,
      lockWaitInSeconds: 30,
    })
    await expectCode(
      store.withLock!('', async () => 1),
      'INVALID_ARGUMENT',
    )
    await expectCode(store.withLock!('s', 'fn' as never), 'INVALID_ARGUMENT')
    const pttl = await store.withLock!('s', () => redis.pTTL(`${prefix}lock:s`))
    assert.ok(pttl > 0 && pttl <= 2500, `the lock lasts lockTtlInSeconds (${pttl} ms)`)
  })

  test('withLock: a release Redis refuses still returns what fn returned, and the lock ends with its TTL', async () => {
    const prefix = freshPrefix()
    const refusingRelease: NodeRedisClient = {
      ...nodeRedisShape(redis),
      eval: (script, options) =>
        /'DEL'/.test(script)
          ? Promise.reject(new Error('connection lost'))
          : redis.eval(script, options),
    }
    const store = createRedisSessionStore(refusingRelease, { prefix, lockTtlInSeconds: 2 })
    assert.equal(await store.withLock!('s-1', async () => 'done'), 'done')
    assert.equal(await redis.exists(`${prefix}lock:s-1`), 1, 'not released')
    // another caller gets the lock once its TTL has passed
    const other = createRedisSessionStore(redis, { prefix, lockWaitInSeconds: 30 })
    assert.equal(await other.withLock!('s-1', async () => 'after the TTL'), 'after the TTL')
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
      let ran = false
      await expectCode(
        createRedisSessionStore(c, { prefix }).withLock!('s', async () => {
          ran = true
        }),
        'STORE_ERROR',
      )
      assert.equal(ran, false, 'fn never runs without the lock')
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
