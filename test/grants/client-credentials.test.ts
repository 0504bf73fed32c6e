/**
 * The client credentials grant (RFC 6749 §4.4) through the mock OP: every client authentication,
 * the OP's refusals, and answers the reader must refuse. Each refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { TokenEndpointAuthMethod } from '../../src/config/client.js'
import type { OAuthResponseError, UsageError, ValidationError } from '../../src/errors.js'
import { requestClientCredentials } from '../../src/grants/client-credentials.js'
import { expectCode } from '../support/helpers.js'
import { createFixture, type FixtureOptions } from '../support/sign-in.js'

const REGISTERED = { grant_types: ['client_credentials'] }
const CONFIDENTIAL: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
]

function machineClient(options: FixtureOptions = {}) {
  return createFixture({ ...options, client: { ...REGISTERED, ...options.client } })
}

const tokenRequests = (f: Awaited<ReturnType<typeof machineClient>>) =>
  f.op.requests.filter((r) => r.endpoint === 'token')

describe('requestClientCredentials: every client authentication', () => {
  for (const method of CONFIDENTIAL) {
    test(`${method}: the mock OP verifies it and issues a Bearer access token`, async () => {
      const f = await machineClient({ authMethod: method })
      const result = await requestClientCredentials(f.config, { scope: 'reports:read' })
      const [request] = tokenRequests(f)
      assert.equal(request?.clientAuthMethod, method)
      assert.equal(request?.params.grant_type, 'client_credentials')
      assert.equal(result.accessToken.type, 'Bearer')
      assert.equal(result.accessToken.scope, 'reports:read')
      assert.equal(result.accessToken.expiresAt, Math.floor(f.clock.now / 1000) + 3600)
      assert.equal(result.refreshToken, undefined)
      assert.deepEqual(Object.keys(result), ['accessToken'])
    })
  }

  test('none: a public client is refused by the OP with unauthorized_client (twin: the methods above)', async () => {
    const f = await machineClient({ authMethod: 'none' })
    const err = await expectCode<OAuthResponseError>(
      requestClientCredentials(f.config),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'unauthorized_client')
  })
})

describe('requestClientCredentials: what is sent', () => {
  test('scope and every resource indicator are sent (RFC 8707 §2)', async () => {
    const f = await machineClient()
    await requestClientCredentials(f.config, {
      scope: 'a b',
      resource: ['https://api.example/one', 'https://api.example/two'],
    })
    const body = new URLSearchParams(tokenRequests(f)[0]?.rawBody)
    assert.equal(body.get('scope'), 'a b')
    assert.deepEqual(body.getAll('resource'), [
      'https://api.example/one',
      'https://api.example/two',
    ])
  })

  test('a resource with a fragment, or an empty scope, is INVALID_ARGUMENT and nothing is sent', async () => {
    const f = await machineClient()
    const err = await expectCode<UsageError>(
      requestClientCredentials(f.config, { resource: 'https://api.example/#part' }),
      'INVALID_ARGUMENT',
    )
    assert.equal(err.parameter, 'resource')
    await expectCode(requestClientCredentials(f.config, { scope: ' ' }), 'INVALID_ARGUMENT')
    assert.equal(tokenRequests(f).length, 0)
  })

  test('twin: without scope nor resource, neither is sent and the token has no scope', async () => {
    const f = await machineClient()
    const result = await requestClientCredentials(f.config)
    const body = new URLSearchParams(tokenRequests(f)[0]?.rawBody)
    assert.equal(body.has('scope') || body.has('resource'), false)
    assert.equal(result.accessToken.scope, undefined)
  })
})

describe('requestClientCredentials: the OP does not offer it', () => {
  test('the OP lists grant_types_supported without client_credentials: OP_UNSUPPORTED_GRANT_TYPE, nothing sent', async () => {
    const f = await machineClient({
      op: { metadata: { grant_types_supported: ['authorization_code'] } },
    })
    const err = await expectCode<UsageError>(
      requestClientCredentials(f.config),
      'OP_UNSUPPORTED_GRANT_TYPE',
    )
    assert.equal(err.parameter, 'grant_type')
    assert.equal(tokenRequests(f).length, 0)
  })

  test('twin: an OP that does not list grant_types_supported is asked anyway', async () => {
    const f = await machineClient({ op: { metadata: { grant_types_supported: undefined } } })
    const result = await requestClientCredentials(f.config)
    assert.equal(result.accessToken.type, 'Bearer')
  })

  test('a client that did not register the grant is refused by the OP: unauthorized_client', async () => {
    const f = await createFixture()
    const err = await expectCode<OAuthResponseError>(
      requestClientCredentials(f.config),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'unauthorized_client')
  })
})

describe('requestClientCredentials: the OP misbehaves', () => {
  test('an OAuth error response is TOKEN_ERROR_RESPONSE with its error (twin: the happy path above)', async () => {
    const f = await machineClient()
    f.op.misbehave({
      oauthError: { endpoint: 'token', error: 'invalid_scope', error_description: 'no such scope' },
    })
    const err = await expectCode<OAuthResponseError>(
      requestClientCredentials(f.config, { scope: 'nope' }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.deepEqual(
      [err.error, err.errorDescription, err.status],
      ['invalid_scope', 'no such scope', 400],
    )
  })

  test('token_type N_A or DPoP is TOKEN_TYPE_UNEXPECTED (N_A is for token exchange only)', async () => {
    const f = await machineClient()
    for (const tokenType of ['N_A', 'DPoP']) {
      f.op.misbehave({
        respond: {
          endpoint: 'token',
          response: () => Response.json({ access_token: 'at-1', token_type: tokenType }),
        },
      })
      const err = await expectCode<ValidationError>(
        requestClientCredentials(f.config),
        'TOKEN_TYPE_UNEXPECTED',
      )
      assert.equal(err.claim, 'token_type')
    }
  })

  test('twin: token_type "bearer" in any case is accepted', async () => {
    const f = await machineClient()
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () => Response.json({ access_token: 'at-1', token_type: 'bearer' }),
      },
    })
    assert.equal((await requestClientCredentials(f.config)).accessToken.type, 'Bearer')
  })

  test('an id_token in the answer (fault with-id_token) is dropped unread: the result has none', async () => {
    const f = await machineClient()
    f.op.misbehave({ grantResponse: 'with-id_token' })
    const result = await requestClientCredentials(f.config)
    // the fault does add one (test/testing/grants.test.ts); it is neither validated nor returned
    assert.deepEqual(Object.keys(result), ['accessToken'])
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'jwks').length, 0)
  })
})
