import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Transaction } from '../../src/storage.js'
import {
  createMemoryReplayGuard,
  createMemoryRequestObjectStore,
  createMemorySessionStore,
  createMemoryTransactionStore,
} from '../../src/stores/memory.js'
import { expectCode } from '../support/helpers.js'
import { SESSION_ISSUER, session } from '../support/session.js'

function tx(state: string): Transaction {
  return {
    state,
    issuer: 'https://op.example.com',
    clientId: 'rp',
    nonce: `nonce-${state}`,
    redirectUri: 'https://rp.example/callback',
    responseType: 'code',
    scope: 'openid',
    createdAt: 0,
    expiresAt: 600,
  }
}

describe('createMemoryTransactionStore', () => {
  it('takes a saved transaction once: a second take finds nothing', async () => {
    const store = createMemoryTransactionStore()
    assert.equal(await store.set(tx('a'), 60), undefined)
    assert.deepEqual(await store.take('a'), tx('a'))
    assert.equal(await store.take('a'), undefined)
    assert.equal(await store.take('never-saved'), undefined)
  })

  it('expires a transaction after its TTL', async () => {
    const clock = { now: 1_000_000 }
    const store = createMemoryTransactionStore({ now: () => clock.now })
    await store.set(tx('late'), 60)
    await store.set(tx('early'), 60)
    clock.now += 59_999
    assert.ok(await store.take('early'))
    clock.now += 1
    assert.equal(await store.take('late'), undefined)
  })

  it('N concurrent takes of one state: exactly one succeeds', async () => {
    const store = createMemoryTransactionStore()
    await store.set(tx('race'), 60)
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take('race')))
    assert.equal(results.filter((r) => r !== undefined).length, 1)
  })

  it('concurrent sign-ins in several tabs never overwrite each other', async () => {
    const store = createMemoryTransactionStore()
    await Promise.all(['t1', 't2', 't3'].map((s) => store.set(tx(s), 60)))
    for (const s of ['t3', 't1', 't2']) assert.equal((await store.take(s))?.nonce, `nonce-${s}`)
  })

  it('respects its bound, evicting the oldest first', async () => {
    const store = createMemoryTransactionStore({ maxEntries: 3 })
    for (const s of ['a', 'b', 'c', 'd']) await store.set(tx(s), 60)
    assert.equal(await store.take('a'), undefined)
    for (const s of ['b', 'c', 'd']) assert.ok(await store.take(s))
  })

  it('holds at most maxEntries under a long run, and keeps the newest', async () => {
    const store = createMemoryTransactionStore({ maxEntries: 100 })
    for (let i = 0; i < 10_000; i++) await store.set(tx(`s${i}`), 60)
    let found = 0
    for (let i = 0; i < 10_000; i++) if (await store.take(`s${i}`)) found++
    assert.equal(found, 100)
  })

  it('saving a state again replaces its transaction', async () => {
    const store = createMemoryTransactionStore()
    await store.set(tx('a'), 60)
    await store.set({ ...tx('a'), nonce: 'second' }, 60)
    assert.equal((await store.take('a'))?.nonce, 'second')
    assert.equal(await store.take('a'), undefined)
  })

  it('refuses a bad bound or TTL with INVALID_ARGUMENT', async () => {
    await expectCode(() => createMemoryTransactionStore({ maxEntries: 0 }), 'INVALID_ARGUMENT')
    await expectCode(() => createMemoryTransactionStore({ maxEntries: 1.5 }), 'INVALID_ARGUMENT')
    const store = createMemoryTransactionStore({ maxEntries: 1 })
    await expectCode(store.set(tx('a'), 0), 'INVALID_ARGUMENT')
    await expectCode(store.set(tx('a'), Number.NaN), 'INVALID_ARGUMENT')
    assert.equal(await store.set(tx('a'), 1), undefined)
  })
})

it('under churn at capacity the oldest entry is always the one evicted', async () => {
  const store = createMemoryTransactionStore({ maxEntries: 3 })
  const tx = (state: string) =>
    ({
      state,
      issuer: 'https://op',
      clientId: 'c',
      redirectUri: 'https://rp/cb',
      responseType: 'code',
      scope: 'openid',
      createdAt: 0,
      expiresAt: 0,
    }) as const
  for (let i = 0; i < 1000; i++) await store.set(tx(`s${i}`), 60)
  assert.equal(await store.take('s996'), undefined)
  // take from the middle, then refill: the survivors are evicted oldest first
  assert.equal((await store.take('s998'))?.state, 's998')
  await store.set(tx('a'), 60)
  await store.set(tx('b'), 60)
  assert.equal(await store.take('s997'), undefined)
  assert.deepEqual(
    await Promise.all(['s999', 'a', 'b'].map(async (s) => (await store.take(s))?.state)),
    ['s999', 'a', 'b'],
  )
  // an emptied store starts over
  await store.set(tx('again'), 60)
  assert.equal((await store.take('again'))?.state, 'again')
})

const ISS = SESSION_ISSUER

describe('createMemorySessionStore', () => {
  it('gets, finds by sid and by sub for an issuer, and deletes once', async () => {
    const store = createMemorySessionStore()
    await store.set(session('a'), 60)
    await store.set(session('b', { sid: 'op-session-2' }), 60)
    await store.set(session('c', { iss: 'https://other-op.example' }), 60)
    assert.equal((await store.get('a'))?.id, 'a')
    assert.deepEqual(
      (await store.findBySid(ISS, 'op-session-1')).map((s) => s.id),
      ['a'],
    )
    assert.deepEqual((await store.findBySub(ISS, 'alice')).map((s) => s.id).sort(), ['a', 'b'])
    assert.deepEqual(await store.findBySid(ISS, 'unknown'), [])
    assert.equal(await store.delete('a'), true)
    assert.equal(await store.delete('a'), false)
    assert.equal(await store.get('a'), undefined)
    assert.deepEqual(await store.findBySid(ISS, 'op-session-1'), [])
  })

  it('forgets sessions when their TTL passes', async () => {
    const clock = { now: 1_000_000 }
    const store = createMemorySessionStore({ now: () => clock.now })
    await store.set(session('a'), 10)
    clock.now += 9_999
    assert.ok(await store.get('a'))
    clock.now += 1
    assert.equal(await store.get('a'), undefined)
    assert.deepEqual(await store.findBySub(ISS, 'alice'), [])
    assert.equal(await store.delete('a'), false)
  })

  it('evicts the oldest session beyond maxEntries and re-indexes a replaced one', async () => {
    const store = createMemorySessionStore({ maxEntries: 2 })
    await store.set(session('a'), 60)
    await store.set(session('b'), 60)
    await store.set(session('c'), 60)
    assert.equal(await store.get('a'), undefined)
    assert.ok(await store.get('c'))
    await store.set(session('b', { sid: 'moved' }), 60)
    assert.deepEqual(
      (await store.findBySid(ISS, 'op-session-1')).map((s) => s.id),
      ['c'],
    )
    assert.deepEqual(
      (await store.findBySid(ISS, 'moved')).map((s) => s.id),
      ['b'],
    )
  })

  it('refuses a bad maxEntries or TTL', async () => {
    assert.throws(() => createMemorySessionStore({ maxEntries: 0 }), { code: 'INVALID_ARGUMENT' })
    const store = createMemorySessionStore({ maxEntries: 1 })
    await expectCode(store.set(session('a'), 0), 'INVALID_ARGUMENT')
    await store.set(session('a'), 1)
    assert.ok(await store.get('a'))
  })
  it('keeps a copy of the data: changing the object passed to set afterwards changes nothing stored', async () => {
    const store = createMemorySessionStore()
    const data = { user: { name: 'Alice' }, tokens: ['a'] }
    const given = { ...session('a'), data }
    await store.set(given, 60)
    data.user.name = 'Mallory'
    data.tokens.push('b')
    ;(given as { sub: string }).sub = 'mallory'
    const stored = await store.get('a')
    assert.deepEqual(stored?.data, { user: { name: 'Alice' }, tokens: ['a'] })
    assert.equal(stored?.sub, 'alice')
    assert.ok(Object.isFrozen(stored?.data?.user), 'what get returns cannot be changed either')
  })

  it('keeps the data given, and a new set replaces it (twin of the copy)', async () => {
    const store = createMemorySessionStore()
    await store.set({ ...session('a'), data: { user: { name: 'Alice' } } }, 60)
    assert.deepEqual((await store.get('a'))?.data, { user: { name: 'Alice' } })
    await store.set({ ...session('a'), data: { user: { name: 'Alice Liddell' } } }, 60)
    assert.deepEqual((await store.get('a'))?.data, { user: { name: 'Alice Liddell' } })
    assert.deepEqual(
      (await store.findBySub(ISS, 'alice')).map((s) => s.data),
      [{ user: { name: 'Alice Liddell' } }],
    )
  })

  it('refuses data that is not a JSON object with INVALID_ARGUMENT and stores nothing; twin: a JSON object is kept', async () => {
    const store = createMemorySessionStore()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const data of [cyclic, { n: 1n }, ['a'], 'text']) {
      await expectCode(store.set({ ...session('a'), data } as never, 60), 'INVALID_ARGUMENT')
      assert.equal(await store.get('a'), undefined)
    }
    await store.set({ ...session('a'), data: { n: 1 } }, 60)
    assert.deepEqual((await store.get('a'))?.data, { n: 1 })
  })
})

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/** Lets every pending promise callback and I/O callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('createMemorySessionStore withLock', () => {
  it('two callers for one session run one after the other: the second starts after the first finished', async () => {
    const store = createMemorySessionStore()
    const events: string[] = []
    const first = gate()
    const one = store.withLock!('s', async () => {
      events.push('first started')
      await first.opened
      events.push('first finished')
      return 1
    })
    const two = store.withLock!('s', async () => {
      events.push('second started')
      return 2
    })
    for (let i = 0; i < 5; i++) await settle()
    assert.deepEqual(events, ['first started'], 'the second waits while the first holds the lock')
    first.open()
    assert.deepEqual(await Promise.all([one, two]), [1, 2])
    assert.deepEqual(events, ['first started', 'first finished', 'second started'])
  })

  it('callers for different sessions run at once (twin of the serialised pair)', async () => {
    const store = createMemorySessionStore()
    const events: string[] = []
    const first = gate()
    const one = store.withLock!('s-1', async () => {
      events.push('s-1 started')
      await first.opened
      events.push('s-1 finished')
    })
    await store.withLock!('s-2', async () => {
      events.push('s-2 ran')
    })
    assert.deepEqual(events, ['s-1 started', 's-2 ran'], 's-2 ran while s-1 held its own lock')
    first.open()
    await one
    assert.deepEqual(events, ['s-1 started', 's-2 ran', 's-1 finished'])
  })

  it('a caller that throws releases the lock: its error reaches it, and the next callers run', async () => {
    const store = createMemorySessionStore()
    const events: string[] = []
    const failure = new Error('refresh failed')
    const throwing = store.withLock!('s', async () => {
      events.push('thrower ran')
      throw failure
    })
    const synchronousThrow = store.withLock!('s', (() => {
      events.push('synchronous thrower ran')
      throw failure
    }) as () => Promise<never>)
    const next = store.withLock!('s', async () => {
      events.push('next ran')
      return 'done'
    })
    await assert.rejects(throwing, (err) => err === failure)
    await assert.rejects(synchronousThrow, (err) => err === failure)
    assert.equal(await next, 'done')
    assert.deepEqual(events, ['thrower ran', 'synchronous thrower ran', 'next ran'])
    assert.equal(await store.withLock!('s', async () => 'again'), 'again', 'the lock is free')
  })

  it('many callers for one session run one at a time, in the order they came', async () => {
    const store = createMemorySessionStore()
    let inside = 0
    let most = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.withLock!('s', async () => {
          inside++
          most = Math.max(most, inside)
          await settle()
          order.push(i)
          inside--
        }),
      ),
    )
    assert.equal(most, 1)
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
    )
  })

  it('refuses an empty session id or a missing fn with INVALID_ARGUMENT; twin: a session id and a function run', async () => {
    const store = createMemorySessionStore()
    await expectCode(
      store.withLock!('', async () => 1),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      store.withLock!(5 as never, async () => 1),
      'INVALID_ARGUMENT',
    )
    await expectCode(store.withLock!('s', undefined as never), 'INVALID_ARGUMENT')
    assert.equal(await store.withLock!('s', async () => 1), 1)
  })
})

describe('createMemoryReplayGuard', () => {
  it('a flood of sign-ins never reopens a taken sealed value within its TTL: new claims are refused instead', async () => {
    const clock = { now: 1_000_000 }
    const guard = createMemoryReplayGuard({ maxEntries: 3, now: () => clock.now })
    const exp = clock.now / 1000 + 600
    assert.equal(await guard.claim('victim-state', exp), true)
    assert.equal(await guard.claim('flood-1', exp), true)
    assert.equal(await guard.claim('flood-2', exp), true)
    // full of unexpired states: the guard refuses a new one rather than forget the oldest
    await expectCode(() => guard.claim('flood-3', exp), 'SEALED_REPLAY_GUARD_FULL')
    assert.equal(await guard.claim('victim-state', exp), false, 'the taken value stays taken')
  })

  it('once the taken states expire, new claims succeed again (twin of the flood)', async () => {
    const clock = { now: 1_000_000 }
    const guard = createMemoryReplayGuard({ maxEntries: 3, now: () => clock.now })
    const exp = clock.now / 1000 + 600
    for (const state of ['a', 'b', 'c']) assert.equal(await guard.claim(state, exp), true)
    clock.now += 601_000
    assert.equal(await guard.claim('d', clock.now / 1000 + 600), true)
    assert.equal(await guard.claim('a', clock.now / 1000 + 600), true, 'a expired state is new')
  })

  it('states expiring out of insertion order are each kept until their own expiry', async () => {
    const clock = { now: 1_000_000 }
    const guard = createMemoryReplayGuard({ maxEntries: 2, now: () => clock.now })
    const t = clock.now / 1000
    assert.equal(await guard.claim('long', t + 600), true)
    assert.equal(await guard.claim('short', t + 10), true)
    clock.now += 11_000
    // 'short' expired behind an unexpired 'long': the full sweep frees its place
    assert.equal(await guard.claim('next', t + 600), true)
    assert.equal(await guard.claim('long', t + 600), false, 'long is still taken')
  })
})

describe('createMemoryRequestObjectStore', () => {
  it('takes a request object once: a second take, or an id never kept, finds nothing', async () => {
    const store = createMemoryRequestObjectStore()
    await store.set('id-1', 'jwt-1', 60)
    assert.equal(await store.take('id-1'), 'jwt-1')
    assert.equal(await store.take('id-1'), undefined)
    assert.equal(await store.take('never-kept'), undefined)
  })

  it('forgets a request object once its TTL has passed; the twin taken a moment before gets it', async () => {
    const clock = { now: 1_000_000 }
    const store = createMemoryRequestObjectStore({ now: () => clock.now })
    await store.set('late', 'jwt-late', 60)
    await store.set('early', 'jwt-early', 60)
    clock.now += 59_999
    assert.equal(await store.take('early'), 'jwt-early')
    clock.now += 1
    assert.equal(await store.take('late'), undefined)
  })

  it('respects its bound, dropping the oldest first', async () => {
    const store = createMemoryRequestObjectStore({ maxEntries: 2 })
    await store.set('a', 'jwt-a', 60)
    await store.set('b', 'jwt-b', 60)
    await store.set('c', 'jwt-c', 60)
    assert.equal(await store.take('a'), undefined)
    assert.equal(await store.take('b'), 'jwt-b')
    assert.equal(await store.take('c'), 'jwt-c')
  })

  it('refuses a bad bound or TTL with INVALID_ARGUMENT; the twin keeps it', async () => {
    assert.throws(() => createMemoryRequestObjectStore({ maxEntries: 0 }), {
      code: 'INVALID_ARGUMENT',
    })
    const store = createMemoryRequestObjectStore()
    await expectCode(store.set('x', 'jwt', 0), 'INVALID_ARGUMENT')
    assert.equal(await store.take('x'), undefined)
    await store.set('x', 'jwt', 1)
    assert.equal(await store.take('x'), 'jwt')
  })
})
