/**
 * lib/base64url.ts against Node's own base64url (an independent encoder), and its refusals.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decode, decodeToBinary, encode } from '../../src/lib/base64url.js'

describe('base64url', () => {
  it('encodes bytes and texts as Node does, without padding, for every length to 70', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      assert.equal(encode(bytes), Buffer.from(bytes).toString('base64url'))
    }
    assert.equal(encode('héllo ✓ 𝄞'), Buffer.from('héllo ✓ 𝄞').toString('base64url'))
  })

  it('encodes a value longer than one fromCharCode chunk (100,000 bytes)', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(65_536)).slice()
    const large = new Uint8Array(100_000)
    large.set(bytes)
    large.set(bytes.subarray(0, 100_000 - 65_536), 65_536)
    assert.equal(encode(large), Buffer.from(large).toString('base64url'))
  })

  it('decodes what it encodes, and what Node encodes', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      assert.deepEqual(decode(encode(bytes)), bytes)
      assert.deepEqual(decode(Buffer.from(bytes).toString('base64url')), bytes)
    }
    assert.equal(decodeToBinary('_-8'), '\xff\xef')
  })

  it('refuses padding, the plain base64 letters, white space and impossible lengths', () => {
    for (const bad of ['AA==', 'A+8', 'A/8', 'AA AA', 'AA\nAA', 'AAAAA', '%41']) {
      assert.throws(() => decode(bad), TypeError, bad)
    }
  })

  it('twin: the same values in the base64url alphabet decode', () => {
    for (const good of ['AA', 'A-8', 'A_8', 'AAAA', 'AAAAAA', '']) {
      assert.doesNotThrow(() => decode(good), good)
    }
  })
})
