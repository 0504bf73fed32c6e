import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readCallbackParameters } from '../../src/callback/response.js'
import { RUNTIME } from '../../src/config/runtime.js'
import { validateSettings } from '../../src/config/settings.js'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import type { Transaction } from '../../src/storage.js'
import { assertSignedIn, authorized, formPost, tamper } from '../support/callback.js'
import { expectCode } from '../support/helpers.js'
import { createFixture, REDIRECT_URI, sharedFixture } from '../support/sign-in.js'
import { streamedFormPost } from '../support/streamed-form.js'

const defaults = validateSettings({})

function formPostAs(body: string, method: string): Request {
  return new Request(REDIRECT_URI, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
}

describe('the authorization response of a code sign-in', () => {
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
})

describe('the authorization response of implicit and hybrid sign-ins', () => {
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

  test('the hybrid callbacks with an access token must carry what their response type returns, and nothing else', async () => {
    const f = await sharedFixture()
    const cases: [string, (p: URLSearchParams) => void, string][] = [
      ['code token', (p) => p.delete('code'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code token', (p) => p.delete('access_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code token', (p) => p.delete('token_type'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code token', (p) => p.set('id_token', 'injected'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code token', (p) => p.set('token_type', 'DPoP'), 'CALLBACK_INVALID_INPUT'],
      ['code id_token token', (p) => p.delete('id_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code id_token token', (p) => p.delete('code'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code id_token token', (p) => p.delete('access_token'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code id_token token', (p) => p.delete('token_type'), 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
      ['code id_token token', (p) => p.set('expires_in', '-1'), 'CALLBACK_INVALID_INPUT'],
    ]
    for (const [responseType, change, code] of cases) {
      const { response } = await authorized(f, { responseType })
      await expectCode(f.callback(tamper(response.url, change)), code as 'CALLBACK_INVALID_INPUT')
    }
    for (const responseType of ['code token', 'code id_token token']) {
      const twin = await authorized(f, { responseType })
      const lower = tamper(twin.response.url, (p) => p.set('token_type', 'bEaReR'))
      assertSignedIn(await f.callback(lower))
    }
  })

  test('an unsupported response type in the transaction is a usage error', async () => {
    const f = await sharedFixture()
    const { started, response } = await authorized(f)
    const store = f.config[RUNTIME].store
    const tx = (await store.take(started.transaction.state))!
    await store.set({ ...tx, responseType: 'token' }, 600)
    await expectCode(f.callback(response.url), 'INVALID_ARGUMENT')
  })
})

describe('the callback input as callback errors', () => {
  test('a parameter given twice is CALLBACK_DUPLICATE_PARAMETER naming it; given once it is read', async () => {
    const err = await expectCode<ValidationError>(
      readCallbackParameters('https://rp.example/cb?state=a&code=1&code=2', defaults),
      'CALLBACK_DUPLICATE_PARAMETER',
    )
    assert.equal(err.claim, 'code')
    assert.doesNotMatch(err.message, /code=|[12]$/)
    const once = await readCallbackParameters('https://rp.example/cb?state=a&code=1', defaults)
    assert.equal(once.params.code, '1')
  })

  test('another method, an oversized input or too many parameters is CALLBACK_INVALID_INPUT; the twins are read', async () => {
    await expectCode(
      readCallbackParameters(formPostAs('state=a', 'PUT'), defaults),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal(
      (await readCallbackParameters(formPost('state=a'), defaults)).delivery,
      'form_post',
    )
    const tight = { maxCallbackParameters: 2, maxCallbackBytes: 20 }
    await expectCode(
      readCallbackParameters('?state=a&code=b&iss=c', tight),
      'CALLBACK_INVALID_INPUT',
    )
    await expectCode(
      readCallbackParameters(`?state=${'a'.repeat(20)}`, tight),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters('?state=a&code=b', tight)).params.code, 'b')
  })

  test('a form_post body that fails mid-stream is CALLBACK_INVALID_INPUT without the stream error; a whole one is read', async () => {
    const broken = (fail: boolean) => streamedFormPost(REDIRECT_URI, 'state=a', fail)
    const err = await expectCode<ValidationError>(
      readCallbackParameters(broken(true), defaults),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal(err.cause, undefined)
    assert.doesNotMatch(err.message, /s3cr3t/)
    assert.equal((await readCallbackParameters(broken(false), defaults)).params.state, 'a')
  })

  test('"//" (a scheme-relative URL that does not parse) is CALLBACK_INVALID_INPUT, not a TypeError', async () => {
    await expectCode(readCallbackParameters('//', defaults), 'CALLBACK_INVALID_INPUT')
    await expectCode(
      readCallbackParameters('//host:99999/cb?state=a', defaults),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters('/cb?state=a', defaults)).params.state, 'a')
  })

  test('an input of another type is INVALID_ARGUMENT; a string is read', async () => {
    await expectCode(readCallbackParameters(42 as unknown as string, defaults), 'INVALID_ARGUMENT')
    assert.equal((await readCallbackParameters('?state=a', defaults)).params.state, 'a')
  })
})
