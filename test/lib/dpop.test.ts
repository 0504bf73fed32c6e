/**
 * The DPoP proof maker (RFC 9449 §4), checked with jose as a server would check it.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
} from 'jose'
import type { UsageError } from '../../src/errors.js'
import { type DPoPAlg, generateKeyPairFor, makeHandle } from '../../src/lib/dpop.js'
import { useNodeCrypto } from '../../src/lib/node-crypto.js'
import { expectCode } from '../support/helpers.js'

async function verified(proof: string) {
  const header = decodeProtectedHeader(proof)
  const key = await importJWK(header.jwk!, header.alg)
  await compactVerify(proof, key)
  return { header, claims: decodeJwt(proof) }
}

describe('DPoP proofs', () => {
  for (const alg of ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as DPoPAlg[]) {
    test(`${alg}: a non-extractable key signs a proof that verifies with its public jwk header`, async () => {
      const pair = await generateKeyPairFor(alg)
      assert.equal(pair.privateKey.extractable, false)
      const handle = await makeHandle(pair)
      assert.equal(handle.alg, alg)
      const { header, claims } = await verified(
        await handle.proof('POST', 'https://as.example/token'),
      )
      assert.equal(header.typ, 'dpop+jwt')
      assert.equal(header.alg, alg)
      assert.equal(claims.htm, 'POST')
      assert.equal(claims.htu, 'https://as.example/token')
    })
  }

  test('the jwk header is the public key only, and the thumbprint is RFC 7638 (as jose computes it)', async () => {
    const handle = await makeHandle(await generateKeyPairFor('ES256'))
    const { header } = await verified(await handle.proof('GET', 'https://rs.example/'))
    assert.deepEqual(Object.keys(header.jwk!).sort(), ['crv', 'kty', 'x', 'y'])
    assert.equal(handle.thumbprint, await calculateJwkThumbprint(header.jwk!))
  })

  test('htu leaves out query and fragment; iat is the clock given; jti is fresh each time', async () => {
    const handle = await makeHandle(await generateKeyPairFor())
    const url = 'https://rs.example/api/orders?page=2#top'
    const first = decodeJwt(await handle.proof('GET', url, { nowInMs: 1_700_000_000_500 }))
    const second = decodeJwt(await handle.proof('GET', url))
    assert.equal(first.htu, 'https://rs.example/api/orders')
    assert.equal(first.iat, 1_700_000_000)
    assert.notEqual(first.jti, second.jti)
    assert.ok(typeof first.jti === 'string' && first.jti.length >= 16)
  })

  test('ath is base64url(SHA-256(access token)) when a token is given, absent otherwise', async () => {
    const handle = await makeHandle(await generateKeyPairFor())
    const token = 'an-access-token-value'
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
    const withToken = decodeJwt(
      await handle.proof('GET', 'https://rs.example/', { accessToken: token }),
    )
    assert.equal(withToken.ath, base64url.encode(new Uint8Array(hash)))
    assert.equal(decodeJwt(await handle.proof('GET', 'https://rs.example/')).ath, undefined)
  })

  test('ath is the same without Node crypto (the WebCrypto path browsers take)', async () => {
    const handle = await makeHandle(await generateKeyPairFor())
    const token = 'an-access-token-value'
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
    useNodeCrypto(false)
    try {
      const claims = decodeJwt(
        await handle.proof('GET', 'https://rs.example/', { accessToken: token }),
      )
      assert.equal(claims.ath, base64url.encode(new Uint8Array(hash)))
    } finally {
      useNodeCrypto(true)
    }
  })

  test('a nonce is remembered per origin and goes only to that origin', async () => {
    const handle = await makeHandle(await generateKeyPairFor())
    const headers = new Headers({ 'dpop-nonce': 'nonce-of-the-as' })
    assert.equal(handle.rememberNonce('https://as.example/token', headers), true)
    assert.equal(
      handle.rememberNonce('https://as.example/par', headers),
      false,
      'the same nonce again',
    )
    assert.equal(
      decodeJwt(await handle.proof('POST', 'https://as.example/par')).nonce,
      'nonce-of-the-as',
    )
    assert.equal(decodeJwt(await handle.proof('GET', 'https://rs.example/')).nonce, undefined)
  })

  test('a malformed DPoP-Nonce (a quote, a space) is not remembered; the twin: a well-formed one is', async () => {
    const handle = await makeHandle(await generateKeyPairFor())
    assert.equal(
      handle.rememberNonce('https://as.example/', new Headers({ 'dpop-nonce': 'a"b' })),
      false,
    )
    assert.equal(
      handle.rememberNonce('https://as.example/', new Headers({ 'dpop-nonce': 'a b' })),
      false,
    )
    assert.equal(decodeJwt(await handle.proof('GET', 'https://as.example/')).nonce, undefined)
    assert.equal(
      handle.rememberNonce('https://as.example/', new Headers({ 'dpop-nonce': 'a.b' })),
      true,
    )
    assert.equal(decodeJwt(await handle.proof('GET', 'https://as.example/')).nonce, 'a.b')
  })
})

describe('keys a handle refuses', () => {
  test('an alg that does not fit the key is refused: INVALID_ARGUMENT; the twin: the key’s own alg passes', async () => {
    const pair = await generateKeyPairFor('ES256')
    const error = await expectCode<UsageError>(
      makeHandle(pair, { alg: 'PS256' }),
      'INVALID_ARGUMENT',
    )
    assert.match(error.message, /does not fit/)
    assert.equal((await makeHandle(pair, { alg: 'ES256' })).alg, 'ES256')
  })

  test('an HMAC key, or no key pair at all, is refused: INVALID_ARGUMENT', async () => {
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    await expectCode(
      makeHandle({ privateKey: hmac, publicKey: hmac } as CryptoKeyPair),
      'INVALID_ARGUMENT',
    )
    await expectCode(makeHandle(undefined as unknown as CryptoKeyPair), 'INVALID_ARGUMENT')
  })

  test('an unknown alg to generate is refused: INVALID_ARGUMENT; the twin: ES256 is made', async () => {
    await expectCode(generateKeyPairFor('HS256' as DPoPAlg), 'INVALID_ARGUMENT')
    const pair = await generateKeyPairFor('ES256')
    assert.equal((pair.privateKey.algorithm as EcKeyAlgorithm).namedCurve, 'P-256')
  })
})
