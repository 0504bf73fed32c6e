import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, type TestContext, test } from 'node:test'
import {
  type BrowserSession,
  type BrowserSessionOptions,
  createBrowserSession,
  createEndSessionRequest,
} from '../../src/browser/index.js'
import type { SignInResult } from '../../src/callback/result.js'
import type { Configuration } from '../../src/config/configuration.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import { OAuthResponseError, TransportError, UsageError } from '../../src/errors.js'
import type { MockDPoPOptions } from '../../src/testing/index.js'
import { refreshTokens } from '../../src/token.js'
import { fetchUserInfo } from '../../src/userinfo.js'
import {
  FakeLocks,
  HeldChannels,
  MemoryStorage,
  nextChange,
  QueryableFakeLocks,
  settle,
} from '../support/browser.js'
import { assertNoSecrets, expectCode, registerSecret } from '../support/helpers.js'
import { createPageFixture, PAGE_CLIENT_ID } from '../support/page.js'
import { createFixture, type Fixture } from '../support/sign-in.js'

/** Access tokens live 120 s; with the default leeway (60 s) they are due after 61 s. */
const TTL = 120

interface Setup {
  readonly f: Fixture
  readonly storage: MemoryStorage
  readonly locks: FakeLocks
  /** A new tab: a session of the shared name, lock and storage. */
  tab(options?: BrowserSessionOptions, config?: Configuration): BrowserSession
  /** A sign-in through the mock OP (public client, PKCE, rotating refresh tokens). */
  signIn(): Promise<SignInResult>
  /** How many refresh_token grants the OP received. */
  refreshes(): number
  /** Moves the shared clock past the access token's refresh point. */
  makeDue(): void
}

async function setup(
  t: TestContext,
  op: { rotateRefreshTokens?: boolean; dpop?: MockDPoPOptions } = {},
): Promise<Setup> {
  const f = await createFixture({
    authMethod: 'none',
    op: { accessTokenTtlInSeconds: TTL, rotateRefreshTokens: true, ...op },
  })
  const storage = new MemoryStorage()
  const locks = new FakeLocks()
  // BroadcastChannel is process-wide: a name of its own keeps the tests apart
  const name = `oidc-rp-test-${randomUUID()}`
  const tabs: BrowserSession[] = []
  t.after(() => {
    for (const session of tabs) session.close()
  })
  return {
    f,
    storage,
    locks,
    tab(options = {}, config = f.config) {
      const session = createBrowserSession(config, {
        name,
        locks,
        storage,
        refreshTokens,
        now: () => f.clock.now,
        ...options,
      })
      tabs.push(session)
      return session
    },
    async signIn() {
      const result = await f.signIn()
      registerSecret(result.accessToken?.value, result.refreshToken, result.idToken)
      return result
    },
    refreshes: () => f.op.requests.filter((r) => r.params.grant_type === 'refresh_token').length,
    makeDue() {
      f.clock.now += (TTL - 59) * 1000
    },
  }
}

describe('createBrowserSession: refresh on demand', () => {
  test('an access token due for refresh is refreshed at accessToken(), with the core grant', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    const result = await s.signIn()
    tab.signedIn(result)
    s.makeDue()
    const token = await tab.accessToken()
    assert.equal(s.refreshes(), 1)
    assert.ok(token)
    assert.notEqual(token.value, result.accessToken?.value)
    // the OP rotated the refresh token: the session refreshes with the new one next time
    s.makeDue()
    const again = await tab.accessToken()
    assert.equal(s.refreshes(), 2)
    assert.notEqual(again?.value, token.value)
  })

  test('twin: an access token not yet due is returned without a token request', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    const result = await s.signIn()
    tab.signedIn(result)
    advance(s, 30)
    assert.equal((await tab.accessToken())?.value, result.accessToken?.value)
    assert.equal(s.refreshes(), 0)
    assert.equal(s.locks.requested, 0)
  })

  test('concurrent accessToken() calls of one tab share one refresh', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    tab.signedIn(await s.signIn())
    s.makeDue()
    const tokens = await Promise.all([tab.accessToken(), tab.accessToken(), tab.accessToken()])
    assert.equal(s.refreshes(), 1)
    assert.equal(s.locks.requested, 1)
    assert.equal(new Set(tokens.map((token) => token?.value)).size, 1)
  })

  test('signed out: accessToken() is undefined and nothing is asked of the OP', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    s.f.op.clearRequests()
    assert.equal(tab.isSignedIn, false)
    assert.equal(await tab.accessToken(), undefined)
    assert.equal(s.f.op.requests.length, 0)
  })

  test('a refreshed session keeps the user, and the new ID token for the logout hint', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    const result = await s.signIn()
    tab.signedIn(result)
    s.makeDue()
    await tab.accessToken()
    assert.equal(tab.user?.sub, 'alice')
    assert.ok(tab.idToken)
    assert.notEqual(tab.idToken, result.idToken)
  })
})

describe('createBrowserSession: one refresh at a time across tabs', () => {
  test('two tabs asking at once: one token request, both get the new token, the rotated refresh token works next', async (t) => {
    const s = await setup(t)
    const a = s.tab()
    const b = s.tab()
    const arrived = nextChange(b)
    a.signedIn(await s.signIn())
    assert.deepEqual(await arrived, { type: 'signed-in', fromAnotherTab: true })
    s.makeDue()
    const [fromA, fromB] = await Promise.all([a.accessToken(), b.accessToken()])
    assert.equal(s.refreshes(), 1)
    assert.ok(fromA)
    assert.equal(fromB?.value, fromA.value)
    // under rotation, presenting the old refresh token again would make the OP refuse (and revoke
    // its successor): the next refresh, from the other tab, goes through
    s.makeDue()
    const next = await b.accessToken()
    assert.equal(s.refreshes(), 2)
    assert.ok(next)
    assert.notEqual(next.value, fromA.value)
    assert.equal(a.isSignedIn, true)
    assert.equal(b.isSignedIn, true)
  })

  test('twin: two sessions of different names refreshing one token at once: the OP refuses the second, its session ends', async (t) => {
    const s = await setup(t)
    const a = s.tab({ name: `alone-${randomUUID()}` })
    const b = s.tab({ name: `alone-${randomUUID()}` })
    const result = await s.signIn()
    a.signedIn(result)
    b.signedIn(result)
    s.makeDue()
    const [fromA, fromB] = await Promise.all([a.accessToken(), b.accessToken()])
    assert.equal(s.refreshes(), 2)
    assert.equal([fromA, fromB].filter((token) => token === undefined).length, 1)
  })

  test("a tab whose tokens another tab rotated while it waited for the lock waits for that tab's tokens (counter ahead)", async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory })
    const b = s.tab({ channel: channels.factory })
    a.signedIn(await s.signIn())
    channels.release()
    assert.equal(b.isSignedIn, true)
    s.makeDue()
    const fromA = await a.accessToken()
    assert.equal(s.refreshes(), 1)
    assert.equal(channels.waiting, 1) // a's new tokens, not yet delivered
    let settled = false
    const fromB = b.accessToken().finally(() => {
      settled = true
    })
    await settle()
    assert.equal(settled, false)
    assert.equal(s.refreshes(), 1)
    channels.release()
    assert.equal((await fromB)?.value, fromA?.value)
    assert.equal(s.refreshes(), 1)
  })

  test('twin: counter equal (no other tab refreshed): the tab refreshes itself', async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory })
    const b = s.tab({ channel: channels.factory })
    a.signedIn(await s.signIn())
    channels.release()
    s.makeDue()
    const fromB = await b.accessToken()
    assert.equal(s.refreshes(), 1)
    assert.ok(fromB)
  })

  test("a tab whose shared storage has not caught up (as between a browser's tabs) learns of the other tab's refresh from its lock mark, and waits for its tokens", async (t) => {
    const s = await setup(t)
    const locks = new QueryableFakeLocks()
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory, locks })
    // b reads a storage of its own: the counter a bumps never reaches it
    const b = s.tab({ channel: channels.factory, locks, storage: new MemoryStorage() })
    a.signedIn(await s.signIn())
    channels.release()
    s.makeDue()
    const fromA = await a.accessToken()
    assert.equal(s.refreshes(), 1)
    let settled = false
    const fromB = b.accessToken().finally(() => {
      settled = true
    })
    await settle()
    assert.equal(settled, false, 'b waits for the tokens instead of refreshing')
    channels.release()
    assert.equal((await fromB)?.value, fromA?.value)
    assert.equal(s.refreshes(), 1)
    // the next refresh (b's) marks a later generation, and a, behind again, waits for it in turn
    s.makeDue()
    const nextFromB = await b.accessToken()
    assert.equal(s.refreshes(), 2)
    const nextFromA = a.accessToken()
    await settle()
    channels.release()
    assert.equal((await nextFromA)?.value, nextFromB?.value)
    assert.equal(s.refreshes(), 2)
  })

  test('twin: with lock marks but no other tab refreshed, the tab refreshes itself', async (t) => {
    const s = await setup(t)
    const locks = new QueryableFakeLocks()
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory, locks })
    const b = s.tab({ channel: channels.factory, locks, storage: new MemoryStorage() })
    a.signedIn(await s.signIn())
    channels.release()
    s.makeDue()
    const fromB = await b.accessToken()
    assert.equal(s.refreshes(), 1)
    assert.ok(fromB)
  })

  test("the other tab's tokens never arrive: SESSION_SYNC_TIMEOUT, no refresh with the stale token, session kept", async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory })
    const b = s.tab({ channel: channels.factory, syncTimeoutInMs: 10 })
    const result = await s.signIn()
    a.signedIn(result)
    channels.release()
    s.makeDue()
    await a.accessToken()
    const error = await b.accessToken().then(
      () => assert.fail('resolved'),
      (err: unknown) => err,
    )
    assert.ok(error instanceof TransportError)
    assert.equal(error.code, 'SESSION_SYNC_TIMEOUT')
    assertNoSecrets(error)
    assert.equal(s.refreshes(), 1)
    assert.equal(b.isSignedIn, true)
    assert.equal(b.idToken, result.idToken)
    // once the message arrives, the tab goes on with the other tab's tokens
    channels.release()
    assert.equal((await b.accessToken())?.value, (await a.accessToken())?.value)
    assert.equal(s.refreshes(), 1)
  })

  test('without Web Locks, the sessions of one tab still refresh one at a time', async (t) => {
    const s = await setup(t)
    const name = `no-locks-${randomUUID()}`
    const storage = new MemoryStorage()
    const now = () => s.f.clock.now
    const a = createBrowserSession(s.f.config, { name, storage, refreshTokens, now })
    const b = createBrowserSession(s.f.config, { name, storage, refreshTokens, now })
    t.after(() => {
      a.close()
      b.close()
    })
    const arrived = nextChange(b)
    a.signedIn(await s.signIn())
    await arrived
    s.makeDue()
    const [fromA, fromB] = await Promise.all([a.accessToken(), b.accessToken()])
    assert.equal(s.refreshes(), 1)
    assert.equal(fromB?.value, fromA?.value)
  })
})

describe('createBrowserSession: sign-out and restore across tabs', () => {
  test("sign-out in one tab: the other's accessToken() is undefined and its listener fired", async (t) => {
    const s = await setup(t)
    const a = s.tab()
    const b = s.tab()
    const arrived = nextChange(b)
    a.signedIn(await s.signIn())
    await arrived
    const ended = nextChange(b)
    const here = nextChange(a)
    await a.signOut()
    assert.deepEqual(await here, { type: 'signed-out', fromAnotherTab: false })
    assert.deepEqual(await ended, { type: 'signed-out', fromAnotherTab: true })
    assert.equal(await b.accessToken(), undefined)
    assert.equal(b.isSignedIn, false)
    assert.equal(b.user, undefined)
    assert.equal(a.idToken, undefined)
  })

  test('twin: a listener that unsubscribed is not called, the others are', async (t) => {
    const s = await setup(t)
    const a = s.tab()
    const seen: string[] = []
    const stop = a.onChange((change) => seen.push(`first ${change.type}`))
    a.onChange((change) => seen.push(`second ${change.type}`))
    a.signedIn(await s.signIn())
    stop()
    await a.signOut()
    assert.deepEqual(seen, ['first signed-in', 'second signed-in', 'second signed-out'])
  })

  test('restore() in a new tab gets the tokens from an open tab', async (t) => {
    const s = await setup(t)
    const open = s.tab()
    const result = await s.signIn()
    open.signedIn(result)
    const fresh = s.tab()
    assert.equal(fresh.isSignedIn, false)
    assert.equal(await fresh.restore(), true)
    assert.equal(fresh.user?.sub, 'alice')
    assert.equal((await fresh.accessToken())?.value, result.accessToken?.value)
  })

  test('twin: restore() with no other tab open resolves false after the timeout', async (t) => {
    const s = await setup(t)
    const fresh = s.tab()
    assert.equal(await fresh.restore(10), false)
    assert.equal(fresh.isSignedIn, false)
  })

  test('restore() with a negative timeout is refused (INVALID_ARGUMENT)', async (t) => {
    const s = await setup(t)
    await assert.rejects(s.tab().restore(-1), { code: 'INVALID_ARGUMENT' })
  })
})

describe('createBrowserSession: the OP refusing, the network failing', () => {
  test('invalid_grant: accessToken() resolves undefined and the session ends in every tab', async (t) => {
    const s = await setup(t)
    const a = s.tab()
    const b = s.tab()
    const arrived = nextChange(b)
    const result = await s.signIn()
    a.signedIn(result)
    await arrived
    // the refresh token is used elsewhere (rotated away): the OP refuses it from now on
    await refreshTokens(s.f.config, result.refreshToken ?? '')
    s.makeDue()
    const ended = nextChange(b)
    const here = nextChange(a)
    assert.equal(await a.accessToken(), undefined)
    assert.deepEqual(await here, { type: 'ended', fromAnotherTab: false })
    assert.deepEqual(await ended, { type: 'ended', fromAnotherTab: true })
    assert.equal(a.isSignedIn, false)
    assert.equal(b.isSignedIn, false)
    assert.equal(await b.accessToken(), undefined)
  })

  test('twin: another OP error (temporarily_unavailable) is thrown and keeps the session', async (t) => {
    const s = await setup(t)
    const a = s.tab()
    a.signedIn(await s.signIn())
    s.makeDue()
    s.f.op.misbehave({ oauthError: { endpoint: 'token', error: 'temporarily_unavailable' } })
    await assert.rejects(
      a.accessToken(),
      (err) => err instanceof OAuthResponseError && err.error === 'temporarily_unavailable',
    )
    assert.equal(a.isSignedIn, true)
    assert.ok(await a.accessToken())
  })

  test('a transport failure keeps the session and throws the typed error; the next call refreshes', async (t) => {
    const s = await setup(t)
    let offline = false
    const config = await s.f.reconfigure({
      fetch: (input, init) =>
        offline ? Promise.reject(new TypeError('fetch failed')) : s.f.op.fetch(input, init),
    })
    const a = s.tab({}, config)
    const result = await s.signIn()
    a.signedIn(result)
    s.makeDue()
    offline = true
    const error = await a.accessToken().then(
      () => assert.fail('resolved'),
      (err: unknown) => err,
    )
    assert.ok(error instanceof TransportError)
    assert.equal(error.code, 'HTTP_NETWORK_ERROR')
    assertNoSecrets(error)
    assert.equal(a.isSignedIn, true)
    assert.equal(a.idToken, result.idToken)
    offline = false
    const token = await a.accessToken()
    assert.ok(token)
    assert.equal(s.refreshes(), 1)
  })
})

describe("createBrowserSession: persist 'local'", () => {
  test('the tokens are re-read from storage inside the lock: a tab that missed the message uses them', async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels() // no message is ever delivered
    const a = s.tab({ persist: 'local', channel: channels.factory })
    const b = s.tab({ persist: 'local', channel: channels.factory, syncTimeoutInMs: 10 })
    a.signedIn(await s.signIn())
    assert.equal(await b.restore(), true) // from storage, no channel needed
    s.makeDue()
    const fromA = await a.accessToken()
    assert.equal(s.refreshes(), 1)
    const fromB = await b.accessToken()
    assert.equal(fromB?.value, fromA?.value)
    assert.equal(s.refreshes(), 1)
  })

  test("twin: persist 'memory', same missed message: SESSION_SYNC_TIMEOUT (nothing to re-read)", async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels()
    const a = s.tab({ channel: channels.factory })
    const b = s.tab({ channel: channels.factory, syncTimeoutInMs: 10 })
    a.signedIn(await s.signIn())
    channels.release() // b gets the sign-in; a's refresh will not reach it
    s.makeDue()
    await a.accessToken()
    await assert.rejects(b.accessToken(), { code: 'SESSION_SYNC_TIMEOUT' })
    assert.equal(s.refreshes(), 1)
  })

  test("persist 'memory' writes no token to storage, only the change counter", async (t) => {
    const s = await setup(t)
    const a = s.tab()
    const result = await s.signIn()
    a.signedIn(result)
    const stored = [...s.storage.items.values()].join('\n')
    assert.equal([...s.storage.items.keys()].length, 1)
    assert.match([...s.storage.items.keys()][0] ?? '', /\.generation$/)
    assert.ok(!stored.includes(result.refreshToken ?? '-'))
    assert.ok(!stored.includes(result.idToken))
  })

  test("persist 'session' keeps the tokens in the tab's own storage; sign-out removes them", async (t) => {
    const s = await setup(t)
    const own = new MemoryStorage()
    const a = s.tab({ persist: 'session', sessionStorage: own })
    a.signedIn(await s.signIn())
    assert.equal(own.items.size, 1)
    const reloaded = s.tab({ persist: 'session', sessionStorage: own, channel: () => silent })
    assert.equal(await reloaded.restore(0), true)
    await a.signOut()
    assert.equal(own.items.size, 0)
  })
})

describe('createBrowserSession: options and input', () => {
  test("persist 'local' where localStorage cannot be used: INVALID_ARGUMENT naming the fix", async (t) => {
    const s = await setup(t)
    assert.throws(
      () => createBrowserSession(s.f.config, { persist: 'local', refreshTokens }),
      (err) =>
        err instanceof UsageError &&
        err.code === 'INVALID_ARGUMENT' &&
        err.parameter === 'persist' &&
        /localStorage/.test(err.message),
    )
  })

  test("twin: persist 'local' with a storage given works", async (t) => {
    const s = await setup(t)
    const session = s.tab({ persist: 'local' })
    assert.equal(session.isSignedIn, false)
  })

  test('invalid options are refused with INVALID_ARGUMENT naming the option', async (t) => {
    const s = await setup(t)
    const cases: [BrowserSessionOptions, string][] = [
      [{ persist: 'cookie' as 'local' }, 'persist'],
      [{ refreshLeewayInSeconds: -1 }, 'refreshLeewayInSeconds'],
      [{ syncTimeoutInMs: Number.NaN }, 'syncTimeoutInMs'],
      [{ name: '' }, 'name'],
      [{ dpop: {} as BrowserSessionOptions['dpop'] }, 'dpop'],
    ]
    for (const [options, parameter] of cases) {
      assert.throws(() => createBrowserSession(s.f.config, options), { parameter })
    }
  })

  test("the core's configuration without the refreshTokens option is INVALID_ARGUMENT naming it; with it, a session", async (t) => {
    const s = await setup(t)
    assert.throws(() => createBrowserSession(s.f.config), {
      code: 'INVALID_ARGUMENT',
      parameter: 'refreshTokens',
    })
    assert.throws(
      () => createBrowserSession(s.f.config, { refreshTokens: 'yes' as unknown as undefined }),
      { parameter: 'refreshTokens' },
    )
    const session = createBrowserSession(s.f.config, { refreshTokens })
    session.close()
  })

  test('signedIn() with something else than a sign-in result: INVALID_ARGUMENT, still signed out', async (t) => {
    const s = await setup(t)
    const tab = s.tab()
    const result = await s.signIn()
    assert.throws(() => tab.signedIn({ ...result, idToken: '' }), { code: 'INVALID_ARGUMENT' })
    assert.equal(tab.isSignedIn, false)
    tab.signedIn(result)
    assert.equal(tab.isSignedIn, true)
  })

  test('a malformed message on the channel is ignored; a well-formed one is taken', async (t) => {
    const s = await setup(t)
    const channels = new HeldChannels()
    const tab = s.tab({ channel: channels.factory })
    const other = channels.factory('x')
    other.postMessage({
      kind: 'tokens',
      generation: 5,
      change: 'signed-in',
      tokens: { idToken: 7 },
    })
    other.postMessage({ kind: 'signed-out', generation: -1, change: 'signed-out' })
    channels.release()
    assert.equal(tab.isSignedIn, false)
    const result = await s.signIn()
    const { idToken, idTokenClaims, accessToken, refreshToken } = result
    const tokens = { idToken, idTokenClaims, accessToken, refreshToken }
    other.postMessage({ kind: 'tokens', generation: 5, change: 'signed-in', tokens })
    channels.release()
    assert.equal(tab.user?.sub, 'alice')
  })
})

/** A channel that hears and tells nothing. */
const silent = {
  postMessage() {},
  addEventListener() {},
  close() {},
}

function advance(s: Setup, seconds: number): void {
  s.f.clock.now += seconds * 1000
}

describe('createBrowserSession: DPoP (RFC 9449)', () => {
  /** A sign-in whose tokens are bound to `dpop` (the callback redeems the code with its proofs). */
  async function dpopSignIn(s: Setup, dpop: Awaited<ReturnType<typeof createDPoPHandle>>) {
    const result = await s.f.signIn(undefined, { dpop })
    registerSecret(result.accessToken?.value, result.refreshToken, result.idToken)
    assert.equal(result.accessToken?.type, 'DPoP')
    return result
  }
  const refreshRequests = (s: Setup) =>
    s.f.op.requests.filter((r) => r.params.grant_type === 'refresh_token')

  test('a DPoP session refreshes with a proof of its key, and the new token is DPoP and works at UserInfo with the key', async (t) => {
    const s = await setup(t, { dpop: { nonces: true } })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const tab = s.tab({ dpop })
    const result = await dpopSignIn(s, dpop)
    tab.signedIn(result)
    s.makeDue()
    const token = await tab.accessToken()
    assert.equal(token?.type, 'DPoP')
    assert.notEqual(token?.value, result.accessToken?.value)
    registerSecret(token?.value)
    assert.equal(refreshRequests(s).at(-1)?.dpopJkt, dpop.thumbprint)
    const claims = await fetchUserInfo(s.f.config, token!, { expectedSubject: 'alice', dpop })
    assert.equal(claims.sub, 'alice')
  })

  test('the OP refuses a DPoP-bound refresh token of a public client without a proof (what a tab without the key would meet)', async (t) => {
    const s = await setup(t, { dpop: {} })
    const result = await dpopSignIn(s, await createDPoPHandle(await generateDPoPKeyPair()))
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(s.f.config, result.refreshToken!),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
  })

  test('a tab without the dpop option refuses to refresh DPoP-bound tokens: DPOP_KEY_MISMATCH, nothing sent, the session kept in every tab', async (t) => {
    const s = await setup(t, { dpop: {} })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const a = s.tab({ dpop })
    const b = s.tab()
    const arrived = nextChange(b)
    a.signedIn(await dpopSignIn(s, dpop))
    await arrived
    s.makeDue()
    s.f.op.clearRequests()
    const err = await expectCode<UsageError>(b.accessToken(), 'DPOP_KEY_MISMATCH')
    assert.equal(err.parameter, 'dpop')
    assert.equal(refreshRequests(s).length, 0)
    assert.equal(a.isSignedIn, true)
    assert.equal(b.isSignedIn, true)
  })

  test('twin: a tab with a handle of the same key pair (as read back from IndexedDB) refreshes the shared tokens', async (t) => {
    const s = await setup(t, { dpop: {} })
    const pair = await generateDPoPKeyPair()
    const dpop = await createDPoPHandle(pair)
    const a = s.tab({ dpop })
    const b = s.tab({ dpop: await createDPoPHandle(pair) })
    const arrived = nextChange(b)
    a.signedIn(await dpopSignIn(s, dpop))
    await arrived
    s.makeDue()
    const token = await b.accessToken()
    assert.equal(token?.type, 'DPoP')
    assert.equal(refreshRequests(s).at(-1)?.dpopJkt, dpop.thumbprint)
    assert.equal((await a.accessToken())?.value, token?.value)
  })

  test('a tab with another key (one generated per tab) refuses to refresh: DPOP_KEY_MISMATCH', async (t) => {
    const s = await setup(t, { dpop: {} })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const a = s.tab({ dpop })
    const b = s.tab({ dpop: await createDPoPHandle(await generateDPoPKeyPair()) })
    const arrived = nextChange(b)
    a.signedIn(await dpopSignIn(s, dpop))
    await arrived
    s.makeDue()
    s.f.op.clearRequests()
    await expectCode(b.accessToken(), 'DPOP_KEY_MISMATCH')
    assert.equal(refreshRequests(s).length, 0)
  })

  test('signedIn() with a DPoP token but no dpop option: DPOP_KEY_MISMATCH, still signed out', async (t) => {
    const s = await setup(t, { dpop: {} })
    const tab = s.tab()
    const result = await dpopSignIn(s, await createDPoPHandle(await generateDPoPKeyPair()))
    await expectCode(() => tab.signedIn(result), 'DPOP_KEY_MISMATCH')
    assert.equal(tab.isSignedIn, false)
  })

  test("persist 'local' keeps the key's thumbprint beside the tokens, never the key", async (t) => {
    const s = await setup(t, { dpop: {} })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const tab = s.tab({ dpop, persist: 'local' })
    tab.signedIn(await dpopSignIn(s, dpop))
    const item = [...s.storage.items.entries()].find(([key]) => key.endsWith('.tokens'))?.[1]
    const stored = JSON.parse(item!) as { tokens: Record<string, unknown> }
    assert.equal(stored.tokens.dpopJkt, dpop.thumbprint)
    assert.deepEqual(Object.keys(stored.tokens).sort(), [
      'accessToken',
      'dpopJkt',
      'idToken',
      'idTokenClaims',
      'refreshToken',
    ])
    const reloaded = s.tab({ dpop, persist: 'local', channel: () => silent })
    assert.equal(await reloaded.restore(0), true)
    assert.equal((await reloaded.accessToken())?.type, 'DPoP')
  })
})

describe("createBrowserSession: a page's configuration (the lean sign-in of oidc-rp/browser)", () => {
  async function pageSetup(t: TestContext) {
    const page = await createPageFixture({
      op: { accessTokenTtlInSeconds: TTL, rotateRefreshTokens: true },
    })
    const name = `oidc-rp-test-${randomUUID()}`
    const locks = new FakeLocks()
    const storage = new MemoryStorage()
    const tabs: BrowserSession[] = []
    t.after(() => {
      for (const session of tabs) session.close()
    })
    const tab = (options: BrowserSessionOptions = {}) => {
      const session = createBrowserSession(page.config, { name, locks, storage, ...options })
      tabs.push(session)
      return session
    }
    const refreshes = () =>
      page.op.requests.filter((r) => r.params.grant_type === 'refresh_token').length
    return { page, tab, refreshes }
  }

  test("two tabs asking at once: one refresh with the page's own grant, both get its token, the rotated one works next", async (t) => {
    const { page, tab, refreshes } = await pageSetup(t)
    const a = tab()
    const b = tab()
    const arrived = nextChange(b)
    const result = await page.signIn()
    a.signedIn(result)
    await arrived
    page.clock.now += (TTL - 59) * 1000
    const [fromA, fromB] = await Promise.all([a.accessToken(), b.accessToken()])
    assert.equal(refreshes(), 1)
    assert.ok(fromA)
    registerSecret(fromA.value)
    assert.equal(fromB?.value, fromA.value)
    assert.notEqual(fromA.value, result.accessToken.value)
    const grant = page.op.requests.filter((r) => r.params.grant_type === 'refresh_token').at(-1)
    assert.equal(grant?.params.client_id, PAGE_CLIENT_ID)
    page.clock.now += (TTL - 59) * 1000
    const next = await b.accessToken()
    assert.equal(refreshes(), 2)
    assert.notEqual(next?.value, fromA.value)
    assert.equal(a.user?.sub, 'alice')
  })

  test("a refreshed ID token of another end-user is REFRESH_ID_TOKEN_MISMATCH (OIDC Core §12.2), the session's user unchanged", async (t) => {
    const { page, tab, refreshes } = await pageSetup(t)
    const session = tab()
    const result = await page.signIn()
    session.signedIn(result)
    page.clock.now += (TTL - 59) * 1000
    page.op.misbehave({ idTokenClaims: { sub: 'mallory' } })
    await expectCode(session.accessToken(), 'REFRESH_ID_TOKEN_MISMATCH')
    assert.equal(refreshes(), 1)
    assert.equal(session.user?.sub, 'alice')
    assert.equal(session.idToken, result.idToken)
  })

  test("the dpop and refreshTokens options are INVALID_ARGUMENT with a page's configuration; the twin without them is a session", async (t) => {
    const { tab } = await pageSetup(t)
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    assert.throws(() => tab({ dpop }), { code: 'INVALID_ARGUMENT', parameter: 'dpop' })
    assert.throws(() => tab({ refreshTokens }), {
      code: 'INVALID_ARGUMENT',
      parameter: 'refreshTokens',
    })
    assert.ok(tab())
  })

  test("createEndSessionRequest takes the page's configuration: the OP's endpoint, the client, the hint", async (t) => {
    const { page } = await pageSetup(t)
    const result = await page.signIn()
    const { url } = createEndSessionRequest(page.config, { idTokenHint: result.idToken })
    assert.equal(url.origin + url.pathname, page.config.provider.end_session_endpoint)
    assert.equal(url.searchParams.get('client_id'), PAGE_CLIENT_ID)
    assert.equal(url.searchParams.get('id_token_hint'), result.idToken)
  })
})
