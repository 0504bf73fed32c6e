/**
 * One meaning for every parameter (#19): a `claims` value with a repeated member is refused (the
 * policy would check one copy and the OP might read the other), what is sent is exactly what was
 * checked in every transport, and SDK-owned names are refused in any case or with look-alike
 * padding, in policies and application parameters. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import { sharedSetup } from '../support/authorization.js'
import { expectCode } from '../support/helpers.js'

const REPEATED =
  '{"id_token":{"acr":{"essential":true,"values":["urn:mace:incommon:iap:silver"]},"acr":{"values":["urn:low"]}}}'
const SINGLE = '{"id_token":{"acr":{"essential":true,"values":["urn:mace:incommon:iap:silver"]}}}'

describe('claims: one meaning', () => {
  test('an application claims text with a repeated member is refused; the twin is sent canonical', async () => {
    const { make } = await sharedSetup()
    const config = make({ parameters: [{ name: 'claims', rule: 'overridable' }] })
    await expectCode(createAuthorizationRequest(config, { claims: REPEATED }), 'INVALID_ARGUMENT')
    const spaced = JSON.stringify(JSON.parse(SINGLE), null, 2)
    const { url } = await createAuthorizationRequest(config, { claims: spaced })
    assert.equal(url.searchParams.get('claims'), JSON.stringify(JSON.parse(SINGLE)))
  })

  test('a policy claims value with a repeated member is refused at configuration; the twin is kept', async () => {
    const { make } = await sharedSetup()
    const policy = (value: string): RequestPolicyInput => ({
      parameters: [{ name: 'claims', value, rule: 'fixed' }],
    })
    assert.throws(() => make(policy(REPEATED)), { code: 'INVALID_CONFIGURATION' })
    const { url } = await createAuthorizationRequest(make(policy(SINGLE)))
    assert.equal(url.searchParams.get('claims'), SINGLE)
  })

  test('the request object carries the same claims the query would', async () => {
    const { make } = await sharedSetup()
    const config = make({
      transport: 'request-object',
      requestObject: { alg: 'HS256' },
      parameters: [{ name: 'claims', rule: 'overridable' }],
    })
    const { url } = await createAuthorizationRequest(config, { claims: SINGLE })
    assert.deepEqual(decodeJwt(url.searchParams.get('request')!).claims, JSON.parse(SINGLE))
    await expectCode(createAuthorizationRequest(config, { claims: REPEATED }), 'INVALID_ARGUMENT')
  })
})

describe('SDK-owned names in any case', () => {
  const lookAlikes = [
    'State',
    'NONCE',
    'Redirect_Uri',
    'response_TYPE',
    'Scope',
    'Client_Id',
    'DPoP_JKT',
  ]

  test('a policy naming a case variant of an SDK-owned name is refused; another name is kept', async () => {
    const { make } = await sharedSetup()
    for (const name of lookAlikes) {
      assert.throws(
        () => make({ parameters: [{ name, value: 'x', rule: 'fixed' }] }),
        { code: 'INVALID_CONFIGURATION' },
        name,
      )
    }
    const kept = make({ parameters: [{ name: 'hd', value: 'example.org', rule: 'fixed' }] })
    assert.equal((await createAuthorizationRequest(kept)).url.searchParams.get('hd'), 'example.org')
  })

  test('application parameters imitating SDK-owned names are refused even when others are ignored', async () => {
    const { make } = await sharedSetup()
    const config = make()
    for (const name of [...lookAlikes, 'state ', ' nonce', 'state\u200b', '\uff53\uff54ate']) {
      await expectCode(
        createAuthorizationRequest(config, { [name]: 'x' }, { onDisallowed: 'ignore' }),
        'POLICY_PARAMETER_RESERVED',
      )
    }
    const twin = await createAuthorizationRequest(config, { login_hint: 'alice' })
    assert.equal(twin.url.searchParams.get('login_hint'), 'alice')
    assert.equal(twin.url.searchParams.getAll('state').length, 1)
  })
})

describe('request-object claim names', () => {
  const names = ['iss', 'aud', 'iat', 'nbf', 'exp', 'jti']

  test('a policy or application parameter named after a request-object claim is refused; the twin is sent', async () => {
    const { make } = await sharedSetup()
    for (const name of names) {
      // by query it would go as given, in a request object the SDK's own claim would replace it
      assert.throws(
        () => make({ parameters: [{ name, value: 'x', rule: 'fixed' }] }),
        { code: 'INVALID_CONFIGURATION' },
        name,
      )
      await expectCode(
        createAuthorizationRequest(make(), { [name]: 'x' }, { onDisallowed: 'ignore' }),
        'POLICY_PARAMETER_RESERVED',
      )
    }
    const config = make({
      transport: 'request-object',
      requestObject: { alg: 'HS256' },
      parameters: [{ name: 'audience', value: 'https://api.example', rule: 'fixed' }],
    })
    const { url } = await createAuthorizationRequest(config)
    const claims = decodeJwt(url.searchParams.get('request')!)
    assert.equal(claims.audience, 'https://api.example', 'twin: another name goes as given')
    assert.equal(claims.aud, config.issuer, "the request object's own aud is the OP")
  })
})
