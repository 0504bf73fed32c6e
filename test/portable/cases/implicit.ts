/** The Implicit and hybrid response types (all three hybrids), and the form_post response mode. */

import type { ResponseMode, ResponseType } from '../../../src/index.js'
import { equal, ok } from '../assert.js'
import type { Env } from '../fixtures.js'
import type { Case } from '../harness.js'

export function implicitCases(env: Env): Case[] {
  const flow = (responseType: ResponseType, responseMode?: ResponseMode): Case => ({
    name: `rp-response_type-${responseType.replaceAll(' ', '+')}${responseMode ? ` (${responseMode})` : ''}: the sign-in completes`,
    async run() {
      const { op, config } = await env.rp('basic', {
        policy: {
          responseType,
          scopes: ['openid', 'email'],
          ...(responseMode ? { responseMode } : {}),
        },
      })
      const returned = await env.authorize(config, op)
      const mode = responseMode ?? (responseType === 'code' ? 'query' : 'fragment')
      equal(returned.response.responseMode, mode, 'response mode')
      if (mode === 'form_post') ok(returned.input instanceof Request, 'a POST request')
      const result = await env.callback(config, returned.input)
      equal(result.idTokenClaims.sub, 'alice', 'sub')
      equal(result.idTokenClaims.nonce, returned.request.transaction.nonce, 'nonce')
      const tokenRequests = op.requests.filter((r) => r.endpoint === 'token').length
      equal(tokenRequests, responseType.includes('code') ? 1 : 0, 'token requests')
      if (responseType === 'id_token') equal(result.accessToken, undefined, 'no access token')
      else equal(result.userinfo?.email, 'alice@example.com', 'UserInfo with the access token')
      if (responseType === 'id_token token') ok(result.idTokenClaims.at_hash, 'at_hash')
      if (responseType.startsWith('code') && responseType.endsWith(' token')) {
        ok(result.frontChannelAccessToken, 'the front-channel access token, kept apart')
        ok(result.frontChannelAccessToken?.value !== result.accessToken?.value, 'two tokens')
      }
    },
  })

  return [
    flow('id_token'),
    flow('id_token token'),
    flow('code id_token'),
    flow('code token'),
    flow('code id_token token'),
    flow('code token', 'form_post'),
    flow('code', 'form_post'),
    flow('id_token token', 'form_post'),
    {
      name: 'rp-id_token-bad-at_hash: a wrong at_hash is ID_TOKEN_AT_HASH_MISMATCH, a missing one _MISSING',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { responseType: 'id_token token' } })
        op.misbehave({ idToken: 'wrong-at_hash' })
        await env.expectCode(env.signIn(config, op), 'ID_TOKEN_AT_HASH_MISMATCH')
        op.misbehave({ idToken: 'no-at_hash' })
        await env.expectCode(env.signIn(config, op), 'ID_TOKEN_AT_HASH_MISSING')
        ok(await env.signIn(config, op), 'twin')
      },
    },
    {
      name: 'rp-id_token-bad-c_hash: a hybrid ID token with a wrong c_hash is ID_TOKEN_C_HASH_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { responseType: 'code id_token' } })
        op.misbehave({ idToken: 'wrong-c_hash' })
        await env.expectCode(env.signIn(config, op), 'ID_TOKEN_C_HASH_MISMATCH')
        ok(await env.signIn(config, op), 'twin')
      },
    },
    {
      name: 'implicit: a fragment response read from a query is CALLBACK_RESPONSE_MODE_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { responseType: 'id_token' } })
        const returned = await env.authorize(config, op)
        const url = new URL(returned.input as string)
        const leaked = `${url.origin}${url.pathname}?${url.hash.slice(1)}`
        await env.expectCode(env.callback(config, leaked), 'CALLBACK_RESPONSE_MODE_MISMATCH')
        const again = await env.authorize(config, op)
        ok(await env.callback(config, again.input), 'twin from the fragment')
      },
    },
    {
      name: 'implicit: UserInfo required without an access token is USERINFO_UNAVAILABLE',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { responseType: 'id_token' } })
        await env.expectCode(
          env.signIn(config, op, { callback: { userinfo: 'required' } }),
          'USERINFO_UNAVAILABLE',
        )
        equal((await env.signIn(config, op)).userinfo, undefined, 'twin: when-available skips it')
      },
    },
  ]
}
