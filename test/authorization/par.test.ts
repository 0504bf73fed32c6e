import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { readPushedAuthorizationResponse } from '../../src/authorization/par.js'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import type { TransactionStore } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { clientKeyPair, redeem, SECRET, type Setup, setup } from '../support/authorization.js'
import { AWKWARD_SECRET, echoForms, echoSecrets, everythingShown, leaked } from '../support/echo.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { httpResponseOf } from '../support/http-response.js'

const PAR: RequestPolicyInput = { transport: 'par', scopes: ['openid', 'email'] }

let env: Setup

before(async () => {
  const pair = await clientKeyPair('ES256')
  env = await setup({ keys: [pair.privateJwk], publicKeys: [pair.publicJwk] })
})

function parRequests() {
  return env.op.requests.filter((r) => r.endpoint === 'par')
}

function countingStore(): TransactionStore & { count: () => number } {
  const inner = createMemoryTransactionStore()
  let saved = 0
  return {
    count: () => saved,
    set: (tx, ttl) => {
      saved++
      return inner.set(tx, ttl)
    },
    take: (state) => inner.take(state),
  }
}

describe('pushed authorization requests (RFC 9126)', () => {
  it('plain form: the parameters go to the PAR endpoint, the browser carries client_id and request_uri', async () => {
    const { op, make } = env
    op.clearRequests()
    const request = await createAuthorizationRequest(make(PAR))
    assert.deepEqual([...request.url.searchParams.keys()], ['client_id', 'request_uri'])
    assert.equal(request.url.searchParams.get('client_id'), 'rp')
    assert.match(
      request.url.searchParams.get('request_uri') ?? '',
      /^urn:ietf:params:oauth:request_uri:/,
    )
    const [pushed] = parRequests()
    assert.equal(pushed?.method, 'POST')
    assert.equal(pushed?.clientAuthMethod, 'client_secret_basic')
    assert.equal(pushed?.params.state, request.state)
    assert.equal(pushed?.params.nonce, request.transaction.nonce)
    assert.equal(pushed?.params.scope, 'openid email')
    assert.equal(pushed?.params.code_challenge_method, 'S256')
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.equal(response.params.get('state'), request.state)
    const token = await redeem(op, response.params.get('code')!, request.transaction.codeVerifier)
    assert.equal(token.status, 200)
  })

  it('a request_uri is good for one authorization only (the mock OP takes it)', async () => {
    const request = await createAuthorizationRequest(env.make(PAR))
    assert.ok((await env.op.authorize(request.url, { user: 'alice' })).params.get('code'))
    await assert.rejects(env.op.authorize(request.url, { user: 'alice' }), /request_uri/)
  })

  it('signed form: a request object is pushed, verified by the mock OP with the client key', async () => {
    const { op, make } = env
    op.clearRequests()
    const request = await createAuthorizationRequest(
      make({ ...PAR, requestObject: { alg: 'ES256' } }),
    )
    const [pushed] = parRequests()
    assert.equal(pushed?.requestObject?.alg, 'ES256')
    assert.equal(pushed?.requestObject?.claims.state, request.state)
    assert.equal(pushed?.params.state, undefined)
    assert.deepEqual([...request.url.searchParams.keys()], ['client_id', 'request_uri'])
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.ok(response.params.get('code'))
  })

  it('authenticates with private_key_jwt at the PAR endpoint', async () => {
    const pair = await clientKeyPair('ES256', 'jwt-key')
    const own = await setup({
      keys: [pair.privateJwk],
      publicKeys: [pair.publicJwk],
      mockClient: { token_endpoint_auth_method: 'private_key_jwt' },
    })
    const config = own.make(
      PAR,
      {},
      { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined },
    )
    const request = await createAuthorizationRequest(config)
    assert.equal(
      own.op.requests.find((r) => r.endpoint === 'par')?.clientAuthMethod,
      'private_key_jwt',
    )
    assert.ok((await own.op.authorize(request.url, { user: 'alice' })).params.get('code'))
  })

  it('authenticates with client_secret_post at the PAR endpoint', async () => {
    const own = await setup({ mockClient: { token_endpoint_auth_method: 'client_secret_post' } })
    const request = await createAuthorizationRequest(
      own.make(PAR, {}, { token_endpoint_auth_method: 'client_secret_post' }),
    )
    assert.equal(
      own.op.requests.find((r) => r.endpoint === 'par')?.clientAuthMethod,
      'client_secret_post',
    )
    assert.ok(request.url.searchParams.get('request_uri'))
  })

  it('an OAuth error from the PAR endpoint is PAR_ERROR_RESPONSE, and nothing is saved', async () => {
    const store = countingStore()
    const config = env.make(PAR, { store })
    env.op.misbehave({
      oauthError: {
        endpoint: 'par',
        error: 'invalid_request',
        error_description: 'nope',
        status: 400,
      },
    })
    const err = await expectCode<OAuthResponseError>(
      createAuthorizationRequest(config),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
    assert.equal(err.errorDescription, 'nope')
    assert.equal(err.status, 400)
    assert.equal(store.count(), 0)
    assert.ok(await createAuthorizationRequest(config))
    assert.equal(store.count(), 1)
  })

  it('a wrong client secret is PAR_ERROR_RESPONSE invalid_client', async () => {
    const config = env.make(PAR, {}, { client_secret: 'another-client-secret-value' })
    const err = await expectCode<OAuthResponseError>(
      createAuthorizationRequest(config),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client')
    assert.equal(err.status, 401)
  })

  const bodies: [string, unknown][] = [
    ['no request_uri', { expires_in: 60 }],
    ['an empty request_uri', { request_uri: '', expires_in: 60 }],
    ['no expires_in', { request_uri: 'urn:x' }],
    ['a zero expires_in', { request_uri: 'urn:x', expires_in: 0 }],
    ['a string expires_in', { request_uri: 'urn:x', expires_in: '60' }],
  ]
  for (const [what, body] of bodies) {
    it(`a 201 with ${what} is PAR_RESPONSE_INVALID`, async () => {
      const config = env.make(PAR)
      env.op.misbehave({
        respond: { endpoint: 'par', response: () => Response.json(body, { status: 201 }) },
      })
      const err = await expectCode<ValidationError>(
        createAuthorizationRequest(config),
        'PAR_RESPONSE_INVALID',
      )
      assert.ok(err.claim === 'request_uri' || err.claim === 'expires_in')
      env.op.misbehave({
        respond: {
          endpoint: 'par',
          response: () => Response.json({ request_uri: 'urn:x', expires_in: 60 }, { status: 201 }),
        },
      })
      assert.equal(
        (await createAuthorizationRequest(config)).url.searchParams.get('request_uri'),
        'urn:x',
      )
    })
  }

  it('a 200 (not 201) is HTTP_UNEXPECTED_STATUS, a non-JSON body HTTP_BAD_CONTENT_TYPE, a 500 HTTP_UNEXPECTED_STATUS', async () => {
    const config = env.make(PAR)
    env.op.misbehave({
      respond: {
        endpoint: 'par',
        response: () => Response.json({ request_uri: 'urn:x', expires_in: 60 }),
      },
    })
    await expectCode(createAuthorizationRequest(config), 'HTTP_UNEXPECTED_STATUS')
    env.op.misbehave({ http: { endpoint: 'par', kind: 'not-json' } })
    await expectCode(createAuthorizationRequest(config), 'HTTP_UNEXPECTED_STATUS')
    env.op.misbehave({
      respond: {
        endpoint: 'par',
        response: () =>
          new Response('<html>', { status: 201, headers: { 'content-type': 'text/html' } }),
      },
    })
    await expectCode(createAuthorizationRequest(config), 'HTTP_BAD_CONTENT_TYPE')
    env.op.misbehave({ http: { endpoint: 'par', kind: 'server-error' } })
    await expectCode(createAuthorizationRequest(config), 'HTTP_UNEXPECTED_STATUS')
  })

  it('without a pushed_authorization_request_endpoint PAR is ENDPOINT_MISSING', async () => {
    const patch = { pushed_authorization_request_endpoint: undefined }
    await expectCode(createAuthorizationRequest(env.make(PAR, {}, {}, patch)), 'ENDPOINT_MISSING')
    assert.ok(await createAuthorizationRequest(env.make(undefined, {}, {}, patch)))
  })

  it('require_pushed_authorization_requests forces PAR, keeping the signed form of a request-object policy', async () => {
    const patch = { require_pushed_authorization_requests: true }
    env.op.clearRequests()
    const plain = await createAuthorizationRequest(env.make(undefined, {}, {}, patch))
    assert.ok(plain.url.searchParams.has('request_uri'))
    const signed = await createAuthorizationRequest(
      env.make({ transport: 'request-object', requestObject: { alg: 'ES256' } }, {}, {}, patch),
    )
    assert.ok(signed.url.searchParams.has('request_uri'))
    assert.equal(parRequests().at(-1)?.requestObject?.alg, 'ES256')
    const missing = { ...patch, pushed_authorization_request_endpoint: undefined }
    await expectCode(
      createAuthorizationRequest(env.make(undefined, {}, {}, missing)),
      'ENDPOINT_MISSING',
    )
  })

  it('the signal aborts the PAR request with HTTP_ABORTED', async () => {
    const controller = new AbortController()
    controller.abort()
    await expectCode(
      createAuthorizationRequest(env.make(PAR), undefined, { signal: controller.signal }),
      'HTTP_ABORTED',
    )
  })
})

describe('fuzz regressions: PAR', () => {
  it('an OP that quotes the client secret in its PAR error: the secret is scrubbed from the error', async () => {
    const config = env.make(PAR)
    env.op.misbehave({
      oauthError: {
        endpoint: 'par',
        error: 'invalid_client',
        error_description: `client secret ${SECRET} is not valid`,
        status: 401,
      },
    })
    const err = await expectCode<OAuthResponseError>(
      createAuthorizationRequest(config),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(err.errorDescription, 'client secret [redacted] is not valid')
    assert.ok(!JSON.stringify({ message: err.message, err }).includes(SECRET))
    assert.ok(await createAuthorizationRequest(config))
  })
})

describe('scrubbing: a PAR error never carries what the request sent', () => {
  it('the client secret in every form (client_secret_basic, client_secret_post) and the pushed request object are in no part of the error', async () => {
    registerSecret(AWKWARD_SECRET)
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const own = await setup({
        mockClient: { client_secret: AWKWARD_SECRET, token_endpoint_auth_method: method },
      })
      const config = own.make(
        { ...PAR, requestObject: { alg: 'HS256' } },
        {},
        { client_secret: AWKWARD_SECRET, token_endpoint_auth_method: method },
      )
      const echoed = echoSecrets(own.op, 'par', 401)
      const err = await expectCode<OAuthResponseError>(
        createAuthorizationRequest(config),
        'PAR_ERROR_RESPONSE',
      )
      const pushed = own.op.requests.filter((r) => r.endpoint === 'par').at(-1)!
      for (const form of [...echoForms(AWKWARD_SECRET), pushed.params.request!]) {
        assert.ok(echoed.includes(form), `${method}: the OP echoed ${form.slice(0, 6)}…`)
      }
      assert.deepEqual(leaked(err, echoed), [], method)
      assert.ok(err.errorUri?.startsWith('https://op.example.com/errors?sent=[redacted]'))
    }
  })

  it('scrubbing, the twin: a PAR error without secrets keeps its error, description and error_uri intact', async () => {
    const description =
      'client rp: redirect_uri https://rp.example/callback is not registered (+1 & ~)'
    const uri = 'https://op.example.com/errors?client_id=rp&reason=a%20b+c'
    env.op.misbehave({
      oauthError: {
        endpoint: 'par',
        error: 'invalid_request',
        error_description: description,
        error_uri: uri,
      },
    })
    const err = await expectCode<OAuthResponseError>(
      createAuthorizationRequest(env.make(PAR)),
      'PAR_ERROR_RESPONSE',
    )
    assert.deepEqual(
      [err.error, err.errorDescription, err.errorUri],
      ['invalid_request', description, uri],
    )
    assert.ok(!everythingShown(err).includes('[redacted]'))
  })
})

describe('readPushedAuthorizationResponse: a crafted Response read directly', () => {
  it('a 201 with request_uri and expires_in is read (twin of the refusals below)', async () => {
    const response = await httpResponseOf(
      Response.json(
        { request_uri: 'urn:ietf:params:oauth:request_uri:1', expires_in: 60 },
        {
          status: 201,
        },
      ),
    )
    assert.deepEqual(await readPushedAuthorizationResponse(response), {
      requestUri: 'urn:ietf:params:oauth:request_uri:1',
      expiresIn: 60,
    })
  })

  it('a 201 without request_uri is PAR_RESPONSE_INVALID', async () => {
    const response = await httpResponseOf(Response.json({ expires_in: 60 }, { status: 201 }))
    const err = await expectCode<ValidationError>(
      (async () => readPushedAuthorizationResponse(response))(),
      'PAR_RESPONSE_INVALID',
    )
    assert.equal(err.claim, 'request_uri')
  })

  it('a 400 OAuth error is PAR_ERROR_RESPONSE with the client secret redacted', async () => {
    const response = await httpResponseOf(
      Response.json(
        { error: 'invalid_request', error_description: `secret ${SECRET}` },
        {
          status: 400,
        },
      ),
      [SECRET],
    )
    const err = await expectCode<OAuthResponseError>(
      (async () => readPushedAuthorizationResponse(response))(),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
    assert.doesNotMatch(err.errorDescription ?? '', new RegExp(SECRET))
  })
})
