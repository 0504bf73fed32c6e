import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose'
import { JwksCache, readJwksResponse, sendJwksRequest } from '../../src/lib/jwks-cache.js'
import { expectCode } from '../support/helpers.js'

const URI = 'https://op.example.com/jwks'
const encoder = new TextEncoder()

/** A read response as lib/http.ts gives it, from a status, content type and body. */
function response(status: number, type: string, body: string) {
  return {
    status,
    headers: new Headers({ 'content-type': type }),
    body: encoder.encode(body),
    url: URI,
    redact: (text: string) => text,
  }
}

describe('readJwksResponse: the read half, handed any response', () => {
  it('reads a JWKS and keeps at most maxKeys keys', () => {
    const body = JSON.stringify({
      keys: [
        { kty: 'RSA', kid: 'a' },
        { kty: 'EC', kid: 'b' },
      ],
    })
    const snapshot = readJwksResponse(response(200, 'application/json', body), URI, 1, 42)
    assert.deepEqual(snapshot, { uri: URI, keys: [{ kty: 'RSA', kid: 'a' }], fetchedAt: 42 })
  })

  it('accepts application/jwk-set+json: the twin of a non-JSON content type', async () => {
    const body = JSON.stringify({ keys: [] })
    assert.deepEqual(
      readJwksResponse(response(200, 'application/jwk-set+json', body), URI, 5, 0).keys,
      [],
    )
    await expectCode(
      () => readJwksResponse(response(200, 'text/html', body), URI, 5, 0),
      'HTTP_BAD_CONTENT_TYPE',
    )
  })

  it('refuses a non-200 with HTTP_UNEXPECTED_STATUS', async () => {
    await expectCode(
      () => readJwksResponse(response(500, 'application/json', '{"keys":[]}'), URI, 5, 0),
      'HTTP_UNEXPECTED_STATUS',
    )
  })

  it('refuses a body without a keys array of objects with JWKS_INVALID', async () => {
    for (const body of [{}, { keys: {} }, { keys: [1] }]) {
      await expectCode(
        () => readJwksResponse(response(200, 'application/json', JSON.stringify(body)), URI, 5, 0),
        'JWKS_INVALID',
      )
    }
  })
})

describe('sendJwksRequest: the send half', () => {
  it('GETs the jwks_uri asking for JSON or a JWK set', async () => {
    let seen: Request | undefined
    const fetch: typeof globalThis.fetch = async (input, init) => {
      seen = new Request(input, init)
      return new Response('{"keys":[]}', { headers: { 'content-type': 'application/json' } })
    }
    const read = await sendJwksRequest(URI, { fetch })
    assert.equal(seen?.method, 'GET')
    assert.equal(seen?.url, URI)
    assert.equal(seen?.headers.get('accept'), 'application/json, application/jwk-set+json')
    assert.equal(read.status, 200)
  })
})

describe('JwksCache: one key set, no configuration', () => {
  async function setup() {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
    const state = { now: 1_000_000, fetches: 0 }
    const fetch: typeof globalThis.fetch = async () => {
      state.fetches++
      return new Response(JSON.stringify({ keys: [jwk] }), {
        headers: { 'content-type': 'application/json' },
      })
    }
    const cache = new JwksCache({
      uri: URI,
      http: { fetch },
      now: () => state.now,
      maxKeys: 10,
      maxCandidates: 3,
      refetchCooldownMs: 60_000,
    })
    const sign = (kid: string) =>
      new CompactSign(encoder.encode('{"sub":"alice"}'))
        .setProtectedHeader({ alg: 'ES256', kid })
        .sign(privateKey)
    return { cache, state, sign }
  }

  it('verifies with a fetched key, then from the cache without a fetch', async () => {
    const { cache, state, sign } = await setup()
    const jws = await sign('k1')
    assert.equal(cache.verifyCached(jws, { alg: 'ES256', kid: 'k1' }), false) // nothing cached yet
    const verified = (await cache.verify(
      jws,
      { alg: 'ES256', kid: 'k1' },
      'ID_TOKEN_SIGNATURE_INVALID',
    )) as {
      kid: string
    }
    assert.equal(verified.kid, 'k1')
    await cache.verify(jws, { alg: 'ES256', kid: 'k1' }, 'ID_TOKEN_SIGNATURE_INVALID')
    assert.equal(state.fetches, 1)
    assert.equal(cache.snapshot?.keys.length, 1)
  })

  it('an unknown kid re-fetches once and fails with JWKS_NO_MATCHING_KEY; within the cooldown it does not fetch again', async () => {
    const { cache, state, sign } = await setup()
    await cache.keys(false)
    state.now += 61_000
    const jws = await sign('k2')
    await expectCode(
      cache.verify(jws, { alg: 'ES256', kid: 'k2' }, 'ID_TOKEN_SIGNATURE_INVALID'),
      'JWKS_NO_MATCHING_KEY',
    )
    assert.equal(state.fetches, 2)
    await expectCode(
      cache.verify(jws, { alg: 'ES256', kid: 'k2' }, 'ID_TOKEN_SIGNATURE_INVALID'),
      'JWKS_NO_MATCHING_KEY',
    )
    assert.equal(state.fetches, 2)
  })

  it('restore fills the cache: the next verification needs no fetch', async () => {
    const { cache: first, sign } = await setup()
    await first.keys(false)
    const { cache, state } = await setup()
    cache.restore(first.snapshot!)
    // the restored key is the first setup's; a token of that key verifies without a fetch
    await cache.verify(await sign('k1'), { alg: 'ES256', kid: 'k1' }, 'ID_TOKEN_SIGNATURE_INVALID')
    assert.equal(state.fetches, 0)
  })
})
