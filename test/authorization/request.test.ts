import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { createClaimsRequest } from '../../src/authorization/claims-request.js'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { createConfiguration } from '../../src/config/configuration.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import { RUNTIME } from '../../src/config/runtime.js'
import type { UsageError } from '../../src/errors.js'
import type { Transaction, TransactionStore } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { REDIRECT, redeem, SECRET, sharedSetup } from '../support/authorization.js'
import { expectCode } from '../support/helpers.js'

const B64URL_256 = /^[A-Za-z0-9_-]{43}$/

/** A store that counts what it saved, to prove a failed request saved nothing. */
function countingStore(): TransactionStore & { saved: Transaction[] } {
  const inner = createMemoryTransactionStore()
  const saved: Transaction[] = []
  return {
    saved,
    async set(tx, ttl) {
      saved.push(tx)
      return inner.set(tx, ttl)
    },
    take: (state) => inner.take(state),
  }
}

describe('createAuthorizationRequest: the query form', () => {
  it('rp-response_type-code: the mock OP accepts the request and the code redeems with the PKCE verifier', async () => {
    const { op, config } = await sharedSetup()
    const request = await createAuthorizationRequest(config)
    const q = request.url.searchParams
    assert.equal(`${request.url.origin}${request.url.pathname}`, `${op.issuer}/authorize`)
    assert.equal(q.get('response_type'), 'code')
    assert.equal(q.get('client_id'), 'rp')
    assert.equal(q.get('redirect_uri'), REDIRECT)
    assert.equal(q.get('scope'), 'openid')
    assert.equal(q.get('state'), request.state)
    assert.equal(q.get('nonce'), request.transaction.nonce)
    assert.equal(q.get('code_challenge_method'), 'S256')
    assert.match(q.get('code_challenge') ?? '', B64URL_256)
    assert.equal(q.has('response_mode'), false)
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.equal(response.params.get('state'), request.state)
    const code = response.params.get('code')
    assert.ok(code)
    const token = await redeem(op, code, request.transaction.codeVerifier)
    assert.equal(token.status, 200)
  })

  it('the code does not redeem with another verifier (the challenge is bound to the verifier)', async () => {
    const { op, config } = await sharedSetup()
    const request = await createAuthorizationRequest(config)
    const code = (await op.authorize(request.url, { user: 'alice' })).params.get('code')!
    const other = await createAuthorizationRequest(config)
    assert.equal((await redeem(op, code, other.transaction.codeVerifier)).status, 400)
  })

  it('saves the transaction under its state with what the callback needs', async () => {
    const store = createMemoryTransactionStore()
    const { make, clock } = await sharedSetup()
    const config = make({ scopes: ['openid', 'email'] }, { store, transactionTtlInSeconds: 120 })
    const request = await createAuthorizationRequest(config, undefined, {
      appState: { returnTo: '/x' },
    })
    assert.match(request.browserBinding?.value ?? '', B64URL_256)
    assert.deepEqual(request.ignored, [])
    const tx = request.transaction
    assert.match(tx.state, B64URL_256)
    assert.match(tx.nonce ?? '', B64URL_256)
    assert.match(tx.codeVerifier ?? '', B64URL_256)
    // only the hash of the browser-binding cookie is kept, never the value
    assert.equal(
      tx.browserBindingHash,
      createHash('sha256').update(request.browserBinding!.value).digest('base64url'),
    )
    assert.deepEqual(
      { ...tx, state: '', nonce: '', codeVerifier: '', browserBindingHash: '' },
      {
        state: '',
        issuer: config.issuer,
        clientId: 'rp',
        nonce: '',
        codeVerifier: '',
        redirectUri: REDIRECT,
        responseType: 'code',
        scope: 'openid email',
        createdAt: clock.now / 1000,
        expiresAt: clock.now / 1000 + 120,
        appState: { returnTo: '/x' },
        browserBindingHash: '',
      },
    )
    assert.deepEqual(await store.take(request.state), tx)
  })

  it('several tabs: concurrent requests get distinct states and neither overwrites the other', async () => {
    const { config } = await sharedSetup()
    const requests = await Promise.all(
      Array.from({ length: 20 }, () => createAuthorizationRequest(config)),
    )
    const states = new Set(requests.map((r) => r.state))
    const nonces = new Set(requests.map((r) => r.transaction.nonce))
    const verifiers = new Set(requests.map((r) => r.transaction.codeVerifier))
    assert.equal(states.size, 20)
    assert.equal(nonces.size, 20)
    assert.equal(verifiers.size, 20)
    for (const r of requests)
      assert.equal((await config[RUNTIME].store.take(r.state))?.nonce, r.transaction.nonce)
  })

  it('rp-response_mode-form_post: the implicit profile with form_post, nonce and no PKCE', async () => {
    const { op, make } = await sharedSetup()
    const config = make({ responseType: 'id_token', responseMode: 'form_post' })
    const request = await createAuthorizationRequest(config)
    const q = request.url.searchParams
    assert.equal(q.get('response_type'), 'id_token')
    assert.equal(q.get('response_mode'), 'form_post')
    assert.equal(q.has('code_challenge'), false)
    assert.equal(request.transaction.codeVerifier, undefined)
    assert.equal(request.transaction.responseMode, 'form_post')
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.equal(response.method, 'POST')
    assert.ok(response.params.get('id_token'))
  })

  it('rp-response_type-id_token+token: the implicit profile with an access token', async () => {
    const { op, make } = await sharedSetup()
    const request = await createAuthorizationRequest(make({ responseType: 'id_token token' }))
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.equal(response.responseMode, 'fragment')
    assert.ok(response.params.get('access_token'))
    assert.equal(request.transaction.responseType, 'id_token token')
  })

  it('rp-response_type-code+token and rp-response_type-code+id_token+token: hybrid requests carry a nonce and PKCE, answered in the fragment or by form_post', async () => {
    const { op, make } = await sharedSetup()
    for (const responseType of ['code token', 'code id_token token'] as const) {
      for (const responseMode of [undefined, 'form_post'] as const) {
        const request = await createAuthorizationRequest(
          make({ responseType, ...(responseMode ? { responseMode } : {}) }),
        )
        const q = request.url.searchParams
        assert.equal(q.get('response_type'), responseType)
        assert.equal(q.get('response_mode'), responseMode ?? null)
        assert.ok(q.get('nonce') && q.get('code_challenge'))
        assert.equal(request.transaction.responseType, responseType)
        const response = await op.authorize(request.url, { user: 'alice' })
        assert.equal(response.responseMode, responseMode ?? 'fragment')
        assert.ok(response.params.get('code') && response.params.get('access_token'))
      }
    }
  })

  it('keeps a query the authorization endpoint already has, our parameters winning', async () => {
    const { op } = await sharedSetup()
    const metadata = {
      ...op.metadata(),
      authorization_endpoint: `${op.issuer}/authorize?tenant=acme&client_id=stale`,
    }
    const client = { client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT] }
    const config = createConfiguration(metadata, client, { fetch: op.fetch })
    const request = await createAuthorizationRequest(config)
    assert.equal(request.url.searchParams.get('tenant'), 'acme')
    assert.deepEqual(request.url.searchParams.getAll('client_id'), ['rp'])
  })

  it('sends no PKCE when the policy turns it off', async () => {
    const { make } = await sharedSetup()
    const request = await createAuthorizationRequest(make({ pkce: false }))
    assert.equal(request.url.searchParams.has('code_challenge'), false)
    assert.equal(request.transaction.codeVerifier, undefined)
  })

  it('uses the policy redirect_uri', async () => {
    const { op, make } = await sharedSetup()
    const request = await createAuthorizationRequest(
      make({ redirectUri: 'https://rp.example/other' }),
    )
    assert.equal(request.url.searchParams.get('redirect_uri'), 'https://rp.example/other')
    assert.equal(request.transaction.redirectUri, 'https://rp.example/other')
    assert.ok(
      (await op.authorize(request.url, { user: 'alice' })).url.startsWith(
        'https://rp.example/other?',
      ),
    )
  })
})

describe('createAuthorizationRequest: the request parameter policy', () => {
  const policy: RequestPolicyInput = {
    scopes: ['openid', 'email'],
    parameters: [
      { name: 'hd', value: 'example.org', rule: 'fixed' },
      { name: 'customMultiValued', value: ['one', 'two'], rule: 'fixed' },
      { name: 'login_hint', value: 'default@example.org', rule: 'overridable' },
      { name: 'ui_locales', value: 'en', rule: 'allowed', allowed: ['en', 'fr', 'de'] },
      { name: 'max_age', rule: 'overridable' },
      { name: 'acr_values', value: 'urn:mace:incommon:iap:bronze', rule: 'overridable' },
      { name: 'prompt', rule: 'allowed', allowed: ['login', 'consent'] },
    ],
  }

  it('sends the defaults: fixed, multi-valued (repeated) and overridable values', async () => {
    const { make } = await sharedSetup()
    const request = await createAuthorizationRequest(make(policy))
    const q = request.url.searchParams
    assert.equal(q.get('hd'), 'example.org')
    assert.deepEqual(q.getAll('customMultiValued'), ['one', 'two'])
    assert.equal(q.get('login_hint'), 'default@example.org')
    assert.equal(q.get('ui_locales'), 'en')
    assert.equal(q.get('scope'), 'openid email')
    assert.equal(q.has('max_age'), false)
    assert.equal(q.get('acr_values'), 'urn:mace:incommon:iap:bronze')
  })

  it('the mock OP accepts a request with policy parameters and application values', async () => {
    const { op, make } = await sharedSetup()
    const config = make({
      ...policy,
      parameters: policy.parameters?.filter((p) => p.name !== 'customMultiValued'),
    })
    const request = await createAuthorizationRequest(config, {
      login_hint: 'alice',
      prompt: 'login',
      max_age: 60,
    })
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.equal(response.params.get('error'), null)
    assert.ok(response.params.get('code'))
  })

  it('fixed: an application value that changes it is refused with POLICY_PARAMETER_FIXED', async () => {
    const { make } = await sharedSetup()
    const config = make(policy)
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(config, { hd: 'evil.org' }),
      'POLICY_PARAMETER_FIXED',
    )
    assert.equal(err.parameter, 'hd')
    await expectCode(
      createAuthorizationRequest(config, { customMultiValued: ['one'] }),
      'POLICY_PARAMETER_FIXED',
    )
    const same = await createAuthorizationRequest(config, {
      hd: 'example.org',
      customMultiValued: ['one', 'two'],
    })
    assert.equal(same.url.searchParams.get('hd'), 'example.org')
  })

  it('overridable: the application value replaces the default, and null drops it', async () => {
    const { make } = await sharedSetup()
    const config = make(policy)
    const replaced = await createAuthorizationRequest(config, {
      login_hint: 'alice@example.com',
      max_age: 300,
    })
    assert.equal(replaced.url.searchParams.get('login_hint'), 'alice@example.com')
    assert.equal(replaced.url.searchParams.get('max_age'), '300')
    assert.equal(replaced.transaction.maxAgeInSeconds, 300)
    const dropped = await createAuthorizationRequest(config, { login_hint: null })
    assert.equal(dropped.url.searchParams.has('login_hint'), false)
  })

  it('allowed: values from the list are sent, others refused with POLICY_VALUE_NOT_ALLOWED', async () => {
    const { make } = await sharedSetup()
    const config = make(policy)
    const ok = await createAuthorizationRequest(config, { ui_locales: 'fr de', prompt: ['login'] })
    assert.equal(ok.url.searchParams.get('ui_locales'), 'fr de')
    assert.equal(ok.url.searchParams.get('prompt'), 'login')
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(config, { ui_locales: 'fr es' }),
      'POLICY_VALUE_NOT_ALLOWED',
    )
    assert.equal(err.parameter, 'ui_locales')
    await expectCode(
      createAuthorizationRequest(config, { prompt: 'select_account' }),
      'POLICY_VALUE_NOT_ALLOWED',
    )
    await expectCode(
      createAuthorizationRequest(config, { ui_locales: null }),
      'POLICY_VALUE_NOT_ALLOWED',
    )
  })

  it('scopes fixed: other scopes are refused with POLICY_SCOPE_NOT_ALLOWED, the same ones pass', async () => {
    const { make } = await sharedSetup()
    const config = make(policy)
    await expectCode(
      createAuthorizationRequest(config, { scope: 'openid email phone' }),
      'POLICY_SCOPE_NOT_ALLOWED',
    )
    await expectCode(
      createAuthorizationRequest(config, { scope: 'openid' }),
      'POLICY_SCOPE_NOT_ALLOWED',
    )
    const same = await createAuthorizationRequest(config, { scope: ['email', 'openid'] })
    assert.equal(same.url.searchParams.get('scope'), 'openid email')
  })

  it('scopes any: the application replaces them, openid is always added', async () => {
    const { make } = await sharedSetup()
    const request = await createAuthorizationRequest(make({ scopeRule: { override: 'any' } }), {
      scope: 'profile offline_access',
    })
    assert.equal(request.url.searchParams.get('scope'), 'openid profile offline_access')
    assert.equal(request.transaction.scope, 'openid profile offline_access')
  })

  it('scopes allowed: the defaults and the listed scopes pass, others are refused', async () => {
    const { make } = await sharedSetup()
    const config = make({
      scopes: ['openid', 'email'],
      scopeRule: { override: 'allowed', allowed: ['profile'] },
    })
    const ok = await createAuthorizationRequest(config, { scope: 'email profile' })
    assert.equal(ok.url.searchParams.get('scope'), 'openid email profile')
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(config, { scope: 'profile phone' }),
      'POLICY_SCOPE_NOT_ALLOWED',
    )
    assert.equal(err.parameter, 'scope')
  })

  it('unknown parameters are refused with POLICY_PARAMETER_UNKNOWN unless the policy names them', async () => {
    const { make } = await sharedSetup()
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(make({}), { login_hint: 'a@b.c' }),
      'POLICY_PARAMETER_UNKNOWN',
    )
    assert.equal(err.parameter, 'login_hint')
    const named = await createAuthorizationRequest(make(policy), { login_hint: 'a@b.c' })
    assert.equal(named.url.searchParams.get('login_hint'), 'a@b.c')
  })

  it("with no policy given, scope and the standard parameters are the application's; SDK-owned ones stay refused", async () => {
    const { make } = await sharedSetup()
    const config = make()
    const open = await createAuthorizationRequest(config, {
      scope: 'openid profile email',
      login_hint: 'a@b.c',
      prompt: 'login',
      max_age: '300',
      ui_locales: 'fr',
    })
    assert.equal(open.url.searchParams.get('scope'), 'openid profile email')
    assert.equal(open.url.searchParams.get('login_hint'), 'a@b.c')
    assert.equal(open.url.searchParams.get('prompt'), 'login')
    assert.equal(open.url.searchParams.get('max_age'), '300')
    assert.equal(open.url.searchParams.get('ui_locales'), 'fr')
    await expectCode(
      createAuthorizationRequest(config, { state: 'mine' }),
      'POLICY_PARAMETER_RESERVED',
    )
    await expectCode(
      createAuthorizationRequest(config, { hd: 'example.org' }),
      'POLICY_PARAMETER_UNKNOWN',
    )
  })

  for (const name of [
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'client_id',
    'response_type',
    'redirect_uri',
    'request',
    'request_uri',
    'response_mode',
  ]) {
    it(`SDK-owned ${name} is refused with POLICY_PARAMETER_RESERVED, even in ignore mode`, async () => {
      const { make } = await sharedSetup()
      const config = make(policy)
      const err = await expectCode<UsageError>(
        createAuthorizationRequest(config, { [name]: 'x' }),
        'POLICY_PARAMETER_RESERVED',
      )
      assert.equal(err.parameter, name)
      await expectCode(
        createAuthorizationRequest(config, { [name]: 'x' }, { onDisallowed: 'ignore' }),
        'POLICY_PARAMETER_RESERVED',
      )
      assert.ok(await createAuthorizationRequest(config, { [name]: undefined }))
    })
  }

  for (const name of ['acr_values', 'prompt'] as const) {
    it(`protected ${name}: any application value is refused with POLICY_PARAMETER_PROTECTED, whatever its rule`, async () => {
      const { make } = await sharedSetup()
      const open: RequestPolicyInput = {
        parameters: [{ name, value: 'login', rule: 'overridable' }],
      }
      const locked = make({ ...open, protect: { [name]: true } })
      const err = await expectCode<UsageError>(
        createAuthorizationRequest(locked, { [name]: 'consent' }),
        'POLICY_PARAMETER_PROTECTED',
      )
      assert.equal(err.parameter, name)
      await expectCode(
        createAuthorizationRequest(locked, { [name]: 'login' }),
        'POLICY_PARAMETER_PROTECTED',
      )
      await expectCode(
        createAuthorizationRequest(locked, { [name]: 'consent' }, { onDisallowed: 'ignore' }),
        'POLICY_PARAMETER_PROTECTED',
      )
      await expectCode(
        createAuthorizationRequest(make({ protect: { [name]: true } }), { [name]: 'login' }),
        'POLICY_PARAMETER_PROTECTED',
      )
      const unprotected = await createAuthorizationRequest(make(open), { [name]: 'consent' })
      assert.equal(unprotected.url.searchParams.get(name), 'consent')
      assert.equal((await createAuthorizationRequest(locked)).url.searchParams.get(name), 'login')
    })
  }

  it('protected acr_values: a claims parameter asking for acr is refused too', async () => {
    const { make } = await sharedSetup()
    const claimsPolicy: RequestPolicyInput = {
      parameters: [{ name: 'claims', rule: 'overridable' }],
      protect: { acr_values: true },
    }
    const config = make(claimsPolicy)
    const acr = createClaimsRequest()
      .idToken('acr', { essential: true, values: ['urn:x'] })
      .build()
    await expectCode(
      createAuthorizationRequest(config, { claims: acr }),
      'POLICY_PARAMETER_PROTECTED',
    )
    await expectCode(
      createAuthorizationRequest(config, { claims: '{"userinfo":{"acr":null}}' }),
      'POLICY_PARAMETER_PROTECTED',
    )
    const email = createClaimsRequest().userinfo('email', { essential: true }).build()
    const ok = await createAuthorizationRequest(config, { claims: email })
    assert.deepEqual(JSON.parse(ok.url.searchParams.get('claims')!), {
      userinfo: { email: { essential: true } },
    })
  })

  it('ignore mode leaves out unknown, fixed, not-allowed values and scopes, and lists them', async () => {
    const { make } = await sharedSetup()
    const config = make(policy)
    const request = await createAuthorizationRequest(
      config,
      {
        foo: 'bar',
        hd: 'evil.org',
        ui_locales: 'es',
        scope: 'openid phone',
        login_hint: 'alice@example.com',
      },
      { onDisallowed: 'ignore' },
    )
    assert.deepEqual(request.ignored, [
      { name: 'foo', reason: 'POLICY_PARAMETER_UNKNOWN' },
      { name: 'hd', reason: 'POLICY_PARAMETER_FIXED' },
      { name: 'ui_locales', reason: 'POLICY_VALUE_NOT_ALLOWED' },
      { name: 'scope', reason: 'POLICY_SCOPE_NOT_ALLOWED' },
    ])
    const q = request.url.searchParams
    assert.equal(q.has('foo'), false)
    assert.equal(q.get('hd'), 'example.org')
    assert.equal(q.get('ui_locales'), 'en')
    assert.equal(q.get('scope'), 'openid email')
    assert.equal(q.get('login_hint'), 'alice@example.com')
  })

  const badValues: [string, Record<string, unknown>][] = [
    ['a max_age that is not a non-negative integer', { max_age: 'soon' }],
    ['a negative max_age', { max_age: -1 }],
    ['prompt none with another value', { prompt: 'none login' }],
    ['a login_hint that is an object', { login_hint: { a: 1 } }],
    ['a login_hint list of numbers', { login_hint: [1, 2] }],
  ]
  for (const [what, params] of badValues) {
    it(`refuses ${what} with INVALID_ARGUMENT`, async () => {
      const { make } = await sharedSetup()
      const config = make({
        parameters: [
          { name: 'max_age', rule: 'overridable' },
          { name: 'prompt', rule: 'overridable' },
          { name: 'login_hint', rule: 'overridable' },
        ],
      })
      await expectCode(createAuthorizationRequest(config, params as never), 'INVALID_ARGUMENT')
      assert.ok(
        await createAuthorizationRequest(config, { max_age: 0, prompt: 'none', login_hint: 'a' }),
      )
    })
  }

  it('refuses a malformed claims parameter and an unknown onDisallowed with INVALID_ARGUMENT', async () => {
    const { make } = await sharedSetup()
    const config = make({ parameters: [{ name: 'claims', rule: 'overridable' }] })
    await expectCode(
      createAuthorizationRequest(config, { claims: '{"id_token": 1}' }),
      'INVALID_ARGUMENT',
    )
    await expectCode(createAuthorizationRequest(config, { claims: 'not json' }), 'INVALID_ARGUMENT')
    await expectCode(
      createAuthorizationRequest(config, {}, { onDisallowed: 'drop' as never }),
      'INVALID_ARGUMENT',
    )
    await expectCode(createAuthorizationRequest(config, 'a=b' as never), 'INVALID_ARGUMENT')
    assert.ok(await createAuthorizationRequest(config, { claims: '{"id_token":{"email":null}}' }))
  })

  it('saves nothing when building the request fails', async () => {
    const store = countingStore()
    const { make } = await sharedSetup()
    const config = make(policy, { store })
    await expectCode(
      createAuthorizationRequest(config, { hd: 'evil.org' }),
      'POLICY_PARAMETER_FIXED',
    )
    await expectCode(
      createAuthorizationRequest(config, { state: 'x' }),
      'POLICY_PARAMETER_RESERVED',
    )
    assert.equal(store.saved.length, 0)
    await createAuthorizationRequest(config)
    assert.equal(store.saved.length, 1)
  })
})

describe('createAuthorizationRequest: acr, auth_time and max_age for the callback', () => {
  it('locked (fixed) acr_values become the required acr of the transaction', async () => {
    const { op, make } = await sharedSetup()
    const config = make({
      parameters: [{ name: 'acr_values', value: 'urn:mace:incommon:iap:silver', rule: 'fixed' }],
    })
    const request = await createAuthorizationRequest(config)
    assert.deepEqual(request.transaction.requiredAcr, ['urn:mace:incommon:iap:silver'])
    assert.equal(request.url.searchParams.get('acr_values'), 'urn:mace:incommon:iap:silver')
    assert.ok((await op.authorize(request.url, { user: 'alice' })).params.get('code'))
  })

  it('protected acr_values are locked even with an overridable rule; unlocked ones are not required', async () => {
    const { make } = await sharedSetup()
    const open: RequestPolicyInput = {
      parameters: [{ name: 'acr_values', value: 'a b', rule: 'overridable' }],
    }
    assert.deepEqual(
      (await createAuthorizationRequest(make({ ...open, protect: { acr_values: true } })))
        .transaction.requiredAcr,
      ['a', 'b'],
    )
    assert.equal((await createAuthorizationRequest(make(open))).transaction.requiredAcr, undefined)
    const off = make({ ...open, protect: { acr_values: true }, enforceAcr: false })
    assert.equal((await createAuthorizationRequest(off)).transaction.requiredAcr, undefined)
  })

  it('an essential acr with values and an essential auth_time in claims become requirements', async () => {
    const { make } = await sharedSetup()
    const config = make({ parameters: [{ name: 'claims', rule: 'overridable' }] })
    const claims = createClaimsRequest()
      .idToken('acr', { essential: true, values: ['urn:a', 'urn:b'] })
      .idToken('auth_time', { essential: true })
      .build()
    const request = await createAuthorizationRequest(config, { claims })
    assert.deepEqual(request.transaction.requiredAcr, ['urn:a', 'urn:b'])
    assert.equal(request.transaction.requireAuthTime, true)
    const plain = await createAuthorizationRequest(config, {
      claims: createClaimsRequest().idToken('acr').build(),
    })
    assert.equal(plain.transaction.requiredAcr, undefined)
    assert.equal(plain.transaction.requireAuthTime, undefined)
  })

  it('essential acr values must meet the locked ones: the intersection is required, none is refused', async () => {
    const { make } = await sharedSetup()
    const config = make({
      parameters: [
        { name: 'acr_values', value: 'urn:a urn:b', rule: 'fixed' },
        { name: 'claims', rule: 'overridable' },
      ],
    })
    const both = createClaimsRequest()
      .idToken('acr', { essential: true, values: ['urn:b', 'urn:c'] })
      .build()
    assert.deepEqual(
      (await createAuthorizationRequest(config, { claims: both })).transaction.requiredAcr,
      ['urn:b'],
    )
    const none = createClaimsRequest().idToken('acr', { essential: true, value: 'urn:c' }).build()
    await expectCode(
      createAuthorizationRequest(config, { claims: none }),
      'POLICY_VALUE_NOT_ALLOWED',
    )
  })

  it("the client's default_max_age and require_auth_time are sent and remembered", async () => {
    const { make } = await sharedSetup()
    const config = make(undefined, {}, { default_max_age: 3600, require_auth_time: true })
    const request = await createAuthorizationRequest(config)
    assert.equal(request.url.searchParams.get('max_age'), '3600')
    assert.equal(request.transaction.maxAgeInSeconds, 3600)
    assert.equal(request.transaction.requireAuthTime, true)
    const plain = await createAuthorizationRequest(make())
    assert.equal(plain.transaction.maxAgeInSeconds, undefined)
    assert.equal(plain.url.searchParams.has('max_age'), false)
  })
})

describe("createAuthorizationRequest: the OP's metadata limits what is sent", () => {
  it('refuses a response type the OP does not advertise with OP_UNSUPPORTED_RESPONSE_TYPE', async () => {
    const { make } = await sharedSetup()
    const op = { response_types_supported: ['code'] }
    await expectCode(
      createAuthorizationRequest(make({ responseType: 'id_token' }, {}, {}, op)),
      'OP_UNSUPPORTED_RESPONSE_TYPE',
    )
    const off = make({ responseType: 'id_token', enforceProviderSupport: false }, {}, {}, op)
    assert.ok(await createAuthorizationRequest(off))
    assert.ok(await createAuthorizationRequest(make({ responseType: 'code' }, {}, {}, op)))
  })

  it('refuses code token and code id_token token when the OP advertises only code id_token (oidc-provider by default); the twin OP lists them', async () => {
    const { make } = await sharedSetup()
    const without = { response_types_supported: ['code', 'code id_token'] }
    const listed = { response_types_supported: ['code', 'token code', 'id_token token code'] }
    for (const responseType of ['code token', 'code id_token token'] as const) {
      await expectCode(
        createAuthorizationRequest(make({ responseType }, {}, {}, without)),
        'OP_UNSUPPORTED_RESPONSE_TYPE',
      )
      assert.ok(await createAuthorizationRequest(make({ responseType }, {}, {}, listed)))
    }
  })

  it('compares response types as sets of values ("token id_token" is "id_token token")', async () => {
    const { make } = await sharedSetup()
    const op = { response_types_supported: ['code', 'token id_token'] }
    assert.ok(
      await createAuthorizationRequest(make({ responseType: 'id_token token' }, {}, {}, op)),
    )
  })

  it('refuses form_post when the OP advertises only the default modes, with OP_UNSUPPORTED_RESPONSE_MODE', async () => {
    const { make } = await sharedSetup()
    const op = { response_modes_supported: undefined }
    await expectCode(
      createAuthorizationRequest(make({ responseMode: 'form_post' }, {}, {}, op)),
      'OP_UNSUPPORTED_RESPONSE_MODE',
    )
    assert.ok(await createAuthorizationRequest(make({ responseMode: 'query' }, {}, {}, op)))
    const off = make({ responseMode: 'form_post', enforceProviderSupport: false }, {}, {}, op)
    assert.ok(await createAuthorizationRequest(off))
  })

  it('refuses a JARM mode the OP does not advertise with OP_UNSUPPORTED_RESPONSE_MODE; sends one it lists', async () => {
    const { make } = await sharedSetup()
    const plainModes = { response_modes_supported: ['query', 'fragment', 'form_post'] }
    await expectCode(
      createAuthorizationRequest(make({ responseMode: 'query.jwt' }, {}, {}, plainModes)),
      'OP_UNSUPPORTED_RESPONSE_MODE',
    )
    for (const mode of ['jwt', 'query.jwt', 'form_post.jwt'] as const) {
      const request = await createAuthorizationRequest(make({ responseMode: mode }))
      assert.equal(request.url.searchParams.get('response_mode'), mode)
      assert.equal(request.transaction.responseMode, mode)
    }
  })

  it('refuses a JARM signing or encryption alg the OP does not advertise with OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG; accepts one it lists', async () => {
    const { make } = await sharedSetup()
    const policy = { responseMode: 'query.jwt' } as const
    const onlyPs256 = { authorization_signing_alg_values_supported: ['PS256'] }
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(make(policy, {}, {}, onlyPs256)),
      'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG',
    )
    assert.equal(err.parameter, 'authorization_signed_response_alg')
    const ps256 = { authorization_signed_response_alg: 'PS256' }
    assert.ok(await createAuthorizationRequest(make(policy, {}, ps256, onlyPs256)))
    const encrypted = { authorization_encrypted_response_alg: 'RSA-OAEP-256' }
    await expectCode(
      createAuthorizationRequest(
        make(policy, {}, encrypted, { authorization_encryption_alg_values_supported: ['ECDH-ES'] }),
      ),
      'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG',
    )
    await expectCode(
      createAuthorizationRequest(
        make(policy, {}, encrypted, { authorization_encryption_enc_values_supported: ['A256GCM'] }),
      ),
      'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG',
    )
    assert.ok(await createAuthorizationRequest(make(policy, {}, encrypted)))
    const off = make({ ...policy, enforceProviderSupport: false }, {}, {}, onlyPs256)
    assert.ok(await createAuthorizationRequest(off))
  })

  it('refuses PKCE when the OP advertises methods without S256, with OP_UNSUPPORTED_PKCE_METHOD', async () => {
    const { make } = await sharedSetup()
    const op = { code_challenge_methods_supported: ['plain'] }
    await expectCode(
      createAuthorizationRequest(make(undefined, {}, {}, op)),
      'OP_UNSUPPORTED_PKCE_METHOD',
    )
    assert.ok(await createAuthorizationRequest(make({ pkce: false }, {}, {}, op)))
  })

  it('sends PKCE when the OP does not list its methods (unknown parameters are ignored)', async () => {
    const { make } = await sharedSetup()
    const config = make(undefined, {}, {}, { code_challenge_methods_supported: undefined })
    assert.ok((await createAuthorizationRequest(config)).url.searchParams.has('code_challenge'))
  })

  it('refuses a prompt value the OP does not advertise with OP_UNSUPPORTED_PROMPT', async () => {
    const { make } = await sharedSetup()
    const op = { prompt_values_supported: ['none', 'login'] }
    const config = make({ parameters: [{ name: 'prompt', rule: 'overridable' }] }, {}, {}, op)
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(config, { prompt: 'consent' }),
      'OP_UNSUPPORTED_PROMPT',
    )
    assert.equal(err.parameter, 'prompt')
    assert.ok(await createAuthorizationRequest(config, { prompt: 'login' }))
    const fixed = make({ parameters: [{ name: 'prompt', value: 'select_account' }] }, {}, {}, op)
    await expectCode(createAuthorizationRequest(fixed), 'OP_UNSUPPORTED_PROMPT')
    const off = make(
      { parameters: [{ name: 'prompt', value: 'select_account' }], enforceProviderSupport: false },
      {},
      {},
      op,
    )
    assert.ok(await createAuthorizationRequest(off))
  })
})
