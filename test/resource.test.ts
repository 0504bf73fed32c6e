/**
 * fetchProtectedResource: the application's API calls with a Bearer or DPoP token (RFC 6750 §2.1,
 * RFC 9449 §7), the nonce retry, and the `WWW-Authenticate` challenges as typed errors. The mock
 * OP's UserInfo endpoint plays the resource server.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { createAuthorizationRequest } from '../src/authorization/request.js'
import { handleCallback } from '../src/callback/sign-in.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../src/dpop.js'
import type { OAuthResponseError } from '../src/errors.js'
import type { AccessToken } from '../src/grants/token-messages.js'
import type { DPoPHandle } from '../src/lib/dpop.js'
import { fetchProtectedResource } from '../src/resource.js'
import { expectCode, registerSecret } from './support/helpers.js'
import { browserRequest, createFixture, type Fixture } from './support/sign-in.js'

async function signedIn(withDPoP: boolean): Promise<{
  f: Fixture
  token: AccessToken
  dpop: DPoPHandle | undefined
  resource: string
}> {
  const f = await createFixture({ client: { response_types: ['code'] } })
  const dpop = withDPoP ? await createDPoPHandle(await generateDPoPKeyPair()) : undefined
  const request = await createAuthorizationRequest(f.config, undefined, dpop ? { dpop } : {})
  const response = await f.op.authorize(request.url, { user: 'alice' })
  const cookie = `${request.browserBinding!.name}=${request.browserBinding!.value}`
  const result = await handleCallback(f.config, browserRequest(response), {
    cookie,
    userinfo: 'never',
    ...(dpop ? { dpop } : {}),
  })
  registerSecret(result.accessToken!.value)
  f.op.clearRequests()
  return { f, token: result.accessToken!, dpop, resource: f.config.provider.userinfo_endpoint! }
}

const calls = (f: Fixture) => f.op.requests.filter((r) => r.endpoint === 'userinfo')

describe('fetchProtectedResource', () => {
  test('a Bearer token goes as Authorization: Bearer, and the response comes back as it is', async () => {
    const { f, token, resource } = await signedIn(false)
    const response = await fetchProtectedResource(f.config, resource, token)
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { sub: string }).sub, 'alice')
    assert.equal(calls(f)[0]?.headers.authorization, `Bearer ${token.value}`)
    assert.equal(calls(f)[0]?.headers.dpop, undefined)
  })

  test('a DPoP token goes as Authorization: DPoP with a proof of htm, htu and ath', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    assert.equal(token.type, 'DPoP')
    const response = await fetchProtectedResource(f.config, `${resource}?q=1`, token, { dpop })
    assert.equal(response.status, 200)
    const [call] = calls(f)
    assert.equal(call?.headers.authorization, `DPoP ${token.value}`)
    const proof = decodeJwt(call!.headers.dpop!)
    assert.equal(proof.htm, 'GET')
    assert.equal(proof.htu, resource)
    assert.equal(typeof proof.ath, 'string')
  })

  test('a DPoP token without its handle is refused before any request: INVALID_ARGUMENT', async () => {
    const { f, token, resource } = await signedIn(true)
    await expectCode(fetchProtectedResource(f.config, resource, token), 'INVALID_ARGUMENT')
    assert.equal(calls(f).length, 0)
  })

  test('method, headers and body are sent, and the proof names the method', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    let seen: { method: string; body: string; custom: string | null } | undefined
    f.op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: async (request) => {
          seen = {
            method: request.method,
            body: await request.text(),
            custom: request.headers.get('x-custom'),
          }
          return new Response(null, { status: 204 })
        },
      },
    })
    const response = await fetchProtectedResource(f.config, resource, token, {
      method: 'POST',
      headers: { 'x-custom': 'yes', 'content-type': 'application/json' },
      body: '{"order":1}',
      dpop,
    })
    assert.equal(response.status, 204)
    assert.deepEqual(seen, { method: 'POST', body: '{"order":1}', custom: 'yes' })
    assert.equal(decodeJwt(calls(f)[0]!.headers.dpop!).htm, 'POST')
  })

  test('a status that is no refusal (404) is returned, not thrown', async () => {
    const { f, token, resource } = await signedIn(false)
    f.op.misbehave({
      respond: { endpoint: 'userinfo', response: () => new Response('gone', { status: 404 }) },
    })
    const response = await fetchProtectedResource(f.config, resource, token)
    assert.equal(response.status, 404)
    assert.equal(await response.text(), 'gone')
  })
})

describe('WWW-Authenticate challenges (RFC 6750 §3, RFC 9449 §7.1)', () => {
  test('a Bearer challenge invalid_token is PROTECTED_RESOURCE_CHALLENGE with its error; the twin without the fault is a 200', async () => {
    const { f, token, resource } = await signedIn(false)
    f.op.misbehave({ userinfo: 'unauthorized' })
    const error = await expectCode<OAuthResponseError>(
      fetchProtectedResource(f.config, resource, token),
      'PROTECTED_RESOURCE_CHALLENGE',
    )
    assert.deepEqual([error.status, error.error], [401, 'invalid_token'])
    assert.equal(error.challenges[0]?.scheme, 'bearer')
    assert.equal((await fetchProtectedResource(f.config, resource, token)).status, 200)
  })

  test('a 403 insufficient_scope challenge keeps its parameters', async () => {
    const { f, token, resource } = await signedIn(false)
    f.op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () =>
          new Response(null, {
            status: 403,
            headers: {
              'www-authenticate': 'Bearer error="insufficient_scope", scope="orders:read"',
            },
          }),
      },
    })
    const error = await expectCode<OAuthResponseError>(
      fetchProtectedResource(f.config, resource, token),
      'PROTECTED_RESOURCE_CHALLENGE',
    )
    assert.equal(error.error, 'insufficient_scope')
    assert.equal(error.challenges[0]?.parameters.scope, 'orders:read')
  })

  test('a DPoP challenge is read for a DPoP token, beside a Bearer one', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    f.op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () =>
          new Response(null, {
            status: 401,
            headers: {
              'www-authenticate':
                'Bearer realm="api", DPoP algs="ES256", error="invalid_token", error_description="revoked"',
            },
          }),
      },
    })
    const error = await expectCode<OAuthResponseError>(
      fetchProtectedResource(f.config, resource, token, { dpop }),
      'PROTECTED_RESOURCE_CHALLENGE',
    )
    assert.deepEqual([error.error, error.errorDescription], ['invalid_token', 'revoked'])
    assert.deepEqual(
      error.challenges.map((c) => c.scheme),
      ['bearer', 'dpop'],
    )
  })

  test('a resource server that demands a nonce: one retry with it succeeds', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    f.op.misbehave({ dpop: 'demand-nonce' })
    const response = await fetchProtectedResource(f.config, resource, token, { dpop })
    assert.equal(response.status, 200)
    assert.equal(calls(f).length, 2)
    assert.equal(typeof decodeJwt(calls(f)[1]!.headers.dpop!).nonce, 'string')
  })

  test('a resource server that demands a nonce twice in a row: no second retry, PROTECTED_RESOURCE_CHALLENGE use_dpop_nonce', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    f.op.misbehave({ dpop: 'demand-nonce' }, { times: 2 })
    const error = await expectCode<OAuthResponseError>(
      fetchProtectedResource(f.config, resource, token, { dpop }),
      'PROTECTED_RESOURCE_CHALLENGE',
    )
    assert.equal(error.error, 'use_dpop_nonce')
    assert.equal(calls(f).length, 2)
  })

  test('a resource server that demands a nonce without sending one: no retry', async () => {
    const { f, token, dpop, resource } = await signedIn(true)
    f.op.misbehave({ dpop: 'nonce-without-header' })
    const error = await expectCode<OAuthResponseError>(
      fetchProtectedResource(f.config, resource, token, { dpop }),
      'PROTECTED_RESOURCE_CHALLENGE',
    )
    assert.equal(error.error, 'use_dpop_nonce')
    assert.equal(calls(f).length, 1)
  })
})
