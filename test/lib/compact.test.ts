import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { base64url } from 'jose'
import { decodeJws, isCompactJwe } from '../../src/lib/compact.js'
import { expectCode } from '../support/helpers.js'

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
const jws = (header: unknown, payload: unknown, signature = 'c2ln') =>
  `${encode(header)}.${encode(payload)}.${signature}`

describe('decodeJws', () => {
  it('decodes the header and claims of a compact JWS once', () => {
    const decoded = decodeJws(jws({ alg: 'RS256', kid: 'k' }, { sub: 'alice' }), 1000, 'JWT')
    assert.deepEqual(decoded.header, { alg: 'RS256', kid: 'k' })
    assert.deepEqual(decoded.claims, { sub: 'alice' })
  })

  it('accepts an empty signature (alg none) but not an empty payload', async () => {
    assert.equal(decodeJws(jws({ alg: 'none' }, { a: 1 }, ''), 1000, 'JWT').header.alg, 'none')
    await expectCode(() => decodeJws(`${encode({ alg: 'none' })}..`, 1000, 'JWT'), 'JWT_MALFORMED')
  })

  it('refuses a header without a string alg or with a non-string kid', async () => {
    await expectCode(() => decodeJws(jws({ alg: 1 }, {}), 1000, 'JWT'), 'JWT_MALFORMED')
    await expectCode(
      () => decodeJws(jws({ alg: 'RS256', kid: {} }, {}), 1000, 'JWT'),
      'JWT_MALFORMED',
    )
  })

  it('decodes UTF-8 claims', () => {
    const decoded = decodeJws(jws({ alg: 'RS256' }, { name: 'Zoë 日本 🙂' }), 1000, 'JWT')
    assert.equal(decoded.claims.name, 'Zoë 日本 🙂')
  })

  it('refuses invalid UTF-8 in a segment', async () => {
    const bad = `${encode({ alg: 'RS256' })}.${base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d]))}.c2ln`
    await expectCode(() => decodeJws(bad, 1000, 'JWT'), 'JWT_MALFORMED')
  })

  it('checks the length limit before anything else', async () => {
    const token = jws({ alg: 'RS256' }, { sub: 'alice' })
    assert.equal(decodeJws(token, token.length, 'JWT').claims.sub, 'alice')
    await expectCode(() => decodeJws(token, token.length - 1, 'JWT'), 'JWT_TOO_LARGE')
    await expectCode(() => decodeJws('x'.repeat(50), 10, 'JWT'), 'JWT_TOO_LARGE')
  })

  it('refuses any crit header', async () => {
    await expectCode(
      () => decodeJws(jws({ alg: 'RS256', crit: ['b64'], b64: false }, {}), 1000, 'JWT'),
      'JWT_CRIT_UNSUPPORTED',
    )
  })
})

describe('isCompactJwe', () => {
  it('tells five segments from three', () => {
    assert.equal(isCompactJwe('a.b.c.d.e'), true)
    assert.equal(isCompactJwe('a..c.d.e'), true)
    assert.equal(isCompactJwe('a.b.c'), false)
    assert.equal(isCompactJwe('a.b.c.d.e.f'), false)
  })
})

describe('fuzz regressions: decodeJws', () => {
  it('claims nested deeper than 64 levels are JWT_MALFORMED (JSON.stringify of 5,000 levels overflows the stack)', async () => {
    const nested = (levels: number) =>
      `${encode({ alg: 'RS256' })}.${base64url.encode(`{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`)}.c2ln`
    await expectCode(() => decodeJws(nested(6000), 100_000, 'JWT'), 'JWT_MALFORMED')
    await expectCode(() => decodeJws(nested(65), 100_000, 'JWT'), 'JWT_MALFORMED')
    assert.ok(Array.isArray(decodeJws(nested(64), 100_000, 'JWT').claims.a))
  })
})
