import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { base64url, decodeProtectedHeader, EncryptJWT } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import type { ValidationError } from '../../src/errors.js'
import type { Transaction } from '../../src/storage.js'
import { createSealedTransactionStore } from '../../src/stores/sealed.js'
import { sharedSetup } from '../support/authorization.js'
import { expectCode, registerSecret } from '../support/helpers.js'

const K1 = new Uint8Array(randomBytes(32))
const K2 = new Uint8Array(randomBytes(32))
registerSecret(base64url.encode(K1), base64url.encode(K2))

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

/** Flips one character in the middle of a compact JWE part. */
function tamper(jwe: string, part: number): string {
  const parts = jwe.split('.')
  const p = parts[part]!
  const i = Math.floor(p.length / 2)
  parts[part] = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1)
  return parts.join('.')
}

describe('createSealedTransactionStore', () => {
  it('seals the transaction into a dir/A256GCM JWE that hides it, and opens it for its state', async () => {
    const store = createSealedTransactionStore({ keys: [K1] })
    const handle = await store.set(tx('s1', { returnTo: '/account' }), 60)
    assert.ok(handle !== undefined)
    assert.equal(handle.split('.').length, 5)
    const header = decodeProtectedHeader(handle)
    assert.deepEqual([header.alg, header.enc, typeof header.kid], ['dir', 'A256GCM', 'string'])
    assert.ok(!handle.includes(base64url.encode('nonce-s1')) && !handle.includes('verifier'))
    assert.deepEqual(await store.take('s1', handle), tx('s1', { returnTo: '/account' }))
  })

  it('finds nothing without a handle, or for another state (a cookie of another sign-in)', async () => {
    const store = createSealedTransactionStore({ keys: [K1] })
    const handle = await store.set(tx('s1'), 60)
    assert.equal(await store.take('s1'), undefined)
    assert.equal(await store.take('s1', ''), undefined)
    assert.equal(await store.take('s2', handle), undefined)
    assert.ok(await store.take('s1', handle))
  })

  it('expires: a value past its TTL opens to nothing', async () => {
    const clock = { now: 1_000_000_000_000 }
    const store = createSealedTransactionStore({ keys: [K1], now: () => clock.now })
    const early = await store.set(tx('early'), 60)
    const late = await store.set(tx('late'), 60)
    clock.now += 59_000
    assert.ok(await store.take('early', early))
    clock.now += 1_000
    assert.equal(await store.take('late', late), undefined)
  })

  for (const [what, part] of [
    ['header', 0],
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ] as const) {
    it(`refuses a value whose ${what} was tampered with, with SEALED_VALUE_INVALID`, async () => {
      const store = createSealedTransactionStore({ keys: [K1] })
      const handle = (await store.set(tx('s1'), 60))!
      const err = await expectCode<ValidationError>(
        store.take('s1', tamper(handle, part)),
        'SEALED_VALUE_INVALID',
      )
      assert.equal(err.claim, 'transaction')
      assert.ok(await store.take('s1', handle))
    })
  }

  it('refuses a value sealed with a key it does not have, with SEALED_VALUE_INVALID', async () => {
    const handle = (await createSealedTransactionStore({ keys: [K2] }).set(tx('s1'), 60))!
    await expectCode(
      createSealedTransactionStore({ keys: [K1] }).take('s1', handle),
      'SEALED_VALUE_INVALID',
    )
    assert.ok(await createSealedTransactionStore({ keys: [K1, K2] }).take('s1', handle))
  })

  it('rotates: the first key seals, every key opens', async () => {
    const old = createSealedTransactionStore({ keys: [K1] })
    const rotated = createSealedTransactionStore({ keys: [K2, K1] })
    const before = (await old.set(tx('before'), 60))!
    const after = (await rotated.set(tx('after'), 60))!
    assert.ok(await rotated.take('before', before))
    assert.ok(await rotated.take('after', after))
    await expectCode(
      createSealedTransactionStore({ keys: [K1] }).take('after', after),
      'SEALED_VALUE_INVALID',
    )
  })

  it('refuses malformed values with SEALED_VALUE_INVALID', async () => {
    const store = createSealedTransactionStore({ keys: [K1] })
    await expectCode(store.take('s1', 'not-a-jwe'), 'SEALED_VALUE_INVALID')
    await expectCode(store.take('s1', 'a'.repeat(20_000)), 'SEALED_VALUE_INVALID')
    const foreign = await new EncryptJWT({ tx: { state: 's1' } })
      .setProtectedHeader({
        alg: 'dir',
        enc: 'A256GCM',
        kid: decodeProtectedHeader((await store.set(tx('x'), 60))!).kid!,
      })
      .setExpirationTime('1m')
      .encrypt(K1)
    await expectCode(store.take('s1', foreign), 'SEALED_VALUE_INVALID')
  })

  it('one-time use: a second take of the same value finds nothing (replay guard)', async () => {
    const store = createSealedTransactionStore({ keys: [K1] })
    const handle = await store.set(tx('s1'), 60)
    assert.ok(await store.take('s1', handle))
    assert.equal(await store.take('s1', handle), undefined)
  })

  it('N concurrent takes of one sealed value: exactly one succeeds', async () => {
    const store = createSealedTransactionStore({ keys: [K1] })
    const handle = await store.set(tx('race'), 60)
    const results = await Promise.all(Array.from({ length: 25 }, () => store.take('race', handle)))
    assert.equal(results.filter((r) => r !== undefined).length, 1)
  })

  it('takes a shared replay guard, or none (replayGuard: false) where the cookie is cleared alone', async () => {
    const claimed: [string, number][] = []
    const taken = new Set<string>()
    const store = createSealedTransactionStore({
      keys: [K1],
      now: () => 1_000_000_000_000,
      replayGuard: {
        async claim(state, expiresAt) {
          claimed.push([state, expiresAt])
          if (taken.has(state)) return false
          taken.add(state)
          return true
        },
      },
    })
    const handle = await store.set(tx('s1'), 60)
    assert.ok(await store.take('s1', handle))
    assert.equal(await store.take('s1', handle), undefined)
    assert.deepEqual(claimed[0], ['s1', 1_000_000_060])
    const unguarded = createSealedTransactionStore({ keys: [K1], replayGuard: false })
    const again = await unguarded.set(tx('s2'), 60)
    assert.ok(await unguarded.take('s2', again))
    assert.ok(await unguarded.take('s2', again))
  })

  it('accepts base64url keys and refuses keys that are not 32 bytes with INVALID_ARGUMENT', async () => {
    await expectCode(() => createSealedTransactionStore({ keys: [] }), 'INVALID_ARGUMENT')
    await expectCode(
      () => createSealedTransactionStore({ keys: [new Uint8Array(16)] }),
      'INVALID_ARGUMENT',
    )
    await expectCode(() => createSealedTransactionStore({ keys: ['short'] }), 'INVALID_ARGUMENT')
    await expectCode(
      () => createSealedTransactionStore({ keys: ['!!not base64url!!'] }),
      'INVALID_ARGUMENT',
    )
    const store = createSealedTransactionStore({ keys: [base64url.encode(K1)] })
    const handle = await store.set(tx('s1'), 60)
    assert.ok(await createSealedTransactionStore({ keys: [K1] }).take('s1', handle))
    await expectCode(store.set(tx('s1'), 0), 'INVALID_ARGUMENT')
  })

  it('serves createAuthorizationRequest: the handle is the cookie value the callback hands back', async () => {
    const { make } = await sharedSetup()
    const store = createSealedTransactionStore({ keys: [K1] })
    const config = make(undefined, { store })
    const request = await createAuthorizationRequest(config, undefined, { appState: { page: 2 } })
    assert.ok(request.browserBinding)
    assert.deepEqual(
      await store.take(request.state, request.browserBinding.value),
      request.transaction,
    )
  })
})
