/**
 * The connection registry through two mock OPs: one callback for both, the connection found from
 * the transaction only, mix-up refused, management as data (conflicts, validation before any
 * write, no credential in the store), choosing a connection, reloads. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import { discover } from '../../src/discovery.js'
import type { ConnectionRegistry, ConnectionRegistryOptions } from '../../src/registry/index.js'
import { createConnectionRegistry } from '../../src/registry/index.js'
import type { TransactionStore } from '../../src/storage.js'
import { createMemoryConnectionStore } from '../../src/stores/connections.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { createSealedTransactionStore } from '../../src/stores/sealed.js'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import { CookieJar } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest } from '../support/sign-in.js'

const REDIRECT_URI = 'https://rp.example/callback'
const SECRETS = {
  a: 'registry-secret-a-0123456789-abcdefghijklmnop',
  b: 'registry-secret-b-0123456789-abcdefghijklmnop',
}
registerSecret(SECRETS.a, SECRETS.b)
const SEAL_KEY = crypto.getRandomValues(new Uint8Array(32))

async function opAt(issuer: string, secret: string): Promise<MockOP> {
  return createMockOP({
    issuer,
    clients: [
      {
        client_id: 'rp',
        client_secret: secret,
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        response_types: ['code'],
      },
    ],
    users: { alice: { email: 'alice@corp.example' } },
    webfinger: { resources: [`acct:alice@${new URL(issuer).host}`] },
  })
}

const opA = await opAt('https://op-a.example', SECRETS.a)
const opB = await opAt('https://op-b.example', SECRETS.b)
/** One network with both OPs on it. */
const network: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input)
  return (url.startsWith(opA.issuer) ? opA : opB).fetch(input, init)
}
const client = { client_id: 'rp', redirect_uris: [REDIRECT_URI] }
const configA = await discover(
  opA.issuer,
  { ...client, client_secret: SECRETS.a },
  { fetch: network },
)
const configB = await discover(
  opB.issuer,
  { ...client, client_secret: SECRETS.b },
  { fetch: network },
)

/** A registry holding both OPs, `a` serving corp.example users. */
async function twoConnections(
  options: Partial<ConnectionRegistryOptions> = {},
): Promise<ConnectionRegistry> {
  const registry = createConnectionRegistry({
    credentials: { a: { client_secret: SECRETS.a }, b: { client_secret: SECRETS.b } },
    fetch: network,
    ...options,
  })
  await registry.add('a', configA, { label: 'Corp', domains: ['Corp.Example'] })
  await registry.add('b', configB, { label: 'Partner' })
  return registry
}

/** Starts a sign-in with a connection and authorizes it at its OP as alice. */
async function started(registry: ConnectionRegistry, id: string, browser = new CookieJar()) {
  const request = await registry.createAuthorizationRequest(id)
  registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
  if (request.browserBinding) browser.set(request.browserBinding.setCookie)
  const op = request.url.href.startsWith(opA.issuer) ? opA : opB
  const response = await op.authorize(request.url, { user: 'alice' })
  registerSecret(response.params.get('code') ?? undefined)
  return { request, response, browser }
}

/** The callback URL of a response with its state replaced (an attacker's swap). */
function withState(url: string, state: string): string {
  const next = new URL(url)
  next.searchParams.set('state', state)
  return next.href
}

describe('one callback for every connection', () => {
  test('each connection signs in through the same callback, found from its transaction', async () => {
    const registry = await twoConnections()
    for (const id of ['a', 'b']) {
      const { response, browser } = await started(registry, id)
      const signIn = await registry.handleCallback(browserRequest(response), {
        cookie: browser.header(),
      })
      assert.equal(signIn.connection, id)
      assert.equal(signIn.result.idTokenClaims.iss, id === 'a' ? opA.issuer : opB.issuer)
      assert.equal(signIn.config.issuer, signIn.result.idTokenClaims.iss)
    }
  })

  test("mix-up: A's response delivered to a sign-in started with B is refused", async () => {
    const registry = await twoConnections()
    const browser = new CookieJar()
    const victim = await started(registry, 'b', browser)
    const attacker = await started(registry, 'a', browser)
    const swapped = withState(attacker.response.url, victim.request.state)
    const err = await expectCode(
      registry.handleCallback(swapped, { cookie: browser.header() }),
      'CALLBACK_ISSUER_MISMATCH',
    )
    assert.doesNotMatch(String(err), new RegExp(attacker.response.params.get('code')!))
    // The twin: B's own response, in the same browser, signs in through B.
    const again = await started(registry, 'b', browser)
    const signIn = await registry.handleCallback(again.response.url, { cookie: browser.header() })
    assert.equal(signIn.connection, 'b')
  })

  test('a transaction no registry connection saved is refused, though in the shared store', async () => {
    const transactions = createMemoryTransactionStore()
    const registry = await twoConnections({ transactions })
    const outside = await discover(
      opA.issuer,
      { ...client, client_secret: SECRETS.a },
      { fetch: network, store: transactions },
    )
    const request = await createAuthorizationRequest(outside)
    const response = await opA.authorize(request.url, { user: 'alice' })
    await expectCode(
      registry.handleCallback(response.url, { browserBinding: request.browserBinding!.value }),
      'CALLBACK_STATE_UNKNOWN',
    )
    // The twin: the registry's own sign-in, in the same shared store, completes.
    const own = await started(registry, 'a')
    const signIn = await registry.handleCallback(own.response.url, { cookie: own.browser.header() })
    assert.equal(signIn.connection, 'a')
  })

  test("a connection's own handleCallback refuses another connection's transaction", async () => {
    const registry = await twoConnections()
    const b = await started(registry, 'b')
    const configOfA = await registry.configuration('a')
    await expectCode(
      handleCallback(configOfA, b.response.url, { cookie: b.browser.header() }),
      'CALLBACK_STATE_UNKNOWN',
    )
    // The twin: B's configuration completes B's sign-in with core handleCallback.
    const again = await started(registry, 'b')
    const result = await handleCallback(await registry.configuration('b'), again.response.url, {
      cookie: again.browser.header(),
    })
    assert.equal(result.idTokenClaims.iss, opB.issuer)
  })

  test('a sign-in whose connection was disabled since it started is refused', async () => {
    const registry = await twoConnections()
    const pending = await started(registry, 'a')
    await registry.update('a', { enabled: false })
    await expectCode(
      registry.handleCallback(pending.response.url, { cookie: pending.browser.header() }),
      'CONNECTION_UNAVAILABLE',
    )
    await expectCode(registry.createAuthorizationRequest('a'), 'CONNECTION_UNAVAILABLE')
    // The twin: enabled again, a new sign-in completes.
    await registry.update('a', { enabled: true })
    const next = await started(registry, 'a')
    const signIn = await registry.handleCallback(next.response.url, {
      cookie: next.browser.header(),
    })
    assert.equal(signIn.connection, 'a')
  })

  test('the callback without the browser-binding cookie is refused, with it signs in', async () => {
    const registry = await twoConnections()
    const pending = await started(registry, 'a')
    await expectCode(
      registry.handleCallback(pending.response.url),
      'CALLBACK_BROWSER_BINDING_MISSING',
    )
    const twin = await started(registry, 'a')
    const signIn = await registry.handleCallback(twin.response.url, {
      cookie: twin.browser.header(),
    })
    assert.equal(signIn.connection, 'a')
  })

  test('a callback without state is refused before any store is read', async () => {
    const taken: string[] = []
    const inner = createMemoryTransactionStore()
    const transactions: TransactionStore = {
      set: (t, ttl) => inner.set(t, ttl),
      take: (state) => {
        taken.push(state)
        return inner.take(state)
      },
    }
    const registry = await twoConnections({ transactions })
    await expectCode(registry.handleCallback(`${REDIRECT_URI}?code=abc`), 'CALLBACK_STATE_MISSING')
    assert.deepEqual(taken, [])
    const twin = await started(registry, 'b')
    await registry.handleCallback(twin.response.url, { cookie: twin.browser.header() })
    assert.equal(taken.length, 1)
  })
})

describe('the callback with JARM and a sealed transaction store', () => {
  test('a JARM response is routed by its state, then verified by its connection', async () => {
    const registry = await twoConnections()
    await registry.update('b', { configuration: { policy: { responseMode: 'jwt' } } })
    const pending = await started(registry, 'b')
    assert.deepEqual([...pending.response.params.keys()], ['response'])
    const signIn = await registry.handleCallback(pending.response.url, {
      cookie: pending.browser.header(),
    })
    assert.equal(signIn.connection, 'b')
  })

  test("a JARM response signed by another OP for B's state is consumed and refused", async () => {
    const registry = await twoConnections()
    await registry.update('a', { configuration: { policy: { responseMode: 'jwt' } } })
    await registry.update('b', { configuration: { policy: { responseMode: 'jwt' } } })
    const browser = new CookieJar()
    const victim = await started(registry, 'b', browser)
    // A's OP signs a response for B's state: only A's keys verify it.
    const forged = await opA.authorize(
      (await registry.createAuthorizationRequest('a')).url.href.replace(
        /state=[^&]+/,
        `state=${victim.request.state}`,
      ),
      { user: 'alice' },
    )
    await expectCode(
      registry.handleCallback(forged.url, { cookie: browser.header() }),
      'JWKS_NO_MATCHING_KEY',
    )
    await expectCode(
      registry.handleCallback(victim.response.url, { cookie: browser.header() }),
      'CALLBACK_STATE_UNKNOWN',
    )
    // The twin: B's own JARM response for a fresh sign-in completes.
    const twin = await started(registry, 'b', browser)
    const signIn = await registry.handleCallback(twin.response.url, { cookie: browser.header() })
    assert.equal(signIn.connection, 'b')
  })

  test('over a sealed store, the browser-binding cookie opens the transaction', async () => {
    const transactions = createSealedTransactionStore({ keys: [SEAL_KEY] })
    const registry = await twoConnections({ transactions })
    const pending = await started(registry, 'a')
    await expectCode(
      registry.handleCallback(pending.response.url),
      'CALLBACK_BROWSER_BINDING_MISSING',
    )
    const twin = await started(registry, 'a')
    const signIn = await registry.handleCallback(twin.response.url, {
      cookie: twin.browser.header(),
    })
    assert.equal(signIn.connection, 'a')
  })
})

describe('connections managed as data', () => {
  test('the store holds the configuration and details, never a credential', async () => {
    const store = createMemoryConnectionStore()
    const registry = await twoConnections({ store })
    const records = await store.list()
    assert.deepEqual(
      records.map((r) => [r.id, r.revision, r.enabled, r.label, r.domains]),
      [
        ['a', 1, true, 'Corp', ['corp.example']],
        ['b', 1, true, 'Partner', undefined],
      ],
    )
    const text = JSON.stringify(records)
    assert.doesNotMatch(text, new RegExp(`${SECRETS.a}|${SECRETS.b}`))
    assert.equal(records[0]!.configuration.issuer, opA.issuer)
    assert.equal((await registry.list()).length, 2)
  })

  test('an id already taken is refused; a new id is added', async () => {
    const registry = await twoConnections({
      credentials: (id) => ({ client_secret: id === 'a' ? SECRETS.a : SECRETS.b }),
    })
    await expectCode(registry.add('a', configB), 'CONNECTION_CONFLICT')
    assert.equal((await registry.configuration('a')).issuer, opA.issuer)
    const record = await registry.add('c', configB)
    assert.equal(record.revision, 1)
  })

  test('a domain that belongs to another connection is refused; a free one is taken', async () => {
    const registry = await twoConnections()
    await expectCode(registry.update('b', { domains: ['corp.example'] }), 'CONNECTION_CONFLICT')
    const record = await registry.update('b', { domains: ['partner.example'] })
    assert.deepEqual(record.domains, ['partner.example'])
  })

  test('a connection without its credentials is refused and not stored; with them it is', async () => {
    const store = createMemoryConnectionStore()
    const credentials: Record<string, { client_secret: string }> = {}
    const registry = createConnectionRegistry({ store, credentials, fetch: network })
    await expectCode(registry.add('a', configA), 'MISSING_CREDENTIALS')
    assert.deepEqual(await store.list(), [])
    credentials.a = { client_secret: SECRETS.a }
    await registry.add('a', configA)
    assert.equal((await store.list()).length, 1)
  })

  test('a patch that breaks the configuration is refused and writes nothing; a good one is saved', async () => {
    const registry = await twoConnections()
    await expectCode(
      registry.update('a', { configuration: { policy: { responseType: 'nonsense' } } }),
      'INVALID_CONFIGURATION',
    )
    assert.equal((await registry.list()).find((r) => r.id === 'a')!.revision, 1)
    const record = await registry.update('a', {
      configuration: { policy: { scopes: ['openid', 'email'] } },
    })
    assert.equal(record.revision, 2)
    const { url } = await registry.createAuthorizationRequest('a')
    assert.equal(url.searchParams.get('scope'), 'openid email')
  })

  test('a write from an older revision is refused (two administrators); a fresh one lands', async () => {
    const store = createMemoryConnectionStore()
    const first = await twoConnections({ store })
    const second = createConnectionRegistry({
      store,
      credentials: { a: { client_secret: SECRETS.a } },
      fetch: network,
    })
    const stale = (await store.get('a'))!
    await first.update('a', { label: 'Corp (edited)' })
    assert.equal(await store.put({ ...stale, revision: stale.revision + 1 }), false)
    const record = await second.update('a', { label: 'Corp (second edit)' })
    assert.equal(record.revision, 3)
  })

  test('removed, a connection is unavailable and its pending sign-in refused', async () => {
    const registry = await twoConnections()
    const pending = await started(registry, 'b')
    assert.equal(await registry.remove('b'), true)
    assert.equal(await registry.remove('b'), false)
    await expectCode(
      registry.handleCallback(pending.response.url, { cookie: pending.browser.header() }),
      'CONNECTION_UNAVAILABLE',
    )
    await expectCode(registry.configuration('b'), 'CONNECTION_UNAVAILABLE')
    assert.equal((await registry.configuration('a')).issuer, opA.issuer)
  })

  test("a connection's own fetch wins over the registry's; without one, the registry's is used", async () => {
    const used: string[] = []
    const tagged =
      (tag: string): typeof fetch =>
      (input, init) => {
        used.push(tag)
        return network(input, init)
      }
    const registry = createConnectionRegistry({
      credentials: { a: { client_secret: SECRETS.a }, b: { client_secret: SECRETS.b } },
      fetch: tagged('registry'),
      connectionOptions: (id) => (id === 'a' ? { fetch: tagged('own') } : undefined),
    })
    await registry.add('a', configA)
    await registry.add('b', configB)
    await registry.reload('a')
    assert.deepEqual(used, ['own'])
    await registry.reload('b')
    assert.deepEqual(used, ['own', 'registry'])
  })

  test('bad changes and details are refused and write nothing; a good one lands', async () => {
    const registry = await twoConnections()
    for (const change of [
      'label' as never,
      { label: 'x'.repeat(201) },
      { domains: 'corp.example' as never },
      { domains: ['corp.example', 'Corp.Example'] },
      { domains: ['no-dot'] },
      { enabled: 'yes' as never },
      { configuration: { provider: null } },
    ]) {
      await expectCode(registry.update('a', change), 'INVALID_ARGUMENT')
    }
    assert.equal((await registry.list()).find((r) => r.id === 'a')!.revision, 1)
    assert.equal((await registry.update('a', { label: 'Corp HQ' })).label, 'Corp HQ')
  })

  test('ids outside 1–64 of A-Z a-z 0-9 . _ - are refused', async () => {
    const registry = createConnectionRegistry({ fetch: network })
    for (const id of ['', 'a b', 'x'.repeat(65), '../a', 'é']) {
      await expectCode(registry.add(id, configA), 'INVALID_ARGUMENT')
    }
  })

  test('reload saves the new metadata with a diff; reloadAll reports each connection', async () => {
    const registry = await twoConnections()
    const { record, diff } = await registry.reload('a')
    assert.equal(record.revision, 2)
    assert.equal(diff.changed, false)
    const outcomes = await registry.reloadAll()
    assert.deepEqual(
      outcomes.map((o) => [o.id, 'diff' in o]),
      [
        ['a', true],
        ['b', true],
      ],
    )
  })

  test('reloadAll reports a failing OP and still reloads the others', async () => {
    let down = false
    const flaky: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      if (down && url.startsWith(opB.issuer))
        return Promise.resolve(new Response('', { status: 503 }))
      return network(input, init)
    }
    const registry = await twoConnections({ fetch: flaky })
    down = true
    const outcomes = await registry.reloadAll()
    const b = outcomes.find((o) => o.id === 'b')!
    assert.ok('error' in b)
    assert.equal((b.error as { code: string }).code, 'HTTP_UNEXPECTED_STATUS')
    assert.ok('diff' in outcomes.find((o) => o.id === 'a')!)
  })
})

describe('choosing a connection', () => {
  test('by id, by e-mail domain in any case, and by WebFinger', async () => {
    const registry = await twoConnections()
    assert.equal(await registry.choose({ id: 'b' }), 'b')
    assert.equal(await registry.choose({ email: 'Alice@CORP.example' }), 'a')
    assert.equal(await registry.choose({ identifier: 'alice@op-a.example' }), 'a')
  })

  test('an unknown domain or issuer is refused, never added', async () => {
    const registry = await twoConnections()
    await expectCode(registry.choose({ email: 'eve@elsewhere.example' }), 'CONNECTION_NOT_CHOSEN')
    await expectCode(registry.choose({ id: 'nope' }), 'CONNECTION_UNAVAILABLE')
    assert.equal((await registry.list()).length, 2)
  })

  test('a disabled connection is not chosen by domain; enabled, it is', async () => {
    const registry = await twoConnections()
    await registry.update('a', { enabled: false })
    await expectCode(registry.choose({ email: 'alice@corp.example' }), 'CONNECTION_NOT_CHOSEN')
    await registry.update('a', { enabled: true })
    assert.equal(await registry.choose({ email: 'alice@corp.example' }), 'a')
  })

  test('two connections for one issuer cannot be chosen by WebFinger; one can', async () => {
    const sameIssuer = createConnectionRegistry({
      credentials: { x: { client_secret: SECRETS.a }, y: { client_secret: SECRETS.a } },
      fetch: network,
    })
    await sameIssuer.add('x', configA)
    await sameIssuer.add('y', configA)
    await expectCode(
      sameIssuer.choose({ identifier: 'alice@op-a.example' }),
      'CONNECTION_NOT_CHOSEN',
    )
    await sameIssuer.update('y', { enabled: false })
    assert.equal(await sameIssuer.choose({ identifier: 'alice@op-a.example' }), 'x')
  })
})
