/** UserInfo (header and body placement, sub check, bearer challenges, signed responses) and refresh. */
import { equal, ok } from '../assert.js'
import type { Env } from '../fixtures.js'
import type { Case } from '../harness.js'

export function userinfoCases(env: Env): Case[] {
  const { lib } = env
  return [
    {
      name: 'rp-userinfo-bearer-header: the access token goes in the Authorization header by default',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { scopes: ['openid', 'email'] } })
        const result = await env.signIn(config, op)
        const call = op.requests.find((r) => r.endpoint === 'userinfo')
        equal(call?.accessTokenIn, 'header', 'placement')
        equal(call?.method, 'GET', 'method')
        equal(result.userinfo?.email, 'alice@example.com', 'claims')
      },
    },
    {
      name: 'rp-userinfo-bearer-body: the access token can go in a form body',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { scopes: ['openid', 'email'] } })
        await env.signIn(config, op, { callback: { userinfoPlacement: 'body' } })
        const call = op.requests.find((r) => r.endpoint === 'userinfo')
        equal(call?.accessTokenIn, 'body', 'placement')
        equal(call?.method, 'POST', 'method')
      },
    },
    {
      name: 'rp-userinfo-bad-sub-claim: another sub at UserInfo is USERINFO_SUB_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({ userinfo: 'wrong-sub' })
        await env.expectCode(env.signIn(config, op), 'USERINFO_SUB_MISMATCH')
        equal((await env.signIn(config, op)).userinfo?.sub, 'alice', 'twin')
      },
    },
    {
      name: 'userinfo: a 401 with a Bearer challenge is USERINFO_BEARER_CHALLENGE with its parameters',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({ userinfo: 'unauthorized' })
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          env.signIn(config, op),
          'USERINFO_BEARER_CHALLENGE',
        )
        equal(err.status, 401, 'status')
        equal(err.error, 'invalid_token', 'error')
        equal(err.challenges[0]?.scheme, 'bearer', 'scheme')
        equal(err.challenges[0]?.parameters.error, 'invalid_token', 'challenge error')
        ok(await env.signIn(config, op), 'twin')
      },
    },
    {
      name: 'rp-userinfo-sig: a signed UserInfo response is verified; a bad signature is USERINFO_SIGNATURE_INVALID',
      async run() {
        const { op, config } = await env.rp('signed-userinfo', {
          policy: { scopes: ['openid', 'email'] },
        })
        const result = await env.signIn(config, op)
        equal(result.userinfo?.email, 'alice@example.com', 'claims from the JWT')
        op.misbehave({ userinfo: 'bad-signature' })
        await env.expectCode(env.signIn(config, op), 'USERINFO_SIGNATURE_INVALID')
      },
    },
    {
      name: 'userinfo: fetchUserInfo with a token from a sign-in, and its argument checks',
      async run() {
        const { op, config } = await env.rp('basic', { policy: { scopes: ['openid', 'email'] } })
        const result = await env.signIn(config, op, { callback: { userinfo: 'never' } })
        equal(result.userinfo, undefined, 'not called during the sign-in')
        const token = result.accessToken!.value
        const claims = await lib.fetchUserInfo(config, token, { expectedSubject: 'alice' })
        equal(claims.email, 'alice@example.com', 'claims')
        await env.expectCode(
          lib.fetchUserInfo(config, token, { expectedSubject: 'bob' }),
          'USERINFO_SUB_MISMATCH',
        )
        await env.expectCode(
          lib.fetchUserInfo(config, '', { expectedSubject: 'alice' }),
          'INVALID_ARGUMENT',
        )
      },
    },
    {
      name: 'refresh: new tokens, and a refreshed ID token about the same end-user',
      async run() {
        const { op, config } = await env.rp('basic')
        const result = await env.signIn(config, op)
        const refreshed = await lib.refreshTokens(config, result.refreshToken!, {
          original: result.idTokenClaims,
        })
        ok(refreshed.accessToken.value !== result.accessToken?.value, 'a new access token')
        equal(refreshed.idTokenClaims?.sub, 'alice', 'same sub')
        equal(
          op.requests.filter((r) => r.endpoint === 'token').at(-1)?.params.grant_type,
          'refresh_token',
          'grant',
        )
      },
    },
    {
      name: 'refresh: another sub in the refreshed ID token is REFRESH_ID_TOKEN_MISMATCH',
      async run() {
        const { op, config } = await env.rp('basic')
        const result = await env.signIn(config, op)
        op.misbehave({ idTokenClaims: { sub: 'bob' } })
        await env.expectCode(
          lib.refreshTokens(config, result.refreshToken!, { original: result.idTokenClaims }),
          'REFRESH_ID_TOKEN_MISMATCH',
        )
        const twin = await env.signIn(config, op)
        const refreshed = await lib.refreshTokens(config, twin.refreshToken!, {
          original: twin.idTokenClaims,
        })
        equal(refreshed.idTokenClaims?.sub, 'alice', 'twin')
      },
    },
    {
      name: 'refresh: an unknown refresh token is TOKEN_ERROR_RESPONSE invalid_grant, an empty one INVALID_ARGUMENT',
      async run() {
        const { config } = await env.rp('basic')
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          lib.refreshTokens(config, 'not-a-refresh-token-issued-by-the-op'),
          'TOKEN_ERROR_RESPONSE',
        )
        equal(err.error, 'invalid_grant', 'error')
        await env.expectCode(lib.refreshTokens(config, ''), 'INVALID_ARGUMENT')
      },
    },
  ]
}
