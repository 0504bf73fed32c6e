/**
 * The connection stores' contract, the same cases for each store: memory, one JSON document (kept
 * in a string here, as a file would keep it), and Redis (a real redis-server on loopback).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { TransportError } from '../../src/errors.js'
import type { ConnectionRecord, ConnectionStore } from '../../src/storage.js'
import {
  createJsonConnectionStore,
  createMemoryConnectionStore,
} from '../../src/stores/connections.js'
import { createRedisConnectionStore } from '../../src/stores/redis.js'
import { expectCode } from '../support/helpers.js'
import { type ConnectedRedis, startConnectedRedis } from '../support/redis-server.js'

let server: ConnectedRedis
before(async () => {
  server = await startConnectedRedis()
})
after(async () => {
  await server?.stop()
})

function record(id: string, revision = 1, label = 'Corp'): ConnectionRecord {
  return {
    id,
    revision,
    enabled: true,
    label,
    domains: ['corp.example'],
    configuration: { issuer: 'https://op.example', provider: {}, client: { client_id: 'rp' } },
  }
}

let redisPrefixes = 0
const stores: [string, () => ConnectionStore][] = [
  ['memory', createMemoryConnectionStore],
  [
    'JSON document',
    () => {
      let text: string | undefined
      return createJsonConnectionStore({
        read: async () => text,
        write: async (next) => {
          text = next
        },
      })
    },
  ],
  ['Redis', () => createRedisConnectionStore(server.client, { prefix: `conn${++redisPrefixes}:` })],
]

for (const [name, make] of stores) {
  describe(`the ${name} connection store`, () => {
    test('puts, gets and lists copies of the records', async () => {
      const store = make()
      const written = record('a')
      assert.equal(await store.put(written), true)
      assert.equal(await store.put(record('b')), true)
      assert.deepEqual(await store.get('a'), written)
      assert.equal(await store.get('missing'), undefined)
      const listed = await store.list()
      assert.deepEqual(listed.map((r) => r.id).sort(), ['a', 'b'])
      ;(listed[0]!.configuration as Record<string, unknown>).issuer = 'changed by the caller'
      assert.equal((await store.get(listed[0]!.id))!.configuration.issuer, 'https://op.example')
    })

    test('a write from an older revision is refused; the next revision lands', async () => {
      const store = make()
      assert.equal(await store.put(record('a', 1)), true)
      assert.equal(await store.put(record('a', 1, 'again')), false)
      assert.equal(await store.put(record('a', 3, 'skipped one')), false)
      assert.equal((await store.get('a'))!.label, 'Corp')
      assert.equal(await store.put(record('a', 2, 'edited')), true)
      assert.equal((await store.get('a'))!.label, 'edited')
    })

    test('delete removes once', async () => {
      const store = make()
      await store.put(record('a'))
      assert.equal(await store.delete('a'), true)
      assert.equal(await store.delete('a'), false)
      assert.equal(await store.get('a'), undefined)
      assert.equal(await store.put(record('a', 1)), true)
    })
  })
}

describe('the JSON document', () => {
  test('is an array of records, indented, ending in a new line', async () => {
    let text = ''
    const store = createJsonConnectionStore({
      read: async () => text,
      write: async (next) => {
        text = next
      },
    })
    await store.put(record('a'))
    assert.deepEqual(JSON.parse(text), [record('a')])
    assert.match(text, /^\[\n {2}\{/)
    assert.ok(text.endsWith('\n'))
  })

  test('a document that is not an array of records is refused; a good one is read', async () => {
    for (const bad of ['{', '{"id":"a"}', '[{"id":"a"},{"id":"a"}]', '[1]']) {
      const store = createJsonConnectionStore({ read: async () => bad, write: async () => {} })
      const err = await expectCode<TransportError>(store.list(), 'STORE_ERROR')
      assert.match(err.message, /connection document/)
    }
    const good = createJsonConnectionStore({
      read: async () => JSON.stringify([record('a')]),
      write: async () => {},
    })
    assert.deepEqual(await good.list(), [record('a')])
  })

  test('writes in one process run one at a time, so none is lost', async () => {
    let text: string | undefined
    const store = createJsonConnectionStore({
      read: async () => text,
      write: async (next) => {
        await new Promise((resolve) => setImmediate(resolve))
        text = next
      },
    })
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.put(record(id))))
    assert.deepEqual((await store.list()).map((r) => r.id).sort(), ['a', 'b', 'c', 'd'])
  })

  test('options without read and write are refused', async () => {
    await expectCode(() => createJsonConnectionStore({} as never), 'INVALID_ARGUMENT')
  })
})

describe('the Redis connection store', () => {
  test('a value in its hash that is not a record is refused; a record is read', async () => {
    const store = createRedisConnectionStore(server.client, { prefix: 'broken:' })
    await server.client.hSet('broken:connections', 'x', 'not json')
    await expectCode(store.get('x'), 'STORE_ERROR')
    await server.client.hSet('broken:connections', 'x', JSON.stringify(record('x')))
    assert.deepEqual(await store.get('x'), record('x'))
  })
})
