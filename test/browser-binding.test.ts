/**
 * Login CSRF (RFC 6749 §10.12, RFC 9700 §4.7.1, OIDC Core §3.1.2.1): a sign-in finishes only in the
 * browser that started it. The attacker starts a sign-in in his own browser, signs in at the OP as
 * himself and sends the callback URL to the victim: the victim's browser has no browser-binding
 * cookie for that sign-in, so the callback is refused, for every store. Each refusal has a twin in
 * which the browser that started the sign-in completes it.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createAuthorizationRequest } from '../src/authorization/request.js'
import { handleCallback } from '../src/callback/sign-in.js'
import type { ConfigurationOptions } from '../src/config/configuration.js'
import type { TransactionStore } from '../src/storage.js'
import { createMemoryTransactionStore } from '../src/stores/memory.js'
import { createRedisTransactionStore } from '../src/stores/redis.js'
import { createSealedTransactionStore } from '../src/stores/sealed.js'
import { CookieJar } from './support/cookie-jar.js'
import { expectCode } from './support/helpers.js'
import { type ConnectedRedis, startConnectedRedis } from './support/redis-server.js'
import { createFixture, type Fixture } from './support/sign-in.js'

const USERS = {
  alice: { name: 'Alice Example', email: 'alice@example.com', email_verified: true },
  mallory: { name: 'Mallory Attacker', email: 'mallory@example.com', email_verified: true },
}

let redis: ConnectedRedis

before(async () => {
  redis = await startConnectedRedis()
})

after(() => redis?.stop())

let prefixes = 0
const sealedStore = () =>
  createSealedTransactionStore({ keys: [crypto.getRandomValues(new Uint8Array(32))] })
const STORES: readonly (readonly [string, () => TransactionStore])[] = [
  ['memory', () => createMemoryTransactionStore()],
  ['Redis', () => createRedisTransactionStore(redis.client, { prefix: `binding${++prefixes}:` })],
  ['sealed', sealedStore],
]

function rp(store: TransactionStore, config: ConfigurationOptions = {}): Promise<Fixture> {
  return createFixture({ config: { store, ...config }, op: { users: USERS } })
}

/**
 * Starts a sign-in in `browser` (its cookie set there), signs `user` in at the OP, and returns the
 * callback URL the OP redirects to.
 */
async function signInAtOp(f: Fixture, browser: CookieJar, user: string, returnTo: string) {
  const request = await createAuthorizationRequest(f.config, undefined, { appState: { returnTo } })
  if (request.browserBinding) browser.set(request.browserBinding.setCookie)
  const response = await f.op.authorize(request.url, { user })
  return { request, callbackUrl: response.url }
}

/** The browser follows the redirect to the callback: a GET with its cookies. */
function follow(browser: CookieJar, callbackUrl: string): Request {
  return new Request(callbackUrl, { headers: { cookie: browser.header() } })
}

describe('login CSRF: the attacker’s callback in the victim’s browser', () => {
  for (const [kind, makeStore] of STORES) {
    test(`${kind} store: the attacker's callback URL opened in the victim's browser is refused and consumed`, async () => {
      const f = await rp(makeStore())
      const attacker = new CookieJar()
      const victim = new CookieJar()
      // the victim has a sign-in of her own pending, so her browser holds a binding cookie too
      await signInAtOp(f, victim, 'alice', '/victim')
      const { callbackUrl } = await signInAtOp(f, attacker, 'mallory', '/attacker-page')
      const err = await expectCode<Error>(
        handleCallback(f.config, follow(victim, callbackUrl)),
        'CALLBACK_BROWSER_BINDING_MISSING',
      )
      assert.doesNotMatch(JSON.stringify(err) + String(err.message), /attacker-page|mallory/)
      assert.equal(
        f.op.requests.filter((r) => r.endpoint === 'token').length,
        0,
        'the code was never redeemed',
      )
      if (kind !== 'sealed') {
        // consumed: not even the attacker's own browser can use it afterwards
        await expectCode(
          handleCallback(f.config, follow(attacker, callbackUrl)),
          'CALLBACK_STATE_UNKNOWN',
        )
      }
    })

    test(`${kind} store: the browser that started the sign-in completes it (twin)`, async () => {
      const f = await rp(makeStore())
      const browser = new CookieJar()
      const other = new CookieJar()
      await signInAtOp(f, other, 'mallory', '/elsewhere')
      const { callbackUrl } = await signInAtOp(f, browser, 'alice', '/account')
      const result = await handleCallback(f.config, follow(browser, callbackUrl))
      assert.equal(result.claims.sub, 'alice')
      assert.deepEqual(result.transaction.appState, { returnTo: '/account' })
      browser.set(result.clearBrowserBinding!)
      assert.doesNotMatch(browser.header(), new RegExp(result.clearBrowserBinding!.split('=')[0]!))
    })
  }
})

describe('the browser-binding value', () => {
  test('a binding cookie with the right name but another value is refused as a mismatch', async () => {
    const f = await rp(createMemoryTransactionStore())
    const browser = new CookieJar()
    const { request, callbackUrl } = await signInAtOp(f, browser, 'alice', '/')
    const name = request.browserBinding!.name
    const forged = `${name}=${'A'.repeat(43)}`
    await expectCode(
      handleCallback(f.config, new Request(callbackUrl, { headers: { cookie: forged } })),
      'CALLBACK_BROWSER_BINDING_MISMATCH',
    )
  })

  test('the right value under the right name passes (twin of the mismatch)', async () => {
    const f = await rp(createMemoryTransactionStore())
    const browser = new CookieJar()
    const { request, callbackUrl } = await signInAtOp(f, browser, 'alice', '/')
    const cookie = `${request.browserBinding!.name}=${request.browserBinding!.value}`
    const result = await handleCallback(f.config, new Request(callbackUrl, { headers: { cookie } }))
    assert.equal(result.claims.sub, 'alice')
  })

  test('two cookies of the binding name (one tossed in by another path or domain) are refused', async () => {
    const f = await rp(createMemoryTransactionStore())
    const browser = new CookieJar()
    const { request, callbackUrl } = await signInAtOp(f, browser, 'alice', '/')
    const { name, value } = request.browserBinding!
    const cookie = `${name}=${'B'.repeat(43)}; ${name}=${value}`
    await expectCode(
      handleCallback(f.config, new Request(callbackUrl, { headers: { cookie } })),
      'CALLBACK_BROWSER_BINDING_MISMATCH',
    )
  })

  test('an https sign-in ignores a binding cookie without the __Host- prefix (cookie tossing from a sibling subdomain)', async () => {
    // memory: the value is looked up under the __Host- name only; sealed: the value opens the
    // transaction, whose https redirect URI then refuses the name it came under
    const cases = [
      [createMemoryTransactionStore(), 'CALLBACK_BROWSER_BINDING_MISSING'],
      [sealedStore(), 'CALLBACK_BROWSER_BINDING_MISMATCH'],
    ] as const
    for (const [store, code] of cases) {
      const f = await rp(store)
      const browser = new CookieJar()
      const { request, callbackUrl } = await signInAtOp(f, browser, 'alice', '/')
      const { name, value } = request.browserBinding!
      assert.ok(name.startsWith('__Host-'))
      const tossed = `${name.slice('__Host-'.length)}=${value}`
      await expectCode(
        handleCallback(f.config, new Request(callbackUrl, { headers: { cookie: tossed } })),
        code,
      )
    }
  })

  test('the binding value given as an option (the application read its cookie itself) passes', async () => {
    const f = await rp(createMemoryTransactionStore())
    const { request, callbackUrl } = await signInAtOp(f, new CookieJar(), 'alice', '/')
    const result = await handleCallback(f.config, callbackUrl, {
      browserBinding: request.browserBinding!.value,
    })
    assert.equal(result.claims.sub, 'alice')
  })

  test('a callback URL without a Request or cookie option is refused: nothing to bind it with', async () => {
    const f = await rp(createMemoryTransactionStore())
    const { callbackUrl } = await signInAtOp(f, new CookieJar(), 'alice', '/')
    await expectCode(handleCallback(f.config, callbackUrl), 'CALLBACK_BROWSER_BINDING_MISSING')
  })

  test('the store keeps only the SHA-256 of the binding value, never the value', async () => {
    const saved: string[] = []
    const inner = createMemoryTransactionStore()
    const store: TransactionStore = {
      set: (tx, ttl) => {
        saved.push(JSON.stringify(tx))
        return inner.set(tx, ttl)
      },
      take: (state) => inner.take(state),
    }
    const f = await rp(store)
    const request = await createAuthorizationRequest(f.config)
    const value = request.browserBinding!.value
    assert.equal(saved.length, 1)
    assert.ok(!saved[0]!.includes(value), 'the value is not stored')
    const hash = createHash('sha256').update(value).digest('base64url')
    assert.equal(request.transaction.browserBindingHash, hash)
    assert.ok(saved[0]!.includes(hash), 'its hash is')
  })

  test('the cookie: __Host- prefix, Secure, HttpOnly, Path=/, SameSite=Lax and the transaction TTL on https', async () => {
    const f = await rp(createMemoryTransactionStore(), { transactionTtlInSeconds: 300 })
    const { browserBinding, state } = await createAuthorizationRequest(f.config)
    assert.equal(browserBinding!.name, `__Host-oidc-rp.${state}`)
    assert.equal(
      browserBinding!.setCookie,
      `__Host-oidc-rp.${state}=${browserBinding!.value}; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Lax`,
    )
  })

  test('the cookie of a form_post sign-in on https is SameSite=None, so the OP’s cross-site POST carries it', async () => {
    const f = await rp(createMemoryTransactionStore(), { policy: { responseMode: 'form_post' } })
    const { browserBinding } = await createAuthorizationRequest(f.config)
    assert.match(browserBinding!.setCookie, /; Secure; SameSite=None$/)
  })

  test('the cookie of a form_post.jwt (JARM) sign-in is SameSite=None too; a query.jwt one is Lax', async () => {
    const posted = await rp(createMemoryTransactionStore(), {
      policy: { responseMode: 'form_post.jwt' },
    })
    const { browserBinding } = await createAuthorizationRequest(posted.config)
    assert.match(browserBinding!.setCookie, /; Secure; SameSite=None$/)
    const query = await rp(createMemoryTransactionStore(), {
      policy: { responseMode: 'query.jwt' },
    })
    const lax = await createAuthorizationRequest(query.config)
    assert.match(lax.browserBinding!.setCookie, /; Secure; SameSite=Lax$/)
  })

  test('on a plain-http loopback redirect URI the cookie has no __Host- prefix and no Secure (development)', async () => {
    const loopback = 'http://127.0.0.1:3000/cb'
    const f = await createFixture({
      config: { store: createMemoryTransactionStore(), policy: { responseMode: 'form_post' } },
      client: { redirect_uris: [loopback] },
      clientInput: { redirect_uris: [loopback] },
    })
    const { browserBinding, state } = await createAuthorizationRequest(f.config)
    assert.equal(browserBinding!.name, `oidc-rp.${state}`)
    assert.doesNotMatch(browserBinding!.setCookie, /Secure/)
    assert.match(browserBinding!.setCookie, /SameSite=Lax$/)
  })
})

describe('stores that bind by themselves, and the opt-out', () => {
  test("an 'in-browser' store needs no cookie: the callback passes without one", async () => {
    const inner = createMemoryTransactionStore()
    const store: TransactionStore = {
      browserBinding: 'in-browser',
      set: (tx, ttl) => inner.set(tx, ttl),
      take: (state) => inner.take(state),
    }
    const f = await rp(store)
    const { request, callbackUrl } = await signInAtOp(f, new CookieJar(), 'alice', '/')
    assert.equal(request.browserBinding, undefined)
    assert.equal(request.transaction.browserBindingHash, undefined)
    const result = await handleCallback(f.config, callbackUrl)
    assert.equal(result.claims.sub, 'alice')
    assert.equal(result.clearBrowserBinding, undefined)
  })

  test('dangerouslySkipBrowserBinding: the callback is accepted from any browser', async () => {
    const f = await rp(createMemoryTransactionStore())
    const request = await createAuthorizationRequest(f.config, undefined, {
      dangerouslySkipBrowserBinding: true,
    })
    assert.equal(request.browserBinding, undefined)
    assert.equal(request.transaction.browserBindingWaived, true)
    const response = await f.op.authorize(request.url, { user: 'alice' })
    const result = await handleCallback(f.config, follow(new CookieJar(), response.url))
    assert.equal(result.claims.sub, 'alice')
  })

  test('without dangerouslySkipBrowserBinding the same callback from another browser is refused (twin)', async () => {
    const f = await rp(createMemoryTransactionStore())
    const request = await createAuthorizationRequest(f.config, undefined, {
      dangerouslySkipBrowserBinding: false,
    })
    const response = await f.op.authorize(request.url, { user: 'alice' })
    await expectCode(
      handleCallback(f.config, follow(new CookieJar(), response.url)),
      'CALLBACK_BROWSER_BINDING_MISSING',
    )
  })

  test('bad binding options are refused before anything is consumed', async () => {
    const f = await rp(createMemoryTransactionStore())
    await expectCode(
      createAuthorizationRequest(f.config, undefined, {
        dangerouslySkipBrowserBinding: 'yes' as unknown as boolean,
      }),
      'INVALID_ARGUMENT',
    )
    const browser = new CookieJar()
    const { callbackUrl } = await signInAtOp(f, browser, 'alice', '/')
    await expectCode(
      handleCallback(f.config, callbackUrl, { browserBinding: 42 as unknown as string }),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      handleCallback(f.config, callbackUrl, { cookie: {} as unknown as string }),
      'INVALID_ARGUMENT',
    )
    const result = await handleCallback(f.config, follow(browser, callbackUrl))
    assert.equal(result.claims.sub, 'alice', 'still pending after the refusals')
  })

  test("a store declaring 'handle' whose set returns none is a configuration error", async () => {
    const inner = createMemoryTransactionStore()
    const store: TransactionStore = {
      browserBinding: 'handle',
      set: (tx, ttl) => inner.set(tx, ttl),
      take: (state) => inner.take(state),
    }
    const f = await rp(store)
    await expectCode(createAuthorizationRequest(f.config), 'INVALID_CONFIGURATION')
  })
})
