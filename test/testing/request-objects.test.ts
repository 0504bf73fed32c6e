import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  base64url,
  CompactEncrypt,
  decodeJwt,
  importJWK,
  type JWK,
  SignJWT,
  UnsecuredJWT,
} from 'jose'
import { createMockOP, type MockOP, MockOPError } from '../../src/testing/index.js'
import {
  authorizationUrl,
  basic,
  generateClientKeys,
  pkcePair,
  postForm,
  REDIRECT,
  redeem,
  SECRET,
  secretClient,
  USERS,
} from '../support/mock-op.js'

let op: MockOP
let now = Date.now()
let keys: Awaited<ReturnType<typeof generateClientKeys<'rs256' | 'ps256' | 'es256' | 'eddsa'>>>

before(async () => {
  keys = await generateClientKeys('rs256', 'ps256', 'es256', 'eddsa')
  const jwks = { keys: [keys.rs256.jwk, keys.ps256.jwk, keys.es256.jwk, keys.eddsa.jwk] }
  op = await createMockOP({
    clients: [
      secretClient('ro', { jwks }),
      secretClient('strict', { jwks, request_object_signing_alg: 'ES256' }),
      secretClient('other'),
    ],
    users: USERS,
    now: () => now,
  })
})

/** The authorization parameters a request object carries. */
async function requestClaims(clientId = 'ro', extra: Record<string, unknown> = {}) {
  const { verifier, challenge } = await pkcePair()
  const claims = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    state: 'from-jwt',
    nonce: 'n-jwt',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }
  return { claims, verifier }
}

/** Signs a request object for a client with one of its keys, or HS256, or none. */
function sign(alg: string, claims: Record<string, unknown>, iss = 'ro'): Promise<string> | string {
  if (alg === 'none') return new UnsecuredJWT(claims).setIssuer(iss).setAudience(op.issuer).encode()
  const key = {
    RS256: keys.rs256.privateKey,
    PS256: keys.ps256.privateKey,
    ES256: keys.es256.privateKey,
    EdDSA: keys.eddsa.privateKey,
    HS256: new TextEncoder().encode(SECRET),
  }[alg]
  if (!key) throw new Error(alg)
  return new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setIssuer(iss)
    .setAudience(op.issuer)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 60)
    .sign(key)
}

/** Encrypts a request object to the OP's enc key of an algorithm. */
async function encrypt(jwt: string, alg: string): Promise<string> {
  const jwk = op.jwks().keys.find((k) => k.use === 'enc' && k.alg === alg) as JWK
  return new CompactEncrypt(new TextEncoder().encode(jwt))
    .setProtectedHeader({ alg, enc: 'A256GCM', cty: 'JWT', kid: jwk.kid ?? '' })
    .encrypt(await importJWK(jwk, alg))
}

/** Sends the browser to the OP with `request=` and completes as alice. */
function authorizeWith(request: string, query: Record<string, string> = {}, clientId = 'ro') {
  return op.authorize(authorizationUrl(op, { client_id: clientId, request, ...query }), {
    user: 'alice',
  })
}

describe('request objects by value', () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256', 'none']) {
    it(`accepts a request object signed with ${alg} and uses its parameters`, async () => {
      const { claims, verifier } = await requestClaims()
      const response = await authorizeWith(await sign(alg, claims))
      assert.equal(response.params.get('state'), 'from-jwt')
      const recorded = op.requests.at(-1)?.requestObject
      assert.equal(recorded?.alg, alg)
      assert.equal(recorded?.encrypted, false)
      assert.equal(recorded?.claims.scope, 'openid profile')
      const { body } = await redeem(op, 'ro', response.params.get('code') ?? '', verifier)
      assert.equal(decodeJwt(body.id_token ?? '').nonce, 'n-jwt')
    })
  }

  it('accepts a signed request object encrypted to the OP (RSA-OAEP-256)', async () => {
    const { claims } = await requestClaims()
    const response = await authorizeWith(await encrypt(await sign('ES256', claims), 'RSA-OAEP-256'))
    assert.ok(response.params.get('code'))
    assert.deepEqual(
      {
        alg: op.requests.at(-1)?.requestObject?.alg,
        encrypted: op.requests.at(-1)?.requestObject?.encrypted,
      },
      { alg: 'ES256', encrypted: true },
    )
  })

  it('accepts an unsigned request object encrypted to the OP (ECDH-ES)', async () => {
    const { claims } = await requestClaims()
    const response = await authorizeWith(await encrypt(String(sign('none', claims)), 'ECDH-ES'))
    assert.ok(response.params.get('code'))
  })

  it('refuses a tampered request object with invalid_request_object', async () => {
    const { claims } = await requestClaims()
    const jwt = await sign('RS256', claims)
    assert.ok((await authorizeWith(jwt, { redirect_uri: REDIRECT })).params.get('code'))
    const [header, , signature] = jwt.split('.')
    const payload = base64url.encode(JSON.stringify({ ...decodeJwt(jwt), scope: 'openid email' }))
    const tampered = await authorizeWith(`${header}.${payload}.${signature}`, {
      redirect_uri: REDIRECT,
      state: 'q',
    })
    assert.equal(tampered.params.get('error'), 'invalid_request_object')
    assert.equal(tampered.params.get('state'), 'q')
    await assert.rejects(
      authorizeWith(`${header}.${payload}.${signature}`),
      MockOPError,
      'no redirect_uri to use',
    )
  })

  it('refuses a query parameter that differs from the request object', async () => {
    const { claims } = await requestClaims()
    const jwt = await sign('RS256', claims)
    const same = await authorizeWith(jwt, { scope: 'openid profile', response_type: 'code' })
    assert.ok(same.params.get('code'))
    const differs = await authorizeWith(jwt, { scope: 'openid', redirect_uri: REDIRECT })
    assert.equal(differs.params.get('error'), 'invalid_request_object')
  })

  it('refuses a wrong iss, a wrong aud, an expired one and a client_id mismatch', async () => {
    const { claims } = await requestClaims()
    const twin = await authorizeWith(await sign('RS256', claims), { redirect_uri: REDIRECT })
    assert.ok(twin.params.get('code'))
    const wrongIss = await sign('RS256', claims, 'someone-else')
    const wrongAud = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('ro')
      .setAudience('https://other-op.example')
      .sign(keys.rs256.privateKey)
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('ro')
      .setAudience(op.issuer)
      .setExpirationTime(Math.floor(now / 1000) - 120)
      .sign(keys.rs256.privateKey)
    const otherClient = await sign('RS256', { ...claims, client_id: 'other' })
    for (const jwt of [wrongIss, wrongAud, expired, otherClient]) {
      const response = await authorizeWith(jwt, { redirect_uri: REDIRECT })
      assert.equal(response.params.get('error'), 'invalid_request_object')
    }
  })

  it('refuses an algorithm other than the registered request_object_signing_alg', async () => {
    const { claims } = await requestClaims('strict')
    const es = await authorizeWith(await sign('ES256', claims, 'strict'), {}, 'strict')
    assert.ok(es.params.get('code'))
    const rs = await authorizeWith(
      await sign('RS256', claims, 'strict'),
      { redirect_uri: REDIRECT },
      'strict',
    )
    assert.equal(rs.params.get('error'), 'invalid_request_object')
  })

  it('honours a claims member given as a JSON object', async () => {
    const { claims, verifier } = await requestClaims('ro', {
      claims: { id_token: { email: null } },
    })
    const response = await authorizeWith(await sign('ES256', claims))
    const { body } = await redeem(op, 'ro', response.params.get('code') ?? '', verifier)
    assert.equal(decodeJwt(body.id_token ?? '').email, 'alice@example.com')
  })
})

describe('pushed authorization requests', () => {
  it('accepts plain parameters with client authentication and a one-time request_uri', async () => {
    const { claims, verifier } = await requestClaims()
    const params = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]))
    const pushed = await postForm(op, 'par', params, { authorization: basic('ro', SECRET) })
    assert.equal(pushed.status, 201)
    assert.equal(pushed.headers.get('cache-control'), 'no-store')
    const { request_uri, expires_in } = await pushed.json()
    assert.match(request_uri, /^urn:ietf:params:oauth:request_uri:/)
    assert.equal(expires_in, 60)
    const url = authorizationUrl(op, { client_id: 'ro', request_uri })
    const response = await op.authorize(url, { user: 'alice' })
    assert.equal(response.params.get('state'), 'from-jwt')
    assert.equal(
      (await redeem(op, 'ro', response.params.get('code') ?? '', verifier)).response.status,
      200,
    )
    await assert.rejects(op.authorize(url, { user: 'alice' }), MockOPError, 'one-time use')
    assert.equal(
      op.requests.find((r) => r.endpoint === 'par')?.clientAuthMethod,
      'client_secret_basic',
    )
  })

  it('accepts a signed request object and records it', async () => {
    const { claims } = await requestClaims()
    const request = await sign('PS256', claims)
    const pushed = await postForm(op, 'par', { request }, { authorization: basic('ro', SECRET) })
    assert.equal(pushed.status, 201)
    assert.equal(op.requests.at(-1)?.requestObject?.alg, 'PS256')
    const { request_uri } = await pushed.json()
    const response = await op.authorize(authorizationUrl(op, { client_id: 'ro', request_uri }), {
      user: 'alice',
    })
    assert.ok(response.params.get('code'))
  })

  it('refuses an unauthenticated client, a wrong secret and an unregistered redirect_uri', async () => {
    const { claims } = await requestClaims()
    const params = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]))
    assert.equal((await postForm(op, 'par', params)).status, 401)
    assert.equal(
      (await postForm(op, 'par', params, { authorization: basic('ro', 'nope') })).status,
      401,
    )
    const evil = { ...params, redirect_uri: 'https://evil.example/cb' }
    const refused = await postForm(op, 'par', evil, { authorization: basic('ro', SECRET) })
    assert.equal(refused.status, 400)
    assert.equal((await refused.json()).error, 'invalid_request')
  })

  it('refuses an expired request_uri and one pushed by another client', async () => {
    const { claims } = await requestClaims()
    const params = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]))
    const push = async () =>
      (await (await postForm(op, 'par', params, { authorization: basic('ro', SECRET) })).json())
        .request_uri
    const stolen = await push()
    const otherUrl = authorizationUrl(op, {
      client_id: 'other',
      request_uri: stolen,
      redirect_uri: REDIRECT,
    })
    assert.equal(
      (await op.authorize(otherUrl, { user: 'alice' })).params.get('error'),
      'invalid_request_uri',
    )
    const late = await push()
    now += 61_000
    const url = authorizationUrl(op, { client_id: 'ro', request_uri: late, redirect_uri: REDIRECT })
    assert.equal(
      (await op.authorize(url, { user: 'alice' })).params.get('error'),
      'invalid_request_uri',
    )
  })
})
