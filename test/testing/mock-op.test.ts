import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { createMockOP, type MockOP, MockOPError } from '../../src/testing/index.js'
import {
  authorizationUrl,
  obtainCode,
  pkcePair,
  REDIRECT,
  redeem,
  secretClient,
  USERS,
  verifyWithOp,
} from '../support/mock-op.js'

let op: MockOP
const FRONT = [
  'code',
  'id_token',
  'id_token token',
  'code id_token',
  'code token',
  'code id_token token',
]

before(async () => {
  op = await createMockOP({
    clients: [
      secretClient('web'),
      secretClient('spa', { response_types: FRONT }),
      { client_id: 'public', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
    ],
    users: USERS,
    metadata: { end_session_endpoint: undefined, service_documentation: 'https://docs.example' },
  })
})

/** Authorization parameters for a client and response type. */
function params(clientId: string, responseType: string, extra: Record<string, string> = {}) {
  return {
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: responseType,
    scope: 'openid profile email',
    state: 'st',
    nonce: 'n-1',
    ...extra,
  }
}

describe('discovery and JWKS', () => {
  it('serves the metadata with every endpoint under the issuer, overrides merged', async () => {
    const response = await op.fetch(`${op.issuer}/.well-known/openid-configuration`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    const metadata = await response.json()
    assert.equal(metadata.issuer, 'https://op.example.com')
    assert.equal(metadata.token_endpoint, 'https://op.example.com/token')
    assert.equal(metadata.pushed_authorization_request_endpoint, 'https://op.example.com/par')
    assert.equal('end_session_endpoint' in metadata, false, 'undefined removes a member')
    assert.equal(metadata.service_documentation, 'https://docs.example')
    assert.deepEqual(metadata.response_types_supported, FRONT)
    assert.deepEqual(metadata.response_modes_supported, [
      'query',
      'fragment',
      'form_post',
      'jwt',
      'query.jwt',
      'fragment.jwt',
      'form_post.jwt',
    ])
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256'])
    assert.deepEqual(metadata.id_token_signing_alg_values_supported, [
      'RS256',
      'ES256',
      'HS256',
      'none',
    ])
    assert.equal(metadata.token_endpoint_auth_methods_supported.length, 7)
    assert.equal(metadata.authorization_response_iss_parameter_supported, true)
    assert.equal(metadata.claims_parameter_supported, true)
    assert.equal(metadata.request_uri_parameter_supported, true)
    assert.ok(metadata.claims_supported.includes('email_verified'))
    assert.deepEqual(metadata.request_object_encryption_alg_values_supported, [
      'RSA-OAEP-256',
      'ECDH-ES',
    ])
  })

  it('serves the metadata of an issuer with a path under that path', async () => {
    const tenant = await createMockOP({
      issuer: 'https://op.example.com/tenants/acme',
      clients: [secretClient('web')],
      users: USERS,
      signingAlgs: ['RS256'],
    })
    const response = await tenant.fetch(
      'https://op.example.com/tenants/acme/.well-known/openid-configuration',
    )
    const metadata = await response.json()
    assert.equal(metadata.issuer, 'https://op.example.com/tenants/acme')
    assert.equal(metadata.jwks_uri, 'https://op.example.com/tenants/acme/jwks')
    assert.equal((await tenant.fetch(`${op.issuer}/.well-known/openid-configuration`)).status, 404)
  })

  it('publishes the public signing keys and an RSA encryption key', async () => {
    const jwks = await (await op.fetch(String(op.metadata().jwks_uri))).json()
    const sig = jwks.keys.filter((k: { use: string }) => k.use === 'sig')
    assert.deepEqual(
      sig.map((k: { alg: string }) => k.alg),
      ['RS256', 'ES256'],
    )
    for (const key of jwks.keys) {
      assert.equal(typeof key.kid, 'string')
      assert.equal(key.d, undefined, 'no private parts')
    }
    const enc = jwks.keys.find(
      (k: { use: string; kty: string }) => k.use === 'enc' && k.kty === 'RSA',
    )
    assert.equal(enc.alg, 'RSA-OAEP-256')
    assert.deepEqual(jwks, op.jwks())
  })

  it('answers 404 for unknown paths and records the request', async () => {
    const response = await op.fetch(`${op.issuer}/nowhere`)
    assert.equal(response.status, 404)
    assert.equal(op.requests.at(-1)?.endpoint, 'unknown')
  })
})

describe('authorization endpoint', () => {
  it('redirects a code response in the query with state and iss', async () => {
    const { response } = await obtainCode(op, 'web')
    assert.equal(response.method, 'GET')
    assert.equal(response.responseMode, 'query')
    const url = new URL(response.url)
    assert.equal(`${url.origin}${url.pathname}`, REDIRECT)
    assert.equal(url.searchParams.get('state'), 'state-1')
    assert.equal(url.searchParams.get('iss'), op.issuer)
    assert.equal(response.params.get('code'), url.searchParams.get('code'))
  })

  it('throws MockOPError for an unknown client or an unregistered redirect_uri', async () => {
    const good = authorizationUrl(op, params('web', 'code'))
    assert.equal((await op.authorize(good, { user: 'alice' })).method, 'GET')
    await assert.rejects(
      op.authorize(authorizationUrl(op, params('ghost', 'code')), { user: 'alice' }),
      MockOPError,
    )
    const evil = authorizationUrl(
      op,
      params('web', 'code', { redirect_uri: 'https://evil.example/cb' }),
    )
    await assert.rejects(op.authorize(evil, { user: 'alice' }), MockOPError)
  })

  const refusals: [string, string, Record<string, string>, string][] = [
    [
      'a response type the client may not use',
      'web',
      { response_type: 'id_token' },
      'unauthorized_client',
    ],
    [
      'an unsupported response type',
      'web',
      { response_type: 'token' },
      'unsupported_response_type',
    ],
    ['a scope without openid', 'web', { scope: 'profile' }, 'invalid_scope'],
    [
      'an implicit request without nonce',
      'spa',
      { response_type: 'id_token', nonce: '' },
      'invalid_request',
    ],
    ['a public client without PKCE', 'public', {}, 'invalid_request'],
    [
      'code_challenge_method plain',
      'web',
      { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
      'invalid_request',
    ],
    ['prompt=none (no OP session)', 'web', { prompt: 'none' }, 'login_required'],
    ['a claims parameter that is not JSON', 'web', { claims: '{nope' }, 'invalid_request'],
  ]
  for (const [what, clientId, extra, error] of refusals) {
    it(`answers ${error} to the redirect_uri for ${what}`, async () => {
      const { challenge } = await pkcePair()
      const pkce = { code_challenge: challenge, code_challenge_method: 'S256' }
      const ok = await op.authorize(authorizationUrl(op, params(clientId, 'code', pkce)), {
        user: 'alice',
      })
      assert.ok(ok.params.get('code'), 'the passing twin gets a code')
      const url = authorizationUrl(op, params(clientId, 'code', extra))
      const response = await op.authorize(url, { user: 'alice' })
      assert.equal(response.params.get('error'), error)
      assert.equal(response.params.get('state'), 'st')
      assert.equal(response.params.get('iss'), op.issuer)
      assert.ok(response.params.get('error_description'))
    })
  }

  it('answers access_denied when the user refuses', async () => {
    const response = await op.authorize(authorizationUrl(op, params('web', 'code')), {
      user: 'alice',
      deny: true,
    })
    assert.equal(response.params.get('error'), 'access_denied')
  })

  it('leaves iss out when the metadata stops advertising it', async () => {
    op.setMetadata({ authorization_response_iss_parameter_supported: undefined })
    try {
      const response = await op.authorize(authorizationUrl(op, params('web', 'code')), {
        user: 'alice',
      })
      assert.equal(response.params.get('iss'), null)
    } finally {
      op.setMetadata({ authorization_response_iss_parameter_supported: true })
    }
  })

  it('returns an implicit id_token in the fragment with the scope claims in it', async () => {
    const response = await op.authorize(authorizationUrl(op, params('spa', 'id_token')), {
      user: 'alice',
    })
    assert.equal(response.responseMode, 'fragment')
    assert.ok(new URL(response.url).hash.includes('id_token='))
    const claims = await verifyWithOp(op, response.params.get('id_token') ?? '', 'spa')
    assert.equal(claims.nonce, 'n-1')
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.at_hash, undefined)
    assert.equal(response.params.get('access_token'), null)
  })

  it('returns id_token token with a matching at_hash', async () => {
    const response = await op.authorize(authorizationUrl(op, params('spa', 'id_token token')), {
      user: 'alice',
    })
    const accessToken = response.params.get('access_token') ?? ''
    assert.equal(response.params.get('token_type'), 'Bearer')
    assert.equal(response.params.get('expires_in'), '3600')
    const claims = await verifyWithOp(op, response.params.get('id_token') ?? '', 'spa')
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
    )
    assert.equal(claims.at_hash, Buffer.from(digest.slice(0, 16)).toString('base64url'))
    assert.equal(claims.email, undefined, 'claims go to UserInfo when an access token is issued')
  })

  it('returns code id_token with a matching c_hash and a redeemable code', async () => {
    const { verifier, challenge } = await pkcePair()
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' }
    const response = await op.authorize(
      authorizationUrl(op, params('spa', 'code id_token', pkce)),
      { user: 'alice' },
    )
    const code = response.params.get('code') ?? ''
    const claims = await verifyWithOp(op, response.params.get('id_token') ?? '', 'spa')
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(code)),
    )
    assert.equal(claims.c_hash, Buffer.from(digest.slice(0, 16)).toString('base64url'))
    assert.equal((await redeem(op, 'spa', code, verifier)).response.status, 200)
  })

  it('returns code id_token token: at_hash and c_hash in the ID token, a redeemable code, and another access token at the token endpoint', async () => {
    const { verifier, challenge } = await pkcePair()
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' }
    const response = await op.authorize(
      authorizationUrl(op, params('spa', 'code id_token token', pkce)),
      { user: 'alice' },
    )
    const code = response.params.get('code') ?? ''
    const accessToken = response.params.get('access_token') ?? ''
    assert.equal(response.responseMode, 'fragment')
    assert.equal(response.params.get('token_type'), 'Bearer')
    const claims = await verifyWithOp(op, response.params.get('id_token') ?? '', 'spa')
    const half = async (value: string) =>
      Buffer.from(
        new Uint8Array(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
        ).slice(0, 16),
      ).toString('base64url')
    assert.equal(claims.c_hash, await half(code))
    assert.equal(claims.at_hash, await half(accessToken))
    const { response: tokenResponse, body } = await redeem(op, 'spa', code, verifier)
    assert.equal(tokenResponse.status, 200)
    assert.notEqual(body.access_token, accessToken)
  })

  it('returns code token in the fragment (or form_post): code and access token, no ID token', async () => {
    for (const mode of [{}, { response_mode: 'form_post' }] as Record<string, string>[]) {
      const { verifier, challenge } = await pkcePair()
      const extra = { code_challenge: challenge, code_challenge_method: 'S256', ...mode }
      const response = await op.authorize(
        authorizationUrl(op, params('spa', 'code token', extra)),
        {
          user: 'alice',
        },
      )
      assert.equal(response.responseMode, 'response_mode' in mode ? 'form_post' : 'fragment')
      assert.ok(response.params.get('access_token'))
      assert.equal(response.params.get('id_token'), null)
      const code = response.params.get('code') ?? ''
      assert.equal((await redeem(op, 'spa', code, verifier)).response.status, 200)
    }
  })

  it('refuses code token and code id_token token for a client that did not register them', async () => {
    for (const responseType of ['code token', 'code id_token token']) {
      const response = await op.authorize(authorizationUrl(op, params('web', responseType)), {
        user: 'alice',
      })
      assert.equal(response.params.get('error'), 'unauthorized_client')
    }
  })

  it('authorizationResponse faults spoil the next response with an access token, one part each; a code response leaves them queued', async () => {
    const expected = {
      'no-access_token': ['access_token', null],
      'no-token_type': ['token_type', null],
      'mac-token_type': ['token_type', 'mac'],
    } as const
    for (const [fault, [name, value]] of Object.entries(expected)) {
      op.misbehave({ authorizationResponse: fault as keyof typeof expected })
      const plain = await op.authorize(authorizationUrl(op, params('web', 'code')), {
        user: 'alice',
      })
      assert.ok(plain.params.get('code'), 'a response without access token is not spoiled')
      const spoiled = await op.authorize(
        authorizationUrl(op, params('spa', 'code id_token token', { response_mode: 'form_post' })),
        { user: 'alice' },
      )
      assert.equal(spoiled.params.get(name), value)
      assert.ok(spoiled.params.get('code') && spoiled.params.get('id_token'))
      const twin = await op.authorize(
        authorizationUrl(op, params('spa', 'code id_token token', { response_mode: 'form_post' })),
        { user: 'alice' },
      )
      assert.ok(twin.params.get('access_token'))
      assert.equal(twin.params.get('token_type'), 'Bearer')
    }
  })

  it('posts a form_post response: urlencoded body and an auto-submitting page', async () => {
    const url = authorizationUrl(
      op,
      params('web', 'code', { response_mode: 'form_post', state: 'a"<b' }),
    )
    const response = await op.authorize(url, { user: 'alice' })
    assert.equal(response.method, 'POST')
    assert.equal(response.url, REDIRECT)
    assert.equal(new URLSearchParams(response.body).get('state'), 'a"<b')
    assert.match(response.html ?? '', /<form method="post" action="https:\/\/rp\.example\/cb">/)
    assert.match(response.html ?? '', /name="state" value="a&quot;&lt;b"/)
    assert.match(response.html ?? '', /document\.forms\[0\]\.submit\(\)/)
  })

  it('adds acr, auth_time, amr and sid as asked', async () => {
    const url = authorizationUrl(
      op,
      params('spa', 'id_token', { acr_values: 'urn:mace:incommon:iap:silver', max_age: '60' }),
    )
    const response = await op.authorize(url, { user: 'alice', amr: ['pwd'], sid: 'session-1' })
    const claims = decodeJwt(response.params.get('id_token') ?? '')
    assert.equal(claims.acr, 'urn:mace:incommon:iap:silver')
    assert.equal(typeof claims.auth_time, 'number')
    assert.deepEqual(claims.amr, ['pwd'])
    assert.equal(claims.sid, 'session-1')
    const plain = await op.authorize(authorizationUrl(op, params('spa', 'id_token')), {
      user: 'alice',
    })
    const plainClaims = decodeJwt(plain.params.get('id_token') ?? '')
    assert.equal(plainClaims.auth_time, undefined)
    assert.equal(plainClaims.acr, undefined)
  })

  it('honours the claims parameter for the ID token and auth_time essential', async () => {
    const claimsParam = JSON.stringify({
      id_token: { auth_time: { essential: true }, email: null },
    })
    const { code, verifier } = await obtainCode(op, 'web', { scope: 'openid', claims: claimsParam })
    const { body } = await redeem(op, 'web', code, verifier)
    const claims = await verifyWithOp(op, body.id_token ?? '', 'web')
    assert.equal(typeof claims.auth_time, 'number')
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.name, undefined)
  })

  it('refuses browsers without autoLogin and completes them with it', async () => {
    const url = authorizationUrl(op, params('web', 'code'))
    const refused = await op.fetch(url)
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /op\.authorize/)
    const auto = await createMockOP({
      clients: [secretClient('web')],
      users: USERS,
      signingAlgs: ['RS256'],
      autoLogin: 'bob',
    })
    const redirect = await auto.fetch(authorizationUrl(auto, params('web', 'code')))
    assert.equal(redirect.status, 302)
    assert.ok(new URL(redirect.headers.get('location') ?? '').searchParams.get('code'))
    const page = await auto.fetch(
      authorizationUrl(auto, params('web', 'code', { response_mode: 'form_post' })),
    )
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.match(await page.text(), /name="code"/)
  })
})
