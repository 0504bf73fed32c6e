import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose'
import { createConfiguration } from '../src/configuration.js'
import { exportJwksCache, restoreJwksCache, verifyWithOpKeys } from '../src/jwks.js'
import { client, providerMetadata } from './fixtures.js'
import { expectCode } from './helpers.js'

const encoder = new TextEncoder()
const verify = (config: Parameters<typeof verifyWithOpKeys>[0], jws: string) =>
  verifyWithOpKeys(
    config,
    jws,
    decodeProtectedHeader(jws) as { alg: string },
    'ID_TOKEN_SIGNATURE_INVALID',
  )

async function signer(alg: 'RS256' | 'ES256', kid?: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg)
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig', ...(kid ? { kid } : {}) }
  const sign = (payload: object, headerKid: string | undefined = kid) =>
    new CompactSign(encoder.encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg, ...(headerKid ? { kid: headerKid } : {}) })
      .sign(privateKey)
  return { jwk, sign }
}

/** A JWKS endpoint whose keys the test can change, counting fetches. */
function jwksServer(keys: JWK[]) {
  const state = { keys, fetches: 0, delayMs: 0 }
  const fetch: typeof globalThis.fetch = async () => {
    state.fetches++
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs))
    return new Response(JSON.stringify({ keys: state.keys }), {
      headers: { 'content-type': 'application/json' },
    })
  }
  return { state, fetch }
}

test('rp-discovery-jwks_uri-keys: keys are fetched lazily from jwks_uri and cached', async () => {
  const a = await signer('RS256', 'a')
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  assert.equal(server.state.fetches, 0)
  const jws = await a.sign({ hello: 1 })
  const { payload, kid } = await verify(config, jws)
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { hello: 1 })
  assert.equal(kid, 'a')
  await verify(config, jws)
  assert.equal(server.state.fetches, 1)
})

test('an unknown kid re-fetches the JWKS once (key rotation), then fails with JWKS_NO_MATCHING_KEY', async () => {
  const a = await signer('ES256', 'a')
  const b = await signer('ES256', 'b')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  now += 10_000
  server.state.keys = [a.jwk, b.jwk] // the OP rotates
  await verify(config, await b.sign({}))
  assert.equal(server.state.fetches, 2)
  now += 10_000
  const stranger = await signer('ES256', 'c')
  await expectCode(verify(config, await stranger.sign({})), 'JWKS_NO_MATCHING_KEY')
  assert.equal(server.state.fetches, 3, 'exactly one re-fetch for the unknown kid')
})

test('N concurrent lookups of an unknown kid cause one JWKS request', async () => {
  const a = await signer('ES256', 'a')
  const b = await signer('ES256', 'b')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  now += 60_000
  server.state.keys = [b.jwk]
  server.state.delayMs = 20
  const jws = await b.sign({})
  await Promise.all(Array.from({ length: 25 }, () => verify(config, jws)))
  assert.equal(server.state.fetches, 2)
})

test('the cooldown stops a stream of unknown kids from hammering the OP', async () => {
  const a = await signer('ES256', 'a')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
    jwksRefetchCooldownInSeconds: 5,
  })
  await verify(config, await a.sign({}))
  const bogus = await signer('ES256', 'bogus')
  for (let i = 0; i < 20; i++) {
    now += 100
    await expectCode(verify(config, await bogus.sign({})), 'JWKS_NO_MATCHING_KEY')
  }
  assert.equal(server.state.fetches, 1, 'no re-fetch within the cooldown')
  now += 5_000
  await expectCode(verify(config, await bogus.sign({})), 'JWKS_NO_MATCHING_KEY')
  assert.equal(server.state.fetches, 2, 'one re-fetch once the cooldown has passed')
})

test('rp-id_token-kid-absent-single-jwks: without kid, the single candidate key is used', async () => {
  const a = await signer('RS256')
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer([a.jwk]).fetch,
  })
  await verify(config, await a.sign({}))
})

test('rp-id_token-kid-absent-multiple-jwks: without kid, each candidate is tried, bounded', async () => {
  const keys = await Promise.all([signer('RS256', 'a'), signer('RS256', 'b'), signer('RS256', 'c')])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer(keys.map((k) => k.jwk)).fetch,
  })
  const { kid } = await verify(config, await keys[2]!.sign({}, undefined))
  assert.equal(kid, 'c')
  const stranger = await signer('RS256')
  await expectCode(verify(config, await stranger.sign({})), 'ID_TOKEN_SIGNATURE_INVALID')
  const many = await Promise.all(Array.from({ length: 6 }, () => signer('RS256')))
  const crowded = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer(many.map((k) => k.jwk)).fetch,
  })
  await expectCode(verify(crowded, await many[0]!.sign({})), 'JWKS_TOO_MANY_CANDIDATES')
})

test('keys are selected by type, curve, use and alg: an RSA key never verifies ES256', async () => {
  const rsa = await signer('RS256', 'same')
  const ec = await signer('ES256', 'same')
  const encKey: JWK = { ...ec.jwk, use: 'enc', kid: 'enc' }
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer([rsa.jwk, encKey]).fetch,
  })
  await expectCode(verify(config, await ec.sign({}, 'enc')), 'JWKS_NO_MATCHING_KEY')
  await verify(config, await rsa.sign({}))
})

test('a JWKS without a keys array is JWKS_INVALID', async () => {
  const a = await signer('RS256', 'a')
  const fetch: typeof globalThis.fetch = async () =>
    new Response('{"keys":{}}', { headers: { 'content-type': 'application/json' } })
  const config = createConfiguration(providerMetadata(), client, { fetch })
  await expectCode(verify(config, await a.sign({})), 'JWKS_INVALID')
})

test('the JWKS cache exports and restores: a restored cache needs no fetch', async () => {
  const a = await signer('ES256', 'a')
  const server = jwksServer([a.jwk])
  const first = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  assert.equal(exportJwksCache(first), undefined)
  const jws = await a.sign({})
  await verify(first, jws)
  const saved = JSON.parse(JSON.stringify(exportJwksCache(first)))
  const second = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  restoreJwksCache(second, saved)
  await verify(second, jws)
  assert.equal(server.state.fetches, 1)
  await expectCode(
    () => restoreJwksCache(second, { ...saved, uri: 'https://other.example/jwks' }),
    'INVALID_ARGUMENT',
  )
  await expectCode(() => restoreJwksCache(second, { ...saved, keys: 'x' }), 'INVALID_ARGUMENT')
})

test('a kid-less JWS signed by a rotated key of the same type re-fetches once after the cooldown', async () => {
  const a = await signer('ES256')
  const b = await signer('ES256')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  server.state.keys = [b.jwk]
  // within the cooldown the rotation cannot be followed: the old key fails and no fetch happens
  await expectCode(verify(config, await b.sign({})), 'ID_TOKEN_SIGNATURE_INVALID')
  assert.equal(server.state.fetches, 1)
  now += 10_000
  await verify(config, await b.sign({}))
  assert.equal(server.state.fetches, 2)
})
