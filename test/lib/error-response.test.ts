import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OAuthResponseError, TransportError } from '../../src/errors.js'
import { oauthErrorBody, parseChallenges } from '../../src/lib/error-response.js'
import { challengeError, oauthError } from '../../src/lib/oauth-error.js'
import { httpResponseOf } from '../support/http-response.js'

const SECRET = 's3cr3t-client-secret-value'

describe('parseChallenges', () => {
  it('parses the RFC 9110 example with quoted strings, escapes and several challenges', () => {
    const header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'
    assert.deepEqual(parseChallenges(header), [
      { scheme: 'newauth', parameters: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', parameters: { realm: 'simple' } },
    ])
  })

  it('lower-cases schemes and parameter names, keeps commas inside quoted strings', () => {
    assert.deepEqual(parseChallenges('BEARER Error="invalid_token", Error_Description="a, b"'), [
      { scheme: 'bearer', parameters: { error: 'invalid_token', error_description: 'a, b' } },
    ])
  })

  it('skips token68 credentials and parameterless schemes', () => {
    assert.deepEqual(parseChallenges('Negotiate abc+/def==, Basic, Bearer error=invalid_token'), [
      { scheme: 'negotiate', parameters: {} },
      { scheme: 'basic', parameters: {} },
      { scheme: 'bearer', parameters: { error: 'invalid_token' } },
    ])
  })

  it('stops at malformed input and keeps what came before', () => {
    assert.deepEqual(parseChallenges('Bearer error="unterminated'), [
      { scheme: 'bearer', parameters: {} },
    ])
    assert.deepEqual(parseChallenges('Bearer a=b c=d'), [
      { scheme: 'bearer', parameters: { a: 'b' } },
    ])
    assert.deepEqual(parseChallenges(''), [])
    assert.deepEqual(parseChallenges('Bearer __proto__="x", constructor=y'), [
      { scheme: 'bearer', parameters: { constructor: 'y' } },
    ])
  })
})

describe('oauthErrorBody', () => {
  it('reads error, error_description and error_uri whatever the content type; a body without error is undefined', async () => {
    const body = { error: 'invalid_grant', error_description: 'expired', error_uri: 'https://op/e' }
    const text = await httpResponseOf(
      new Response(JSON.stringify(body), {
        status: 400,
        headers: { 'content-type': 'text/plain' },
      }),
    )
    assert.deepEqual(oauthErrorBody(text), {
      error: 'invalid_grant',
      errorDescription: 'expired',
      errorUri: 'https://op/e',
    })
    assert.equal(oauthErrorBody(await httpResponseOf(Response.json({ error: '' }))), undefined)
    assert.equal(oauthErrorBody(await httpResponseOf(Response.json(['error']))), undefined)
    assert.equal(oauthErrorBody(await httpResponseOf(new Response('<html>'))), undefined)
  })

  it('redacts what the request sent from every text; a text without it is kept', async () => {
    const response = await httpResponseOf(
      Response.json(
        { error: `bad_${SECRET}`, error_description: `client secret ${SECRET}`, error_uri: 'u' },
        { status: 401 },
      ),
      [SECRET],
    )
    const body = oauthErrorBody(response)
    assert.doesNotMatch(JSON.stringify(body), /s3cr3t/)
    assert.equal(body?.errorUri, 'u')
  })
})

describe('oauthError (token and PAR endpoints)', () => {
  it('a 4xx OAuth error body is an OAuthResponseError with the code given, challenges redacted', async () => {
    const response = await httpResponseOf(
      Response.json(
        { error: 'invalid_client' },
        {
          status: 401,
          headers: { 'www-authenticate': `Basic realm="op", error_description="${SECRET}"` },
        },
      ),
      [SECRET],
    )
    const err = await oauthError(response, 'PAR_ERROR_RESPONSE', 201)
    assert.ok(err instanceof OAuthResponseError)
    assert.equal(err.code, 'PAR_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
    assert.equal(err.status, 401)
    assert.equal(err.challenges[0]?.scheme, 'basic')
    assert.equal(err.challenges[0]?.parameters.error_description, '[redacted]')
  })

  it('a 5xx with an error body, or a 4xx without one, is HTTP_UNEXPECTED_STATUS (twin of the above)', async () => {
    for (const response of [
      Response.json({ error: 'server_error' }, { status: 503 }),
      new Response('nope', { status: 400 }),
    ]) {
      const err = await oauthError(await httpResponseOf(response), 'TOKEN_ERROR_RESPONSE', 200)
      assert.ok(err instanceof TransportError)
      assert.equal(err.code, 'HTTP_UNEXPECTED_STATUS')
      assert.equal(err.status, response.status)
    }
  })
})

describe('challengeError (UserInfo)', () => {
  it('a 401 with a Bearer challenge is USERINFO_BEARER_CHALLENGE with its error, the token redacted', async () => {
    const token = 'access-token-value-1234'
    const err = await challengeError(
      await httpResponseOf(
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': `Bearer error="invalid_token", error_description="${token}"`,
          },
        }),
        [token],
      ),
    )
    assert.equal(err?.code, 'USERINFO_BEARER_CHALLENGE')
    assert.equal(err?.error, 'invalid_token')
    assert.doesNotMatch(JSON.stringify(err?.challenges), /access-token-value/)
  })

  it('a challenge without error is invalid_token on 401, insufficient_scope on 403', async () => {
    const of = async (status: number) =>
      await challengeError(
        await httpResponseOf(
          new Response(null, { status, headers: { 'www-authenticate': 'Bearer realm="op"' } }),
        ),
      )
    assert.equal((await of(401))?.error, 'invalid_token')
    assert.equal((await of(403))?.error, 'insufficient_scope')
  })

  it('a 401 without WWW-Authenticate, or a 400 with one, is no challenge (twin)', async () => {
    assert.equal(
      await challengeError(await httpResponseOf(new Response(null, { status: 401 }))),
      undefined,
    )
    const bad = new Response(null, { status: 400, headers: { 'www-authenticate': 'Bearer' } })
    assert.equal(await challengeError(await httpResponseOf(bad)), undefined)
  })
})

describe('challengeError (protected resources, Bearer and DPoP)', () => {
  const both =
    'Bearer realm="api", error="invalid_request", DPoP algs="ES256 PS256", error="use_dpop_nonce", error_description="fresh nonce"'
  const of = async (header: string) =>
    httpResponseOf(new Response(null, { status: 401, headers: { 'www-authenticate': header } }))

  it('a token sent with DPoP reads the DPoP challenge first; one sent as Bearer the Bearer one', async () => {
    const dpop = await challengeError(await of(both), 'PROTECTED_RESOURCE_CHALLENGE', 'dpop')
    assert.equal(dpop?.code, 'PROTECTED_RESOURCE_CHALLENGE')
    assert.deepEqual([dpop?.error, dpop?.errorDescription], ['use_dpop_nonce', 'fresh nonce'])
    assert.equal(dpop?.challenges[1]?.parameters.algs, 'ES256 PS256')
    const bearer = await challengeError(await of(both), 'PROTECTED_RESOURCE_CHALLENGE', 'bearer')
    assert.equal(bearer?.error, 'invalid_request')
  })

  it("without a challenge of the token's scheme, the other scheme's is read", async () => {
    const err = await challengeError(
      await of('DPoP error="invalid_token"'),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err?.error, 'invalid_token')
    const none = await challengeError(
      await of('Basic realm="x"'),
      'PROTECTED_RESOURCE_CHALLENGE',
      'dpop',
    )
    assert.equal(none?.error, 'invalid_token', 'no usable challenge: the 401 default')
  })
})
