/** The code flow end to end with each client authentication method, and the callback's checks. */
import { deepEqual, equal, ok } from '../assert.js'
import type { Env, SharedClient } from '../fixtures.js'
import type { Case } from '../harness.js'

const METHODS: readonly [SharedClient, string][] = [
  ['basic', 'client_secret_basic'],
  ['post', 'client_secret_post'],
  ['secret-jwt', 'client_secret_jwt'],
  ['pk-jwt', 'private_key_jwt'],
  ['public', 'none'],
]

export function codeFlowCases(env: Env): Case[] {
  const { lib } = env
  const methodCases: Case[] = METHODS.map(([client, method]) => ({
    name:
      method === 'none'
        ? 'code flow, public client (none, PKCE only): the code flow completes'
        : `rp-token_endpoint-${method}: the code flow completes with ${method}`,
    async run() {
      const { op, config } = await env.rp(client, {
        policy: { scopes: ['openid', 'profile', 'email'] },
      })
      const result = await env.signIn(config, op)
      const token = op.requests.find((r) => r.endpoint === 'token')
      equal(token?.clientAuthMethod, method, 'client authentication')
      ok(token?.params.code_verifier, 'PKCE verifier sent')
      equal(result.idTokenClaims.sub, 'alice', 'sub')
      equal(result.idTokenClaims.aud, client, 'aud')
      equal(result.userinfo?.email, 'alice@example.com', 'UserInfo')
      equal(result.accessToken?.type, 'Bearer', 'access token')
      ok(typeof result.refreshToken === 'string', 'refresh token')
      equal(result.transaction.responseType, 'code', 'transaction')
    },
  }))
  return [
    ...methodCases,
    {
      name: 'code flow: a wrong client secret is TOKEN_ERROR_RESPONSE invalid_client without leaking it',
      async run() {
        const { op } = await env.sharedOp()
        const wrong = 'a-wrong-client-secret-0123456789-zyxwvu'
        const { config } = await env.rp('basic', {}, { client_secret: wrong })
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          env.signIn(config, op),
          'TOKEN_ERROR_RESPONSE',
        )
        equal(err.error, 'invalid_client', 'error')
        ok(!err.message.includes(wrong), 'secret not in message')
        const { config: twin } = await env.rp('basic')
        equal((await env.signIn(twin, op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'code flow: an OAuth error from the token endpoint is TOKEN_ERROR_RESPONSE with its values',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({
          oauthError: {
            endpoint: 'token',
            error: 'invalid_grant',
            error_description: 'expired code',
          },
        })
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          env.signIn(config, op),
          'TOKEN_ERROR_RESPONSE',
        )
        deepEqual(
          [err.error, err.errorDescription, err.status],
          ['invalid_grant', 'expired code', 400],
          'values',
        )
        equal((await env.signIn(config, op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'rp-response_type-code: the user refusing is AUTHORIZATION_ERROR_RESPONSE access_denied',
      async run() {
        const { op, config } = await env.rp('basic')
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          env.signIn(config, op, { authorize: { deny: true } }),
          'AUTHORIZATION_ERROR_RESPONSE',
        )
        equal(err.error, 'access_denied', 'error')
        equal(err.status, undefined, 'no HTTP status')
        equal((await env.signIn(config, op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'callback: a replayed callback is CALLBACK_STATE_UNKNOWN',
      async run() {
        const { op, config } = await env.rp('basic')
        const returned = await env.authorize(config, op)
        const url = (returned.input as Request).url
        equal((await env.callback(config, url)).idTokenClaims.sub, 'alice', 'first use')
        await env.expectCode(env.callback(config, url), 'CALLBACK_STATE_UNKNOWN')
      },
    },
    {
      name: 'callback: no state is CALLBACK_STATE_MISSING, and nothing is consumed',
      async run() {
        const { op, config } = await env.rp('basic')
        const returned = await env.authorize(config, op)
        const url = new URL((returned.input as Request).url)
        const stripped = new URL(url)
        stripped.searchParams.delete('state')
        await env.expectCode(env.callback(config, stripped), 'CALLBACK_STATE_MISSING')
        equal((await env.callback(config, url)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'callback (RFC 9207): a callback iss other than the issuer is CALLBACK_ISSUER_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic')
        const url = new URL(((await env.authorize(config, op)).input as Request).url)
        url.searchParams.set('iss', 'https://attacker.example')
        await env.expectCode(env.callback(config, url), 'CALLBACK_ISSUER_MISMATCH')
        const twin = new URL(((await env.authorize(config, op)).input as Request).url)
        equal(twin.searchParams.get('iss'), op.issuer, 'the OP sends iss')
        twin.searchParams.delete('iss')
        await env.expectCode(env.callback(config, twin), 'CALLBACK_ISSUER_MISSING')
        const good = ((await env.authorize(config, op)).input as Request).url
        equal((await env.callback(config, good)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'callback: a repeated parameter is CALLBACK_DUPLICATE_PARAMETER',
      async run() {
        const { op, config } = await env.rp('basic')
        const url = ((await env.authorize(config, op)).input as Request).url
        await env.expectCode(
          env.callback(config, `${url}&code=again`),
          'CALLBACK_DUPLICATE_PARAMETER',
        )
        equal((await env.callback(config, url)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'callback: a code flow answered with a front-channel id_token is CALLBACK_RESPONSE_TYPE_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic')
        const url = ((await env.authorize(config, op)).input as Request).url
        await env.expectCode(
          env.callback(config, `${url}&id_token=x.y.z`),
          'CALLBACK_RESPONSE_TYPE_MISMATCH',
        )
        const noCode = new URL(((await env.authorize(config, op)).input as Request).url)
        noCode.searchParams.delete('code')
        await env.expectCode(env.callback(config, noCode), 'CALLBACK_RESPONSE_TYPE_MISMATCH')
      },
    },
    {
      name: 'callback: a form_post sign-in answered in the query is CALLBACK_RESPONSE_MODE_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { responseMode: 'form_post' } })
        const returned = await env.authorize(config, op)
        equal(returned.response.method, 'POST', 'the OP posts')
        const asQuery = `https://rp.example/cb?${returned.response.body}`
        await env.expectCode(env.callback(config, asQuery), 'CALLBACK_RESPONSE_MODE_MISMATCH')
      },
    },
    {
      name: 'result: attributes through the mapping, the contract report and the application state',
      async run() {
        const { op, config } = await env.rp('basic', {
          policy: { scopes: ['openid', 'profile', 'email'] },
          attributeMapping: [
            { attribute: 'mail', claim: 'email' },
            { attribute: 'displayName', claim: 'name' },
            { attribute: 'dept', claim: 'department', default: 'none' },
          ],
        })
        const request = await lib.createAuthorizationRequest(config, undefined, {
          appState: { returnTo: '/x' },
        })
        const response = await op.authorize(request.url, { user: 'alice' })
        const { name, value } = request.browserBinding!
        // the browser sends its binding cookie with the redirect (a page's Request cannot carry a
        // Cookie header, a forbidden header name, so it is handed over as the server reads it)
        const result = await lib.handleCallback(config, new Request(response.url), {
          cookie: `${name}=${value}`,
        })
        deepEqual(
          result.attributes,
          { mail: 'alice@example.com', displayName: 'Alice Example', dept: 'none' },
          'attributes',
        )
        deepEqual(result.transaction.appState, { returnTo: '/x' }, 'app state')
        ok(result.contract.received.includes('email'), 'email received')
        ok(!result.contract.received.includes('nonce'), 'token claims left out')
        equal(result.claims.sub, 'alice', 'merged claims')
      },
    },
  ]
}
