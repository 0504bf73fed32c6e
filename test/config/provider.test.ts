import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import type { ValidationError } from '../../src/errors.js'
import { CLIENT_SECRET, client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'

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

/** The endpoints the RP sends credentials, codes or tokens to, or sends the browser to. */
const LOOPBACK_CHECKED = [
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'pushed_authorization_request_endpoint',
  'end_session_endpoint',
  'authorization_endpoint',
] as const

for (const member of LOOPBACK_CHECKED) {
  test(`loopback SSRF: a remote https issuer's ${member} at http://127.0.0.1 is refused with DISCOVERY_LOOPBACK_ENDPOINT naming it`, async () => {
    const metadata = { ...providerMetadata(), [member]: 'http://127.0.0.1:8080/x' }
    const err = await expectCode<ValidationError>(
      () => createConfiguration(metadata, client),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
    assert.equal(err.claim, member)
    assert.match(
      err.message,
      new RegExp(`${member} points at loopback \\(http://127\\.0\\.0\\.1:8080\\)`),
    )
    const saved = {
      ...JSON.parse(JSON.stringify(createConfiguration(providerMetadata(), client))),
      provider: metadata,
    }
    await expectCode(
      () => restoreConfiguration(saved, { client_secret: CLIENT_SECRET }),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
  })

  test(`loopback SSRF, the twin: a loopback issuer's ${member} on loopback is accepted, over http and https`, () => {
    for (const issuer of ['http://127.0.0.1:3000', 'https://localhost:8443']) {
      const metadata = { ...providerMetadata(issuer), [member]: 'http://localhost:8080/x' }
      assert.equal(
        createConfiguration(metadata, client).provider[member],
        'http://localhost:8080/x',
      )
    }
  })
}

test('loopback SSRF: every spelling of loopback is refused for a remote issuer (localhost, subdomains, 127/8, ::1, IPv4-mapped, 0.0.0.0, trailing dot)', async () => {
  for (const url of [
    'http://localhost/token',
    'http://LOCALHOST./token',
    'http://rp.localhost:9000/token',
    'http://127.1/token',
    'http://2130706433/token',
    'http://127.255.0.9/token',
    'http://[::1]:8080/token',
    'http://[::ffff:127.0.0.1]/token',
    'http://0.0.0.0:8080/token',
    'http://[::]/token',
  ]) {
    const err = await expectCode<ValidationError>(
      () => createConfiguration({ ...providerMetadata(), token_endpoint: url }, client),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
    assert.equal(err.claim, 'token_endpoint', url)
  }
})

test("loopback SSRF: a remote issuer's https loopback endpoint is refused too; the twin: an https endpoint on another remote host is accepted", async () => {
  await expectCode(
    () =>
      createConfiguration(
        { ...providerMetadata(), token_endpoint: 'https://127.0.0.1/token' },
        client,
      ),
    'DISCOVERY_LOOPBACK_ENDPOINT',
  )
  const elsewhere = { ...providerMetadata(), token_endpoint: 'https://tokens.op.example.net/token' }
  assert.equal(
    createConfiguration(elsewhere, client).provider.token_endpoint,
    'https://tokens.op.example.net/token',
  )
})

test('loopback SSRF: allowInsecureRequests, the explicit development opt-in, lets a remote issuer name loopback endpoints', () => {
  const metadata = { ...providerMetadata(), token_endpoint: 'http://localhost:8080/token' }
  const config = createConfiguration(metadata, client, { allowInsecureRequests: true })
  assert.equal(config.provider.token_endpoint, 'http://localhost:8080/token')
})

test('metadata written in code: a member given as undefined is absent; given with the wrong type, refused', async () => {
  const absent = { request_uri_parameter_supported: undefined, scopes_supported: undefined }
  const config = createConfiguration({ ...providerMetadata(), ...absent }, client)
  assert.equal('request_uri_parameter_supported' in config.provider, false)
  await expectCode(
    () =>
      createConfiguration({ ...providerMetadata(), request_uri_parameter_supported: 'no' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), scopes_supported: 'openid' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
})

describe('mtls_endpoint_aliases (RFC 8705 §5)', () => {
  const aliases = (value: unknown) => ({ ...providerMetadata(), mtls_endpoint_aliases: value })

  test('a non-object is refused with DISCOVERY_INVALID_METADATA; the twin: an object of https URLs is kept', async () => {
    for (const bad of ['https://mtls.op.example.com/token', ['https://x'], null]) {
      const err = await expectCode<ValidationError>(
        () => createConfiguration(aliases(bad), client),
        'DISCOVERY_INVALID_METADATA',
      )
      assert.equal(err.claim, 'mtls_endpoint_aliases')
    }
    const good = { token_endpoint: 'https://mtls.op.example.com/token' }
    assert.deepEqual(
      createConfiguration(aliases(good), client).provider.mtls_endpoint_aliases,
      good,
    )
  })

  test('an alias that is not a URL is refused naming it; the twin is the test above', async () => {
    const err = await expectCode<ValidationError>(
      () => createConfiguration(aliases({ userinfo_endpoint: 'not a url' }), client),
      'DISCOVERY_INVALID_METADATA',
    )
    assert.equal(err.claim, 'mtls_endpoint_aliases.userinfo_endpoint')
  })

  test('an http alias of a remote OP is refused with DISCOVERY_INSECURE_ENDPOINT; the twin: allowed by allowInsecureRequests', async () => {
    const insecure = aliases({ token_endpoint: 'http://mtls.op.example.com/token' })
    const err = await expectCode<ValidationError>(
      () => createConfiguration(insecure, client),
      'DISCOVERY_INSECURE_ENDPOINT',
    )
    assert.equal(err.claim, 'mtls_endpoint_aliases.token_endpoint')
    createConfiguration(insecure, client, { allowInsecureRequests: true })
  })

  test("loopback SSRF: a remote issuer's alias on loopback is refused with DISCOVERY_LOOPBACK_ENDPOINT; the twin: a loopback issuer's https loopback alias is accepted", async () => {
    const err = await expectCode<ValidationError>(
      () => createConfiguration(aliases({ token_endpoint: 'https://127.0.0.1/token' }), client),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
    assert.equal(err.claim, 'mtls_endpoint_aliases.token_endpoint')
    const local = {
      ...providerMetadata('http://127.0.0.1:3000'),
      mtls_endpoint_aliases: { token_endpoint: 'https://127.0.0.1:3443/token' },
    }
    createConfiguration(local, client)
  })

  test('tls_client_certificate_bound_access_tokens must be a boolean: "true" refused, true kept', async () => {
    await expectCode(
      () =>
        createConfiguration(
          { ...providerMetadata(), tls_client_certificate_bound_access_tokens: 'true' },
          client,
        ),
      'DISCOVERY_INVALID_METADATA',
    )
    const metadata = { ...providerMetadata(), tls_client_certificate_bound_access_tokens: true }
    assert.equal(
      createConfiguration(metadata, client).provider.tls_client_certificate_bound_access_tokens,
      true,
    )
  })
})
