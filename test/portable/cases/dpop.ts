/**
 * DPoP (RFC 9449): proofs made by the SDK with the runtime's WebCrypto and checked by the mock OP
 * (signature, htm, htu, iat, jti, ath, nonce, dpop_jkt), the nonce retry, the token_type asked for,
 * refresh and fetchProtectedResource.
 */
import { equal, ok } from '../assert.js'
import type { Env } from '../fixtures.js'
import type { Case } from '../harness.js'

export function dpopCases(env: Env): Case[] {
  const { lib } = env
  const handle = async (alg?: 'ES256' | 'PS256' | 'EdDSA') =>
    lib.createDPoPHandle(await lib.generateDPoPKeyPair(alg))
  const dpopOp = (nonces: boolean) =>
    env.soloOp(
      { response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
      { dpop: { nonces } },
    )
  return [
    {
      name: 'dpop: code flow with dpop_jkt and a nonce-demanding OP: a DPoP-bound token, UserInfo with the DPoP scheme',
      async run() {
        const op = await dpopOp(true)
        const config = env.soloConfig(op)
        const dpop = await handle()
        const { request, input } = await env.authorize(config, op, { request: { dpop } })
        equal(request.url.searchParams.get('dpop_jkt'), dpop.thumbprint, 'dpop_jkt')
        const result = await env.callback(config, input, { dpop })
        equal(result.accessToken?.type, 'DPoP', 'token type')
        equal(result.userinfo?.sub, 'alice', 'UserInfo')
        const tokens = op.requests.filter((r) => r.endpoint === 'token')
        equal(tokens.length, 2, 'one retry with the nonce')
        equal(tokens[1]?.dpopJkt, dpop.thumbprint, 'the OP verified the proof')
        const userinfo = op.requests.find((r) => r.endpoint === 'userinfo')
        ok(userinfo?.headers.authorization?.startsWith('DPoP '), 'DPoP scheme')
        equal(userinfo?.dpopJkt, dpop.thumbprint, 'the OP verified the UserInfo proof')
      },
    },
    {
      name: 'dpop: PS256 and EdDSA keys sign proofs the OP verifies',
      async run() {
        const op = await dpopOp(false)
        const config = env.soloConfig(op)
        for (const alg of ['PS256', 'EdDSA'] as const) {
          const dpop = await handle(alg)
          const result = await env.signIn(config, op, { request: { dpop }, callback: { dpop } })
          equal(result.accessToken?.type, 'DPoP', alg)
        }
      },
    },
    {
      name: 'dpop: a callback with another key than dpop_jkt is DPOP_KEY_MISMATCH; the same key passes',
      async run() {
        const op = await dpopOp(false)
        const config = env.soloConfig(op)
        const dpop = await handle()
        const { input } = await env.authorize(config, op, { request: { dpop } })
        await env.expectCode(
          env.callback(config, input, { dpop: await handle() }),
          'DPOP_KEY_MISMATCH',
        )
        const twin = await env.signIn(config, op, { request: { dpop }, callback: { dpop } })
        equal(twin.accessToken?.type, 'DPoP', 'twin')
      },
    },
    {
      name: 'dpop: a bound token answered as Bearer is TOKEN_TYPE_UNEXPECTED; the twin passes',
      async run() {
        const op = await dpopOp(false)
        const config = env.soloConfig(op)
        const dpop = await handle()
        op.misbehave({ dpop: 'bearer-token-type' })
        await env.expectCode(
          env.signIn(config, op, { request: { dpop }, callback: { dpop } }),
          'TOKEN_TYPE_UNEXPECTED',
        )
        const twin = await env.signIn(config, op, { request: { dpop }, callback: { dpop } })
        equal(twin.accessToken?.type, 'DPoP', 'twin')
      },
    },
    {
      name: 'dpop: a nonce demanded twice in a row is not retried twice (use_dpop_nonce); demanded once, it is',
      async run() {
        const op = await dpopOp(false)
        const config = env.soloConfig(op)
        const dpop = await handle()
        op.misbehave({ dpop: 'demand-nonce' }, { times: 2 })
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          env.signIn(config, op, { request: { dpop }, callback: { dpop } }),
          'TOKEN_ERROR_RESPONSE',
        )
        equal(err.error, 'use_dpop_nonce', 'error')
        equal(op.requests.filter((r) => r.endpoint === 'token').length, 2, 'two token requests')
        op.misbehave({ dpop: 'demand-nonce' })
        const twin = await env.signIn(config, op, { request: { dpop }, callback: { dpop } })
        equal(twin.accessToken?.type, 'DPoP', 'twin')
      },
    },
    {
      name: 'dpop: refresh and fetchProtectedResource with the handle; the stolen token as Bearer is PROTECTED_RESOURCE_CHALLENGE',
      async run() {
        const op = await dpopOp(true)
        const config = env.soloConfig(op)
        const dpop = await handle()
        const result = await env.signIn(config, op, {
          request: { dpop },
          callback: { dpop, userinfo: 'never' },
        })
        const refreshed = await lib.refreshTokens(config, result.refreshToken!, { dpop })
        equal(refreshed.accessToken.type, 'DPoP', 'refreshed type')
        const resource = op.metadata().userinfo_endpoint as string
        const response = await lib.fetchProtectedResource(config, resource, refreshed.accessToken, {
          dpop,
        })
        equal(response.status, 200, 'with its proof')
        const err = await env.expectCode<InstanceType<typeof lib.OAuthResponseError>>(
          lib.fetchProtectedResource(config, resource, refreshed.accessToken.value),
          'PROTECTED_RESOURCE_CHALLENGE',
        )
        equal(err.error, 'invalid_token', 'as Bearer')
      },
    },
  ]
}
