import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { JWK } from 'jose'
import { encryptionKeyProblem } from '../../src/lib/ecdh-key-checks.js'
import { opKeyProblem, rsaProblem } from '../../src/lib/key-checks.js'
import { le } from '../support/okp.js'
import {
  e1Key,
  encryptionKeys,
  safeSigningKeys,
  unsafeSigningKeys,
} from '../support/unsafe-keys.js'

const bytes = (value: bigint) => {
  const hex = value.toString(16)
  return Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'))
}

describe('OP keys that cannot be safe are named, their safe twins pass', () => {
  test('RSA with e = 1 (anyone can sign) is refused', () => {
    assert.match(String(opKeyProblem(e1Key().jwk)), /exponent at most 2\^16/)
  })

  for (const key of unsafeSigningKeys()) {
    test(`signing key refused: ${key.name}`, () => {
      assert.ok(opKeyProblem(key.jwk) !== undefined, `${key.name} passed`)
    })
  }
  for (const key of encryptionKeys().unsafe) {
    test(`encryption key refused: ${key.name}`, () => {
      assert.ok(encryptionKeyProblem(key.jwk) !== undefined, `${key.name} passed`)
    })
  }

  for (const key of safeSigningKeys()) {
    test(`twin accepted: ${key.name}`, () => {
      assert.equal(opKeyProblem(key.jwk), undefined)
    })
  }
  for (const key of encryptionKeys().safe) {
    test(`twin accepted: ${key.name}`, () => {
      assert.equal(encryptionKeyProblem(key.jwk), undefined)
    })
  }

  test('a point off the curve is refused on each of P-256, P-384 and P-521; the real point passes', () => {
    for (const key of safeSigningKeys().filter((k) => k.jwk.kty === 'EC')) {
      assert.equal(opKeyProblem(key.jwk), undefined, key.name)
      const y = Buffer.from(key.jwk.y!, 'base64url')
      y[y.length - 1]! ^= 1
      const moved: JWK = { ...key.jwk, y: y.toString('base64url') }
      assert.equal(opKeyProblem(moved), `EC point not on ${key.jwk.crv}`)
    }
  })

  test('a P-521 coordinate at or above the field prime is refused though it reduces to the point', () => {
    // 66 bytes hold 528 bits: x + p still fits, and satisfies the equation modulo p.
    const p521 = safeSigningKeys().find((k) => k.jwk.crv === 'P-521')!.jwk
    const x = BigInt(`0x${Buffer.from(p521.x!, 'base64url').toString('hex')}`)
    const wrapped = Buffer.from(bytes(x + 2n ** 521n - 1n))
    const padded = Buffer.concat([Buffer.alloc(66 - wrapped.length), wrapped])
    assert.equal(
      opKeyProblem({ ...p521, x: padded.toString('base64url') }),
      'EC point not on P-521',
    )
    assert.equal(opKeyProblem(p521), undefined)
  })

  test('RSA exponent bounds: 65535 and 2^256 + 1 refused, 65537 and 2^256 - 1 pass; even refused', () => {
    assert.match(String(rsaProblem(2048, bytes(65535n))), /at most 2\^16/)
    assert.match(String(rsaProblem(2048, bytes(2n ** 16n))), /even/)
    assert.match(String(rsaProblem(2048, bytes(2n ** 256n + 1n))), /at least 2\^256/)
    assert.match(String(rsaProblem(2048, bytes(65538n))), /even/)
    assert.equal(rsaProblem(2048, bytes(65537n)), undefined)
    assert.equal(rsaProblem(2048, bytes(2n ** 256n - 1n)), undefined)
  })

  test('RSA modulus bounds: 2047 bits refused, 2048 bits pass; a leading zero byte does not count', () => {
    assert.match(String(rsaProblem(2047, bytes(65537n))), /2047 bits/)
    assert.equal(rsaProblem(2048, bytes(65537n)), undefined)
    const good = safeSigningKeys()[0]!.jwk
    const padded: JWK = {
      ...good,
      n: Buffer.concat([Buffer.alloc(1), Buffer.from(good.n!, 'base64url')]).toString('base64url'),
    }
    assert.equal(opKeyProblem(padded), undefined)
    assert.equal(opKeyProblem(good), undefined)
  })

  test('malformed or unknown keys are refused; the well-formed twin passes', () => {
    const good = safeSigningKeys()[0]!.jwk
    for (const jwk of [
      { ...good, n: undefined },
      { ...good, e: 'not base64url!' },
      { kty: 'oct', k: 'c2VjcmV0' },
      { kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' },
      { kty: 'OKP', crv: 'Ed1', x: 'AA' },
    ] as JWK[]) {
      assert.ok(opKeyProblem(jwk) !== undefined, JSON.stringify(jwk).slice(0, 60))
    }
    assert.equal(opKeyProblem(good), undefined)
  })
})

describe('OKP keys of small order (#19)', () => {
  const hex = (h: string) => Buffer.from(h, 'hex').toString('base64url')
  const ed25519SmallOrder = [
    '0100000000000000000000000000000000000000000000000000000000000000', // identity
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
    '0000000000000000000000000000000000000000000000000000000000000000', // order 4
    '0000000000000000000000000000000000000000000000000000000000000080', // order 4
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
    '0100000000000000000000000000000000000000000000000000000000000080', // identity, sign bit
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p (≡ 0)
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (≡ 1)
  ]
  test('every Ed25519 small-order encoding, canonical or not, is refused; a generated key passes', async () => {
    for (const x of ed25519SmallOrder) {
      assert.match(opKeyProblem({ kty: 'OKP', crv: 'Ed25519', x: hex(x) }) ?? '', /small order/, x)
    }
    const { publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const jwk = (await crypto.subtle.exportKey('jwk', publicKey)) as JWK
    assert.equal(opKeyProblem(jwk), undefined)
  })

  test('Ed448 small-order keys are refused, a generated one passes; key agreement curves are no signing keys', async () => {
    const p448 = 2n ** 448n - 2n ** 224n - 1n
    for (const v of [0n, 1n, p448 - 1n, p448]) {
      assert.match(opKeyProblem({ kty: 'OKP', crv: 'Ed448', x: le(v, 57) }) ?? '', /small order/)
    }
    const { generateKeyPairSync } = await import('node:crypto')
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }) as JWK
    assert.equal(opKeyProblem(ed448), undefined)
    for (const type of ['x25519', 'x448'] as const) {
      const jwk = generateKeyPairSync(type as 'x25519').publicKey.export({ format: 'jwk' }) as JWK
      assert.equal(opKeyProblem(jwk), 'OKP key on an unsupported curve', type)
    }
  })
})
