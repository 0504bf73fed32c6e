/**
 * Which URL each request goes to (RFC 8705 §5): a mutual-TLS client uses the OP's
 * `mtls_endpoint_aliases`, every other client the plain endpoints. Through the mock OP, which reads
 * the client certificate at its aliases only.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration } from '../src/config/configuration.js'
import { endpointFor } from '../src/endpoints.js'
import { fetchUserInfo, type OAuthResponseError } from '../src/index.js'
import { client, providerMetadata } from './support/fixtures.js'
import { expectCode } from './support/helpers.js'
import {
  CLIENT_CERTIFICATE,
  createMtlsFixture,
  OTHER_CERTIFICATE,
  presenting,
} from './support/mtls.js'
import { createFixture, type Fixture } from './support/sign-in.js'

const ALIASES = {
  token_endpoint: 'https://mtls.op.example.com/token',
  userinfo_endpoint: 'https://mtls.op.example.com/userinfo',
}
const withAliases: Record<string, unknown> = {
  ...providerMetadata(),
  mtls_endpoint_aliases: ALIASES,
}
const ownFetch: typeof fetch = (input, init) => globalThis.fetch(input, init)

/** The requests the OP received at an endpoint. */
function at(f: Fixture, endpoint: string) {
  return f.op.requests.filter((r) => r.endpoint === endpoint)
}

describe('endpointFor', () => {
  test('a tls_client_auth client gets the alias; the twin: a client_secret_basic client gets the plain endpoint', () => {
    const { client_secret: _omit, ...noSecret } = client
    const mtls = createConfiguration(
      withAliases,
      { ...noSecret, token_endpoint_auth_method: 'tls_client_auth' },
      { fetch: ownFetch },
    )
    assert.equal(endpointFor(mtls, 'token_endpoint'), ALIASES.token_endpoint)
    const plain = createConfiguration(withAliases, client)
    assert.equal(endpointFor(plain, 'token_endpoint'), withAliases.token_endpoint)
  })

  test('a client asking for certificate-bound tokens gets the aliases whatever its auth method', () => {
    const config = createConfiguration(
      withAliases,
      { ...client, tls_client_certificate_bound_access_tokens: true },
      { fetch: ownFetch },
    )
    assert.equal(endpointFor(config, 'userinfo_endpoint'), ALIASES.userinfo_endpoint)
  })

  test('an endpoint without an alias stays the plain one for a mutual-TLS client; none at all is undefined', () => {
    const config = createConfiguration(
      withAliases,
      { ...client, tls_client_certificate_bound_access_tokens: true },
      { fetch: ownFetch },
    )
    assert.equal(
      endpointFor(config, 'pushed_authorization_request_endpoint'),
      withAliases.pushed_authorization_request_endpoint,
    )
    assert.equal(endpointFor(config, 'revocation_endpoint'), undefined)
  })
})

describe('mutual TLS through the mock OP', () => {
  for (const method of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
    test(`${method}: the token request goes to the alias with client_id alone, and the sign-in completes`, async () => {
      const f = await createMtlsFixture({ authMethod: method })
      const result = await f.signIn()
      assert.equal(result.idTokenClaims.sub, 'alice')
      const [token] = at(f, 'token')
      assert.equal(token?.mtlsAlias, true)
      assert.equal(token?.clientAuthMethod, method)
      assert.equal(token?.headers.authorization, undefined)
      assert.equal(token?.params.client_id, f.config.client.client_id)
      for (const name of ['client_secret', 'client_assertion', 'client_assertion_type']) {
        assert.equal(token?.params[name], undefined, name)
      }
    })
  }

  test('tls_client_auth with a certificate the OP does not know is refused with invalid_client (TOKEN_ERROR_RESPONSE)', async () => {
    const f = await createMtlsFixture({ presents: OTHER_CERTIFICATE })
    const err = await expectCode<OAuthResponseError>(f.signIn(), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('the twin: the same client presenting its own certificate signs in', async () => {
    const f = await createMtlsFixture({ presents: CLIENT_CERTIFICATE })
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })

  test('PAR of a tls_client_auth client goes to the alias, authenticated by its certificate', async () => {
    const f = await createMtlsFixture()
    const config = await f.reconfigure({
      fetch: presenting(f.op.fetch, CLIENT_CERTIFICATE),
      policy: { transport: 'par' },
    })
    const result = await f.signInWithPolicy(config)
    assert.equal(result.idTokenClaims.sub, 'alice')
    const [par] = at(f, 'par')
    assert.equal(par?.mtlsAlias, true)
    assert.equal(par?.clientAuthMethod, 'tls_client_auth')
  })

  test('certificate-bound tokens: token and UserInfo requests go to the aliases and UserInfo answers', async () => {
    const f = await createMtlsFixture({ authMethod: 'client_secret_basic', bound: true })
    const result = await f.signIn()
    assert.equal(result.claims.email, 'alice@example.com')
    assert.equal(at(f, 'token')[0]?.mtlsAlias, true)
    assert.equal(at(f, 'token')[0]?.clientAuthMethod, 'client_secret_basic')
    assert.equal(at(f, 'userinfo')[0]?.mtlsAlias, true)
  })

  test('a bound token the OP bound to another certificate is refused at UserInfo with USERINFO_BEARER_CHALLENGE invalid_token', async () => {
    const f = await createMtlsFixture({ authMethod: 'client_secret_basic', bound: true })
    f.op.misbehave({ mtls: 'bound-to-other-certificate' })
    const err = await expectCode<OAuthResponseError>(f.signIn(), 'USERINFO_BEARER_CHALLENGE')
    assert.equal(err.error, 'invalid_token')
  })

  test('the twin: without the fault the same bound token is accepted by fetchUserInfo', async () => {
    const f = await createMtlsFixture({ authMethod: 'client_secret_basic', bound: true })
    const result = await f.signIn()
    assert.ok(result.accessToken)
    const claims = await fetchUserInfo(f.config, result.accessToken.value, {
      expectedSubject: 'alice',
    })
    assert.equal(claims.sub, 'alice')
  })

  test('a client that does not speak mutual TLS keeps the plain endpoints although the OP lists aliases', async () => {
    const f = await createFixture()
    await f.signIn()
    assert.ok(f.config.provider.mtls_endpoint_aliases)
    assert.equal(at(f, 'token')[0]?.mtlsAlias, undefined)
    assert.equal(at(f, 'userinfo')[0]?.mtlsAlias, undefined)
  })
})
