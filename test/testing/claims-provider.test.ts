/**
 * The mock claims provider: its OpenID configuration and JWKS, its claims endpoint checking the
 * access token (refusal and twin), the JWTs it signs, and the mock OP routing its URLs.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { createMockClaimsProvider, createMockOP } from '../../src/testing/index.js'

const USERS = { alice: { credit_score: 700 } }

describe('mock claims provider', () => {
  test('serves its OpenID configuration and JWKS', async () => {
    const bank = await createMockClaimsProvider({ users: USERS })
    const metadata = await (
      await bank.fetch(`${bank.issuer}/.well-known/openid-configuration`)
    ).json()
    assert.deepEqual(metadata, { issuer: bank.issuer, jwks_uri: `${bank.issuer}/jwks` })
    const jwks = await (await bank.fetch(`${bank.issuer}/jwks`)).json()
    assert.deepEqual(jwks, bank.jwks())
  })

  test('the claims endpoint refuses an unknown token with 401; its twin, an issued token, gets a signed JWT', async () => {
    const bank = await createMockClaimsProvider({ users: USERS })
    const refused = await bank.fetch(bank.endpoint, { headers: { authorization: 'Bearer nope' } })
    assert.equal(refused.status, 401)
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /)
    const token = bank.issueAccessToken('alice', ['credit_score'], { audience: 'app' })
    const answer = await bank.fetch(bank.endpoint, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(answer.headers.get('content-type'), 'application/jwt')
    const { payload } = await jwtVerify(await answer.text(), createLocalJWKSet(bank.jwks()), {
      issuer: bank.issuer,
      audience: 'app',
    })
    assert.equal(payload.credit_score, 700)
  })

  test("an alg-none fault gives an unsigned JWT; its twin is signed with the provider's alg", async () => {
    const bank = await createMockClaimsProvider({ users: USERS })
    const unsigned = await bank.claimsJwt('alice', ['credit_score'], { fault: 'alg-none' })
    assert.equal(decodeProtectedHeader(unsigned).alg, 'none')
    assert.ok(unsigned.endsWith('.'))
    const signed = await bank.claimsJwt('alice', ['credit_score'])
    assert.equal(decodeProtectedHeader(signed).alg, 'ES256')
  })

  test("the mock OP's fetch routes the provider's URLs to it, and its own to itself", async () => {
    const bank = await createMockClaimsProvider({ users: USERS })
    const op = await createMockOP({
      clients: [{ client_id: 'app', client_secret: 'x', redirect_uris: ['https://rp.example/cb'] }],
      users: { alice: {} },
      claimSources: [{ provider: bank, kind: 'distributed', claims: ['credit_score'] }],
    })
    assert.equal((await op.fetch(`${bank.issuer}/jwks`)).status, 200)
    assert.equal(bank.requests.length, 1)
    assert.equal((await op.fetch(`${op.issuer}/.well-known/openid-configuration`)).status, 200)
    assert.equal(bank.requests.length, 1)
  })
})
