import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readTabMessage } from '../../src/browser/channel.js'

const tokens = {
  idToken: 'header.payload.signature',
  idTokenClaims: { iss: 'https://op.example', sub: 'alice', aud: 'rp', exp: 2, iat: 1 },
  accessToken: { value: 'access-token-value', type: 'Bearer', expiresAt: 100 },
  refreshToken: 'refresh-token-value',
}

describe('readTabMessage: what another tab posted', () => {
  test('well-formed messages are read: tokens, signed-out, ask', () => {
    assert.deepEqual(
      readTabMessage({ kind: 'tokens', generation: 3, change: 'refreshed', tokens }),
      {
        kind: 'tokens',
        generation: 3,
        change: 'refreshed',
        tokens,
      },
    )
    assert.deepEqual(readTabMessage({ kind: 'signed-out', generation: 4, change: 'ended' }), {
      kind: 'signed-out',
      generation: 4,
      change: 'ended',
    })
    assert.deepEqual(readTabMessage({ kind: 'ask', extra: 1 }), { kind: 'ask' })
  })

  test('twin: messages of another shape are ignored (undefined)', () => {
    const bad: unknown[] = [
      null,
      'tokens',
      { kind: 'tokens', generation: -1, change: 'refreshed', tokens },
      { kind: 'tokens', generation: 1.5, change: 'refreshed', tokens },
      { kind: 'tokens', generation: 3, change: 'stolen', tokens },
      { kind: 'tokens', generation: 3, change: 'refreshed', tokens: { ...tokens, idToken: '' } },
      {
        kind: 'tokens',
        generation: 3,
        change: 'refreshed',
        tokens: { ...tokens, refreshToken: 7 },
      },
      {
        kind: 'tokens',
        generation: 3,
        change: 'refreshed',
        tokens: { ...tokens, accessToken: { value: 'x', type: 'DPoP' } },
      },
      {
        kind: 'tokens',
        generation: 3,
        change: 'refreshed',
        tokens: { ...tokens, idTokenClaims: { iss: 'https://op.example' } },
      },
      { kind: 'signed-out', generation: 3, change: 'refreshed' },
      { kind: 'signed-out', change: 'signed-out' },
      { kind: 'hello', generation: 3 },
    ]
    for (const message of bad)
      assert.equal(readTabMessage(message), undefined, JSON.stringify(message))
  })
})
