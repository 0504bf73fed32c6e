import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sameText } from '../../src/lib/compare.js'

describe('sameText', () => {
  test('equal strings are the same; twin: one differing character, or another length, is not', () => {
    assert.equal(sameText('csrf-token', 'csrf-token'), true)
    assert.equal(sameText('csrf-token', 'csrf-tokem'), false)
    assert.equal(sameText('csrf-token', 'csrf-token2'), false)
    assert.equal(sameText('', ''), true)
  })
})
