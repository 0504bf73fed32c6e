import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runInNewContext } from 'node:vm'
import { fragmentRelayPage, redirectUriHandler } from '../../examples/fragment-relay.js'
import type { SignInResult } from '../../src/callback/result.js'
import { createConfiguration } from '../../src/config/configuration.js'
import { RUNTIME } from '../../src/config/runtime.js'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import type { Transaction, TransactionStore } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { expectCode } from '../support/helpers.js'
import {
  browserRequest,
  CLIENT_ID,
  createFixture,
  type Fixture,
  REDIRECT_URI,
  type StartOptions,
  sharedFixture,
} from '../support/sign-in.js'

/** Starts a sign-in and authorizes it as alice; returns the OP's answer, unsent. */
async function authorized(f: Fixture, options?: StartOptions) {
  const started = await f.start(options)
  const response = await f.authorize(started)
  return { started, response }
}

/** The redirect URL with its query or fragment parameters changed. */
function tamper(url: string, change: (params: URLSearchParams) => void): string {
  const parsed = new URL(url)
  if (parsed.hash.length > 1) {
    const params = new URLSearchParams(parsed.hash.slice(1))
    change(params)
    parsed.hash = params.toString()
  } else {
    change(parsed.searchParams)
  }
  return parsed.href
}

function formPost(body: string, headers: Record<string, string> = {}): Request {
  return new Request(REDIRECT_URI, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  })
}

function assertSignedIn(result: SignInResult): void {
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.claims.sub, 'alice')
}

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

  test('a callback without state is refused and consumes nothing', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    const without = tamper(response.url, (p) => p.delete('state'))
    await expectCode(f.callback(without), 'CALLBACK_STATE_MISSING')
    assertSignedIn(await f.callback(response.url))
  })

  test('an unknown state is refused; the known one passes', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    const unknown = tamper(response.url, (p) => p.set('state', 'not-a-pending-state'))
    await expectCode(f.callback(unknown), 'CALLBACK_STATE_UNKNOWN')
    assertSignedIn(await f.callback(response.url))
  })

  test('a replayed callback is refused: the transaction is taken once', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    assertSignedIn(await f.callback(response.url))
    await expectCode(f.callback(response.url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('an expired transaction is refused; within its lifetime it passes', async () => {
    const f = await createFixture()
    const inTime = await f.start()
    f.clock.now += 599_000
    const early = await f.authorize(inTime)
    assertSignedIn(await f.callback(early.url))
    const late = await f.start()
    f.clock.now += 601_000
    const tooLate = await f.authorize(late)
    await expectCode(f.callback(tooLate.url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('a transaction whose own expiry passed is refused even when the store still returns it', async () => {
    const f = await sharedFixture()
    const { started, response } = await authorized(f)
    const store = f.config[RUNTIME].store
    const tx = await store.take(started.transaction.state)
    await store.set({ ...(tx as Transaction), expiresAt: tx!.createdAt - 1 }, 600)
    await expectCode(f.callback(response.url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('a transaction made for another client or another OP is refused', async () => {
    const f = await sharedFixture()
    const store = f.config[RUNTIME].store
    const other = await authorized(f)
    const tx = (await store.take(other.started.transaction.state))!
    await store.set({ ...tx, clientId: 'another-client' }, 600)
    await expectCode(f.callback(other.response.url), 'CALLBACK_STATE_UNKNOWN')
    const mixed = await authorized(f)
    const tx2 = (await store.take(mixed.started.transaction.state))!
    await store.set({ ...tx2, issuer: 'https://other-op.example' }, 600)
    await expectCode(f.callback(mixed.response.url), 'CALLBACK_ISSUER_MISMATCH')
    const fine = await authorized(f)
    assertSignedIn(await f.callback(fine.response.url))
  })

  test('RFC 9207: iss is required when the OP advertises it', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    assert.equal(response.params.get('iss'), f.op.issuer)
    const withoutIss = tamper(response.url, (p) => p.delete('iss'))
    await expectCode(f.callback(withoutIss), 'CALLBACK_ISSUER_MISSING')
    const twin = await authorized(f)
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('RFC 9207: beside a front-channel ID token iss may be absent (the ID token names the issuer)', async () => {
    const f = await sharedFixture()
    for (const responseType of ['id_token', 'id_token token', 'code id_token']) {
      const { response } = await authorized(f, { responseType })
      assertSignedIn(await f.callback(tamper(response.url, (p) => p.delete('iss'))))
      const wrong = await authorized(f, { responseType })
      const url = tamper(wrong.response.url, (p) => p.set('iss', 'https://attacker.example'))
      await expectCode(f.callback(url), 'CALLBACK_ISSUER_MISMATCH')
    }
    f.op.misbehave({ idToken: 'wrong-issuer' })
    const { response } = await authorized(f, { responseType: 'id_token' })
    await expectCode(
      f.callback(tamper(response.url, (p) => p.delete('iss'))),
      'ID_TOKEN_ISSUER_MISMATCH',
    )
  })

  test('RFC 9207: a code response with an injected id_token does not escape the iss requirement', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f)
    const url = tamper(response.url, (p) => {
      p.delete('iss')
      p.set('id_token', 'injected')
    })
    await expectCode(f.callback(url), 'CALLBACK_ISSUER_MISSING')
  })

  test('RFC 9207: an error response to a code sign-in without iss is refused even when it carries an id_token', async () => {
    const f = await sharedFixture()
    const { started } = await authorized(f)
    const forged = new URL(REDIRECT_URI)
    forged.search = new URLSearchParams({
      state: started.transaction.state,
      error: 'access_denied',
      error_description: 'call +1-555-ATTACKER to unlock your account',
      id_token: 'anything',
    }).toString()
    const err = await expectCode<Error>(f.callback(forged.href), 'CALLBACK_ISSUER_MISSING')
    assert.doesNotMatch(err.message, /ATTACKER/)
  })

  test('RFC 9207: an error response with the right iss is reported with the OP’s description (twin)', async () => {
    const f = await sharedFixture()
    const { started } = await authorized(f)
    const answer = new URL(REDIRECT_URI)
    answer.search = new URLSearchParams({
      state: started.transaction.state,
      error: 'access_denied',
      error_description: 'the user said no',
      iss: f.op.issuer,
    }).toString()
    const err = await expectCode<{ errorDescription?: string }>(
      f.callback(answer.href),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.errorDescription, 'the user said no')
  })

  test('RFC 9207: an implicit sign-in’s error response without iss is refused (no ID token names the OP)', async () => {
    const f = await sharedFixture()
    const { started } = await authorized(f, { responseType: 'id_token' })
    const forged = `${REDIRECT_URI}#${new URLSearchParams({
      state: started.transaction.state,
      error: 'login_required',
    })}`
    await expectCode(f.callback(forged), 'CALLBACK_ISSUER_MISSING')
    const twin = await authorized(f, { responseType: 'id_token' })
    const answered = `${REDIRECT_URI}#${new URLSearchParams({
      state: twin.started.transaction.state,
      error: 'login_required',
      iss: f.op.issuer,
    })}`
    await expectCode(f.callback(answered), 'AUTHORIZATION_ERROR_RESPONSE')
  })

  test('RFC 9207: without the advertisement iss may be absent, but is checked when present', async () => {
    const f = await createFixture({
      op: { metadata: { authorization_response_iss_parameter_supported: false } },
    })
    const { response } = await authorized(f)
    assert.equal(response.params.get('iss'), null)
    assertSignedIn(await f.callback(response.url))
    const wrong = await authorized(f)
    const url = tamper(wrong.response.url, (p) => p.set('iss', 'https://attacker.example'))
    await expectCode(f.callback(url), 'CALLBACK_ISSUER_MISMATCH')
    const right = await authorized(f)
    const correct = tamper(right.response.url, (p) => p.set('iss', f.op.issuer))
    assertSignedIn(await f.callback(correct))
  })

  test('a wrong iss is refused before the error is read (mix-up defence)', async () => {
    const f = await sharedFixture()
    const started = await f.start()
    const response = await f.op.authorize(started.url, { user: 'alice', deny: true })
    const url = tamper(response.url, (p) => p.set('iss', 'https://attacker.example'))
    await expectCode(f.callback(url), 'CALLBACK_ISSUER_MISMATCH')
  })

  test('an error response becomes an OAuthResponseError with the OP values, and consumes the transaction', async () => {
    const f = await sharedFixture()
    f.op.misbehave({
      oauthError: {
        endpoint: 'authorization',
        error: 'temporarily_unavailable',
        error_description: 'try again later',
        error_uri: 'https://op.example.com/errors/1',
      },
    })
    const { response } = await authorized(f)
    const err = await expectCode<OAuthResponseError>(
      f.callback(response.url),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'temporarily_unavailable')
    assert.equal(err.errorDescription, 'try again later')
    assert.equal(err.errorUri, 'https://op.example.com/errors/1')
    assert.equal(err.status, undefined)
    await expectCode(f.callback(response.url), 'CALLBACK_STATE_UNKNOWN')
    const denied = await f.op.authorize((await f.start()).url, { user: 'alice', deny: true })
    const refusal = await expectCode<OAuthResponseError>(
      f.callback(denied.url),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal(refusal.error, 'access_denied')
    const twin = await authorized(f)
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('a code-flow callback carrying an id_token or access_token is refused', async () => {
    const f = await sharedFixture()
    for (const extra of ['id_token', 'access_token']) {
      const { response } = await authorized(f)
      const url = tamper(response.url, (p) => p.set(extra, 'injected'))
      const err = await expectCode<ValidationError>(
        f.callback(url),
        'CALLBACK_RESPONSE_TYPE_MISMATCH',
      )
      assert.equal(err.claim, extra)
    }
    const noCode = await authorized(f)
    await expectCode(
      f.callback(tamper(noCode.response.url, (p) => p.delete('code'))),
      'CALLBACK_RESPONSE_TYPE_MISMATCH',
    )
    const twin = await authorized(f)
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('a query sign-in answered by POST or in the fragment is refused', async () => {
    const f = await sharedFixture()
    const posted = await authorized(f)
    await expectCode(
      f.callback(formPost(posted.response.params.toString())),
      'CALLBACK_RESPONSE_MODE_MISMATCH',
    )
    const fragment = await authorized(f)
    await expectCode(
      f.callback(`${REDIRECT_URI}#${fragment.response.params}`),
      'CALLBACK_RESPONSE_MODE_MISMATCH',
    )
    const twin = await authorized(f)
    assertSignedIn(await f.callback(new Request(twin.response.url)))
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

  test('front-channel tokens in the query are refused', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'id_token token' })
    await expectCode(
      f.callback(new Request(`${REDIRECT_URI}?${response.params}`)),
      'CALLBACK_RESPONSE_MODE_MISMATCH',
    )
    const twin = await authorized(f, { responseType: 'id_token token' })
    assertSignedIn(await f.callback(twin.response.url))
  })

  test('the response must fit the response type: id_token, access_token and a Bearer token_type', async () => {
    const f = await sharedFixture()
    const cases: [string, (p: URLSearchParams) => void, string][] = [
      ['id_token', (p) => p.delete('id_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['id_token', (p) => p.set('code', 'injected'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['id_token', (p) => p.set('access_token', 'injected'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['id_token token', (p) => p.delete('access_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['id_token token', (p) => p.delete('token_type'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['id_token token', (p) => p.set('token_type', 'mac'), 'CALLBACK_INVALID_INPUT'],
      ['id_token token', (p) => p.set('expires_in', '1h'), 'CALLBACK_INVALID_INPUT'],
    ]
    for (const [responseType, change, code] of cases) {
      const { response } = await authorized(f, { responseType })
      await expectCode(f.callback(tamper(response.url, change)), code as 'CALLBACK_INVALID_INPUT')
    }
    const twin = await authorized(f, { responseType: 'id_token token' })
    const lower = tamper(twin.response.url, (p) => p.set('token_type', 'bearer'))
    assertSignedIn(await f.callback(lower))
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

  test('the hybrid callback must carry both code and id_token', async () => {
    const f = await sharedFixture()
    for (const name of ['code', 'id_token']) {
      const { response } = await authorized(f, { responseType: 'code id_token' })
      await expectCode(
        f.callback(tamper(response.url, (p) => p.delete(name))),
        'CALLBACK_RESPONSE_TYPE_MISMATCH',
      )
    }
  })

  test('an unsupported response type in the transaction is a usage error', async () => {
    const f = await sharedFixture()
    const { started, response } = await authorized(f)
    const store = f.config[RUNTIME].store
    const tx = (await store.take(started.transaction.state))!
    await store.set({ ...tx, responseType: 'code token' }, 600)
    await expectCode(f.callback(response.url), 'INVALID_ARGUMENT')
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

describe('the fragment relay example', () => {
  /** Runs the relay page's script against a minimal DOM; returns the form it submitted. */
  function runRelayPage(html: string, href: string) {
    const script = /<script[^>]*>([\s\S]*)<\/script>/.exec(html)?.[1]
    assert.ok(script)
    const url = new URL(href)
    const inputs: { type: string; name: string; value: string }[] = []
    let submitted = false
    let replaced: string | undefined
    const form = {
      appendChild: (input: { type: string; name: string; value: string }) => inputs.push(input),
      submit: () => {
        submitted = true
      },
    }
    runInNewContext(script, {
      URLSearchParams,
      location: { hash: url.hash, pathname: url.pathname, search: url.search },
      history: {
        replaceState: (_: unknown, __: string, to: string) => {
          replaced = to
        },
      },
      document: { forms: [form], createElement: () => ({ type: '', name: '', value: '' }) },
    })
    return { inputs, submitted, replaced }
  }

  test('the page posts the fragment parameters back as a form, and the POST completes the sign-in', async () => {
    const f = await sharedFixture()
    const { response } = await authorized(f, { responseType: 'id_token token' })
    const html = fragmentRelayPage('/cb', 'csp-nonce-1')
    assert.match(html, /<form method="post" action="\/cb">/)
    assert.match(html, /<script nonce="csp-nonce-1">/)
    const page = runRelayPage(html, response.url)
    assert.equal(page.submitted, true)
    assert.equal(page.replaced, '/cb')
    assert.ok(page.inputs.every((input) => input.type === 'hidden'))
    const body = new URLSearchParams(page.inputs.map((input) => [input.name, input.value]))
    assert.deepEqual([...body].sort(), [...response.params].sort())
    const result = await redirectUriHandler(
      f.config,
      formPost(body.toString(), { cookie: f.browser.header() }),
    )
    assert.ok(!(result instanceof Response))
    assertSignedIn(result)
  })

  test('the redirect URI handler answers the GET with the page', async () => {
    const f = await sharedFixture()
    const page = await redirectUriHandler(f.config, new Request(`${REDIRECT_URI}`))
    assert.ok(page instanceof Response)
    assert.equal(page.headers.get('content-type'), 'text/html;charset=utf-8')
    assert.match(await page.text(), /location\.hash/)
    assert.equal(CLIENT_ID, f.config.client.client_id)
  })
})
