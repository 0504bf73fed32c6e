/**
 * The SDK against a real OP (oidc-provider 8), part 1: discovery, the code flow with every client
 * authentication method, implicit and hybrid responses, RFC 9207 `iss`. Every refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { refreshTokens as refreshPage } from '../../src/browser/index.js'
import { type Configuration, discover, type OAuthResponseError } from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode } from '../support/helpers.js'
import type { RunningOp } from './op-server.js'
import { pageSignIn } from './rp.js'
import {
  assertAlice,
  callbackInput,
  type Interop,
  PROFILE,
  REDIRECT,
  SECRET,
  startInterop,
} from './setup.js'

/** The browser of this suite: it keeps each sign-in's browser-binding cookie. */
const browser = inBrowser()

let t: Interop
let op: RunningOp
let connect: Interop['connect']
let signIn: Interop['signIn']

before(async () => {
  t = await startInterop()
  ;({ op, connect, signIn } = t)
})

after(async () => {
  await t?.op.close()
})

describe('discovery against oidc-provider', () => {
  test('rp-discovery-openid-configuration: the real metadata loads and builds the contract', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET })
    assert.equal(config.issuer, op.issuer)
    assert.equal(config.provider.authorization_response_iss_parameter_supported, true)
    const names = config.contract.map((a) => a.name)
    for (const claim of ['sub', 'name', 'email', 'email_verified', 'department', 'acr']) {
      assert.ok(names.includes(claim), claim)
    }
  })

  test('rp-discovery-issuer-not-matching-config: an issuer other than the OP states is refused', async () => {
    await expectCode(
      discover(`${op.issuer}/`, {
        client_id: 'basic',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
      }),
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
    { client_id: 'post', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' },
    {
      client_id: 'secret-jwt',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    { client_id: 'private-key-jwt', token_endpoint_auth_method: 'private_key_jwt' },
    { client_id: 'public', token_endpoint_auth_method: 'none' },
  ] as const

  for (const client of methods) {
    const name =
      client.token_endpoint_auth_method === 'none'
        ? 'a public client (none) with PKCE'
        : `rp-token_endpoint-${client.token_endpoint_auth_method}`
    test(`${name}, rp-scope-userinfo-claims: a code flow sign-in completes`, async () => {
      const keys =
        client.token_endpoint_auth_method === 'private_key_jwt' ? { keys: [t.rpKey] } : {}
      const config = await connect({ ...client, ...keys }, { policy: PROFILE })
      const result = await signIn(config)
      assertAlice(result, op.issuer)
      assert.equal(result.accessToken?.type, 'Bearer')
      assert.ok((result.accessToken?.expiresAt ?? 0) > Date.now() / 1000)
      assert.equal(result.userinfo?.email, 'alice@example.test')
    })
  }

  test('rp-response_mode-form_post: a code flow sign-in by form_post completes', async () => {
    const config = await connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, responseMode: 'form_post' } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    assert.equal(back.method, 'POST')
    assertAlice(await browser.handleCallback(config, callbackInput(back)), op.issuer)
  })

  test('a wrong client secret is refused by the OP (invalid_client)', async () => {
    const config = await connect({ client_id: 'basic', client_secret: `${SECRET}-wrong` })
    const err = await expectCode<OAuthResponseError>(signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('a private_key_jwt assertion signed with an unregistered key is refused (invalid_client)', async () => {
    const config = await connect({
      client_id: 'private-key-jwt',
      keys: [t.rogueKey],
      token_endpoint_auth_method: 'private_key_jwt',
    })
    const err = await expectCode<OAuthResponseError>(signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('a public client without PKCE is refused by the OP', async () => {
    const config = await connect(
      { client_id: 'public', token_endpoint_auth_method: 'none' },
      { policy: { pkce: false } },
    )
    const err = await expectCode<OAuthResponseError>(signIn(config), 'AUTHORIZATION_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_request')
  })

  test('the user cancelling at the OP ends in access_denied', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET })
    const err = await expectCode<OAuthResponseError>(
      signIn(config, { user: 'alice', consent: false }),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'access_denied')
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
      const config = await connect(implicit, {
        policy: { ...PROFILE, responseType, ...(responseMode ? { responseMode } : {}) },
      })
      const { url } = await browser.createAuthorizationRequest(config)
      const back = await op.completeLogin(url, { user: 'alice' })
      assert.equal(back.method, responseMode === 'form_post' ? 'POST' : 'GET')
      const result = await browser.handleCallback(config, callbackInput(back))
      assertAlice(result, op.issuer)
      assert.equal(result.accessToken !== undefined, responseType === 'id_token token')
      assert.equal(result.userinfo !== undefined, responseType === 'id_token token')
    })
  }

  test('rp-response_mode-form_post-error: an error posted back is reported', async () => {
    const config = await connect(implicit, {
      policy: { responseType: 'id_token', responseMode: 'form_post' },
    })
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice', consent: false })
    assert.equal(back.method, 'POST')
    const err = await expectCode<OAuthResponseError>(
      browser.handleCallback(config, callbackInput(back)),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'access_denied')
  })

  test('a replayed implicit response is refused (the state was consumed)', async () => {
    const config = await connect(implicit, { policy: { responseType: 'id_token' } })
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    await browser.handleCallback(config, back.url)
    await expectCode(browser.handleCallback(config, back.url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('rp-response_type-code+id_token: a hybrid sign-in by form_post completes', async () => {
    const config = await connect(
      { client_id: 'hybrid', client_secret: SECRET },
      { policy: { ...PROFILE, responseType: 'code id_token', responseMode: 'form_post' } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    assert.equal(typeof decodeJwt(back.body?.get('id_token') ?? '').c_hash, 'string')
    assert.ok(back.body?.has('code'))
    const result = await browser.handleCallback(config, callbackInput(back))
    assertAlice(result, op.issuer)
    assert.equal(result.accessToken?.type, 'Bearer')
  })
})

describe('RFC 9207 iss in the authorization response', () => {
  async function response(): Promise<{ config: Configuration; url: URL }> {
    const config = await connect({ client_id: 'basic', client_secret: SECRET })
    const { url } = await browser.createAuthorizationRequest(config)
    return { config, url: (await op.completeLogin(url, { user: 'alice' })).url }
  }

  test('the OP sends iss and the SDK accepts it', async () => {
    const { config, url } = await response()
    assert.equal(url.searchParams.get('iss'), op.issuer)
    assert.equal((await browser.handleCallback(config, url)).idTokenClaims.sub, 'alice')
  })

  test('an iss other than the OP is refused', async () => {
    const { config, url } = await response()
    url.searchParams.set('iss', 'https://attacker.example.test')
    await expectCode(browser.handleCallback(config, url), 'CALLBACK_ISSUER_MISMATCH')
  })

  test('an implicit response with a wrong iss is refused (iss is checked whenever present)', async () => {
    const config = await connect(
      { client_id: 'implicit', token_endpoint_auth_method: 'none' },
      { policy: { responseType: 'id_token' } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    const fragment = new URLSearchParams(back.url.hash.slice(1))
    fragment.set('iss', 'https://attacker.example.test')
    back.url.hash = fragment.toString()
    await expectCode(browser.handleCallback(config, back.url), 'CALLBACK_ISSUER_MISMATCH')
  })

  test('a missing iss is refused, as the OP advertises it', async () => {
    const { config, url } = await response()
    url.searchParams.delete('iss')
    await expectCode(browser.handleCallback(config, url), 'CALLBACK_ISSUER_MISSING')
  })
})

describe("a page's lean sign-in (oidc-rp/browser) against oidc-provider", () => {
  test('the public client with PKCE: the ID token validated, UserInfo of the same sub', async () => {
    const { result } = await pageSignIn(op.issuer, (url) =>
      op.completeLogin(url, { user: 'alice' }),
    )
    assert.equal(result.idTokenClaims.iss, op.issuer)
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.equal(result.userinfo?.sub, 'alice')
    assert.ok(typeof result.userinfo?.email === 'string')
    assert.equal(result.accessToken.type, 'Bearer')
  })

  test("a refresh with the page's refreshTokens: new tokens, a new ID token of the same end-user (OIDC Core §12.2)", async () => {
    const { config, result } = await pageSignIn(op.issuer, (url) =>
      op.completeLogin(url, { user: 'alice' }),
    )
    assert.ok(result.refreshToken)
    const refreshed = await refreshPage(config, result.refreshToken, {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken.value)
    assert.equal(refreshed.accessToken.type, 'Bearer')
    assert.equal(refreshed.idTokenClaims?.sub, 'alice')
    assert.equal(refreshed.idTokenClaims?.iss, op.issuer)
  })
})
