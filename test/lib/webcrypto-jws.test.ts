import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose'
import { ASYMMETRIC_ALGS } from '../../src/lib/algorithms.js'
import { importVerificationKey, verifiesWith } from '../../src/lib/webcrypto-jws.js'

/** A JWS of `alg` made by jose, the public JWK that verifies it, and the same JWS tampered with. */
async function signed(alg: string, payload = '{"sub":"alice"}') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig', key_ops: ['verify'] }
  const jws = await new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg })
    .sign(privateKey)
  const [header, body, signature] = jws.split('.')
  const tampered = `${header}.${Buffer.from('{"sub":"mallory"}').toString('base64url')}.${signature}`
  return { jws, jwk, tampered, body }
}

describe('JWS verified with WebCrypto directly', () => {
  // every alg oidc-rp accepts from the OP's keys
  for (const alg of ASYMMETRIC_ALGS) {
    test(`${alg}: a JWS jose signed verifies; the twin with another payload does not`, async () => {
      const { jws, jwk, tampered } = await signed(alg)
      const key = await importVerificationKey(jwk as Record<string, unknown>, alg)
      assert.equal(await verifiesWith(jws, key, alg), true)
      assert.equal(await verifiesWith(tampered, key, alg), false)
    })
  }

  test('HS256: verifies with the HMAC key; the twin key (another secret) does not', async () => {
    const secret = new TextEncoder().encode('a client secret of thirty-two bytes!')
    const jws = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret)
    const hmac = (bytes: Uint8Array<ArrayBuffer>) =>
      crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    assert.equal(await verifiesWith(jws, await hmac(secret), 'HS256'), true)
    const other = await hmac(new TextEncoder().encode('another secret of thirty-two bytes'))
    assert.equal(await verifiesWith(jws, other, 'HS256'), false)
  })

  test('a key is used only for the alg it was imported for: RS256 key, PS256 JWS refused', async () => {
    const { jwk } = await signed('RS256')
    const rs = await importVerificationKey(jwk as Record<string, unknown>, 'RS256')
    const ps = await signed('PS256')
    assert.equal(await verifiesWith(ps.jws, rs, 'PS256'), false)
  })

  test('an EC key of another curve than the alg names is not imported (P-256 key for ES384)', async () => {
    const { jwk } = await signed('ES256')
    await assert.rejects(importVerificationKey(jwk as Record<string, unknown>, 'ES384'))
    // twin: the same key for its own alg
    await importVerificationKey(jwk as Record<string, unknown>, 'ES256')
  })

  test('an HMAC alg or a symmetric JWK is never imported as an OP public key', async () => {
    await assert.rejects(importVerificationKey({ kty: 'oct', k: 'c2VjcmV0' }, 'HS256'))
    await assert.rejects(importVerificationKey({ kty: 'oct', k: 'c2VjcmV0' }, 'RS256'))
  })

  test('signatures of the wrong length or not base64url are refused, never thrown', async () => {
    const { jws, jwk } = await signed('ES256')
    const key = await importVerificationKey(jwk as Record<string, unknown>, 'ES256')
    const head = jws.slice(0, jws.lastIndexOf('.'))
    const sig = jws.slice(jws.lastIndexOf('.') + 1)
    assert.equal(await verifiesWith(`${head}.${sig.slice(0, -4)}`, key, 'ES256'), false)
    assert.equal(await verifiesWith(`${head}.`, key, 'ES256'), false)
    assert.equal(await verifiesWith(`${head}.!!!!`, key, 'ES256'), false)
    assert.equal(await verifiesWith(jws, key, 'ES256'), true)
  })

  test('the JWK members besides the key itself (alg, use, key_ops, ext) do not reach WebCrypto', async () => {
    const { jws, jwk } = await signed('RS256')
    // WebCrypto would refuse a JWK whose alg disagrees with the import algorithm
    const odd = { ...jwk, alg: 'PS512', key_ops: ['sign'], ext: false } as Record<string, unknown>
    const key = await importVerificationKey(odd, 'RS256')
    assert.equal(await verifiesWith(jws, key, 'RS256'), true)
  })
})
