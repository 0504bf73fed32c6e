import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateKeyPair } from 'jose'
import * as real from '../../src/lib/node-crypto.js'
import * as absent from '../../src/lib/node-crypto-absent.js'

// the build for pages and workers swaps one for the other: the stub must take every call
const asReal: typeof real = absent

test('the stub for pages and workers exports what lib/node-crypto.ts exports, and nothing else', () => {
  assert.deepEqual(Object.keys(absent).sort(), Object.keys(real).sort())
  assert.equal(asReal, absent)
})

test('the stub always answers "use WebCrypto"; the twin, Node\'s module, answers at once', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  assert.equal(absent.sha256Base64url('abc'), undefined)
  assert.equal(absent.syncVerifier(publicKey, 'ES256'), undefined)
  assert.equal(absent.signCompactSync(privateKey, { alg: 'ES256' }, new Uint8Array(1)), undefined)
  assert.equal(real.sha256Base64url('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
  assert.equal(typeof real.syncVerifier(publicKey, 'ES256'), 'function')
})
