import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { halfHash, halfHashAlgorithm } from '../../src/lib/half-hash.js'

describe('halfHash', () => {
  it('matches the at_hash and c_hash examples of OIDC Core (RS256)', async () => {
    const hash = halfHashAlgorithm('RS256')
    assert.equal(hash, 'SHA-256')
    assert.equal(
      await halfHash('SHA-256', 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'),
      '77QmUPtjPfzWtF2AnpK9RQ',
    )
    assert.equal(
      await halfHash('SHA-256', 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk'),
      'LDktKdoQak3Pk0cnXxCltA',
    )
  })

  it('keeps the left half of the digest: 16, 24 and 32 bytes', async () => {
    for (const [hash, bytes] of [
      ['SHA-256', 16],
      ['SHA-384', 24],
      ['SHA-512', 32],
    ] as const) {
      const value = await halfHash(hash, 'token')
      assert.equal(Buffer.from(value, 'base64url').length, bytes)
      const full = new Uint8Array(await crypto.subtle.digest(hash, Buffer.from('token')))
      assert.equal(value, Buffer.from(full.subarray(0, bytes)).toString('base64url'))
    }
  })
})

describe('halfHashAlgorithm', () => {
  it('pairs each JWS alg with its hash, EdDSA (Ed25519) with SHA-512, none with nothing', () => {
    const expected: Record<string, string | undefined> = {
      RS256: 'SHA-256',
      PS256: 'SHA-256',
      ES256: 'SHA-256',
      HS256: 'SHA-256',
      RS384: 'SHA-384',
      ES384: 'SHA-384',
      PS512: 'SHA-512',
      ES512: 'SHA-512',
      HS512: 'SHA-512',
      EdDSA: 'SHA-512',
      Ed25519: 'SHA-512',
      none: undefined,
      ES256K: undefined,
    }
    for (const [alg, hash] of Object.entries(expected))
      assert.equal(halfHashAlgorithm(alg), hash, alg)
  })
})
