import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import type { UsageError } from '../../src/errors.js'
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
        token_endpoint_auth_method: 'client_secret_magic' as 'none',
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

describe('mutual TLS clients (RFC 8705)', () => {
  const metadata = providerMetadata()
  const { client_secret: _omit, ...noSecret } = client
  const presenting: typeof fetch = (input, init) => globalThis.fetch(input, init)

  for (const method of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
    test(`${method} with the default fetch is refused with MISSING_CREDENTIALS naming fetch (it presents no certificate)`, async () => {
      const err = await expectCode<UsageError>(
        () => createConfiguration(metadata, { ...noSecret, token_endpoint_auth_method: method }),
        'MISSING_CREDENTIALS',
      )
      assert.equal(err.parameter, 'fetch')
      assert.match(err.message, /presents the client certificate/)
    })

    test(`${method}, the twin: with the application's fetch it needs no secret or key`, () => {
      const config = createConfiguration(
        metadata,
        { ...noSecret, token_endpoint_auth_method: method },
        { fetch: presenting },
      )
      assert.equal(config.client.token_endpoint_auth_method, method)
    })
  }

  test('tls_client_certificate_bound_access_tokens with the default fetch is refused with MISSING_CREDENTIALS naming fetch', async () => {
    const err = await expectCode<UsageError>(
      () =>
        createConfiguration(metadata, {
          ...client,
          tls_client_certificate_bound_access_tokens: true,
        }),
      'MISSING_CREDENTIALS',
    )
    assert.equal(err.parameter, 'fetch')
  })

  test('tls_client_certificate_bound_access_tokens, the twin: accepted with the application fetch; false needs none', () => {
    const bound = { ...client, tls_client_certificate_bound_access_tokens: true }
    createConfiguration(metadata, bound, { fetch: presenting })
    createConfiguration(metadata, { ...client, tls_client_certificate_bound_access_tokens: false })
  })

  test('a restored mutual-TLS configuration needs its fetch again: refused without, accepted with', async () => {
    const mtls = { ...noSecret, token_endpoint_auth_method: 'tls_client_auth' as const }
    const saved = JSON.stringify(createConfiguration(metadata, mtls, { fetch: presenting }))
    await expectCode(() => restoreConfiguration(saved, {}), 'MISSING_CREDENTIALS')
    restoreConfiguration(saved, {}, { fetch: presenting })
  })

  test('tls_client_certificate_bound_access_tokens must be a boolean: "yes" refused, true accepted', async () => {
    await expectCode(
      () =>
        createConfiguration(
          metadata,
          { ...client, tls_client_certificate_bound_access_tokens: 'yes' as unknown as boolean },
          { fetch: presenting },
        ),
      'INVALID_CONFIGURATION',
    )
    const config = createConfiguration(
      metadata,
      { ...client, tls_client_certificate_bound_access_tokens: true },
      { fetch: presenting },
    )
    assert.equal(config.client.tls_client_certificate_bound_access_tokens, true)
  })

  test('two certificate subject members are refused (RFC 8705 §2.1.2: exactly one); the twin: one is kept as registration data', async () => {
    const tls = { ...noSecret, token_endpoint_auth_method: 'tls_client_auth' as const }
    const err = await expectCode<UsageError>(
      () =>
        createConfiguration(
          metadata,
          { ...tls, tls_client_auth_subject_dn: 'CN=rp', tls_client_auth_san_dns: 'rp.example' },
          { fetch: presenting },
        ),
      'INVALID_CONFIGURATION',
    )
    assert.match(err.message, /tls_client_auth_subject_dn, tls_client_auth_san_dns/)
    const config = createConfiguration(
      metadata,
      { ...tls, tls_client_auth_subject_dn: 'CN=rp' },
      { fetch: presenting },
    )
    assert.equal(config.client.tls_client_auth_subject_dn, 'CN=rp')
  })
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
