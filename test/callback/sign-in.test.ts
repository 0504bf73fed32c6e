import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration } from '../../src/config/configuration.js'
import { RUNTIME } from '../../src/config/runtime.js'
import type { TransactionStore } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { assertSignedIn, authorized, formPost, tamper } from '../support/callback.js'
import { expectCode } from '../support/helpers.js'
import { browserRequest, createFixture, REDIRECT_URI, sharedFixture } from '../support/sign-in.js'

describe('the code flow (Basic Client profile)', () => {
  test('a GET callback completes the sign-in: token request with code, redirect_uri and PKCE verifier', async () => {
    const f = await sharedFixture()
    const { started, response } = await authorized(f, { appState: { returnTo: '/home' } })
    const result = await f.callback(browserRequest(response))
    assertSignedIn(result)
    assert.equal(result.claims.email, 'alice@example.com')
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(result.accessToken?.scope, 'openid profile email')
    assert.equal(result.accessToken?.expiresAt, Math.floor(f.clock.now / 1000) + 3600)
    assert.equal(typeof result.refreshToken, 'string')
    assert.equal(result.idToken.split('.').length, 3)
    assert.deepEqual(result.transaction, {
      appState: { returnTo: '/home' },
      scope: 'openid profile email',
      responseType: 'code',
      redirectUri: REDIRECT_URI,
      createdAt: started.transaction.createdAt,
    })
    const token = f.op.requests.find((r) => r.endpoint === 'token')
    assert.equal(token?.params.grant_type, 'authorization_code')
    assert.equal(token?.params.code, response.params.get('code'))
    assert.equal(token?.params.redirect_uri, REDIRECT_URI)
    assert.equal(token?.params.code_verifier, started.transaction.codeVerifier)
  })

  test('the same callback works from a URL, a URL string and URLSearchParams', async () => {
    const f = await sharedFixture()
    const inputs = [
      (url: string) => new URL(url),
      (url: string) => url,
      (url: string) => new URL(url).searchParams,
      (url: string) => new URL(url).search,
    ]
    for (const toInput of inputs) {
      const { response } = await authorized(f)
      assertSignedIn(await f.callback(toInput(response.url)))
    }
  })

  test('form_post: the POSTed body completes the sign-in, a GET with the same parameters is refused', async () => {
    const f = await sharedFixture()
    const posted = await authorized(f, { responseMode: 'form_post' })
    assert.equal(posted.response.method, 'POST')
    assertSignedIn(await f.callback(browserRequest(posted.response)))
    const asQuery = await authorized(f, { responseMode: 'form_post' })
    await expectCode(
      f.callback(new Request(`${REDIRECT_URI}?${asQuery.response.params}`)),
      'CALLBACK_RESPONSE_MODE_MISMATCH',
    )
    const asBody = await authorized(f, { responseMode: 'form_post' })
    assertSignedIn(await f.callback(asBody.response.body!))
  })
})

describe('the implicit flow (Implicit Client profile)', () => {
  test('id_token by fragment: the claims come from the ID token, no access token', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'id_token' })
    assert.equal(response.responseMode, 'fragment')
    const result = await f.callback(response.url)
    assertSignedIn(result)
    assert.equal(result.claims.email, 'alice@example.com')
    assert.equal(result.accessToken, undefined)
    assert.equal(result.userinfo, undefined)
    assert.equal(
      f.op.requests.some((r) => r.endpoint === 'token' || r.endpoint === 'userinfo'),
      false,
    )
  })

  test('id_token token by fragment: the access token is checked against at_hash and used for UserInfo', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'id_token token' })
    const result = await f.callback(response.url)
    assertSignedIn(result)
    assert.equal(result.accessToken?.value, response.params.get('access_token'))
    assert.equal(result.accessToken?.expiresAt, Math.floor(f.clock.now / 1000) + 3600)
    assert.equal(result.accessToken?.scope, 'openid profile email')
    assert.equal(result.userinfo?.email, 'alice@example.com')
  })

  test('implicit by form_post, and by the fragment relayed as a POST', async () => {
    const f = await sharedFixture()
    for (const responseType of ['id_token', 'id_token token']) {
      const posted = await authorized(f, { responseType, responseMode: 'form_post' })
      assertSignedIn(await f.callback(browserRequest(posted.response)))
      const relayed = await authorized(f, { responseType })
      const fragment = new URL(relayed.response.url).hash.slice(1)
      assertSignedIn(await f.callback(formPost(fragment)))
    }
  })

  test('a transaction without nonce cannot complete an implicit sign-in', async () => {
    const f = await sharedFixture()
    const { started, response } = await authorized(f, { responseType: 'id_token' })
    const store = f.config[RUNTIME].store
    const { nonce: _nonce, ...tx } = (await store.take(started.transaction.state))!
    await store.set(tx, 600)
    await expectCode(f.callback(response.url), 'INVALID_ARGUMENT')
  })

  test('a nonce-less ID token and a wrong at_hash are refused (details in oidf-rp.test.ts)', async () => {
    const f = await sharedFixture()
    f.op.misbehave({ idToken: 'no-nonce' })
    const a = await authorized(f, { responseType: 'id_token' })
    await expectCode(f.callback(a.response.url), 'ID_TOKEN_NONCE_MISSING')
    f.op.misbehave({ idToken: 'wrong-at_hash' })
    const b = await authorized(f, { responseType: 'id_token token' })
    await expectCode(f.callback(b.response.url), 'ID_TOKEN_AT_HASH_MISMATCH')
  })
})

describe('the hybrid flow (code id_token)', () => {
  test('both ID tokens are validated; the code is redeemed', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'code id_token' })
    assert.ok(response.params.get('code') && response.params.get('id_token'))
    const result = await f.callback(response.url)
    assertSignedIn(result)
    assert.ok(result.accessToken)
    assert.notEqual(result.idToken, response.params.get('id_token'))
  })

  test('c_hash is required and checked', async () => {
    const f = await sharedFixture()
    for (const [fault, code] of [
      ['no-c_hash', 'ID_TOKEN_C_HASH_MISSING'],
      ['wrong-c_hash', 'ID_TOKEN_C_HASH_MISMATCH'],
    ] as const) {
      f.op.misbehave({ idToken: fault })
      const { response } = await authorized(f, { responseType: 'code id_token' })
      await expectCode(f.callback(response.url), code)
    }
    const twin = await authorized(f, { responseType: 'code id_token' })
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('the token endpoint ID token must name the same end-user', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'code id_token' })
    f.op.misbehave({ idTokenClaims: { sub: 'mallory' } })
    await expectCode(f.callback(response.url), 'CALLBACK_ID_TOKEN_MISMATCH')
    const twin = await authorized(f, { responseType: 'code id_token' })
    assertSignedIn(await f.callback(twin.response.url))
  })
})

describe('the hybrid flow with a front-channel access token (code token, code id_token token)', () => {
  test('the front-channel access token is kept apart; accessToken is the token endpoint one, sent to UserInfo', async () => {
    const f = await sharedFixture()
    for (const responseType of ['code token', 'code id_token token']) {
      const { response } = await authorized(f, { responseType })
      const front = response.params.get('access_token')
      assert.ok(front && response.params.get('code'))
      const result = await f.callback(response.url)
      assertSignedIn(result)
      assert.equal(result.frontChannelAccessToken?.value, front)
      assert.equal(result.frontChannelAccessToken?.type, 'Bearer')
      assert.equal(
        result.frontChannelAccessToken?.expiresAt,
        Math.floor(f.clock.now / 1000) + Number(response.params.get('expires_in')),
      )
      assert.ok(result.accessToken && result.accessToken.value !== front)
      assert.ok(result.refreshToken)
      const userinfo = f.op.requests.filter((r) => r.endpoint === 'userinfo').at(-1)
      assert.equal(userinfo?.headers.authorization, `Bearer ${result.accessToken.value}`)
    }
  })

  test('code id_token token: the front-channel ID token is bound to both the code (c_hash) and the access token (at_hash)', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'code id_token token' })
    const front = JSON.parse(atob(response.params.get('id_token')!.split('.')[1]!))
    assert.equal(typeof front.at_hash, 'string')
    assert.equal(typeof front.c_hash, 'string')
    const result = await f.callback(response.url)
    assert.notEqual(result.idToken, response.params.get('id_token'), 'the token endpoint one')
  })

  test('code id_token token: a front-channel access token swapped for another one fails at_hash; the unswapped twin signs in', async () => {
    const f = await sharedFixture()
    const swap = (p: URLSearchParams) => p.set('access_token', 'another-access-token')
    const bound = await authorized(f, { responseType: 'code id_token token' })
    await expectCode(f.callback(tamper(bound.response.url, swap)), 'ID_TOKEN_AT_HASH_MISMATCH')
    const twin = await authorized(f, { responseType: 'code id_token token' })
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('code token: no front-channel ID token binds the access token, which is handed over as it came (documented)', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'code token' })
    const swapped = tamper(response.url, (p) => p.set('access_token', 'another-access-token'))
    const result = await f.callback(swapped)
    assert.equal(result.frontChannelAccessToken?.value, 'another-access-token')
    assert.notEqual(result.accessToken?.value, 'another-access-token')
  })

  test('code and code id_token sign-ins have no frontChannelAccessToken', async () => {
    const f = await sharedFixture()
    for (const responseType of ['code', 'code id_token']) {
      const { response } = await authorized(f, { responseType })
      const result = await f.callback(response.url)
      assert.ok(result.accessToken)
      assert.equal(result.frontChannelAccessToken, undefined)
      assert.equal('frontChannelAccessToken' in result, false)
    }
  })
})

describe('UserInfo policy', () => {
  test('when-available (default) calls UserInfo with the Bearer header', async () => {
    const f = await sharedFixture()
    const result = await f.signIn()
    assert.equal(result.userinfo?.sub, 'alice')
    const call = f.op.requests.find((r) => r.endpoint === 'userinfo')
    assert.equal(call?.accessTokenIn, 'header')
  })

  test('placement body sends the access token in the form body', async () => {
    const f = await sharedFixture()
    const result = await f.signIn({}, { userinfoPlacement: 'body' })
    assert.equal(result.userinfo?.email, 'alice@example.com')
    assert.equal(f.op.requests.find((r) => r.endpoint === 'userinfo')?.accessTokenIn, 'body')
  })

  test('never skips UserInfo, per call or by configuration', async () => {
    const f = await sharedFixture()
    const perCall = await f.signIn({}, { userinfo: 'never' })
    assert.equal(perCall.userinfo, undefined)
    const configured = await createFixture({ config: { userinfo: 'never' } })
    assert.equal((await configured.signIn()).userinfo, undefined)
    assert.equal(
      [...f.op.requests, ...configured.op.requests].some((r) => r.endpoint === 'userinfo'),
      false,
    )
  })

  test('required fails with USERINFO_UNAVAILABLE without access token or endpoint; passes with both', async () => {
    const f = await sharedFixture()
    await expectCode(
      f.signIn({ responseType: 'id_token' }, { userinfo: 'required' }),
      'USERINFO_UNAVAILABLE',
    )
    const noEndpoint = await createFixture({ op: { metadata: { userinfo_endpoint: undefined } } })
    await expectCode(noEndpoint.signIn({}, { userinfo: 'required' }), 'USERINFO_UNAVAILABLE')
    assert.equal((await noEndpoint.signIn()).userinfo, undefined)
    const twin = await f.signIn({}, { userinfo: 'required' })
    assert.equal(twin.userinfo?.sub, 'alice')
  })

  test('an unknown UserInfo mode in the settings is a configuration error', async () => {
    const f = await sharedFixture()
    assert.throws(
      () =>
        createConfiguration(
          f.op.metadata(),
          { client_id: 'x', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
          {
            userinfo: 'sometimes' as 'never',
          },
        ),
      (err: unknown) => (err as { code?: string }).code === 'INVALID_CONFIGURATION',
    )
  })

  test('bad callback options are refused before the transaction is consumed', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    await expectCode(
      f.callback(response.url, { userinfo: 'sometimes' as 'never' }),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      f.callback(response.url, { userinfoPlacement: 'query' as 'body' }),
      'INVALID_ARGUMENT',
    )
    assertSignedIn(await f.callback(response.url, { userinfo: 'required' }))
  })

  test('a UserInfo sub other than the ID token sub fails the sign-in', async () => {
    const f = await sharedFixture()
    f.op.misbehave({ userinfo: 'wrong-sub' })
    await expectCode(f.signIn(), 'USERINFO_SUB_MISMATCH')
    assertSignedIn(await f.signIn())
  })
})

describe('nothing half-done', () => {
  /** A store that records what the callback does to it. */
  function spyStore(): TransactionStore & { log: string[] } {
    const inner = createMemoryTransactionStore()
    const log: string[] = []
    return {
      log,
      set: (tx, ttl) => {
        log.push(`set ${tx.state}`)
        return inner.set(tx, ttl)
      },
      take: (state, handle) => {
        log.push(`take ${state} ${handle ?? '-'}`)
        return inner.take(state, handle)
      },
    }
  }

  test('a failed callback consumes its transaction and touches nothing else', async () => {
    const store = spyStore()
    const f = await createFixture({ config: { store } })
    const other = await authorized(f)
    const failing = await authorized(f)
    store.log.length = 0
    f.op.misbehave({ idToken: 'wrong-nonce' })
    await expectCode(f.callback(failing.response.url), 'ID_TOKEN_NONCE_MISMATCH')
    assert.deepEqual(store.log, [`take ${failing.started.transaction.state} -`])
    await expectCode(f.callback(failing.response.url), 'CALLBACK_STATE_UNKNOWN')
    assertSignedIn(await f.callback(other.response.url))
  })

  test("a 'handle' store opens the transaction with the browser-binding cookie", async () => {
    const inner = createMemoryTransactionStore()
    const taken: (string | undefined)[] = []
    const store: TransactionStore = {
      browserBinding: 'handle',
      set: async (tx, ttl) => {
        await inner.set(tx, ttl)
        return `sealed-${tx.state}`
      },
      take: (state, handle) => {
        taken.push(handle)
        return inner.take(state, handle)
      },
    }
    const f = await createFixture({ config: { store } })
    const { started, response } = await authorized(f)
    assertSignedIn(await f.callback(response.url))
    assert.deepEqual(taken, [`sealed-${started.transaction.state}`])
  })

  test('an aborted signal stops the token request', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    const controller = new AbortController()
    controller.abort()
    await expectCode(f.callback(response.url, { signal: controller.signal }), 'HTTP_ABORTED')
    const twin = await authorized(f)
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('errors carry neither the code nor the tokens', async () => {
    const f = await sharedFixture()
    f.op.misbehave({ idToken: 'bad-signature' })
    const { response } = await authorized(f, { responseType: 'id_token token' })
    const err = await expectCode(f.callback(response.url), 'ID_TOKEN_SIGNATURE_INVALID')
    const text = `${(err as Error).message} ${JSON.stringify(err)}`
    for (const secret of [response.params.get('access_token'), response.params.get('id_token')]) {
      assert.ok(!text.includes(secret!))
    }
  })
})
