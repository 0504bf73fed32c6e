/**
 * The mock OP as a FAPI 2.0 authorization server (`securityProfile`): a client keeping to the
 * profile signs in; each request outside it is refused the way such an OP refuses it, beside its
 * twin that keeps to the profile.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { ConfigurationOptions } from '../../src/config/configuration.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { OAuthResponseError } from '../../src/errors.js'
import type { DPoPHandle } from '../../src/lib/dpop.js'
import { createMockOP } from '../../src/testing/index.js'
import type { MockClient, MockOPOptions } from '../../src/testing/types.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest, createFixture, type Fixture } from '../support/sign-in.js'

const FAPI_CLIENT: Partial<MockClient> = {
  response_types: ['code'],
  id_token_signed_response_alg: 'ES256',
  authorization_signed_response_alg: 'ES256',
}

function fixture(
  profile: MockOPOptions['securityProfile'],
  config: ConfigurationOptions,
): Promise<Fixture> {
  return createFixture({
    authMethod: 'private_key_jwt',
    client: FAPI_CLIENT,
    clientInput: {
      id_token_signed_response_alg: 'ES256',
      authorization_signed_response_alg: 'ES256',
    },
    op: { securityProfile: profile },
    config: { ...config, policy: { transport: 'par', ...config.policy } },
  })
}

async function signIn(f: Fixture, dpop?: DPoPHandle) {
  const request = await createAuthorizationRequest(f.config, undefined, dpop ? { dpop } : {})
  registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
  const response = await f.op.authorize(request.url, { user: 'alice' })
  registerSecret(response.params.get('code') ?? undefined)
  const cookie = request.browserBinding
    ? `${request.browserBinding.name}=${request.browserBinding.value}`
    : ''
  const result = await handleCallback(f.config, browserRequest(response), {
    cookie,
    ...(dpop && { dpop }),
  })
  registerSecret(result.accessToken?.value, result.refreshToken)
  return result
}

const handle = async () => createDPoPHandle(await generateDPoPKeyPair())

describe('the mock OP as a FAPI 2.0 authorization server', () => {
  test('it advertises require_pushed_authorization_requests and its client authentication methods; a fapi2 client signs in', async () => {
    const f = await fixture('fapi2', { securityProfile: 'fapi2' })
    assert.equal(f.config.provider.require_pushed_authorization_requests, true)
    assert.deepEqual(f.config.provider.token_endpoint_auth_methods_supported, [
      'private_key_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ])
    const result = await signIn(f, await handle())
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('a token request without a DPoP proof (and no certificate binding) is refused: invalid_request', async () => {
    const f = await fixture('fapi2', {})
    const error = await expectCode<OAuthResponseError>(signIn(f), 'TOKEN_ERROR_RESPONSE')
    assert.equal(error.error, 'invalid_request')
  })

  test('a token request without a DPoP proof, the twin: with a proof the same client gets a DPoP token', async () => {
    const f = await fixture('fapi2', {})
    const result = await signIn(f, await handle())
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('an authorization request in the query (not pushed) is refused: invalid_request; the twin pushed passes above', async () => {
    const f = await fixture('fapi2', {})
    const url = new URL(f.config.provider.authorization_endpoint)
    for (const [name, value] of Object.entries({
      client_id: 'rp-client',
      redirect_uri: 'https://rp.example/cb',
      response_type: 'code',
      scope: 'openid',
      state: 'query-state-0123456789',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })) {
      url.searchParams.set(name, value)
    }
    const response = await f.op.authorize(url, { user: 'alice' })
    assert.equal(response.params.get('error'), 'invalid_request')
    assert.match(response.params.get('error_description') ?? '', /pushed/)
  })

  test('message signing: a pushed request without a request object is refused (PAR_ERROR_RESPONSE invalid_request); the twin, signed with JARM, signs in', async () => {
    const plain = await fixture('fapi2-message-signing', {})
    const error = await expectCode<OAuthResponseError>(
      signIn(plain, await handle()),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(error.error, 'invalid_request')
    const signed = await fixture('fapi2-message-signing', {
      securityProfile: 'fapi2-message-signing',
    })
    const result = await signIn(signed, await handle())
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('a client the profile cannot serve (client_secret_basic, RS256 ID tokens) is refused when the OP is made; the twin is accepted', async () => {
    const base = {
      client_id: 'c',
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'private_key_jwt' as const,
      id_token_signed_response_alg: 'ES256',
    }
    const make = (client: MockClient) =>
      createMockOP({ clients: [client], users: {}, securityProfile: 'fapi2' })
    await assert.rejects(
      make({ ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x' }),
      /fapi2 allows no client_secret_basic/,
    )
    await assert.rejects(
      make({ ...base, id_token_signed_response_alg: 'RS256' }),
      /id_token_signed_response_alg/,
    )
    assert.ok(await make(base))
  })
})
