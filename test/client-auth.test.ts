/**
 * Client authentication as real OPs read it: Basic credentials form-encoded the WHATWG way (a UUID
 * client id's `-` stays a `-`), and the audience of client assertions per
 * `settings.clientAssertionAudience`.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import { expectCode, registerSecret } from './support/helpers.js'
import { createFixture, type Fixture } from './support/sign-in.js'

const UUID = '5c3b0a62-8f1e-4c4d-9b7a-2f0e6d1c9a84'

/** The `Authorization` header of the last token request, base64-decoded. */
function basicCredentials(f: Fixture): string {
  const header = f.op.requests.filter((r) => r.endpoint === 'token').at(-1)!.headers.authorization
  assert.match(header ?? '', /^Basic /)
  return atob(header!.slice('Basic '.length))
}

/**
 * An OP that compares Basic credentials without decoding them (as Glewlwyd and LemonLDAP::NG do):
 * a token request whose credentials are not literally `id:secret` gets `invalid_client`.
 */
function undecodingOp(f: Fixture, id: string, secret: string): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    if (request.url.endsWith('/token')) {
      const credentials = atob((request.headers.get('authorization') ?? '').slice(6))
      if (credentials !== `${id}:${secret}`) {
        return Response.json({ error: 'invalid_client' }, { status: 401 })
      }
    }
    return f.op.fetch(request)
  }
}

describe('client_secret_basic', () => {
  test('a UUID client id reaches an OP that does not decode Basic credentials as it is', async () => {
    const secret = 'plain-secret-0123456789abcdefghijklmn'
    const f = await createFixture({
      client: { client_id: UUID, client_secret: secret },
      clientInput: { client_id: UUID, client_secret: secret },
    })
    const config = await f.reconfigure({ fetch: undecodingOp(f, UUID, secret) })
    const result = await f.signInWithPolicy(config)
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.equal(basicCredentials(f), `${UUID}:${secret}`)
  })

  test('the same OP refuses the id escaped the oauth4webapi way (%2D): the twin that shows it compares literally', async () => {
    const secret = 'plain-secret-0123456789abcdefghijklmn'
    const f = await createFixture({
      client: { client_id: UUID, client_secret: secret },
      clientInput: { client_id: UUID, client_secret: secret },
    })
    const fetch = undecodingOp(f, UUID, secret)
    const escaped = `${UUID.replaceAll('-', '%2D')}:${secret}`
    const response = await fetch(f.config.provider.token_endpoint!, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(escaped)}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x' }),
    })
    assert.equal(response.status, 401)
  })

  for (const [label, secret] of [
    ['+ : % & =', 'a+b:c%d&e=f-0123456789abcdefghij'],
    ['spaces', 'a secret with spaces 0123456789'],
    ['non-ASCII', 'sécrét-ünïcödé-密码-0123456789abc'],
    ['*-._~', "*-._~!'()-0123456789abcdefghijkl"],
  ] as const) {
    test(`a secret with ${label} round-trips through an OP that decodes per RFC 6749 §2.3.1`, async () => {
      registerSecret(secret)
      const f = await createFixture({
        client: { client_id: UUID, client_secret: secret },
        clientInput: { client_id: UUID, client_secret: secret },
      })
      assert.equal((await f.signInWithPolicy()).idTokenClaims.sub, 'alice')
      const [id, encoded] = basicCredentials(f).split(':') as [string, string]
      assert.equal(id, UUID)
      assert.equal(decodeURIComponent(encoded.replaceAll('+', ' ')), secret)
    })
  }

  test('a wrong secret is refused by the same OP (the twin of the round-trips)', async () => {
    const f = await createFixture({
      client: { client_id: UUID, client_secret: 'a+b:c%d&e=f-0123456789abcdefghij' },
      clientInput: { client_id: UUID, client_secret: 'a+b:c%d&e=f-0123456789abcdefghiX' },
    })
    await expectCode(f.signInWithPolicy(), 'TOKEN_ERROR_RESPONSE')
  })
})

describe('clientAssertionAudience', () => {
  /** The `aud` of the last client assertion sent to an endpoint. */
  function assertionAudience(f: Fixture, endpoint: 'token' | 'par'): unknown {
    const sent = f.op.requests.filter((r) => r.endpoint === endpoint).at(-1)!
    return decodeJwt(sent.params.client_assertion!).aud
  }

  for (const method of ['client_secret_jwt', 'private_key_jwt'] as const) {
    test(`${method}: the default audience is the issuer`, async () => {
      const f = await createFixture({ authMethod: method })
      await f.signInWithPolicy()
      assert.equal(assertionAudience(f, 'token'), f.op.issuer)
    })

    test(`${method}: an OP that accepts only the endpoint refuses the default audience`, async () => {
      const f = await createFixture({ authMethod: method, op: { strictAssertionAudience: true } })
      await expectCode(f.signInWithPolicy(), 'TOKEN_ERROR_RESPONSE')
    })

    test(`${method}: with endpoint the same OP accepts it: the token endpoint at the token endpoint, the PAR endpoint at PAR`, async () => {
      const f = await createFixture({
        authMethod: method,
        op: { strictAssertionAudience: true },
        config: { clientAssertionAudience: 'endpoint', policy: { transport: 'par' } },
      })
      assert.equal((await f.signInWithPolicy()).idTokenClaims.sub, 'alice')
      assert.equal(assertionAudience(f, 'token'), f.config.provider.token_endpoint)
      assert.equal(
        assertionAudience(f, 'par'),
        f.config.provider.pushed_authorization_request_endpoint,
      )
    })
  }

  test('an absolute URL is sent as it is, at every endpoint', async () => {
    const f = await createFixture({ authMethod: 'private_key_jwt' })
    const config = await f.reconfigure({
      clientAssertionAudience: 'https://op.example.com/token',
      policy: { transport: 'par' },
    })
    await f.signInWithPolicy(config)
    assert.equal(assertionAudience(f, 'token'), 'https://op.example.com/token')
    assert.equal(assertionAudience(f, 'par'), 'https://op.example.com/token')
  })

  test('a value that is neither issuer, endpoint nor an absolute http(s) URL is INVALID_CONFIGURATION', async () => {
    const f = await createFixture({ authMethod: 'private_key_jwt' })
    for (const bad of ['token_endpoint', '/token', 'urn:x', '', 42]) {
      await expectCode(
        f.reconfigure({ clientAssertionAudience: bad as string }),
        'INVALID_CONFIGURATION',
      )
    }
    for (const good of ['issuer', 'endpoint', 'https://op.example.com/token']) {
      const config = await f.reconfigure({ clientAssertionAudience: good })
      assert.equal(config.settings.clientAssertionAudience, good)
    }
  })

  test('the setting is saved with the configuration JSON', async () => {
    const f = await createFixture({ authMethod: 'private_key_jwt' })
    const config = await f.reconfigure({ clientAssertionAudience: 'endpoint' })
    const saved = JSON.parse(JSON.stringify(config)) as { settings: Record<string, unknown> }
    assert.equal(saved.settings.clientAssertionAudience, 'endpoint')
  })
})
