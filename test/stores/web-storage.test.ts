import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { TransportError } from '../../src/errors.js'
import type { Transaction } from '../../src/storage.js'
import { createWebStorageTransactionStore } from '../../src/stores/web-storage.js'
import { assertSignedIn } from '../support/callback.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest, createFixture } from '../support/sign-in.js'

const PREFIX = 'oidc-rp.transaction.'

/**
 * An in-memory `Storage`, like a browser's: string items in insertion order. With a capacity (in
 * characters of keys and values) it throws a `QuotaExceededError` when an item would not fit.
 */
class FakeStorage implements Storage {
  readonly items = new Map<string, string>()
  /** How many setItem calls threw for a full quota. */
  quotaErrors = 0
  constructor(
    /** The most characters (keys and values) it holds. */
    public capacity = Number.POSITIVE_INFINITY,
    private readonly quotaError: () => unknown = () =>
      new DOMException('the quota has been exceeded', 'QuotaExceededError'),
  ) {}
  get length(): number {
    return this.items.size
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  /** The characters (keys and values) held, without the item under `except`. */
  used(except?: string): number {
    let used = 0
    for (const [k, v] of this.items) if (k !== except) used += k.length + v.length
    return used
  }
  setItem(key: string, value: string): void {
    if (this.used(key) + key.length + value.length > this.capacity) {
      this.quotaErrors++
      throw this.quotaError()
    }
    this.items.set(key, String(value))
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
  clear(): void {
    this.items.clear()
  }
  [name: string]: unknown
}

function tx(state: string, appState?: unknown): Transaction {
  return {
    state,
    issuer: 'https://op.example.com',
    clientId: 'rp',
    nonce: `nonce-${state}`,
    codeVerifier: `verifier-${state}-0123456789`,
    redirectUri: 'https://rp.example/callback',
    responseType: 'code',
    scope: 'openid',
    createdAt: 0,
    expiresAt: 600,
    ...(appState === undefined ? {} : { appState }),
  }
}

/** Puts a global (sessionStorage, localStorage, navigator) in place for one test. */
function withGlobal(t: TestContext, name: string, descriptor: PropertyDescriptor): void {
  const before = Object.getOwnPropertyDescriptor(globalThis, name)
  Object.defineProperty(globalThis, name, { configurable: true, ...descriptor })
  t.after(() => {
    if (before === undefined) delete (globalThis as Record<string, unknown>)[name]
    else Object.defineProperty(globalThis, name, before)
  })
}

/** A Web Locks fake: one holder per name at a time, the others wait in order. */
function fakeLocks() {
  const requested: string[] = []
  const tails = new Map<string, Promise<unknown>>()
  const locks = {
    requested,
    request<T>(name: string, callback: () => T | Promise<T>): Promise<T> {
      requested.push(name)
      const run = (tails.get(name) ?? Promise.resolve()).then(() => callback())
      tails.set(
        name,
        run.catch(() => {}),
      )
      return run
    },
  }
  return locks
}

describe('createWebStorageTransactionStore', () => {
  it('round trip: set keeps one JSON item under prefix + state, take returns the transaction and removes it', async () => {
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage })
    assert.equal(store.browserBinding, 'in-browser')
    assert.equal(await store.set(tx('a', { returnTo: '/inbox' }), 60), undefined)
    assert.deepEqual([...storage.items.keys()], [`${PREFIX}a`])
    assert.deepEqual(await store.take('a'), tx('a', { returnTo: '/inbox' }))
    assert.equal(storage.length, 0)
  })

  it('takes a transaction once: a second take (and an unknown state) finds nothing', async () => {
    const store = createWebStorageTransactionStore({ storage: new FakeStorage() })
    await store.set(tx('once'), 60)
    assert.ok(await store.take('once'))
    assert.equal(await store.take('once'), undefined)
    assert.equal(await store.take('never-saved'), undefined)
  })

  it('an expired transaction is undefined and removed; one second earlier it is taken', async () => {
    const clock = { now: 1_000_000 }
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage, now: () => clock.now })
    await store.set(tx('late'), 60)
    await store.set(tx('in-time'), 60)
    clock.now += 59_999
    assert.deepEqual(await store.take('in-time'), tx('in-time'))
    clock.now += 1
    assert.equal(await store.take('late'), undefined)
    assert.equal(storage.getItem(`${PREFIX}late`), null)
  })

  it('an unreadable item under the prefix is undefined and removed; a readable one is taken', async () => {
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage })
    storage.setItem(`${PREFIX}junk`, '{not json')
    storage.setItem(`${PREFIX}shape`, JSON.stringify({ transaction: 'x', expiresAtMs: 9e15 }))
    assert.equal(await store.take('junk'), undefined)
    assert.equal(await store.take('shape'), undefined)
    assert.equal(storage.length, 0)
    await store.set(tx('good'), 60)
    assert.deepEqual(await store.take('good'), tx('good'))
  })

  it('several sign-ins pending at once (several tabs) never overwrite each other', async () => {
    const storage = new FakeStorage()
    const tabs = [1, 2, 3].map(() => createWebStorageTransactionStore({ storage }))
    await Promise.all(['t1', 't2', 't3'].map((s, i) => tabs[i]!.set(tx(s), 60)))
    for (const [i, s] of ['t3', 't1', 't2'].entries()) {
      assert.equal((await tabs[i]!.take(s))?.nonce, `nonce-${s}`)
    }
  })

  it('set removes the expired items of its prefix only: other prefixes and other keys stay', async () => {
    const clock = { now: 1_000_000 }
    const storage = new FakeStorage()
    const mine = createWebStorageTransactionStore({ storage, now: () => clock.now })
    const other = createWebStorageTransactionStore({
      storage,
      prefix: 'other.',
      now: () => clock.now,
    })
    await mine.set(tx('old'), 60)
    await other.set(tx('old'), 60)
    storage.setItem('app.setting', 'dark')
    clock.now += 61_000
    await mine.set(tx('new'), 60)
    assert.deepEqual([...storage.items.keys()].sort(), ['app.setting', `${PREFIX}new`, 'other.old'])
  })

  it('a transaction that is not JSON-serialisable is INVALID_ARGUMENT and nothing is written; a JSON one is kept', async () => {
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage })
    await expectCode(store.set(tx('big', { n: 1n }), 60), 'INVALID_ARGUMENT')
    assert.equal(storage.length, 0)
    await store.set(tx('fine', { n: 1 }), 60)
    assert.deepEqual((await store.take('fine'))?.appState, { n: 1 })
  })

  it('bad options are INVALID_ARGUMENT; good ones make a store', () => {
    for (const storage of ['cookie', {}, { getItem() {} }] as unknown[]) {
      assert.throws(
        () => createWebStorageTransactionStore({ storage: storage as Storage }),
        (err: { code?: string }) => err.code === 'INVALID_ARGUMENT',
      )
    }
    assert.throws(
      () => createWebStorageTransactionStore({ prefix: '' }),
      (err: { code?: string }) => err.code === 'INVALID_ARGUMENT',
    )
    for (const storage of ['session', 'local', new FakeStorage()] as const) {
      assert.equal(createWebStorageTransactionStore({ storage }).browserBinding, 'in-browser')
    }
  })
})

describe('createWebStorageTransactionStore: the page storage blocked or full', () => {
  it('made where there is no web storage (a server), it does not throw until used', async () => {
    assert.equal(typeof (globalThis as { sessionStorage?: unknown }).sessionStorage, 'undefined')
    const store = createWebStorageTransactionStore()
    const err = await expectCode<TransportError>(store.set(tx('a'), 60), 'STORE_UNAVAILABLE')
    assert.match(err.message, /sessionStorage is not available/)
    await expectCode(store.take('a'), 'STORE_UNAVAILABLE')
  })

  it('blocked storage (reading sessionStorage throws SecurityError) is STORE_UNAVAILABLE naming the fix', async (t) => {
    withGlobal(t, 'sessionStorage', {
      get() {
        throw new DOMException('access is denied for this document', 'SecurityError')
      },
    })
    const store = createWebStorageTransactionStore()
    const err = await expectCode<TransportError>(store.set(tx('a'), 60), 'STORE_UNAVAILABLE')
    assert.match(err.message, /SecurityError/)
    assert.match(err.message, /allow site data/)
    assert.match(err.message, /give createWebStorageTransactionStore a Storage/)
    assert.equal((err.cause as Error).name, 'SecurityError')
    await expectCode(store.take('a'), 'STORE_UNAVAILABLE')
  })

  it('blocked storage, the twin: a page whose sessionStorage works keeps and takes the transaction there', async (t) => {
    const storage = new FakeStorage()
    withGlobal(t, 'sessionStorage', { value: storage })
    const store = createWebStorageTransactionStore()
    await store.set(tx('a'), 60)
    assert.ok(storage.getItem(`${PREFIX}a`))
    assert.deepEqual(await store.take('a'), tx('a'))
  })

  it("'local' uses the page's localStorage, not its sessionStorage", async (t) => {
    const session = new FakeStorage()
    const local = new FakeStorage()
    withGlobal(t, 'sessionStorage', { value: session })
    withGlobal(t, 'localStorage', { value: local })
    const store = createWebStorageTransactionStore({ storage: 'local' })
    await store.set(tx('a'), 60)
    assert.equal(session.length, 0)
    assert.equal(local.length, 1)
  })

  it('full storage is STORE_QUOTA_EXCEEDED after one sweep and retry; nothing is half-written', async () => {
    const clock = { now: 1_000_000 }
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage, now: () => clock.now })
    await store.set(tx('pending-1'), 600)
    storage.setItem('app.data', 'x'.repeat(700))
    storage.capacity = storage.used() + 10
    const before = new Map(storage.items)
    const err = await expectCode<TransportError>(
      store.set(tx('one-too-many'), 600),
      'STORE_QUOTA_EXCEEDED',
    )
    assert.equal(storage.quotaErrors, 2, 'written once, swept, retried once')
    assert.deepEqual(
      storage.items,
      before,
      'no item written, the live transaction and the app data kept',
    )
    assert.equal((err.cause as Error).name, 'QuotaExceededError')
    assert.match(err.message, /full/)
    assert.deepEqual(await store.take('pending-1'), tx('pending-1'))
  })

  it('full storage, the twin: the sweep frees expired transactions and the retry succeeds', async () => {
    const clock = { now: 1_000_000 }
    const storage = new FakeStorage()
    const store = createWebStorageTransactionStore({ storage, now: () => clock.now })
    await store.set(tx('abandoned'), 60)
    storage.setItem('app.data', 'x'.repeat(700))
    storage.capacity = storage.used() + 10
    clock.now += 61_000
    await store.set(tx('next'), 600)
    assert.equal(storage.quotaErrors, 1)
    assert.equal(storage.getItem(`${PREFIX}abandoned`), null)
    assert.deepEqual(await store.take('next'), tx('next'))
  })

  it("full storage in other browsers' words (code 22, Firefox's NS_ERROR_DOM_QUOTA_REACHED) is STORE_QUOTA_EXCEEDED; another setItem failure is not", async () => {
    const named = (name: string, code?: number) => () =>
      Object.assign(new Error('full'), { name }, code === undefined ? {} : { code })
    for (const quotaError of [named('Error', 22), named('NS_ERROR_DOM_QUOTA_REACHED', 1014)]) {
      const store = createWebStorageTransactionStore({ storage: new FakeStorage(10, quotaError) })
      await expectCode(store.set(tx('a'), 60), 'STORE_QUOTA_EXCEEDED')
    }
    const broken = createWebStorageTransactionStore({
      storage: new FakeStorage(10, named('InvalidStateError')),
    })
    await assert.rejects(broken.set(tx('a'), 60), { name: 'InvalidStateError' })
  })
})

describe("createWebStorageTransactionStore: 'local' across tabs", () => {
  it("with Web Locks, 'local' takes under a lock named after the state: of two racing tabs one gets the sign-in", async (t) => {
    const locks = fakeLocks()
    withGlobal(t, 'navigator', { value: { locks } })
    const storage = new FakeStorage()
    withGlobal(t, 'localStorage', { value: storage })
    const [tab1, tab2] = [1, 2].map(() => createWebStorageTransactionStore({ storage: 'local' }))
    await tab1!.set(tx('shared'), 60)
    const taken = await Promise.all([tab1!.take('shared'), tab2!.take('shared')])
    assert.deepEqual(locks.requested, [`${PREFIX}shared`, `${PREFIX}shared`])
    assert.equal(taken.filter((found) => found !== undefined).length, 1)
  })

  it("the twin: 'session' (one tab, single-threaded) takes without a lock", async (t) => {
    const locks = fakeLocks()
    withGlobal(t, 'navigator', { value: { locks } })
    const store = createWebStorageTransactionStore({ storage: new FakeStorage() })
    await store.set(tx('mine'), 60)
    assert.deepEqual(await store.take('mine'), tx('mine'))
    assert.deepEqual(locks.requested, [])
  })

  it("'local' without Web Locks still takes once", async (t) => {
    withGlobal(t, 'localStorage', { value: new FakeStorage() })
    const store = createWebStorageTransactionStore({ storage: 'local' })
    await store.set(tx('a'), 60)
    const taken = await Promise.all([store.take('a'), store.take('a')])
    assert.equal(taken.filter((found) => found !== undefined).length, 1)
  })
})

describe('createWebStorageTransactionStore: a sign-in through the mock OP', () => {
  it('signs in with no browser-binding cookie: the store is the binding, and a reloaded page (a new store over the same storage) finishes it', async () => {
    const storage = new FakeStorage()
    const f = await createFixture({
      authMethod: 'none',
      config: { store: createWebStorageTransactionStore({ storage }) },
    })
    const request = await createAuthorizationRequest(f.config)
    registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
    assert.equal(request.browserBinding, undefined)
    assert.equal(request.transaction.browserBindingHash, undefined)
    assert.equal(storage.length, 1)
    const response = await f.authorize({
      url: request.url,
      transaction: request.transaction,
      binding: undefined,
    })
    // The page reloads after the redirect: a new configuration and store over the same storage.
    const reloaded = await f.reconfigure({ store: createWebStorageTransactionStore({ storage }) })
    const request2 = browserRequest(response)
    assert.equal(typeof request2 === 'string' ? null : request2.headers.get('cookie'), null)
    assertSignedIn(await handleCallback(reloaded, request2))
    assert.equal(storage.length, 0)
  })

  it('the twin: the default memory store refuses the same cookie-less callback (CALLBACK_BROWSER_BINDING_MISSING)', async () => {
    const f = await createFixture({ authMethod: 'none' })
    const request = await createAuthorizationRequest(f.config)
    registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
    assert.ok(request.browserBinding)
    const response = await f.authorize({
      url: request.url,
      transaction: request.transaction,
      binding: undefined,
    })
    await expectCode(
      handleCallback(f.config, browserRequest(response)),
      'CALLBACK_BROWSER_BINDING_MISSING',
    )
  })
})
