/**
 * The SDK against a real OP (oidc-provider 8): the hybrid response types that return an access
 * token from the authorization endpoint, `code token` and `code id_token token` (OIDC Core §3.3),
 * in the fragment (default) and form_post response modes. oidc-provider leaves them out by
 * default (RFC 9700 §2.1.2): this suite's OP enables them through `adjust`. Every refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import {
  type Configuration,
  discover,
  fetchUserInfo,
  type ResponseType,
  type SignInResult,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type LoginResult, type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'

const SECRET = 'interop-hybrid-secret-0123456789abcdefghij'
registerSecret(SECRET)

/** The browser of this suite: it keeps each sign-in's browser-binding cookie. */
const browser = inBrowser()

const HYBRID_WITH_TOKEN: readonly ResponseType[] = ['code token', 'code id_token token']
const MODES = [undefined, 'form_post'] as const

let op: RunningOp

before(async () => {
  op = await startOp({
    clients: [
      {
        client_id: 'hybrid-token',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        response_types: ['code', 'code token', 'code id_token token'],
        grant_types: ['authorization_code', 'implicit', 'refresh_token'],
      },
    ],
    adjust: (configuration) => {
      configuration.responseTypes = [
        ...(configuration.responseTypes ?? []),
        'code token',
        'code id_token token',
      ]
    },
  })
})

after(async () => {
  await op?.close()
})

function connect(responseType: ResponseType, responseMode?: 'form_post'): Promise<Configuration> {
  return discover(
    op.issuer,
    { client_id: 'hybrid-token', client_secret: SECRET, redirect_uris: [REDIRECT] },
    { policy: { ...PROFILE, responseType, ...(responseMode ? { responseMode } : {}) } },
  )
}

/** The authorization response's parameters, wherever they came (fragment or form body). */
function parametersOf(back: LoginResult): URLSearchParams {
  return back.method === 'POST' ? back.body! : new URLSearchParams(back.url.hash.slice(1))
}

/** The browser's arrival with its parameters changed (fragment or form body). */
function tampered(back: LoginResult, change: (p: URLSearchParams) => void): URL | Request {
  const params = new URLSearchParams(parametersOf(back))
  change(params)
  if (back.method === 'POST') {
    return new Request(back.url, { method: 'POST', body: params })
  }
  const url = new URL(back.url)
  url.hash = params.toString()
  return url
}

async function authorize(config: Configuration): Promise<LoginResult> {
  const { url } = await browser.createAuthorizationRequest(config)
  const back = await op.completeLogin(url, { user: 'alice' })
  for (const name of ['code', 'access_token', 'id_token']) {
    registerSecret(parametersOf(back).get(name) ?? undefined)
  }
  return back
}

function assertHybridResult(result: SignInResult, front: URLSearchParams): void {
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.idTokenClaims.iss, op.issuer)
  assert.equal(result.frontChannelAccessToken?.value, front.get('access_token'))
  assert.equal(result.frontChannelAccessToken?.type, 'Bearer')
  assert.equal(result.accessToken?.type, 'Bearer')
  assert.notEqual(result.accessToken?.value, result.frontChannelAccessToken?.value)
  assert.equal(result.userinfo?.email, 'alice@example.test')
}

describe('hybrid response types with a front-channel access token (oidc-provider)', () => {
  for (const responseMode of MODES) {
    const how = responseMode ?? 'fragment'

    test(`rp-response_type-code+token (${how}): a code and an access token; the code redeemed, the two access tokens kept apart`, async () => {
      const config = await connect('code token', responseMode)
      const back = await authorize(config)
      assert.equal(back.method, responseMode === 'form_post' ? 'POST' : 'GET')
      const front = parametersOf(back)
      assert.ok(front.get('code') && front.get('access_token'))
      assert.equal(front.get('id_token'), null)
      const result = await browser.handleCallback(config, callbackInput(back))
      assertHybridResult(result, front)
    })

    test(`rp-response_type-code+id_token+token (${how}): the front-channel ID token carries at_hash and c_hash; both ID tokens validated`, async () => {
      const config = await connect('code id_token token', responseMode)
      const back = await authorize(config)
      const front = parametersOf(back)
      const frontClaims = decodeJwt(front.get('id_token') ?? '')
      assert.equal(typeof frontClaims.at_hash, 'string')
      assert.equal(typeof frontClaims.c_hash, 'string')
      const result = await browser.handleCallback(config, callbackInput(back))
      assertHybridResult(result, front)
      assert.notEqual(result.idToken, front.get('id_token'), 'the token endpoint one')
      assert.equal(result.idTokenClaims.sub, frontClaims.sub)
    })
  }

  test("the front-channel access token is the OP's own: UserInfo answers for it", async () => {
    for (const responseType of HYBRID_WITH_TOKEN) {
      const config = await connect(responseType)
      const back = await authorize(config)
      const result = await browser.handleCallback(config, callbackInput(back))
      const claims = await fetchUserInfo(config, result.frontChannelAccessToken!.value, {
        expectedSubject: 'alice',
      })
      assert.equal(claims.sub, 'alice')
    }
  })

  test('rp-id_token-bad-at_hash (hybrid): a front-channel access token the ID token does not hash to is refused; the untouched twin signs in', async () => {
    for (const responseMode of MODES) {
      const config = await connect('code id_token token', responseMode)
      const swapped = await authorize(config)
      await expectCode(
        browser.handleCallback(
          config,
          tampered(swapped, (p) => p.set('access_token', 'not-the-issued-token')),
        ),
        'ID_TOKEN_AT_HASH_MISMATCH',
      )
      const twin = await authorize(config)
      assertHybridResult(
        await browser.handleCallback(config, callbackInput(twin)),
        parametersOf(twin),
      )
    }
  })

  test('rp-id_token-bad-c_hash (hybrid): a code the front-channel ID token does not hash to is refused before it is redeemed; the twin signs in', async () => {
    const config = await connect('code id_token token')
    const first = await authorize(config)
    const second = await authorize(config)
    const otherCode = parametersOf(second).get('code')!
    // the first response carrying the second's code: a code injection the c_hash catches
    await expectCode(
      browser.handleCallback(
        config,
        tampered(first, (p) => p.set('code', otherCode)),
      ),
      'ID_TOKEN_C_HASH_MISMATCH',
    )
    // the second code was not spent by the refusal: its own response still signs in
    assertHybridResult(
      await browser.handleCallback(config, callbackInput(second)),
      parametersOf(second),
    )
  })

  test('a response without access_token or token_type, or with another token_type, is refused; the twin signs in', async () => {
    for (const responseType of HYBRID_WITH_TOKEN) {
      const config = await connect(responseType)
      for (const [change, code] of [
        [(p: URLSearchParams) => p.delete('access_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
        [(p: URLSearchParams) => p.delete('token_type'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
        [(p: URLSearchParams) => p.set('token_type', 'DPoP'), 'CALLBACK_INVALID_INPUT'],
      ] as const) {
        const back = await authorize(config)
        await expectCode(browser.handleCallback(config, tampered(back, change)), code)
      }
      const twin = await authorize(config)
      assertHybridResult(
        await browser.handleCallback(config, callbackInput(twin)),
        parametersOf(twin),
      )
    }
  })
})
