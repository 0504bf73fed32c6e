import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ClientMetadata } from '../../src/config/client.js'
import { restoreConfiguration } from '../../src/config/configuration.js'
import {
  defaultPolicy,
  OPEN_PARAMETERS,
  policyRules,
  type RequestPolicyInput,
} from '../../src/config/policy.js'
import { normalizePolicy } from '../../src/config/policy-validation.js'
import type { UsageError } from '../../src/errors.js'
import { SECRET, setup } from '../support/authorization.js'
import { expectCode } from '../support/helpers.js'

const client: ClientMetadata = {
  client_id: 'rp',
  redirect_uris: ['https://rp.example/callback', 'https://rp.example/other'],
  token_endpoint_auth_method: 'client_secret_basic',
}

describe('normalizePolicy', () => {
  it('fills the defaults of a given policy: code, openid, fixed scopes, query, PKCE, provider checks, acr enforcement', () => {
    const policy = normalizePolicy({}, client)
    assert.deepEqual(policy, {
      responseType: 'code',
      scopes: ['openid'],
      scopeRule: { override: 'fixed' },
      parameters: [],
      protect: { acr_values: false, prompt: false },
      transport: 'query',
      pkce: true,
      enforceProviderSupport: true,
      enforceAcr: true,
    })
    assert.ok(
      Object.isFrozen(policy) && Object.isFrozen(policy.scopes) && Object.isFrozen(policy.protect),
    )
  })

  it("with no policy given, any scope and every standard parameter are the application's (OPEN_PARAMETERS overridable)", () => {
    const policy = normalizePolicy(undefined, client)
    assert.deepEqual(policy.scopeRule, { override: 'any' })
    assert.deepEqual(
      policy.parameters.map((p) => [p.name, p.rule, p.value]),
      OPEN_PARAMETERS.map((name) => [name, 'overridable', undefined]),
    )
    assert.deepEqual(policy.protect, { acr_values: false, prompt: false })
    // the twin: an empty policy given is closed (above), and SDK-owned names are never open
    assert.ok(
      !OPEN_PARAMETERS.some((name) => ['state', 'nonce', 'redirect_uri', 'scope'].includes(name)),
    )
  })

  it('defaultPolicy (built without the validation, for oidc-rp/core) is normalizePolicy(undefined), to the JSON text', () => {
    const validated = normalizePolicy(undefined, client)
    assert.equal(JSON.stringify(defaultPolicy()), JSON.stringify(validated))
    assert.ok(Object.isFrozen(defaultPolicy().parameters[0]), 'deeply frozen')
    // the twin: any policy an administrator writes differs from it
    assert.notEqual(JSON.stringify(normalizePolicy({}, client)), JSON.stringify(validated))
  })

  it('puts openid first once, splits space-separated values, and drops empty defaults', () => {
    const policy = normalizePolicy(
      {
        scopes: ['email', 'openid', 'profile'],
        parameters: [
          { name: 'prompt', value: 'login consent', rule: 'fixed' },
          { name: 'login_hint', value: '', rule: 'overridable' },
          { name: 'customMultiValued', value: ['a', 'b'] },
        ],
      },
      client,
    )
    assert.deepEqual(policy.scopes, ['openid', 'email', 'profile'])
    assert.deepEqual(policy.parameters, [
      { name: 'prompt', value: ['login', 'consent'], rule: 'fixed' },
      { name: 'login_hint', rule: 'overridable' },
      { name: 'customMultiValued', value: ['a', 'b'], rule: 'fixed' },
    ])
    assert.equal(policyRules(policy).get('customMultiValued')?.rule, 'fixed')
  })

  it('accepts its own output and its JSON unchanged (restore and reload re-normalise it)', () => {
    const input: RequestPolicyInput = {
      responseType: 'id_token token',
      responseMode: 'form_post',
      redirectUri: 'https://rp.example/other',
      scopes: ['openid', 'email'],
      scopeRule: { override: 'allowed', allowed: ['phone'] },
      parameters: [
        { name: 'acr_values', value: 'urn:acr:mfa', rule: 'fixed' },
        { name: 'ui_locales', value: 'en', rule: 'allowed', allowed: ['en', 'fr'] },
        {
          name: 'claims',
          value: '{"id_token":{"auth_time":{"essential":true}}}',
          rule: 'overridable',
        },
      ],
      protect: { acr_values: true, prompt: true },
      transport: 'request-object',
      requestObject: { alg: 'PS256', encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM' } },
      pkce: false,
      enforceProviderSupport: false,
      enforceAcr: false,
    }
    const once = normalizePolicy(input, client)
    assert.deepEqual(normalizePolicy(once, client), once)
    assert.deepEqual(normalizePolicy(JSON.parse(JSON.stringify(once)), client), once)
  })

  it('survives a configuration saved as JSON and restored', async () => {
    const { make } = await setup()
    const policy: RequestPolicyInput = {
      scopes: ['openid', 'email'],
      parameters: [{ name: 'hd', value: 'example.org' }],
      protect: { prompt: true },
    }
    const config = make(policy)
    const restored = restoreConfiguration(JSON.stringify(config), { client_secret: SECRET })
    assert.deepEqual(restored.policy, config.policy)
  })

  // Each case: a faulty policy, the member the error must name, and its passing twin.
  const cases: [string, unknown, string, RequestPolicyInput][] = [
    ['an unknown member (typo)', { scope: ['openid'] }, 'policy.scope', { scopes: ['openid'] }],
    [
      'an unknown response type',
      { responseType: 'token' },
      'policy.responseType',
      { responseType: 'id_token' },
    ],
    [
      'an unknown response mode',
      { responseMode: 'query.jws' },
      'policy.responseMode',
      { responseMode: 'query.jwt' },
    ],
    [
      'query.jwt for tokens without an encrypted response (JARM §2.3.1)',
      { responseType: 'code id_token', responseMode: 'query.jwt' },
      'policy.responseMode',
      { responseType: 'code id_token', responseMode: 'fragment.jwt' },
    ],
    [
      'query mode for tokens',
      { responseType: 'id_token', responseMode: 'query' },
      'policy.responseMode',
      { responseType: 'id_token', responseMode: 'form_post' },
    ],
    [
      'query mode for a hybrid response type with an access token',
      { responseType: 'code token', responseMode: 'query' },
      'policy.responseMode',
      { responseType: 'code token', responseMode: 'fragment' },
    ],
    [
      'query mode for code id_token token',
      { responseType: 'code id_token token', responseMode: 'query' },
      'policy.responseMode',
      { responseType: 'code id_token token', responseMode: 'form_post' },
    ],
    [
      'an unregistered redirect_uri',
      { redirectUri: 'https://evil.example/cb' },
      'policy.redirectUri',
      { redirectUri: 'https://rp.example/other' },
    ],
    ['scopes that are not strings', { scopes: [1] }, 'policy.scopes', { scopes: ['openid'] }],
    ['a scope with a quote', { scopes: ['a"b'] }, 'policy.scopes', { scopes: ['ab'] }],
    [
      'an unknown scope rule',
      { scopeRule: { override: 'some' } },
      'policy.scopeRule.override',
      { scopeRule: { override: 'any' } },
    ],
    [
      'an allowed list on fixed scopes',
      { scopeRule: { override: 'fixed', allowed: ['email'] } },
      'policy.scopeRule.allowed',
      { scopeRule: { override: 'allowed', allowed: ['email'] } },
    ],
    ['parameters not an array', { parameters: {} }, 'policy.parameters', { parameters: [] }],
    [
      'an SDK-owned name (state)',
      { parameters: [{ name: 'state' }] },
      'policy.parameters[0].name',
      { parameters: [{ name: 'display' }] },
    ],
    [
      'an SDK-owned name (redirect_uri)',
      { parameters: [{ name: 'redirect_uri', value: 'x' }] },
      'policy.parameters[0].name',
      { parameters: [{ name: 'id_token_hint' }] },
    ],
    [
      'scope as a parameter',
      { parameters: [{ name: 'scope' }] },
      'policy.parameters[0].name',
      { parameters: [{ name: 'scopes_x' }] },
    ],
    [
      'a name with a space',
      { parameters: [{ name: 'a b' }] },
      'policy.parameters[0].name',
      { parameters: [{ name: 'a_b' }] },
    ],
    [
      'a duplicate name',
      { parameters: [{ name: 'hd' }, { name: 'hd' }] },
      'policy.parameters[1].name',
      { parameters: [{ name: 'hd', value: ['a', 'b'] }] },
    ],
    [
      'an unknown rule',
      { parameters: [{ name: 'hd', rule: 'open' }] },
      'policy.parameters[0].rule',
      { parameters: [{ name: 'hd', rule: 'overridable' }] },
    ],
    [
      'an unknown parameter member',
      { parameters: [{ name: 'hd', values: ['a'] }] },
      'policy.parameters[0].values',
      { parameters: [{ name: 'hd', value: ['a'] }] },
    ],
    [
      'rule allowed without a list',
      { parameters: [{ name: 'display', rule: 'allowed' }] },
      'policy.parameters[0].allowed',
      { parameters: [{ name: 'display', rule: 'allowed', allowed: ['page'] }] },
    ],
    [
      'an allowed list on a fixed parameter',
      { parameters: [{ name: 'display', rule: 'fixed', allowed: ['page'] }] },
      'policy.parameters[0].allowed',
      { parameters: [{ name: 'display', rule: 'fixed', value: 'page' }] },
    ],
    [
      'a default outside the allowed list',
      { parameters: [{ name: 'display', value: 'popup', rule: 'allowed', allowed: ['page'] }] },
      'policy.parameters[0].value',
      {
        parameters: [
          { name: 'display', value: 'page', rule: 'allowed', allowed: ['page', 'popup'] },
        ],
      },
    ],
    [
      'a max_age that is not an integer',
      { parameters: [{ name: 'max_age', value: '1.5' }] },
      'policy.parameters[0].value',
      { parameters: [{ name: 'max_age', value: '15' }] },
    ],
    [
      'claims that are not JSON',
      { parameters: [{ name: 'claims', value: '{id_token' }] },
      'policy.parameters[0].value',
      { parameters: [{ name: 'claims', value: '{}' }] },
    ],
    [
      'claims that are JSON but no claims request (OIDC Core §5.5)',
      { parameters: [{ name: 'claims', value: '{"id_token":["acr"]}' }] },
      'policy.parameters[0].value',
      { parameters: [{ name: 'claims', value: '{"id_token":{"acr":null}}' }] },
    ],
    [
      'two claims requests',
      { parameters: [{ name: 'claims', value: ['{"id_token":{}}', '{"userinfo":{}}'] }] },
      'policy.parameters[0].value',
      { parameters: [{ name: 'claims', value: ['{"id_token":{}}'] }] },
    ],
    [
      'prompt none with others',
      { parameters: [{ name: 'prompt', value: 'none login' }] },
      'policy.parameters[0].value',
      { parameters: [{ name: 'prompt', value: 'none' }] },
    ],
    [
      'an unknown protect member',
      { protect: { login_hint: true } },
      'policy.protect.login_hint',
      { protect: { prompt: true } },
    ],
    [
      'a protect flag that is not a boolean',
      { protect: { prompt: 'yes' } },
      'policy.protect.prompt',
      { protect: { prompt: false } },
    ],
    ['an unknown transport', { transport: 'post' }, 'policy.transport', { transport: 'par' }],
    [
      'alg none without the opt-in',
      { requestObject: { alg: 'none' } },
      'policy.requestObject.alg',
      { requestObject: { alg: 'none', allowUnsigned: true } },
    ],
    [
      'an unknown request object alg',
      { requestObject: { alg: 'RS1' } },
      'policy.requestObject.alg',
      { requestObject: { alg: 'RS256' } },
    ],
    [
      'an asymmetric alg with a symmetric encryption',
      { requestObject: { encrypt: { alg: 'A128KW', enc: 'A128GCM' } } },
      'policy.requestObject.encrypt.alg',
      { requestObject: { encrypt: { alg: 'ECDH-ES', enc: 'A128GCM' } } },
    ],
    ['pkce not a boolean', { pkce: 'true' }, 'policy.pkce', { pkce: true }],
    [
      'enforceProviderSupport not a boolean',
      { enforceProviderSupport: 0 },
      'policy.enforceProviderSupport',
      { enforceProviderSupport: false },
    ],
  ]
  for (const [what, bad, member, good] of cases) {
    it(`refuses ${what} with INVALID_CONFIGURATION naming ${member}`, async () => {
      const err = await expectCode<UsageError>(
        () => normalizePolicy(bad, client),
        'INVALID_CONFIGURATION',
      )
      assert.equal(err.parameter, member)
      assert.doesNotThrow(() => normalizePolicy(good, client))
    })
  }

  it("refuses a request object alg other than the client's registered one", async () => {
    const registered: ClientMetadata = { ...client, request_object_signing_alg: 'ES256' }
    await expectCode(
      () => normalizePolicy({ requestObject: { alg: 'RS256' } }, registered),
      'INVALID_CONFIGURATION',
    )
    assert.equal(
      normalizePolicy({ requestObject: { alg: 'ES256' } }, registered).requestObject?.alg,
      'ES256',
    )
  })

  it('is checked when the configuration is built', async () => {
    const { make } = await setup()
    await expectCode(
      () => make({ parameters: [{ name: 'nonce', value: 'x' }] }),
      'INVALID_CONFIGURATION',
    )
    assert.equal(make({ parameters: [{ name: 'hd', value: 'x' }] }).policy.parameters.length, 1)
  })
})

describe('JARM response modes in the policy', () => {
  it('accepts query.jwt for tokens when the client registered encrypted responses, and every JARM mode for code', () => {
    const encrypted = { ...client, authorization_encrypted_response_alg: 'RSA-OAEP-256' }
    const policy = normalizePolicy(
      { responseType: 'id_token', responseMode: 'query.jwt' },
      encrypted,
    )
    assert.equal(policy.responseMode, 'query.jwt')
    for (const mode of ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'] as const) {
      assert.equal(normalizePolicy({ responseMode: mode }, client).responseMode, mode)
    }
  })
})
