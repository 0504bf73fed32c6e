import { test } from 'node:test'
import { createConfiguration } from '../../src/config/configuration.js'
import { client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'

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
})

test('authorization_signed_response_alg none is INVALID_CONFIGURATION (JARM §3); RS256 is accepted', async () => {
  const metadata = providerMetadata()
  await expectCode(
    () => createConfiguration(metadata, { ...client, authorization_signed_response_alg: 'none' }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () => createConfiguration(metadata, { ...client, authorization_encrypted_response_alg: '' }),
    'INVALID_CONFIGURATION',
  )
  createConfiguration(metadata, {
    ...client,
    authorization_signed_response_alg: 'RS256',
    authorization_encrypted_response_alg: 'RSA-OAEP-256',
  })
})
