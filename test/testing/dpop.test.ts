/**
 * The mock OP checks DPoP proofs as RFC 9449 §4.3 says, at its UserInfo endpoint (a resource
 * server) with a DPoP-bound token: each broken proof is refused, and its twin, the same proof made
 * right, is accepted.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import { createDPoPHandle } from '../../src/dpop.js'
import { browserRequest, createFixture, type Fixture } from '../support/sign-in.js'

interface Setup {
  f: Fixture
  token: string
  key: CryptoKeyPair
  jwk: JWK
  userinfo: string
}

async function setup(nonces = false): Promise<Setup> {
  const f = await createFixture({ op: { dpop: { nonces } }, client: { response_types: ['code'] } })
  const key = (await generateKeyPair('ES256')) as CryptoKeyPair
  const dpop = await createDPoPHandle(key)
  const request = await createAuthorizationRequest(f.config, undefined, { dpop })
  const response = await f.op.authorize(request.url, { user: 'alice' })
  const cookie = `${request.browserBinding!.name}=${request.browserBinding!.value}`
  const result = await handleCallback(f.config, browserRequest(response), {
    cookie,
    dpop,
    userinfo: 'never',
  })
  const { kty, crv, x, y } = await exportJWK(key.publicKey)
  return {
    f,
    token: result.accessToken!.value,
    key,
    jwk: { kty, crv, x, y } as JWK,
    userinfo: f.config.provider.userinfo_endpoint!,
  }
}

interface Craft {
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  signWith?: CryptoKey
  alg?: string
}

async function proofOf(s: Setup, craft: Craft = {}): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s.token))
  const claims = {
    jti: crypto.randomUUID(),
    htm: 'GET',
    htu: s.userinfo,
    iat: Math.floor(s.f.clock.now / 1000),
    ath: base64url.encode(new Uint8Array(hash)),
    ...craft.claims,
  }
  const header = { alg: craft.alg ?? 'ES256', typ: 'dpop+jwt', jwk: s.jwk, ...craft.header }
  return new SignJWT(claims).setProtectedHeader(header).sign(craft.signWith ?? s.key.privateKey)
}

async function send(s: Setup, proof: string | undefined, scheme = 'DPoP') {
  const headers: Record<string, string> = { authorization: `${scheme} ${s.token}` }
  if (proof !== undefined) headers.dpop = proof
  const response = await s.f.op.fetch(s.userinfo, { headers })
  const challenge = response.headers.get('www-authenticate') ?? ''
  return {
    status: response.status,
    error: /error="([^"]+)"/.exec(challenge)?.[1],
    nonce: response.headers.get('dpop-nonce'),
  }
}

describe('the mock OP checks DPoP proofs (RFC 9449 §4.3)', () => {
  let s: Setup
  before(async () => {
    s = await setup()
  })

  test('the twin of every refusal below: a proof made right is accepted', async () => {
    assert.equal((await send(s, await proofOf(s))).status, 200)
  })

  const refusals: [string, (s: Setup) => Promise<string>][] = [
    ['typ other than dpop+jwt', (s) => proofOf(s, { header: { typ: 'JWT' } })],
    [
      'an alg the OP does not allow (ES384)',
      async (s) => {
        const other = (await generateKeyPair('ES384')) as CryptoKeyPair
        const { kty, crv, x, y } = await exportJWK(other.publicKey)
        return proofOf(s, {
          alg: 'ES384',
          header: { jwk: { kty, crv, x, y } },
          signWith: other.privateKey,
        })
      },
    ],
    [
      'a jwk with private members',
      async (s) => proofOf(s, { header: { jwk: { ...s.jwk, d: 'AAAA' } } }),
    ],
    [
      'a signature of another key than the jwk',
      async (s) => {
        const other = (await generateKeyPair('ES256')) as CryptoKeyPair
        return proofOf(s, { signWith: other.privateKey })
      },
    ],
    ['htm other than the method', (s) => proofOf(s, { claims: { htm: 'POST' } })],
    ['htu of another URL', (s) => proofOf(s, { claims: { htu: `${s.f.op.issuer}/elsewhere` } })],
    [
      'iat five minutes old',
      (s) => proofOf(s, { claims: { iat: Math.floor(s.f.clock.now / 1000) - 300 } }),
    ],
    [
      'iat five minutes ahead',
      (s) => proofOf(s, { claims: { iat: Math.floor(s.f.clock.now / 1000) + 300 } }),
    ],
    ['no jti', (s) => proofOf(s, { claims: { jti: undefined } })],
    [
      'an ath of another token',
      (s) => proofOf(s, { claims: { ath: base64url.encode(new Uint8Array(32)) } }),
    ],
  ]
  for (const [name, make] of refusals) {
    test(`a proof with ${name} is refused: 401 invalid_dpop_proof`, async () => {
      const result = await send(s, await make(s))
      assert.deepEqual([result.status, result.error], [401, 'invalid_dpop_proof'])
    })
  }

  test('a replayed proof (the same jti) is refused: 401 invalid_dpop_proof; the first use passed', async () => {
    const proof = await proofOf(s)
    assert.equal((await send(s, proof)).status, 200)
    const replayed = await send(s, proof)
    assert.deepEqual([replayed.status, replayed.error], [401, 'invalid_dpop_proof'])
  })

  test('a stolen DPoP-bound token sent as Bearer is refused: 401 invalid_token', async () => {
    const result = await send(s, undefined, 'Bearer')
    assert.deepEqual([result.status, result.error], [401, 'invalid_token'])
  })

  test('a stolen DPoP-bound token with a proof of the thief’s key is refused: 401 invalid_token', async () => {
    const thief = (await generateKeyPair('ES256')) as CryptoKeyPair
    const { kty, crv, x, y } = await exportJWK(thief.publicKey)
    const proof = await proofOf(s, {
      header: { jwk: { kty, crv, x, y } },
      signWith: thief.privateKey,
    })
    const result = await send(s, proof)
    assert.deepEqual([result.status, result.error], [401, 'invalid_token'])
  })

  test('a DPoP-bound token without any proof is refused: 401 invalid_dpop_proof', async () => {
    const result = await send(s, undefined)
    assert.deepEqual([result.status, result.error], [401, 'invalid_dpop_proof'])
  })
})

describe('the mock OP demands nonces when told to (RFC 9449 §9)', () => {
  test('a proof without the nonce is answered use_dpop_nonce with a DPoP-Nonce; the twin with it passes', async () => {
    const s = await setup(true)
    const first = await send(s, await proofOf(s))
    assert.deepEqual([first.status, first.error], [401, 'use_dpop_nonce'])
    assert.ok(first.nonce)
    const second = await send(s, await proofOf(s, { claims: { nonce: first.nonce } }))
    assert.equal(second.status, 200)
  })

  test('a stale nonce is answered use_dpop_nonce; the twin with the current nonce passes', async () => {
    const s = await setup(true)
    const { nonce } = await send(s, await proofOf(s))
    const stale = await send(s, await proofOf(s, { claims: { nonce: 'an-old-nonce' } }))
    assert.deepEqual([stale.status, stale.error], [401, 'use_dpop_nonce'])
    assert.equal((await send(s, await proofOf(s, { claims: { nonce } }))).status, 200)
  })
})
