import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import type { JWK } from 'jose'
import { encryptionKeyProblem } from '../../src/lib/ecdh-key-checks.js'
import { le } from '../support/okp.js'

describe('the OP keys to encrypt to (ECDH-ES)', () => {
  test('X25519 and X448 small-order keys are refused; generated ones pass', () => {
    const p25519 = 2n ** 255n - 19n
    const p448 = 2n ** 448n - 2n ** 224n - 1n
    for (const u of [
      0n,
      1n,
      p25519 - 1n,
      p25519,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
    ]) {
      const problem = encryptionKeyProblem({ kty: 'OKP', crv: 'X25519', x: le(u, 32) })
      assert.match(problem ?? '', /small order/)
    }
    for (const v of [0n, 1n, p448 - 1n, p448]) {
      const problem = encryptionKeyProblem({ kty: 'OKP', crv: 'X448', x: le(v, 56) })
      assert.match(problem ?? '', /small order/)
    }
    for (const type of ['x25519', 'x448'] as const) {
      const jwk = generateKeyPairSync(type as 'x25519').publicKey.export({ format: 'jwk' }) as JWK
      assert.equal(encryptionKeyProblem(jwk), undefined, type)
    }
  })

  test('RSA and EC keys are checked as signing keys are; an Ed25519 key is no key to encrypt to', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
    assert.equal(encryptionKeyProblem(rsa.export({ format: 'jwk' }) as JWK), undefined)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    const point = ec.export({ format: 'jwk' }) as JWK
    assert.equal(encryptionKeyProblem(point), undefined)
    assert.equal(encryptionKeyProblem({ ...point, y: point.x }), 'EC point not on P-256')
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as JWK
    assert.equal(encryptionKeyProblem(ed), 'OKP key on an unsupported curve')
  })
})
