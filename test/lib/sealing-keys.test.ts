import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import type { UsageError } from '../../src/errors.js'
import { createSealer } from '../../src/lib/sealing-keys.js'
import { expectCode } from '../support/helpers.js'

const newKey = () => new Uint8Array(randomBytes(32))
const kidOf = (key: Uint8Array) =>
  createHash('sha256').update(key).digest().subarray(0, 9).toString('base64url')

/** The error a promise rejects with (the test fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: unknown }
  }
  assert.fail('expected a rejection')
}

describe('createSealer', () => {
  test('the first key seals: dir + A256GCM, kid = the first 9 bytes of its SHA-256, iat and exp inside', async () => {
    const [first, second] = [newKey(), newKey()]
    const now = 1_800_000_000_500
    const sealer = createSealer([first, second], 'secrets', () => now)
    const sealed = await sealer.seal({ a: 1 }, 59.2)
    assert.deepEqual(decodeProtectedHeader(sealed), {
      alg: 'dir',
      enc: 'A256GCM',
      kid: kidOf(first),
    })
    assert.deepEqual(await sealer.open(sealed), { a: 1, iat: 1_800_000_000, exp: 1_800_000_060 })
  })

  test('a kid no configured key has is refused; twin: with that key listed second it opens', async () => {
    const [oldKey, newer] = [newKey(), newKey()]
    const sealed = await createSealer([oldKey], 'secrets', Date.now).seal({ a: 1 }, 60)
    const err = await rejection(createSealer([newer], 'secrets', Date.now).open(sealed))
    assert.equal(err.message, 'unknown kid')
    assert.equal((await createSealer([newer, oldKey], 'secrets', Date.now).open(sealed)).a, 1)
  })

  test('past exp the error is ERR_JWT_EXPIRED (the sealed store reads it as absent); twin: before exp it opens', async () => {
    const clock = { now: 1_800_000_000_000 }
    const sealer = createSealer([newKey()], 'secrets', () => clock.now)
    const sealed = await sealer.seal({ a: 1 }, 60)
    clock.now += 59_000
    assert.equal((await sealer.open(sealed)).a, 1)
    clock.now += 2_000
    assert.equal((await rejection(sealer.open(sealed))).code, 'ERR_JWT_EXPIRED')
  })

  test('a key that is not 32 bytes is refused with its position; twin: 32 bytes or their base64url pass', async () => {
    const good = newKey()
    const err = await expectCode<UsageError>(
      () => createSealer([good, new Uint8Array(31)], 'secrets', Date.now),
      'INVALID_ARGUMENT',
    )
    assert.equal(err.parameter, 'secrets[1]')
    await expectCode(() => createSealer([], 'keys', Date.now), 'INVALID_ARGUMENT')
    const sealer = createSealer(
      [good, Buffer.from(newKey()).toString('base64url')],
      'keys',
      Date.now,
    )
    assert.equal((await sealer.open(await sealer.seal({ a: 2 }, 60))).a, 2)
  })
})
