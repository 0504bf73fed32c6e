import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Transaction } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { expectCode } from '../support/helpers.js'

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
