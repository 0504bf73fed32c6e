import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createConfiguration, restoreConfiguration } from '../src/configuration.js'
import { extendContract } from '../src/contract.js'
import { RUNTIME } from '../src/lib/runtime.js'
import { CLIENT_SECRET, client, providerMetadata } from './fixtures.js'
import { expectCode } from './helpers.js'

test('manual configuration validates and fills defaults', () => {
  const config = createConfiguration(providerMetadata(), client)
  assert.equal(config.issuer, 'https://op.example.com')
  assert.equal(config.client.token_endpoint_auth_method, 'client_secret_basic')
  assert.equal(config.settings.timeoutInMs, 10_000)
  assert.equal(config.settings.maxResponseBytes, 1024 * 1024)
  assert.equal(config.settings.allowInsecureRequests, false)
  assert.deepEqual(
    config.contract.map((a) => a.name),
    ['sub', 'name', 'email'],
  )
  assert.ok(
    Object.isFrozen(config) &&
      Object.isFrozen(config.provider) &&
      Object.isFrozen(config.client.redirect_uris),
  )
})

test('manual metadata gets the same validation as discovery', async () => {
  const without = (member: string) => {
    const m = providerMetadata()
    delete m[member]
    return m
  }
  for (const member of [
    'issuer',
    'authorization_endpoint',
    'jwks_uri',
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
    'token_endpoint',
  ]) {
    await expectCode(
      () => createConfiguration(without(member), client),
      'DISCOVERY_INVALID_METADATA',
    )
  }
  // token_endpoint may be absent when the OP only does the implicit flow
  createConfiguration(
    { ...without('token_endpoint'), response_types_supported: ['id_token'] },
    client,
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), jwks_uri: 42 }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), jwks_uri: 'not a url' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), scopes_supported: 'openid' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), scopes_supported: ['openid', 1] }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), claims_parameter_supported: 'yes' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () =>
      createConfiguration({ ...providerMetadata(), issuer: 'https://op.example.com?x=1' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
})

test('http endpoints are refused unless loopback or explicitly allowed', async () => {
  const insecure = { ...providerMetadata(), token_endpoint: 'http://op.example.com/token' }
  await expectCode(() => createConfiguration(insecure, client), 'DISCOVERY_INSECURE_ENDPOINT')
  assert.equal(
    createConfiguration(insecure, client, { allowInsecureRequests: true }).provider.token_endpoint,
    'http://op.example.com/token',
  )
  createConfiguration(providerMetadata('http://127.0.0.1:3000'), client)
})

test('client metadata is validated and credentials are required by the auth method', async () => {
  const metadata = providerMetadata()
  await expectCode(
    () => createConfiguration(metadata, { ...client, client_id: '' }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () => createConfiguration(metadata, { ...client, redirect_uris: [] }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () => createConfiguration(metadata, { ...client, redirect_uris: ['/relative'] }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () =>
      createConfiguration(metadata, {
        ...client,
        token_endpoint_auth_method: 'tls_client_auth' as 'none',
      }),
    'INVALID_CONFIGURATION',
  )
  const { client_secret: _omit, ...publicClient } = client
  await expectCode(() => createConfiguration(metadata, publicClient), 'MISSING_CREDENTIALS')
  createConfiguration(metadata, { ...publicClient, token_endpoint_auth_method: 'none' })
  await expectCode(
    () =>
      createConfiguration(metadata, {
        ...publicClient,
        token_endpoint_auth_method: 'private_key_jwt',
      }),
    'MISSING_CREDENTIALS',
  )
  await expectCode(
    () => createConfiguration(metadata, client, { timeoutInMs: -1 }),
    'INVALID_CONFIGURATION',
  )
})

test('a configuration serialises to JSON without secrets or keys and restores', async () => {
  const { privateKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign', 'verify'],
  )
  const config = createConfiguration(
    providerMetadata(),
    { ...client, keys: [{ privateKey, kid: 'k1' }] },
    { timeoutInMs: 5000, attributeMapping: [{ attribute: 'mail', claim: 'email' }] },
  )
  const text = JSON.stringify(config)
  assert.ok(!text.includes(CLIENT_SECRET))
  assert.ok(!text.includes('privateKey') && !text.includes('"keys"'))
  const restored = restoreConfiguration(text, {
    client_secret: CLIENT_SECRET,
    keys: [{ privateKey, kid: 'k1' }],
  })
  assert.deepEqual(JSON.parse(JSON.stringify(restored)), JSON.parse(text))
  assert.equal(restored.settings.timeoutInMs, 5000)
  assert.equal(restored[RUNTIME].credentials.clientSecret, CLIENT_SECRET)
  assert.deepEqual(restored.attributeMapping, [{ attribute: 'mail', claim: 'email' }])
})

test('administrator edits to the contract survive serialisation', () => {
  const config = createConfiguration(providerMetadata(), client)
  const edited = {
    ...JSON.parse(JSON.stringify(config)),
    contract: extendContract(config.contract, ['department']),
  }
  const restored = restoreConfiguration(edited, { client_secret: CLIENT_SECRET })
  assert.deepEqual(restored.contract.at(-1), {
    name: 'department',
    origin: 'admin',
    advertised: false,
  })
})

test('a malformed saved configuration is refused with a typed error', async () => {
  await expectCode(() => restoreConfiguration('{not json', {}), 'INVALID_CONFIGURATION')
  await expectCode(
    () => restoreConfiguration({ provider: providerMetadata() }, {}),
    'INVALID_CONFIGURATION',
  )
  const saved = JSON.parse(JSON.stringify(createConfiguration(providerMetadata(), client)))
  await expectCode(
    () =>
      restoreConfiguration({ ...saved, contract: [{ name: 1 }] }, { client_secret: CLIENT_SECRET }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(() => restoreConfiguration(saved, {}), 'MISSING_CREDENTIALS')
})

test('a restored configuration keeps the injected fetch and clock', () => {
  const saved = JSON.stringify(createConfiguration(providerMetadata(), client))
  const fetch: typeof globalThis.fetch = async () => new Response('{}')
  const now = () => 42_000
  const restored = restoreConfiguration(
    saved,
    { client_secret: CLIENT_SECRET },
    { fetch, now, timeoutInMs: 1234 },
  )
  assert.equal(restored[RUNTIME].fetch, fetch)
  assert.equal(restored[RUNTIME].now, now)
  assert.equal(restored.settings.timeoutInMs, 1234)
})
