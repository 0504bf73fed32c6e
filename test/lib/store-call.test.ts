import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { TransportError, ValidationError } from '../../src/errors.js'
import { callStore } from '../../src/lib/store-call.js'
import { replyError } from '../support/failing-store.js'
import { assertNoSecrets, expectCode } from '../support/helpers.js'

describe('callStore', () => {
  test("a store's own error becomes STORE_ERROR; its cause keeps name, message and code, not the command's arguments", async () => {
    const thrown = Object.assign(replyError(), { code: 'ERR' })
    const err = await expectCode<TransportError>(
      callStore('replay guard', () => Promise.reject(thrown)),
      'STORE_ERROR',
    )
    assert.ok(err instanceof TransportError)
    assert.equal(err.message, 'the replay guard failed (ReplyError)')
    const cause = err.cause as Error & { code?: unknown; command?: unknown }
    assert.equal(cause.name, 'ReplyError')
    assert.equal(cause.message, "ERR invalid expire time in 'set' command")
    assert.equal(cause.code, 'ERR')
    assert.equal(cause.command, undefined)
    assertNoSecrets(err)
  })

  test('a synchronous throw, a thrown string and a long message are STORE_ERROR too, the message cut', async () => {
    await expectCode(
      callStore('session store get', () => {
        throw new Error('x'.repeat(5000))
      }).catch((err: TransportError) => {
        assert.ok((err.cause as Error).message.length <= 200)
        throw err
      }),
      'STORE_ERROR',
    )
    await expectCode(
      callStore('session store get', () => Promise.reject('down')),
      'STORE_ERROR',
    )
  })

  test("twin: a working store's value comes back; an oidc-rp error a store throws passes unchanged", async () => {
    assert.equal(await callStore('session store delete', async () => true), true)
    assert.equal(await callStore('replay guard', () => false), false)
    const own = new ValidationError('SEALED_VALUE_INVALID', 'tampered')
    const err = await expectCode(
      callStore('transaction store take', () => Promise.reject(own)),
      'SEALED_VALUE_INVALID',
    )
    assert.equal(err, own)
  })
})
