import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  isDue,
  isExpired,
  parseGeneration,
  readSessionTokens,
  type SessionTokens,
} from '../../src/browser/tokens.js'
import type { IdTokenClaims } from '../../src/id-token.js'

const claims = {
  iss: 'https://op.example',
  sub: 'alice',
  aud: 'rp',
  exp: 2,
  iat: 1,
} as IdTokenClaims
const at = (expiresAt?: number): SessionTokens => ({
  idToken: 'header.payload.signature',
  idTokenClaims: claims,
  accessToken: {
    value: 'access',
    type: 'Bearer',
    ...(expiresAt === undefined ? {} : { expiresAt }),
  },
})

describe('isDue / isExpired: when the access token needs a refresh', () => {
  test('due within the leeway, expired only past its expiry', () => {
    assert.equal(isDue(at(1060), 1000, 60), true)
    assert.equal(isExpired(at(1060), 1000), false)
    assert.equal(isExpired(at(1000), 1000), true)
  })

  test('twin: not due before the leeway; no expiry given is never due', () => {
    assert.equal(isDue(at(1061), 1000, 60), false)
    assert.equal(isDue(at(), 1_000_000, 60), false)
  })

  test('no access token at all is due and expired', () => {
    const { accessToken: _, ...none } = at(1)
    assert.equal(isDue(none, 0, 0), true)
    assert.equal(isExpired(none, 0), true)
  })
})

describe('parseGeneration: tokens kept in web storage', () => {
  test('a stored generation is read back', () => {
    const tokens = at(100)
    assert.deepEqual(parseGeneration(JSON.stringify({ generation: 2, tokens })), {
      generation: 2,
      tokens,
    })
  })

  test('twin: absent, not JSON, or of another shape: undefined', () => {
    for (const text of [null, '{', '[]', '{"generation":"2"}', JSON.stringify({ generation: 2 })]) {
      assert.equal(parseGeneration(text), undefined, String(text))
    }
  })
})

describe('readSessionTokens: DPoP-bound tokens (RFC 9449)', () => {
  const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
  const dpopTokens = { ...at(100), accessToken: { value: 'access', type: 'DPoP', expiresAt: 100 } }

  test("a DPoP access token is read back with its key's thumbprint", () => {
    assert.deepEqual(readSessionTokens({ ...dpopTokens, dpopJkt: JKT }), {
      ...dpopTokens,
      dpopJkt: JKT,
    })
  })

  test('twin: a DPoP token without its thumbprint, a Bearer one with one, or another type: undefined', () => {
    assert.equal(readSessionTokens(dpopTokens), undefined)
    assert.equal(readSessionTokens({ ...dpopTokens, dpopJkt: '' }), undefined)
    assert.equal(readSessionTokens({ ...at(100), dpopJkt: JKT }), undefined)
    const mac = { ...at(100), accessToken: { value: 'access', type: 'MAC' } }
    assert.equal(readSessionTokens(mac), undefined)
  })
})
