/**
 * The SDK against LemonLDAP::NG 2.16, part 1: discovery, the code flow with each client
 * authentication and PKCE, form_post, implicit and hybrid responses, consent, ID token signatures.
 * Every refusal has its passing twin; what the portal does differently from the specs is named in
 * the test.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { refreshTokens as refreshPage } from '../../../src/browser/index.js'
import { discover, type OAuthResponseError } from '../../../src/index.js'
import { expectCode } from '../../support/helpers.js'
import { pageSignIn } from '../rp.js'
import { browse } from './browser.js'
import {
  assertDwho,
  begin,
  DWHO,
  type LemonLdap,
  PROFILE,
  REDIRECT,
  RESERVED_SECRET,
  SECRET,
  startSuite,
  tokenRequestTap,
  UUID_CLIENT,
} from './setup.js'

let t: LemonLdap

before(async () => {
  t = await startSuite()
})

after(async () => {
  await t?.op.close()
})

const confidential = { client_id: 'confidential', client_secret: SECRET } as const
const publicClient = { client_id: 'public', token_endpoint_auth_method: 'none' } as const

describe('discovery against LemonLDAP::NG', () => {
  test('rp-discovery-openid-configuration: the portal metadata loads, with every response type and both secret methods', async (ctx) => {
    ctx.diagnostic(`the portal started in ${t.op.startupMs} ms`)
    const config = await t.connect(confidential)
    assert.equal(config.issuer, t.op.issuer)
    for (const type of ['code', 'id_token', 'id_token token', 'code id_token']) {
      assert.ok(config.provider.response_types_supported.includes(type), type)
    }
    assert.deepEqual([...(config.provider.token_endpoint_auth_methods_supported ?? [])].sort(), [
      'client_secret_basic',
      'client_secret_post',
    ])
  })

  test('rp-discovery-issuer-not-matching-config: an issuer other than the one the portal states is refused', async () => {
    await expectCode(
      discover(`${t.op.issuer}/`, { ...confidential, redirect_uris: [REDIRECT] }),
      'DISCOVERY_ISSUER_MISMATCH',
    )
  })
})

describe('code flow with PKCE and each client authentication method', () => {
  test('rp-token_endpoint-client_secret_basic: a code flow sign-in with PKCE completes, with UserInfo and a refresh token', async () => {
    const result = await t.signIn(await t.connect(confidential, { policy: PROFILE }))
    assertDwho(result, t.op.issuer)
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(result.userinfo?.email, DWHO.email)
    assert.equal(typeof result.refreshToken, 'string')
  })

  test('rp-token_endpoint-client_secret_basic with a UUID client id: a code flow sign-in completes (the - reaches the portal as -)', async () => {
    const tap = tokenRequestTap()
    const config = await t.connect(
      { client_id: UUID_CLIENT, client_secret: SECRET },
      { policy: PROFILE, fetch: tap.fetch },
    )
    assertDwho(await t.signIn(config), t.op.issuer)
    const basic = tap.sent[0]?.headers.get('authorization')?.replace(/^Basic /, '') ?? ''
    assert.equal(Buffer.from(basic, 'base64').toString('utf8'), `${UUID_CLIENT}:${SECRET}`)
  })

  test('rp-token_endpoint-client_secret_post with the UUID client id: a code flow sign-in completes', async () => {
    const config = await t.connect(
      {
        client_id: UUID_CLIENT,
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_post',
      },
      { policy: PROFILE },
    )
    assertDwho(await t.signIn(config), t.op.issuer)
  })

  test('a public client (none) with PKCE: a code flow sign-in completes', async () => {
    const result = await t.signIn(await t.connect(publicClient, { policy: PROFILE }))
    assertDwho(result, t.op.issuer)
    assert.equal(result.accessToken?.type, 'Bearer')
  })

  test('a wrong client secret is refused by the portal (invalid_client)', async () => {
    const config = await t.connect({ ...confidential, client_secret: `${SECRET}x` })
    const err = await expectCode<OAuthResponseError>(t.signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('a public client without PKCE is refused by the portal, as its RP requires PKCE (invalid_request)', async () => {
    const config = await t.connect(publicClient, { policy: { pkce: false } })
    const err = await expectCode<OAuthResponseError>(
      t.signIn(config),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
  })

  test('with RequirePKCE, a token request carrying another code_verifier is refused by the portal (invalid_grant)', async () => {
    const tap = tokenRequestTap((body) => body.set('code_verifier', 'x'.repeat(43)))
    const config = await t.connect(confidential, { fetch: tap.fetch })
    const err = await expectCode<OAuthResponseError>(t.signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_grant')
  })

  test('without RequirePKCE the portal ignores the code_verifier, so a code redeemed with another one still works: require PKCE on every code-flow RP', async () => {
    const tap = tokenRequestTap((body) => body.set('code_verifier', 'x'.repeat(43)))
    const config = await t.connect(
      { client_id: 'hybrid', client_secret: SECRET },
      { fetch: tap.fetch },
    )
    assert.equal((await t.signIn(config)).idTokenClaims.sub, DWHO.sub)
    assert.equal(tap.sent[0]?.body.get('code_verifier'), 'x'.repeat(43))
  })

  test('client_secret_basic with a secret that form-encoding escapes is refused by the portal, which compares Basic credentials undecoded (RFC 6749 §2.3.1)', async () => {
    const config = await t.connect({ client_id: 'reservedsecret', client_secret: RESERVED_SECRET })
    const err = await expectCode<OAuthResponseError>(t.signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('client_secret_post with that same secret: the sign-in completes', async () => {
    const config = await t.connect({
      client_id: 'reservedsecret',
      client_secret: RESERVED_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
    })
    assert.equal((await t.signIn(config)).idTokenClaims.sub, DWHO.sub)
  })
})

describe('form_post, implicit and hybrid responses', () => {
  test('rp-response_mode-form_post: a code flow sign-in by form_post completes', async () => {
    const config = await t.connect(confidential, {
      policy: { ...PROFILE, responseMode: 'form_post' },
    })
    const pending = await begin(config)
    const arrival = await browse(pending.url)
    assert.equal(arrival.method, 'POST')
    assertDwho(await pending.finish(arrival), t.op.issuer)
  })

  const implicit = { client_id: 'implicit', token_endpoint_auth_method: 'none' } as const
  for (const responseType of ['id_token', 'id_token token'] as const) {
    for (const responseMode of [undefined, 'form_post'] as const) {
      const id = `rp-response_type-${responseType.replace(' ', '+')}`
      const mode = responseMode === 'form_post' ? ', rp-response_mode-form_post' : ' (fragment)'
      const where = responseType === 'id_token' ? 'claims in the ID token' : 'claims from UserInfo'
      test(`${id}${mode}: an implicit sign-in completes (${where})`, async () => {
        const config = await t.connect(implicit, {
          policy: { ...PROFILE, responseType, ...(responseMode ? { responseMode } : {}) },
        })
        const pending = await begin(config)
        const arrival = await browse(pending.url)
        assert.equal(arrival.method, responseMode === 'form_post' ? 'POST' : 'GET')
        const result = await pending.finish(arrival)
        assertDwho(result, t.op.issuer)
        const withToken = responseType === 'id_token token'
        assert.equal(result.accessToken?.type, withToken ? 'Bearer' : undefined)
        assert.equal(typeof result.idTokenClaims.at_hash, withToken ? 'string' : 'undefined')
        // the portal releases the claims in the ID token only when no access token comes
        assert.equal(result.idTokenClaims.email, withToken ? undefined : DWHO.email)
        assert.equal(result.userinfo?.email, withToken ? DWHO.email : undefined)
      })
    }
  }

  const hybrid = { client_id: 'hybrid', client_secret: SECRET } as const
  for (const responseMode of [undefined, 'form_post'] as const) {
    const mode = responseMode === 'form_post' ? ', rp-response_mode-form_post' : ' (fragment)'
    test(`rp-response_type-code+id_token${mode}: a hybrid sign-in completes, its front-channel ID token bound to the code by c_hash`, async () => {
      const config = await t.connect(hybrid, {
        policy: {
          ...PROFILE,
          responseType: 'code id_token',
          ...(responseMode ? { responseMode } : {}),
        },
      })
      const pending = await begin(config)
      const arrival = await browse(pending.url)
      const response =
        arrival.method === 'POST'
          ? (arrival.body ?? new URLSearchParams())
          : new URLSearchParams(arrival.url.hash.slice(1))
      assert.equal(arrival.method, responseMode === 'form_post' ? 'POST' : 'GET')
      assert.ok(response.has('code'))
      assert.equal(typeof decodeJwt(response.get('id_token') ?? '').c_hash, 'string')
      const result = await pending.finish(arrival)
      assertDwho(result, t.op.issuer)
      assert.equal(result.accessToken?.type, 'Bearer')
    })
  }
})

describe('consent at the portal', () => {
  const consent = { client_id: 'consent', client_secret: SECRET } as const

  test('the user giving consent: the sign-in completes', async () => {
    const result = await t.signIn(await t.connect(consent, { policy: PROFILE }), { user: 'msmith' })
    assert.equal(result.idTokenClaims.sub, 'msmith')
  })

  test('the user refusing consent: the portal answers consent_required (not access_denied)', async () => {
    const config = await t.connect(consent, { policy: PROFILE })
    const err = await expectCode<OAuthResponseError>(
      t.signIn(config, { user: 'rtyler', accept: false }),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'consent_required')
  })
})

describe('ID token signatures the portal can be configured with', () => {
  const hmac = { client_id: 'hmacidtoken', client_secret: SECRET } as const

  test('an HS256 ID token (IDTokenSignAlg HS256) is verified with the client secret when the client registered HS256', async () => {
    const config = await t.connect({ ...hmac, id_token_signed_response_alg: 'HS256' })
    const result = await t.signIn(config)
    assert.equal(result.idTokenClaims.sub, DWHO.sub)
  })

  test('an HS256 ID token is refused when the client registered RS256', async () => {
    const config = await t.connect({ ...hmac, id_token_signed_response_alg: 'RS256' })
    await expectCode(t.signIn(config), 'ID_TOKEN_ALG_NOT_ALLOWED')
  })

  test('an unsigned ID token (IDTokenSignAlg none) is refused; the RS256 sign-ins above are its twin', async () => {
    const config = await t.connect({ client_id: 'unsignedidtoken', client_secret: SECRET })
    await expectCode(t.signIn(config), 'JWT_MALFORMED')
  })
})

describe("a page's lean sign-in (oidc-rp/browser) against LemonLDAP::NG", () => {
  test('the public client with PKCE: the ID token validated, UserInfo of the same sub', async () => {
    const { result } = await pageSignIn(t.op.issuer, (url) => browse(url))
    assert.equal(result.idTokenClaims.iss, t.op.issuer)
    assert.equal(result.idTokenClaims.sub, DWHO.sub)
    assert.equal(result.userinfo?.sub, DWHO.sub)
    assert.equal(result.accessToken.type, 'Bearer')
  })

  test("a refresh with the page's refreshTokens: a new access token, a new ID token of the same sign-in", async () => {
    const { config, result } = await pageSignIn(t.op.issuer, (url) => browse(url))
    assert.ok(result.refreshToken)
    const refreshed = await refreshPage(config, result.refreshToken, {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken.value)
    assert.equal(refreshed.accessToken.type, 'Bearer')
    assert.equal(refreshed.idTokenClaims?.sub, DWHO.sub)
  })
})
