/** Authorization requests: the administrator's policy against the application's parameters, PAR. */

import type { RequestPolicyInput } from '../../../src/index.js'
import { deepEqual, equal, ok } from '../assert.js'
import { countingStore, type Env } from '../fixtures.js'
import type { Case } from '../harness.js'

const POLICY: RequestPolicyInput = {
  scopes: ['openid', 'email'],
  parameters: [
    { name: 'hd', value: 'example.org', rule: 'fixed' },
    { name: 'login_hint', value: 'someone@example.org', rule: 'overridable' },
    { name: 'ui_locales', value: 'en', rule: 'allowed', allowed: ['en', 'fr', 'de'] },
    { name: 'prompt', value: 'login', rule: 'overridable' },
  ],
  protect: { prompt: true },
}

export function authorizationCases(env: Env): Case[] {
  const { lib } = env
  return [
    {
      name: 'authorization: the default request carries state, nonce, PKCE S256 and saves the transaction',
      async run() {
        const store = lib.createMemoryTransactionStore()
        const { op, config } = await env.rp('basic', { store })
        const request = await lib.createAuthorizationRequest(config, undefined, {
          appState: { to: '/a' },
        })
        const q = request.url.searchParams
        equal(`${request.url.origin}${request.url.pathname}`, `${op.issuer}/authorize`, 'endpoint')
        deepEqual(
          [q.get('response_type'), q.get('client_id'), q.get('redirect_uri'), q.get('scope')],
          ['code', 'basic', 'https://rp.example/cb', 'openid'],
          'parameters',
        )
        equal(q.get('state'), request.state, 'state')
        equal(q.get('nonce'), request.transaction.nonce, 'nonce')
        equal(q.get('code_challenge_method'), 'S256', 'PKCE method')
        equal(q.get('code_challenge')?.length, 43, 'S256 challenge')
        ok((request.transaction.codeVerifier?.length ?? 0) >= 43, 'verifier kept')
        const saved = await store.take(request.state)
        deepEqual(saved?.appState, { to: '/a' }, 'transaction stored with app state')
      },
    },
    {
      name: 'policy fixed: a changed value is POLICY_PARAMETER_FIXED, the same value passes',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        const err = await env.expectCode<InstanceType<typeof lib.UsageError>>(
          lib.createAuthorizationRequest(config, { hd: 'evil.example' }),
          'POLICY_PARAMETER_FIXED',
        )
        equal(err.parameter, 'hd', 'parameter')
        const same = await lib.createAuthorizationRequest(config, { hd: 'example.org' })
        equal(same.url.searchParams.get('hd'), 'example.org', 'twin')
      },
    },
    {
      name: 'policy overridable: the application value replaces the default, null drops it',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        const byDefault = await lib.createAuthorizationRequest(config)
        equal(byDefault.url.searchParams.get('login_hint'), 'someone@example.org', 'default')
        const replaced = await lib.createAuthorizationRequest(config, {
          login_hint: 'alice@example.com',
        })
        equal(replaced.url.searchParams.get('login_hint'), 'alice@example.com', 'replaced')
        const dropped = await lib.createAuthorizationRequest(config, { login_hint: null })
        equal(dropped.url.searchParams.has('login_hint'), false, 'dropped')
      },
    },
    {
      name: 'policy allowed: a listed value passes, another is POLICY_VALUE_NOT_ALLOWED',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        const fine = await lib.createAuthorizationRequest(config, { ui_locales: ['fr', 'de'] })
        equal(fine.url.searchParams.get('ui_locales'), 'fr de', 'space-separated')
        await env.expectCode(
          lib.createAuthorizationRequest(config, { ui_locales: 'es' }),
          'POLICY_VALUE_NOT_ALLOWED',
        )
      },
    },
    {
      name: 'policy protected: prompt from the application is POLICY_PARAMETER_PROTECTED even when ignoring',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        await env.expectCode(
          lib.createAuthorizationRequest(config, { prompt: 'consent' }),
          'POLICY_PARAMETER_PROTECTED',
        )
        await env.expectCode(
          lib.createAuthorizationRequest(config, { prompt: 'consent' }, { onDisallowed: 'ignore' }),
          'POLICY_PARAMETER_PROTECTED',
        )
        equal(
          (await lib.createAuthorizationRequest(config)).url.searchParams.get('prompt'),
          'login',
          'locked value',
        )
      },
    },
    {
      name: 'policy reserved: state, nonce and redirect_uri from the application are POLICY_PARAMETER_RESERVED',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        for (const name of ['state', 'nonce', 'redirect_uri', 'code_challenge']) {
          await env.expectCode(
            lib.createAuthorizationRequest(config, { [name]: 'x' }),
            'POLICY_PARAMETER_RESERVED',
          )
        }
        ok(
          await lib.createAuthorizationRequest(config, { state: undefined }),
          'undefined is skipped',
        )
      },
    },
    {
      name: 'policy unknown and scopes: refused by default, left out and listed in ignore mode',
      async run() {
        const { config } = await env.rp('basic', { policy: POLICY })
        await env.expectCode(
          lib.createAuthorizationRequest(config, { acr_values: 'urn:x' }),
          'POLICY_PARAMETER_UNKNOWN',
        )
        await env.expectCode(
          lib.createAuthorizationRequest(config, { scope: 'openid phone' }),
          'POLICY_SCOPE_NOT_ALLOWED',
        )
        const ignored = await lib.createAuthorizationRequest(
          config,
          { acr_values: 'urn:x', scope: 'openid phone', login_hint: 'bob@example.com' },
          { onDisallowed: 'ignore' },
        )
        deepEqual(
          [...ignored.ignored].sort((a, b) => (a.name < b.name ? -1 : 1)),
          [
            { name: 'acr_values', reason: 'POLICY_PARAMETER_UNKNOWN' },
            { name: 'scope', reason: 'POLICY_SCOPE_NOT_ALLOWED' },
          ],
          'ignored',
        )
        equal(ignored.url.searchParams.get('scope'), 'openid email', 'policy scopes')
        equal(ignored.url.searchParams.get('login_hint'), 'bob@example.com', 'allowed value kept')
      },
    },
    {
      name: 'policy: an invalid policy is INVALID_CONFIGURATION naming the member',
      async run() {
        const bad = { parameters: [{ name: 'state', value: 'x' }] } as RequestPolicyInput
        const err = await env.expectCode<InstanceType<typeof lib.UsageError>>(
          env.rp('basic', { policy: bad }),
          'INVALID_CONFIGURATION',
        )
        equal(err.parameter, 'policy.parameters[0].name', 'member')
        await env.expectCode(
          env.rp('basic', { policy: { responseType: 'token' as never } }),
          'INVALID_CONFIGURATION',
        )
        ok(await env.rp('basic', { policy: { responseType: 'id_token' } }), 'twin')
      },
    },
    {
      name: 'authorization: a response mode the OP does not advertise is OP_UNSUPPORTED_RESPONSE_MODE',
      async run() {
        const { op } = await env.sharedOp()
        const meta = { ...op.metadata(), response_modes_supported: ['query', 'fragment'] }
        const client = {
          client_id: 'basic',
          client_secret: 'x'.repeat(32),
          redirect_uris: ['https://rp.example/cb'],
        }
        const config = lib.createConfiguration(meta, client, {
          policy: { responseMode: 'form_post' },
        })
        await env.expectCode(lib.createAuthorizationRequest(config), 'OP_UNSUPPORTED_RESPONSE_MODE')
        const lenient = lib.createConfiguration(meta, client, {
          policy: { responseMode: 'form_post', enforceProviderSupport: false },
        })
        equal(
          (await lib.createAuthorizationRequest(lenient)).url.searchParams.get('response_mode'),
          'form_post',
          'twin',
        )
      },
    },
    {
      name: 'authorization: a claims request from createClaimsRequest is sent as JSON and honoured',
      async run() {
        const { op, config } = await env.rp('basic', {
          policy: { parameters: [{ name: 'claims', rule: 'overridable' }] },
        })
        const claims = lib.createClaimsRequest().idToken('email', { essential: true }).build()
        const result = await env.signIn(config, op, { appParams: { claims } })
        const sent = op.requests.find((r) => r.endpoint === 'authorization')?.params.claims
        deepEqual(
          JSON.parse(sent ?? 'null'),
          { id_token: { email: { essential: true } } },
          'claims parameter',
        )
        equal(result.idTokenClaims.email, 'alice@example.com', 'email in the ID token')
      },
    },
    {
      name: 'PAR: the front channel carries only client_id and request_uri; the sign-in completes',
      async run() {
        const { op, config } = await env.rp('basic', {
          policy: { transport: 'par', scopes: ['openid', 'email'] },
        })
        const returned = await env.authorize(config, op)
        deepEqual(
          [...returned.request.url.searchParams.keys()].sort(),
          ['client_id', 'request_uri'],
          'front-channel parameters',
        )
        const par = op.requests.find((r) => r.endpoint === 'par')
        equal(par?.clientAuthMethod, 'client_secret_basic', 'PAR authenticated')
        equal(par?.params.nonce, returned.request.transaction.nonce, 'nonce pushed')
        const result = await env.callback(config, returned.input)
        equal(result.claims.email, 'alice@example.com', 'signed in')
      },
    },
    {
      name: 'PAR: an OAuth error from the PAR endpoint is PAR_ERROR_RESPONSE and nothing is saved',
      async run() {
        const { store, saved } = countingStore(lib)
        const { op, config } = await env.rp('basic', { policy: { transport: 'par' }, store })
        op.misbehave({
          oauthError: { endpoint: 'par', error: 'invalid_request', error_description: 'nope' },
        })
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          lib.createAuthorizationRequest(config),
          'PAR_ERROR_RESPONSE',
        )
        equal(err.error, 'invalid_request', 'error')
        equal(err.status, 400, 'status')
        equal(saved(), 0, 'nothing saved')
        const twin = await lib.createAuthorizationRequest(config)
        ok(await store.take(twin.state), 'the twin is saved')
      },
    },
  ]
}
