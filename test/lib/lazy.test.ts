import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TransportError } from '../../src/errors.js'
import { lazy } from '../../src/lib/lazy.js'

describe('lazy', () => {
  it('loads once: every call shares the first load', async () => {
    let loads = 0
    const load = lazy(async () => ++loads)
    assert.deepEqual(await Promise.all([load(), load()]), [1, 1])
    assert.equal(await load(), 1)
    assert.equal(loads, 1)
  })

  it('a failed load (a chunk the network did not deliver) is a typed error, and the next call tries again', async () => {
    let loads = 0
    const load = lazy(async () => {
      loads++
      if (loads === 1) throw new Error('chunk not fetched')
      return 'module'
    })
    const failed = await load().then(
      () => assert.fail('the failed load resolved'),
      (error: unknown) => error,
    )
    assert.ok(failed instanceof TransportError)
    assert.equal(failed.code, 'HTTP_NETWORK_ERROR')
    assert.equal((failed.cause as Error).message, 'chunk not fetched')
    assert.equal(await load(), 'module')
    assert.equal(await load(), 'module')
    assert.equal(loads, 2)
  })
})
