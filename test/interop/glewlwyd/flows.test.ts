/**
 * The SDK against Glewlwyd 2.7 (Debian's package), part 1: discovery, the code flow with PKCE and
 * every client authentication method, implicit and hybrid responses in each response mode, and
 * RFC 9207 `iss`. Every refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { refreshTokens as refreshPage } from '../../../src/browser/index.js'
import {
  discover,
  type OAuthResponseError,
  type RequestPolicyInput,
  type TransportError,
} from '../../../src/index.js'
import { expectCode } from '../../support/helpers.js'
import { pageSignIn } from '../rp.js'
import { completeLogin } from './browser.js'
import { PLUGIN_WITH_ISS } from './provision.js'
import {
  asAlice,
  assertAlice,
  begin,
  type GlewlwydSuite,
  PROFILE,
  REDIRECT,
  SECRET,
  startGlewlwydSuite,
  TOKEN_ENDPOINT_AUDIENCE,
  UUID_CLIENT,
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

/** A fetch that lets a test change the token request before it leaves (the RP misbehaving). */
function tokenRequestTap(change: (body: URLSearchParams) => void): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (!url.endsWith('/token') || init?.body === undefined) return fetch(input, init)
    const body = new URLSearchParams(init.body as URLSearchParams | string)
    change(body)
    return fetch(input, { ...init, body })
  }
}

describe('discovery against Glewlwyd', () => {
  test('rp-discovery-openid-configuration: the real metadata loads and builds the contract', async () => {
    const config = await g.connect({ client_id: 'basic', client_secret: SECRET })
    assert.equal(config.issuer, issuer)
    assert.deepEqual(config.provider.token_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
    ])
    // Glewlwyd offers `code token id_token` too, which the SDK does not implement
    assert.ok(config.provider.response_types_supported.includes('code token id_token'))
    const names = config.contract.map((a) => a.name)
    for (const claim of ['sub', 'name', 'email']) assert.ok(names.includes(claim), claim)
  })

  test('rp-discovery-issuer-not-matching-config: an issuer other than the OP states is refused', async () => {
    // the other plugin instance serves its own metadata, whose issuer is not this one
    const other = g.issuer(PLUGIN_WITH_ISS)
    const fetchOther: typeof fetch = (input, init) =>
      fetch(String(input).replace(`${issuer}/`, `${other}/`), init)
    await expectCode(
      discover(
        issuer,
        { client_id: 'basic', client_secret: SECRET, redirect_uris: [REDIRECT] },
        { fetch: fetchOther },
      ),
      'DISCOVERY_ISSUER_MISMATCH',
    )
  })
})

describe('code flow with PKCE and each client authentication method', () => {
  const methods = [
    {
      client_id: 'basic',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: UUID_CLIENT,
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    { client_id: 'post', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' },
    {
      client_id: 'secretjwt',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    { client_id: 'privatekeyjwt', token_endpoint_auth_method: 'private_key_jwt' },
    { client_id: 'public', token_endpoint_auth_method: 'none' },
  ] as const

  for (const client of methods) {
    const method = client.token_endpoint_auth_method
    const name =
      method === 'none'
        ? 'a public client (none) with PKCE'
        : client.client_id === UUID_CLIENT
          ? 'rp-token_endpoint-client_secret_basic with a UUID client id (its - unescaped in the Basic credentials)'
          : method.endsWith('_jwt')
            ? `rp-token_endpoint-${method} with the token endpoint as the assertion audience`
            : `rp-token_endpoint-${method}`
    test(`${name}: a code flow sign-in completes, rp-scope-userinfo-claims`, async () => {
      const keys = method === 'private_key_jwt' ? { keys: [g.rpKey] } : {}
      const audience = method.endsWith('_jwt') ? TOKEN_ENDPOINT_AUDIENCE : {}
      const config = await g.connect({ ...client, ...keys }, { ...audience, policy: PROFILE })
      const result = await g.signIn(config)
      assertAlice(result, issuer)
      assert.equal(result.accessToken?.type, 'Bearer')
      assert.ok((result.accessToken?.expiresAt ?? 0) > Date.now() / 1000)
      assert.equal(result.userinfo?.email, 'alice@example.test')
    })
  }

  for (const method of ['client_secret_jwt', 'private_key_jwt'] as const) {
    test(`${method} with the default assertion audience (the issuer) is refused by Glewlwyd (a bare 403)`, async () => {
      const client =
        method === 'private_key_jwt'
          ? { client_id: 'privatekeyjwt', keys: [g.rpKey] }
          : { client_id: 'secretjwt', client_secret: SECRET }
      const config = await g.connect({ ...client, token_endpoint_auth_method: method })
      const err = await expectCode<TransportError>(g.signIn(config), 'HTTP_UNEXPECTED_STATUS')
      assert.equal(err.status, 403)
    })
  }

  test('rp-response_mode-form_post: a code flow sign-in by form_post completes', async () => {
    const config = await g.connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, responseMode: 'form_post' } },
    )
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    assert.equal(back.method, 'POST')
    assertAlice(await pending.finish(back), issuer)
  })

  test('a wrong client secret is refused by Glewlwyd (it says unauthorized_client)', async () => {
    const config = await g.connect({ client_id: 'basic', client_secret: `${SECRET}Wrong` })
    const err = await expectCode<OAuthResponseError>(g.signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'unauthorized_client')
  })

  test('a private_key_jwt assertion signed with an unregistered key is refused (a bare 403)', async () => {
    const config = await g.connect(
      {
        client_id: 'privatekeyjwt',
        keys: [g.rogueKey],
        token_endpoint_auth_method: 'private_key_jwt',
      },
      { ...TOKEN_ENDPOINT_AUDIENCE, policy: PROFILE },
    )
    const err = await expectCode<TransportError>(g.signIn(config), 'HTTP_UNEXPECTED_STATUS')
    assert.equal(err.status, 403)
  })

  test('Glewlwyd checks the PKCE verifier: a token request with another code_verifier is refused', async () => {
    const fetch = tokenRequestTap((body) => body.set('code_verifier', 'A'.repeat(43)))
    const config = await g.connect({ client_id: 'basic', client_secret: SECRET }, { fetch })
    const err = await expectCode<OAuthResponseError>(g.signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_code') // Glewlwyd's own code; RFC 7636 says invalid_grant
  })

  test('a public client without PKCE is refused by Glewlwyd', async () => {
    const config = await g.connect(
      { client_id: 'public', token_endpoint_auth_method: 'none' },
      { policy: { pkce: false } },
    )
    const err = await expectCode<OAuthResponseError>(
      g.signIn(config),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
  })
})

describe('implicit and hybrid responses', () => {
  const implicit = { client_id: 'implicit', token_endpoint_auth_method: 'none' } as const
  const cases = [
    { responseType: 'id_token', responseMode: undefined },
    { responseType: 'id_token', responseMode: 'form_post' },
    { responseType: 'id_token token', responseMode: undefined },
    { responseType: 'id_token token', responseMode: 'form_post' },
  ] as const

  for (const { responseType, responseMode } of cases) {
    const id = `rp-response_type-${responseType.replace(' ', '+')}`
    const mode = responseMode === 'form_post' ? ', rp-response_mode-form_post' : ' (fragment)'
    test(`${id}${mode}: an implicit sign-in completes`, async () => {
      const config = await g.connect(implicit, {
        policy: { ...PROFILE, responseType, ...(responseMode ? { responseMode } : {}) },
      })
      const pending = await begin(config)
      const back = await completeLogin(pending.url, asAlice())
      assert.equal(back.method, responseMode === 'form_post' ? 'POST' : 'GET')
      const result = await pending.finish(back)
      assert.equal(result.idTokenClaims.iss, issuer)
      assert.equal(result.accessToken !== undefined, responseType === 'id_token token')
      // without an access token there is no UserInfo: name and email come in the ID token then
      assertAlice(result, issuer)
    })
  }

  test('a replayed implicit response is refused (the state was consumed)', async () => {
    const config = await g.connect(implicit, { policy: { responseType: 'id_token' } })
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    await pending.finish(back)
    await expectCode(pending.finish(back), 'CALLBACK_STATE_UNKNOWN')
  })

  const hybrid = { client_id: 'hybrid', client_secret: SECRET }
  const codeIdToken = { ...PROFILE, responseType: 'code id_token' } satisfies RequestPolicyInput

  for (const responseMode of ['form_post', 'fragment'] as const) {
    test(`rp-response_type-code+id_token by ${responseMode}: a hybrid sign-in completes`, async () => {
      const config = await g.connect(hybrid, { policy: { ...codeIdToken, responseMode } })
      const pending = await begin(config)
      assert.equal(pending.url.searchParams.get('response_mode'), responseMode)
      const back = await completeLogin(pending.url, asAlice())
      const fields = back.body ?? new URLSearchParams(back.url.hash.slice(1)) // form_post, or the fragment
      assert.equal(typeof decodeJwt(fields.get('id_token') ?? '').c_hash, 'string')
      assert.ok(fields.has('code'))
      const result = await pending.finish(back)
      assertAlice(result, issuer)
      assert.equal(result.accessToken?.type, 'Bearer')
    })
  }

  test('a hybrid response Glewlwyd puts in the query (no response_mode sent) is refused', async () => {
    const config = await g.connect(hybrid, { policy: codeIdToken })
    const pending = await begin(config)
    assert.equal(pending.url.searchParams.get('response_mode'), null)
    const back = await completeLogin(pending.url, asAlice())
    assert.ok(back.url.searchParams.has('id_token'), 'Glewlwyd answered in the query')
    assert.equal(back.url.hash, '')
    await expectCode(pending.finish(back), 'CALLBACK_RESPONSE_MODE_MISMATCH')
  })

  test('a client whose response_mode is fragment at Glewlwyd completes a hybrid sign-in without sending response_mode', async () => {
    const config = await g.connect(
      { client_id: 'hybridfragment', client_secret: SECRET },
      { policy: codeIdToken },
    )
    const pending = await begin(config)
    assert.equal(pending.url.searchParams.get('response_mode'), null)
    const back = await completeLogin(pending.url, asAlice())
    assert.ok(new URLSearchParams(back.url.hash.slice(1)).has('id_token'))
    assertAlice(await pending.finish(back), issuer)
  })
})

describe('RFC 9207 iss in the authorization response (the plugin with oauth-as-iss-id)', () => {
  const basic = { client_id: 'basic', client_secret: SECRET }

  test('Glewlwyd sends iss in the query and the SDK accepts it', async () => {
    const config = await g.connect(basic, { policy: PROFILE }, PLUGIN_WITH_ISS)
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    assert.equal(back.url.searchParams.get('iss'), g.issuer(PLUGIN_WITH_ISS))
    assertAlice(await pending.finish(back), g.issuer(PLUGIN_WITH_ISS))
  })

  test('a form_post response whose iss Glewlwyd URL-encodes is refused (issuer mismatch)', async () => {
    const config = await g.connect(
      basic,
      { policy: { ...PROFILE, responseMode: 'form_post' } },
      PLUGIN_WITH_ISS,
    )
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    assert.equal(back.body?.get('iss'), encodeURIComponent(g.issuer(PLUGIN_WITH_ISS)))
    await expectCode(pending.finish(back), 'CALLBACK_ISSUER_MISMATCH')
  })

  test('Glewlwyd does not advertise RFC 9207 even with oauth-as-iss-id, so a response without iss is accepted', async () => {
    const config = await g.connect(basic, { policy: PROFILE }, PLUGIN_WITH_ISS)
    assert.equal(config.provider.authorization_response_iss_parameter_supported, undefined)
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    back.url.searchParams.delete('iss')
    assertAlice(await pending.finish(back), g.issuer(PLUGIN_WITH_ISS))
  })

  test('an iss other than the OP is refused', async () => {
    const config = await g.connect(basic, {}, PLUGIN_WITH_ISS)
    const pending = await begin(config)
    const back = await completeLogin(pending.url, asAlice())
    back.url.searchParams.set('iss', issuer) // the other plugin instance of the same server
    await expectCode(pending.finish(back), 'CALLBACK_ISSUER_MISMATCH')
  })
})

describe("a page's lean sign-in (oidc-rp/browser) against Glewlwyd", () => {
  test('the public client with PKCE: the ID token validated, UserInfo of the same sub', async () => {
    const { result } = await pageSignIn(issuer, (url) => completeLogin(url, asAlice()))
    assert.equal(result.idTokenClaims.iss, issuer)
    assert.equal(result.userinfo?.sub, result.idTokenClaims.sub)
    assert.equal(result.claims.email, 'alice@example.test')
    assert.equal(result.accessToken.type, 'Bearer')
  })

  test("a refresh with the page's refreshTokens: a new access token, no new ID token", async () => {
    const { config, result } = await pageSignIn(issuer, (url) => completeLogin(url, asAlice()))
    assert.ok(result.refreshToken)
    const refreshed = await refreshPage(config, result.refreshToken, {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken.value)
    assert.equal(refreshed.accessToken.type, 'Bearer')
    // Glewlwyd sends no new ID token with a refresh (as for the core's refresh in features.test.ts)
    assert.equal(refreshed.idToken, undefined)
  })
})
