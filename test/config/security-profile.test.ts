/**
 * The FAPI 2.0 security profile preset (`securityProfile: 'fapi2' | 'fapi2-message-signing'`):
 * what it refuses when the configuration is made, before a request is sent and when a response is
 * read, each refusal beside its twin, and full sign-ins through the mock OP under both variants.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { ClientInput } from '../../src/config/client.js'
import {
  type ConfigurationOptions,
  createConfiguration,
  restoreConfiguration,
} from '../../src/config/configuration.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { UsageError, ValidationError } from '../../src/errors.js'
import { requestClientCredentials } from '../../src/grants/client-credentials.js'
import type { DPoPHandle } from '../../src/lib/dpop.js'
import type { MockClient } from '../../src/testing/types.js'
import { refreshTokens } from '../../src/token.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest, createFixture, type Fixture } from '../support/sign-in.js'

/** A client FAPI 2.0 accepts: private_key_jwt (an ES256 key), ES256 ID tokens. */
const FAPI_CLIENT: Partial<MockClient> = {
  response_types: ['code'],
  id_token_signed_response_alg: 'ES256',
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
}

async function fapiFixture(
  config: ConfigurationOptions = { securityProfile: 'fapi2' },
  client: Partial<MockClient> = {},
  clientInput: Partial<ClientInput> = {},
  op: Parameters<typeof createFixture>[0] = {},
): Promise<Fixture> {
  return createFixture({
    authMethod: 'private_key_jwt',
    client: { ...FAPI_CLIENT, ...client },
    clientInput: { id_token_signed_response_alg: 'ES256', ...clientInput },
    config,
    ...op,
  })
}

/** createAuthorizationRequest, the mock OP's authorization, and handleCallback, with `dpop`. */
async function signIn(f: Fixture, dpop: DPoPHandle | undefined, config = f.config) {
  const request = await createAuthorizationRequest(
    config,
    { scope: 'openid offline_access' },
    {
      ...(dpop && { dpop }),
    },
  )
  registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
  const response = await f.op.authorize(request.url, { user: 'alice' })
  registerSecret(
    response.params.get('code') ?? undefined,
    response.params.get('response') ?? undefined,
  )
  const cookie = request.browserBinding
    ? `${request.browserBinding.name}=${request.browserBinding.value}`
    : ''
  const result = await handleCallback(config, browserRequest(response), {
    cookie,
    ...(dpop && { dpop }),
  })
  registerSecret(result.accessToken?.value, result.refreshToken)
  return { request, response, result }
}

const newHandle = async () => createDPoPHandle(await generateDPoPKeyPair())

describe('fapi2: a sign-in that keeps to the profile', () => {
  test('pushed request with PKCE S256, private_key_jwt ES256 assertions, an ES256 ID token, DPoP-bound tokens', async () => {
    const f = await fapiFixture()
    assert.equal(f.config.securityProfile, 'fapi2')
    assert.equal(f.config.policy.transport, 'par')
    assert.equal(f.config.settings.clockToleranceInSeconds, 10)
    const dpop = await newHandle()
    const { request, result } = await signIn(f, dpop)
    assert.deepEqual(
      [...request.url.searchParams.keys()].sort(),
      ['client_id', 'request_uri'],
      'the front channel carries only client_id and the request_uri',
    )
    const [par] = f.op.requests.filter((r) => r.endpoint === 'par')
    assert.equal(par?.params.code_challenge_method, 'S256')
    assert.equal(par?.params.dpop_jkt, dpop.thumbprint)
    const [token] = f.op.requests.filter((r) => r.endpoint === 'token')
    assert.equal(token?.clientAuthMethod, 'private_key_jwt')
    assert.equal(decodeProtectedHeader(token!.params.client_assertion!).alg, 'ES256')
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('refreshTokens without a dpop handle is refused before anything is sent: SECURITY_PROFILE_VIOLATION', async () => {
    const f = await fapiFixture()
    const { result } = await signIn(f, await newHandle())
    const sent = f.op.requests.length
    await expectCode<UsageError>(
      refreshTokens(f.config, result.refreshToken!),
      'SECURITY_PROFILE_VIOLATION',
    )
    assert.equal(f.op.requests.length, sent, 'no request reached the OP')
  })

  test('refreshTokens without a dpop handle, the twin: with the sign-in key it refreshes, DPoP-bound', async () => {
    const f = await fapiFixture()
    const dpop = await newHandle()
    const { result } = await signIn(f, dpop)
    const refreshed = await refreshTokens(f.config, result.refreshToken!, { dpop })
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.equal(refreshed.accessToken.type, 'DPoP')
  })

  test('client credentials without a dpop handle are refused before anything is sent: SECURITY_PROFILE_VIOLATION; the twin with one is DPoP-bound', async () => {
    const f = await fapiFixture()
    await expectCode<UsageError>(requestClientCredentials(f.config), 'SECURITY_PROFILE_VIOLATION')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0, 'nothing sent')
    const bound = await requestClientCredentials(f.config, { dpop: await newHandle() })
    registerSecret(bound.accessToken.value)
    assert.equal(bound.accessToken.type, 'DPoP')
  })

  test('an authorization request without a dpop handle is refused: SECURITY_PROFILE_VIOLATION naming dpop', async () => {
    const f = await fapiFixture()
    const err = await expectCode<UsageError>(
      createAuthorizationRequest(f.config),
      'SECURITY_PROFILE_VIOLATION',
    )
    assert.equal(err.parameter, 'dpop')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'par').length, 0, 'nothing pushed')
  })

  test('without a dpop handle, the twin: a client with certificate-bound tokens needs none', async () => {
    const f = await fapiFixture(
      { securityProfile: 'fapi2' },
      { tls_client_certificate_bound_access_tokens: true },
      { tls_client_certificate_bound_access_tokens: true },
    )
    const request = await createAuthorizationRequest(f.config)
    assert.ok(request.url.searchParams.has('request_uri'))
  })

  test('an OP that leaves iss out of the authorization response is refused: CALLBACK_ISSUER_MISSING', async () => {
    const f = await fapiFixture(undefined, undefined, undefined, {
      op: { metadata: { authorization_response_iss_parameter_supported: false } },
    })
    await expectCode<ValidationError>(signIn(f, await newHandle()), 'CALLBACK_ISSUER_MISSING')
  })

  test('an OP that leaves iss out, the twin: without the profile the code flow accepts it (the OP does not advertise it)', async () => {
    const f = await createFixture({
      client: { response_types: ['code'] },
      op: { metadata: { authorization_response_iss_parameter_supported: false } },
    })
    const { response, result } = await signIn(f, undefined)
    assert.equal(response.params.has('iss'), false)
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('the client assertion key: without a registered alg the first FAPI key is used (ES256 after an RS256 key)', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true })
    const rsaJwk = { ...(await exportJWK(rsa.privateKey)), kid: 'rs', alg: 'RS256' }
    const rsaPublic = { ...(await exportJWK(rsa.publicKey)), kid: 'rs', alg: 'RS256' }
    registerSecret(rsaJwk.d)
    const es = await generateKeyPair('ES256', { extractable: true })
    const esPrivate = { ...(await exportJWK(es.privateKey)), kid: 'es', alg: 'ES256' }
    const esPublic = { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256' }
    registerSecret(esPrivate.d)
    const client = { jwks: { keys: [rsaPublic, esPublic] } }
    const keys = { keys: [rsaJwk, esPrivate] }
    const fapi = await fapiFixture({ securityProfile: 'fapi2' }, client, keys)
    await signIn(fapi, await newHandle())
    const [fapiToken] = fapi.op.requests.filter((r) => r.endpoint === 'token')
    assert.equal(decodeProtectedHeader(fapiToken!.params.client_assertion!).kid, 'es')
    // The twin: without the profile the first signing key (RS256) signs.
    const open = await fapiFixture({}, client, keys)
    await signIn(open, undefined)
    const [openToken] = open.op.requests.filter((r) => r.endpoint === 'token')
    assert.equal(decodeProtectedHeader(openToken!.params.client_assertion!).kid, 'rs')
  })
})

describe('fapi2-message-signing: signed pushed request objects and JARM', () => {
  test('the pushed request is a signed request object (ES256) and the response a JARM JWT', async () => {
    const f = await fapiFixture(
      { securityProfile: 'fapi2-message-signing' },
      { authorization_signed_response_alg: 'ES256', request_object_signing_alg: 'ES256' },
      { authorization_signed_response_alg: 'ES256' },
    )
    assert.equal(f.config.policy.responseMode, 'jwt')
    assert.deepEqual(f.config.policy.requestObject, {})
    const { response, result } = await signIn(f, await newHandle())
    const [par] = f.op.requests.filter((r) => r.endpoint === 'par')
    assert.equal(decodeProtectedHeader(par!.params.request!).alg, 'ES256')
    assert.equal(decodeProtectedHeader(response.params.get('response')!).alg, 'ES256')
    assert.equal(result.accessToken?.type, 'DPoP')
  })
})

describe('fapi2: configurations outside the profile are refused when made', () => {
  /** A FAPI-ready client and OP; each case below changes one thing. */
  async function parts() {
    const f = await fapiFixture()
    const pair = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(pair.privateKey)), alg: 'ES256' }
    registerSecret(jwk.d)
    const client: ClientInput = {
      client_id: 'rp-client',
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'ES256',
      keys: [jwk],
    }
    return { provider: { ...f.config.provider } as Record<string, unknown>, client }
  }

  const cases: {
    name: string
    provider?: Record<string, unknown>
    client?: Partial<ClientInput>
    options?: ConfigurationOptions
    member: string
  }[] = [
    {
      name: 'client_secret_basic',
      client: {
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: 's'.repeat(32),
        keys: [],
      },
      member: 'client.token_endpoint_auth_method',
    },
    {
      name: 'no registered ID token alg (the OP would sign RS256)',
      client: { id_token_signed_response_alg: undefined },
      member: 'client.id_token_signed_response_alg',
    },
    {
      name: 'RS256 ID tokens',
      client: { id_token_signed_response_alg: 'RS256' },
      member: 'client.id_token_signed_response_alg',
    },
    {
      name: 'RS256 signed UserInfo',
      client: { userinfo_signed_response_alg: 'RS256' },
      member: 'client.userinfo_signed_response_alg',
    },
    {
      name: 'RS256 client assertions',
      client: { token_endpoint_auth_signing_alg: 'RS256' },
      member: 'client.token_endpoint_auth_signing_alg',
    },
    {
      name: 'RSA1_5 encrypted ID tokens',
      client: { id_token_encrypted_response_alg: 'RSA1_5' },
      member: 'client.id_token_encrypted_response_alg',
    },
    {
      name: 'an OP without PAR',
      provider: { pushed_authorization_request_endpoint: undefined },
      member: 'provider.pushed_authorization_request_endpoint',
    },
    {
      name: 'requests in the query',
      options: { policy: { transport: 'query' } },
      member: 'policy.transport',
    },
    {
      name: 'a hybrid response type',
      options: { policy: { responseType: 'code id_token' } },
      member: 'policy.responseType',
    },
    { name: 'no PKCE', options: { policy: { pkce: false } }, member: 'policy.pkce' },
    {
      name: 'a clock tolerance of 30 s set explicitly',
      options: { clockToleranceInSeconds: 30 },
      member: 'clockToleranceInSeconds',
    },
  ]
  for (const c of cases) {
    test(`${c.name} is refused: SECURITY_PROFILE_VIOLATION naming ${c.member}`, async () => {
      const { provider, client } = await parts()
      const err = await expectCode<UsageError>(
        Promise.resolve().then(() =>
          createConfiguration(
            { ...provider, ...c.provider },
            { ...client, ...c.client } as ClientInput,
            { securityProfile: 'fapi2', ...c.options },
          ),
        ),
        'SECURITY_PROFILE_VIOLATION',
      )
      assert.equal(err.parameter, c.member)
      // The twin: the same configuration without the profile is accepted.
      const open = createConfiguration(
        { ...provider, ...c.provider },
        { ...client, ...c.client } as ClientInput,
        { ...c.options },
      )
      assert.equal(open.securityProfile, undefined)
    })
  }

  test('the twin of every case: the FAPI-ready client and OP are accepted, with the profile defaults', async () => {
    const { provider, client } = await parts()
    const config = createConfiguration(provider, client, { securityProfile: 'fapi2' })
    assert.equal(config.policy.transport, 'par')
    assert.equal(config.settings.clockToleranceInSeconds, 10)
    const tighter = createConfiguration(provider, client, {
      securityProfile: 'fapi2',
      clockToleranceInSeconds: 5,
    })
    assert.equal(tighter.settings.clockToleranceInSeconds, 5, 'a tighter tolerance is kept')
  })

  test('message signing: an unsigned request object, a plain response mode or no registered JARM alg are refused; the twin with them is accepted', async () => {
    const { provider, client } = await parts()
    const signing = { ...client, authorization_signed_response_alg: 'ES256' }
    const refused: [Partial<ClientInput>, ConfigurationOptions['policy'], string][] = [
      [signing, { requestObject: { alg: 'none', allowUnsigned: true } }, 'policy.requestObject'],
      [signing, { responseMode: 'query' }, 'policy.responseMode'],
      [client, undefined, 'client.authorization_signed_response_alg'],
    ]
    for (const [c, policy, member] of refused) {
      const err = await expectCode<UsageError>(
        Promise.resolve().then(() =>
          createConfiguration(provider, c as ClientInput, {
            securityProfile: 'fapi2-message-signing',
            ...(policy && { policy }),
          }),
        ),
        'SECURITY_PROFILE_VIOLATION',
      )
      assert.equal(err.parameter, member)
    }
    const config = createConfiguration(provider, signing, {
      securityProfile: 'fapi2-message-signing',
    })
    assert.equal(config.policy.responseMode, 'jwt')
  })

  test('an unknown profile is INVALID_CONFIGURATION; the profile is saved and restored with the configuration', async () => {
    const { provider, client } = await parts()
    await expectCode<UsageError>(
      Promise.resolve().then(() =>
        createConfiguration(provider, client, {
          securityProfile: 'fapi1' as unknown as 'fapi2',
        }),
      ),
      'INVALID_CONFIGURATION',
    )
    const config = createConfiguration(provider, client, { securityProfile: 'fapi2' })
    const restored = restoreConfiguration(JSON.stringify(config), { keys: client.keys ?? [] })
    assert.equal(restored.securityProfile, 'fapi2')
    assert.equal(restored.settings.clockToleranceInSeconds, 10)
  })
})
