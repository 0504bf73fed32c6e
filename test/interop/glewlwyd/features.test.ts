/**
 * The SDK against Glewlwyd 2.7 (Debian's package), part 2: request objects (RS256, HS256), PAR,
 * UserInfo (JSON and signed), refresh, and `auth_time` with `max_age`. Every refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { fetchUserInfo, refreshTokens, type TransportError } from '../../../src/index.js'
import { expectCode } from '../../support/helpers.js'
import { completeLogin } from './browser.js'
import {
  asAlice,
  assertAlice,
  BOB,
  begin,
  type GlewlwydSuite,
  PROFILE,
  SECRET,
  startGlewlwydSuite,
  TOKEN_ENDPOINT_AUDIENCE,
} from './setup.js'

let g: GlewlwydSuite
let issuer: string

before(async () => {
  g = await startGlewlwydSuite()
  issuer = g.issuer()
})

after(async () => {
  await g?.server.close()
})

describe('request objects and PAR', () => {
  const jar = { client_id: 'jar', client_secret: SECRET, request_object_signing_alg: 'RS256' }

  test('rp-request_param-signed (RS256): a request object by value is verified and honoured by Glewlwyd', async () => {
    const config = await g.connect(
      { ...jar, keys: [g.rpKey] },
      { policy: { ...PROFILE, transport: 'request-object' } },
    )
    const pending = await begin(config)
    assert.deepEqual([...pending.url.searchParams.keys()].sort(), [
      'client_id',
      'request',
      'response_type',
      'scope',
    ])
    assertAlice(await pending.finish(await completeLogin(pending.url, asAlice())), issuer)
  })

  test('a request object signed with a key the client did not register is refused by Glewlwyd (an error page)', async () => {
    const config = await g.connect(
      { ...jar, keys: [g.rogueKey] },
      { policy: { transport: 'request-object' } },
    )
    const pending = await begin(config)
    await assert.rejects(completeLogin(pending.url, asAlice()), /Glewlwyd answered 403/)
  })

  test('a request object signed with the client secret (HS256) completes', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, transport: 'request-object', requestObject: { alg: 'HS256' } } },
    )
    const pending = await begin(config)
    assert.ok(pending.url.searchParams.has('request'))
    assertAlice(await pending.finish(await completeLogin(pending.url, asAlice())), issuer)
  })

  test('an HS256 request object signed with another secret is refused by Glewlwyd (an error page)', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: `${SECRET}Other` },
      { policy: { transport: 'request-object', requestObject: { alg: 'HS256' } } },
    )
    const pending = await begin(config)
    await assert.rejects(completeLogin(pending.url, asAlice()), /Glewlwyd answered 403/)
  })

  test('a pushed authorization request (PAR) completes', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, transport: 'par' } },
    )
    const pending = await begin(config)
    assert.deepEqual([...pending.url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    assertAlice(await pending.finish(await completeLogin(pending.url, asAlice())), issuer)
  })

  test('a signed request object (RS256) pushed by PAR completes', async () => {
    const config = await g.connect(
      { ...jar, keys: [g.rpKey] },
      { policy: { ...PROFILE, transport: 'par', requestObject: { alg: 'RS256' } } },
    )
    const pending = await begin(config)
    assert.deepEqual([...pending.url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    assertAlice(await pending.finish(await completeLogin(pending.url, asAlice())), issuer)
  })

  for (const method of ['client_secret_jwt', 'private_key_jwt'] as const) {
    test(`PAR and the token request with ${method}, each assertion's aud the endpoint it is sent to, complete`, async () => {
      const client =
        method === 'private_key_jwt'
          ? { client_id: 'privatekeyjwt', keys: [g.rpKey] }
          : { client_id: 'secretjwt', client_secret: SECRET }
      const config = await g.connect(
        { ...client, token_endpoint_auth_method: method },
        { ...TOKEN_ENDPOINT_AUDIENCE, policy: { ...PROFILE, transport: 'par' } },
      )
      const pending = await begin(config)
      assertAlice(await pending.finish(await completeLogin(pending.url, asAlice())), issuer)
    })
  }

  test('PAR with private_key_jwt and the default audience (the issuer) is refused by Glewlwyd (the twin)', async () => {
    const config = await g.connect(
      {
        client_id: 'privatekeyjwt',
        keys: [g.rpKey],
        token_endpoint_auth_method: 'private_key_jwt',
      },
      { policy: { ...PROFILE, transport: 'par' } },
    )
    // a bare 401 at the PAR endpoint, where the token endpoint answers 403
    const err = await expectCode<TransportError>(begin(config), 'HTTP_UNEXPECTED_STATUS')
    assert.equal(err.status, 401)
  })

  test('a pushed authorization request with a wrong client secret is refused', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: `${SECRET}Wrong` },
      { policy: { transport: 'par' } },
    )
    const err = await expectCode<TransportError>(begin(config), 'HTTP_UNEXPECTED_STATUS')
    assert.equal(err.status, 403)
  })
})

describe('UserInfo', () => {
  const signed = {
    client_id: 'basic',
    client_secret: SECRET,
    userinfo_signed_response_alg: 'RS256',
  }

  test('rp-userinfo-bearer-header: a JSON UserInfo response is read and matches the ID token', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const result = await g.signIn(config)
    assert.deepEqual(result.userinfo, {
      sub: result.idTokenClaims.sub,
      name: 'Alice Liddell',
      email: 'alice@example.test',
    })
  })

  test('rp-userinfo-bearer-body: Glewlwyd reads the access token only from the header (401 in the body)', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    const err = await expectCode<TransportError>(
      pending.finish(back, { userinfoPlacement: 'body' }),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(err.status, 401)
  })

  test('rp-userinfo-sig: a signed UserInfo response (Glewlwyd signs iss without aud) is verified', async () => {
    const types: string[] = []
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (String(input).endsWith('/userinfo'))
        types.push(response.headers.get('content-type') ?? '')
      return response
    }
    const config = await g.connect(signed, { policy: PROFILE, fetch })
    const result = await g.signIn(config)
    assertAlice(result, issuer)
    assert.equal(result.userinfo?.email, 'alice@example.test')
    assert.match(types[0] ?? '', /^application\/jwt/)
  })

  test('a plain JSON UserInfo is refused when a signed one is registered', async () => {
    // Glewlwyd signs UserInfo only when asked to (Accept: application/jwt); without it, JSON comes
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (!String(input).endsWith('/userinfo')) return globalThis.fetch(input, init)
      const headers = new Headers(init?.headers)
      headers.set('accept', 'application/json')
      return globalThis.fetch(input, { ...init, headers })
    }
    const config = await g.connect(signed, { policy: PROFILE, fetch })
    await expectCode(g.signIn(config), 'USERINFO_RESPONSE_INVALID')
  })
})

describe('refresh', () => {
  test('a refresh returns a new access token and rotates the refresh token (one-time use)', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const result = await g.signIn(config)
    assert.ok(result.refreshToken)
    const refreshed = await refreshTokens(config, result.refreshToken, {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken?.value)
    assert.ok(refreshed.refreshToken)
    assert.notEqual(refreshed.refreshToken, result.refreshToken)
    // Glewlwyd returns no ID token on refresh
    assert.equal(refreshed.idToken, undefined)
    const again = await refreshTokens(config, refreshed.refreshToken)
    assert.ok(again.accessToken.value)
  })

  test('a public client refresh rotates the refresh token, and the used one is refused (a bare 400)', async () => {
    const config = await g.connect({ client_id: 'public', token_endpoint_auth_method: 'none' })
    const result = await g.signIn(config)
    const refreshed = await refreshTokens(config, result.refreshToken ?? '')
    assert.notEqual(refreshed.refreshToken, result.refreshToken)
    const err = await expectCode<TransportError>(
      refreshTokens(config, result.refreshToken ?? ''),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(err.status, 400)
  })

  test("a refreshed access token reads the same user's UserInfo", async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const bob = await g.signIn(config, { username: BOB.username, password: BOB.password })
    const refreshed = await refreshTokens(config, bob.refreshToken ?? '')
    const claims = await fetchUserInfo(config, refreshed.accessToken.value, {
      expectedSubject: bob.idTokenClaims.sub,
    })
    assert.equal(claims.email, BOB.email)
  })

  test("UserInfo about another user than the ID token is refused (the refreshed token is bob's)", async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const alice = await g.signIn(config)
    const bob = await g.signIn(config, { username: BOB.username, password: BOB.password })
    const refreshed = await refreshTokens(config, bob.refreshToken ?? '')
    await expectCode(
      fetchUserInfo(config, refreshed.accessToken.value, {
        expectedSubject: alice.idTokenClaims.sub,
      }),
      'USERINFO_SUB_MISMATCH',
    )
  })
})

describe('auth_time and max_age', () => {
  const maxAge = { name: 'max_age', value: '600', rule: 'fixed' as const }

  test('an implicit sign-in with max_age completes: the front-channel ID token carries the real auth_time', async () => {
    const config = await g.connect(
      { client_id: 'implicit', token_endpoint_auth_method: 'none' },
      { policy: { ...PROFILE, responseType: 'id_token', parameters: [maxAge] } },
    )
    const pending = await begin(config)
    assert.equal(pending.url.searchParams.get('max_age'), '600')
    const result = await pending.finish(await completeLogin(pending.url, asAlice()))
    const authTime = result.idTokenClaims.auth_time ?? 0
    assert.ok(Math.abs(authTime - Date.now() / 1000) < 600, `auth_time ${authTime} is recent`)
  })

  test('a code flow sign-in with max_age is refused: the token endpoint ID token says auth_time 0', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, parameters: [maxAge] } },
    )
    await expectCode(g.signIn(config), 'ID_TOKEN_AUTH_TIME_TOO_OLD')
  })

  test("a hybrid sign-in with max_age is refused too: the token endpoint's ID token says auth_time 0", async () => {
    const config = await g.connect(
      { client_id: 'hybrid', client_secret: SECRET },
      {
        policy: {
          ...PROFILE,
          responseType: 'code id_token',
          responseMode: 'fragment',
          parameters: [maxAge],
        },
      },
    )
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    const frontChannel = decodeJwt(
      new URLSearchParams(back.url.hash.slice(1)).get('id_token') ?? '',
    )
    assert.ok(Math.abs((frontChannel.auth_time as number) - Date.now() / 1000) < 600)
    await expectCode(pending.finish(back), 'ID_TOKEN_AUTH_TIME_TOO_OLD')
  })

  test('a code flow sign-in without max_age completes although Glewlwyd says auth_time 0', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: PROFILE },
    )
    const result = await g.signIn(config)
    assert.equal(result.idTokenClaims.auth_time, 0)
    assertAlice(result, issuer)
  })
})
