import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { openParameters } from '../../src/authorization/application-parameters.js'
import type { UsageError } from '../../src/errors.js'
import { expectCode } from '../support/helpers.js'

describe("openParameters: the application's parameters where no policy applies", () => {
  test('openid first and once in scope, openid alone by default; the other values as given', async () => {
    assert.deepEqual((await openParameters({})).scopes, ['openid'])
    const read = await openParameters({
      scope: 'profile openid email',
      prompt: 'login',
      max_age: 600,
      ui_locales: ['fr', 'en'],
      login_hint: undefined,
      display: null,
    })
    assert.deepEqual(read.scopes, ['openid', 'profile', 'email'])
    assert.deepEqual(read.values.get('prompt'), ['login'])
    assert.deepEqual(read.values.get('max_age'), ['600'])
    assert.deepEqual(read.values.get('ui_locales'), ['fr', 'en'])
    assert.equal(read.values.has('login_hint'), false)
    assert.equal(read.values.has('display'), false)
  })

  test('a parameter the SDK sets is POLICY_PARAMETER_RESERVED, also disguised; the twin is sent', async () => {
    for (const name of [
      'state',
      'nonce',
      'code_challenge',
      'redirect_uri',
      'STATE',
      'sta\u200bte',
    ]) {
      await expectCode<UsageError>(openParameters({ [name]: 'x' }), 'POLICY_PARAMETER_RESERVED')
    }
    const sent = await openParameters({ login_hint: 'alice' })
    assert.deepEqual(sent.values.get('login_hint'), ['alice'])
  })

  test('a value that is no string, a bad number or a bad format is INVALID_ARGUMENT', async () => {
    for (const parameters of [
      { scope: 42 },
      { max_age: Number.POSITIVE_INFINITY },
      { prompt: { login: true } },
      { claims: 'not json' },
      { claims: '{"id_token":{"acr":null},"id_token":{}}' },
    ]) {
      await expectCode<UsageError>(openParameters(parameters), 'INVALID_ARGUMENT')
    }
  })

  test("a claims request's essential acr and auth_time are what the ID token must carry", async () => {
    const read = await openParameters({
      claims: {
        id_token: { acr: { essential: true, values: ['gold'] }, auth_time: { essential: true } },
      },
    })
    assert.deepEqual(read.claims?.acr, ['gold'])
    assert.equal(read.claims?.authTime, true)
    assert.equal(JSON.parse(read.values.get('claims')![0]!).id_token.auth_time.essential, true)
    // the twin: no claims request, nothing required (and its checks not loaded)
    assert.equal((await openParameters({ scope: 'openid', claims: null })).claims, undefined)
  })
})
