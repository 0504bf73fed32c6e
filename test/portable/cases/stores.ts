/** Transaction stores (memory and sealed) and the OP's JWKS cache export. */

import type { Transaction } from '../../../src/index.js'
import { deepEqual, equal, ok } from '../assert.js'
import type { Env } from '../fixtures.js'
import type { Case } from '../harness.js'

const KEY_A = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
const KEY_B = new Uint8Array(32).fill(7)

function tx(state: string, nowSeconds: number): Transaction {
  return {
    state,
    issuer: 'https://op.example.com',
    clientId: 'basic',
    nonce: `nonce-${state}`,
    redirectUri: 'https://rp.example/cb',
    responseType: 'code',
    scope: 'openid',
    createdAt: nowSeconds,
    expiresAt: nowSeconds + 60,
  }
}

export function storeCases(env: Env): Case[] {
  const { lib } = env
  const start = Date.UTC(2030, 0, 1)
  return [
    {
      name: 'memory store: set then take once; a second take finds nothing',
      async run() {
        const store = lib.createMemoryTransactionStore()
        equal(await store.set(tx('s1', 0), 60), undefined, 'no handle')
        deepEqual(await store.take('s1'), tx('s1', 0), 'taken')
        equal(await store.take('s1'), undefined, 'one time')
        equal(await store.take('never-set'), undefined, 'unknown')
      },
    },
    {
      name: 'memory store: entries expire with the injected clock, the oldest is evicted first',
      async run() {
        let now = start
        const store = lib.createMemoryTransactionStore({ now: () => now, maxEntries: 2 })
        await store.set(tx('a', 0), 10)
        now += 9_000
        ok(await store.take('a'), 'alive before its TTL')
        await store.set(tx('b', 0), 10)
        now += 10_000
        equal(await store.take('b'), undefined, 'expired')
        await store.set(tx('c', 0), 60)
        await store.set(tx('d', 0), 60)
        await store.set(tx('e', 0), 60)
        equal(await store.take('c'), undefined, 'evicted')
        ok((await store.take('d')) && (await store.take('e')), 'newest kept')
      },
    },
    {
      name: 'memory store: invalid bounds and TTLs are refused with INVALID_ARGUMENT',
      async run() {
        await env.expectCode(
          () => lib.createMemoryTransactionStore({ maxEntries: 0 }),
          'INVALID_ARGUMENT',
        )
        await env.expectCode(
          lib.createMemoryTransactionStore().set(tx('x', 0), 0),
          'INVALID_ARGUMENT',
        )
        ok(lib.createMemoryTransactionStore({ maxEntries: 1 }), 'twin')
      },
    },
    {
      name: 'sealed store: the handle opens once, for its own state only',
      async run() {
        const now = start
        const store = lib.createSealedTransactionStore({ keys: [KEY_A], now: () => now })
        const handle = await store.set(tx('s1', now / 1000), 60)
        equal(typeof handle, 'string', 'a sealed value')
        equal(handle!.split('.').length, 5, 'a compact JWE')
        ok(!handle!.includes('nonce-s1'), 'the transaction is not readable')
        equal(await store.take('other', handle), undefined, 'another state')
        deepEqual(await store.take('s1', handle), tx('s1', now / 1000), 'opened')
        equal(await store.take('s1', handle), undefined, 'replay refused')
        equal(await store.take('s1'), undefined, 'no handle')
      },
    },
    {
      name: 'sealed store: tampered values and unknown keys are SEALED_VALUE_INVALID, old keys still open',
      async run() {
        let now = start
        const old = lib.createSealedTransactionStore({ keys: [KEY_B], now: () => now })
        const rotated = lib.createSealedTransactionStore({ keys: [KEY_A, KEY_B], now: () => now })
        const other = lib.createSealedTransactionStore({ keys: [KEY_A], now: () => now })
        const handle = (await old.set(tx('s2', now / 1000), 60))!
        const parts = handle.split('.')
        const tag = parts[4]!
        parts[4] = `${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}`
        await env.expectCode(rotated.take('s2', parts.join('.')), 'SEALED_VALUE_INVALID')
        await env.expectCode(other.take('s2', handle), 'SEALED_VALUE_INVALID')
        await env.expectCode(rotated.take('s2', 'x'.repeat(20_000)), 'SEALED_VALUE_INVALID')
        ok(await rotated.take('s2', handle), 'the rotated store opens the old key')
        const expiring = (await rotated.set(tx('s3', now / 1000), 60))!
        now += 61_000
        equal(await rotated.take('s3', expiring), undefined, 'expired is absent')
      },
    },
    {
      name: 'sealed store: keys must be 32 bytes',
      async run() {
        await env.expectCode(
          () => lib.createSealedTransactionStore({ keys: [] }),
          'INVALID_ARGUMENT',
        )
        await env.expectCode(
          () => lib.createSealedTransactionStore({ keys: ['c2hvcnQ'] }),
          'INVALID_ARGUMENT',
        )
        await env.expectCode(
          () => lib.createSealedTransactionStore({ keys: [new Uint8Array(16)] }),
          'INVALID_ARGUMENT',
        )
        ok(lib.createSealedTransactionStore({ keys: [KEY_B] }), 'twin')
      },
    },
    {
      name: 'sealed store: a whole code flow carries the transaction in the handle',
      async run() {
        const store = lib.createSealedTransactionStore({ keys: [KEY_A] })
        const { op, config } = await env.rp('basic', {
          store,
          policy: { scopes: ['openid', 'email'] },
        })
        const returned = await env.authorize(config, op)
        const handle = returned.request.browserBinding?.value
        equal(typeof handle, 'string', 'the store returned a handle')
        await env.expectCode(
          lib.handleCallback(config, returned.input),
          'CALLBACK_BROWSER_BINDING_MISSING',
        )
        const result = await lib.handleCallback(config, returned.input, {
          browserBinding: handle!,
        })
        equal(result.claims.email, 'alice@example.com', 'signed in')
        await env.expectCode(
          lib.handleCallback(config, returned.input, { browserBinding: handle! }),
          'CALLBACK_STATE_UNKNOWN',
        )
      },
    },
    {
      name: 'browser binding: the callback in a browser without the sign-in cookie is refused; the starting browser completes',
      async run() {
        const { op, config } = await env.rp('basic')
        const request = await lib.createAuthorizationRequest(config)
        const response = await op.authorize(request.url, { user: 'alice' })
        const { name, value } = request.browserBinding!
        await env.expectCode(
          lib.handleCallback(config, new Request(response.url), { cookie: `${name}=x` }),
          'CALLBACK_BROWSER_BINDING_MISMATCH',
        )
        const twin = await lib.createAuthorizationRequest(config)
        const back = await op.authorize(twin.url, { user: 'alice' })
        await env.expectCode(
          lib.handleCallback(config, new Request(back.url)),
          'CALLBACK_BROWSER_BINDING_MISSING',
        )
        const third = await lib.createAuthorizationRequest(config)
        const answer = await op.authorize(third.url, { user: 'alice' })
        const cookie = `${third.browserBinding!.name}=${third.browserBinding!.value}`
        const result = await lib.handleCallback(config, new Request(answer.url), { cookie })
        equal(result.idTokenClaims.sub, 'alice', 'the browser that started it signs in')
        ok(
          name !== third.browserBinding!.name && value !== third.browserBinding!.value,
          'per sign-in',
        )
      },
    },
    {
      name: 'jwks cache: exported after a sign-in, restored into a new configuration without a fetch',
      async run() {
        const { op, config } = await env.rp('basic')
        equal(lib.exportJwksCache(config), undefined, 'nothing cached yet')
        await env.signIn(config, op)
        const snapshot = lib.exportJwksCache(config)
        ok(snapshot, 'a snapshot')
        equal(snapshot.uri, `${op.issuer}/jwks`, 'uri')
        const copy = JSON.parse(JSON.stringify(snapshot))
        const { config: fresh } = await env.rp('basic')
        lib.restoreJwksCache(fresh, copy)
        await env.signIn(fresh, op)
        equal(op.requests.filter((r) => r.endpoint === 'jwks').length, 0, 'no JWKS fetch')
        await env.expectCode(
          () => lib.restoreJwksCache(fresh, { ...copy, uri: 'https://other.example/jwks' }),
          'INVALID_ARGUMENT',
        )
        await env.expectCode(
          () => lib.restoreJwksCache(fresh, { uri: copy.uri } as never),
          'INVALID_ARGUMENT',
        )
      },
    },
    {
      name: 'rp-key-rotation-op-sign-key: after the OP rotates its keys the next sign-in fetches the new ones',
      async run() {
        const op = await env.soloOp()
        const config = env.soloConfig(op, {}, { jwksRefetchCooldownInSeconds: 0 })
        await env.signIn(config, op)
        await op.rotateKeys()
        op.clearRequests()
        equal((await env.signIn(config, op)).idTokenClaims.sub, 'alice', 'signed in with new keys')
        equal(op.requests.filter((r) => r.endpoint === 'jwks').length, 1, 'one re-fetch')
      },
    },
  ]
}
