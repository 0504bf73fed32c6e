import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { TokenEndpointAuthMethod } from '../src/config/client.js'
import { createConfiguration } from '../src/config/configuration.js'
import type { OAuthResponseError, TransportError, ValidationError } from '../src/errors.js'
import type { IdTokenClaims } from '../src/id-token.js'
import { refreshTokens } from '../src/token.js'
import { AWKWARD_SECRET, echoForms, echoSecrets, everythingShown, leaked } from './support/echo.js'
import { expectCode, registerSecret } from './support/helpers.js'
import {
  browserRequest,
  CLIENT_ID,
  CLIENT_SECRET,
  createFixture,
  type Fixture,
  REDIRECT_URI,
  sharedFixture,
} from './support/sign-in.js'

const METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]

/** Authorizes a code sign-in and returns the callback, unsent, with the transaction's nonce. */
async function pendingCallback(f: Fixture, maxAge?: number) {
  const started = await f.start(maxAge === undefined ? {} : { maxAge })
  const response = await f.authorize(started)
  return { request: browserRequest(response), nonce: started.transaction.nonce!, response }
}

/** A token response of the test's making, with a valid ID token for the transaction. */
async function craftedTokenResponse(
  f: Fixture,
  nonce: string,
  body: Record<string, unknown>,
  contentType = 'application/json',
): Promise<void> {
  const now = Math.floor(f.clock.now / 1000)
  const idToken = await f.op.signJwt({
    iss: f.op.issuer,
    sub: 'alice',
    aud: CLIENT_ID,
    iat: now,
    exp: now + 300,
    nonce,
  })
  f.op.misbehave({
    respond: {
      endpoint: 'token',
      response: () =>
        new Response(JSON.stringify({ id_token: idToken, ...body }), {
          headers: { 'content-type': contentType },
        }),
    },
  })
}

describe('client authentication at the token endpoint', () => {
  for (const method of METHODS) {
    test(`${method}: the mock OP verifies it and the sign-in completes`, async () => {
      const f = await createFixture({ authMethod: method })
      const result = await f.signIn()
      assert.equal(result.idTokenClaims.sub, 'alice')
      const token = f.op.requests.find((r) => r.endpoint === 'token')
      assert.equal(token?.clientAuthMethod, method)
      if (method === 'client_secret_jwt' || method === 'private_key_jwt') {
        const assertion = token!.params.client_assertion!
        const claims = decodeJwt(assertion)
        assert.equal(claims.iss, CLIENT_ID)
        assert.equal(claims.sub, CLIENT_ID)
        assert.ok(typeof claims.jti === 'string' && claims.jti.length > 0)
        assert.ok(typeof claims.exp === 'number')
        assert.ok(claims.aud !== undefined)
        assert.equal(
          decodeProtectedHeader(assertion).alg,
          method === 'private_key_jwt' ? 'ES256' : 'HS256',
        )
      }
      if (method === 'none') assert.equal(token?.params.client_id, CLIENT_ID)
    })
  }

  test('a wrong client secret gives TOKEN_ERROR_RESPONSE invalid_client with the Basic challenge', async () => {
    const wrong = 'a-wrong-client-secret-value-000000000000'
    registerSecret(wrong)
    const f = await createFixture({ clientInput: { client_secret: wrong } })
    const err = await expectCode<OAuthResponseError>(f.signIn(), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
    assert.equal(err.status, 401)
    assert.equal(err.challenges[0]?.scheme, 'basic')
    assert.equal(err.challenges[0]?.parameters.realm, f.op.issuer)
    const twin = await sharedFixture()
    assert.equal((await twin.signIn()).idTokenClaims.sub, 'alice')
  })
})

describe('token error responses', () => {
  test('an OAuth error body becomes TOKEN_ERROR_RESPONSE with the OP values and status', async () => {
    const f = await sharedFixture()
    f.op.misbehave({
      oauthError: {
        endpoint: 'token',
        error: 'invalid_grant',
        error_description: 'the code expired',
        error_uri: 'https://op.example.com/e',
      },
    })
    const err = await expectCode<OAuthResponseError>(f.signIn(), 'TOKEN_ERROR_RESPONSE')
    assert.deepEqual(
      [err.error, err.errorDescription, err.errorUri, err.status],
      ['invalid_grant', 'the code expired', 'https://op.example.com/e', 400],
    )
    assert.equal(err.cause, undefined)
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })

  test('an OAuth error with a 5xx status is an unexpected status', async () => {
    const f = await sharedFixture()
    f.op.misbehave({ oauthError: { endpoint: 'token', error: 'server_error', status: 503 } })
    const err = await expectCode<TransportError>(f.signIn(), 'HTTP_UNEXPECTED_STATUS')
    assert.equal(err.status, 503)
    f.op.misbehave({ http: { endpoint: 'token', kind: 'server-error' } })
    await expectCode(f.signIn(), 'HTTP_UNEXPECTED_STATUS')
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })

  test('an error description echoing the code is scrubbed', async () => {
    const f = await sharedFixture()
    const { request, response } = await pendingCallback(f)
    const code = response.params.get('code')!
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          new Response(
            JSON.stringify({
              error: 'invalid_grant',
              error_description: `code ${code} is unknown`,
            }),
            { status: 400, headers: { 'content-type': 'application/json' } },
          ),
      },
    })
    const err = await expectCode<OAuthResponseError>(f.callback(request), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.errorDescription, 'code [redacted] is unknown')
  })

  test('a 4xx without an OAuth error body is an unexpected status', async () => {
    const f = await sharedFixture()
    f.op.misbehave({
      respond: { endpoint: 'token', response: () => new Response('<html>', { status: 404 }) },
    })
    await expectCode(f.signIn(), 'HTTP_UNEXPECTED_STATUS')
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })

  test('a redirect or an oversized answer is a transport error', async () => {
    const f = await sharedFixture()
    f.op.misbehave({ http: { endpoint: 'token', kind: 'redirect' } })
    await expectCode(f.signIn(), 'HTTP_REDIRECT_REFUSED')
    f.op.misbehave({ http: { endpoint: 'token', kind: 'oversized' } })
    await expectCode(f.signIn(), 'HTTP_RESPONSE_TOO_LARGE')
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })
})

describe('token response parsing', () => {
  for (const [kind, cause] of [
    ['not-json', 'HTTP_BAD_CONTENT_TYPE'],
    ['json-array', 'HTTP_JSON_NOT_OBJECT'],
    ['json-string', 'HTTP_JSON_NOT_OBJECT'],
    ['wrong-content-type', 'HTTP_BAD_CONTENT_TYPE'],
    ['empty', 'HTTP_INVALID_JSON'],
  ] as const) {
    test(`a ${kind} token response is TOKEN_RESPONSE_INVALID with the transport error as cause`, async () => {
      const f = await sharedFixture()
      f.op.misbehave({ http: { endpoint: 'token', kind } })
      const err = await expectCode<ValidationError>(f.signIn(), 'TOKEN_RESPONSE_INVALID')
      assert.equal((err.cause as TransportError).code, cause)
      assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
    })
  }

  test('a 200 body that is not JSON is TOKEN_RESPONSE_INVALID (HTTP_INVALID_JSON)', async () => {
    const f = await sharedFixture()
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          new Response('{"access_token":', { headers: { 'content-type': 'application/json' } }),
      },
    })
    const err = await expectCode<ValidationError>(f.signIn(), 'TOKEN_RESPONSE_INVALID')
    assert.equal((err.cause as TransportError).code, 'HTTP_INVALID_JSON')
  })

  const invalid: [string, Record<string, unknown>][] = [
    ['access_token', { token_type: 'Bearer' }],
    ['access_token', { access_token: '', token_type: 'Bearer' }],
    ['token_type', { access_token: 'at-value-1' }],
    ['expires_in', { access_token: 'at-value-1', token_type: 'Bearer', expires_in: '3600' }],
    ['expires_in', { access_token: 'at-value-1', token_type: 'Bearer', expires_in: -1 }],
    ['id_token', { access_token: 'at-value-1', token_type: 'Bearer', id_token: undefined }],
    ['id_token', { access_token: 'at-value-1', token_type: 'Bearer', id_token: 7 }],
    ['refresh_token', { access_token: 'at-value-1', token_type: 'Bearer', refresh_token: 5 }],
    ['scope', { access_token: 'at-value-1', token_type: 'Bearer', scope: ['openid'] }],
  ]
  for (const [member, body] of invalid) {
    test(`a token response with a bad ${member} (${JSON.stringify(body[member])}) is refused`, async () => {
      const f = await sharedFixture()
      const { request, nonce } = await pendingCallback(f)
      await craftedTokenResponse(f, nonce, body)
      const err = await expectCode<ValidationError>(f.callback(request), 'TOKEN_RESPONSE_INVALID')
      assert.equal(err.claim, member)
    })
  }

  test('the passing twin: a minimal response with a lower-case bearer type is accepted', async () => {
    const f = await sharedFixture()
    const { request, nonce } = await pendingCallback(f)
    await craftedTokenResponse(
      f,
      nonce,
      { access_token: 'at-value-1', token_type: 'bearer', expires_in: 60.7 },
      'application/json; charset=utf-8',
    )
    const result = await f.callback(request, { userinfo: 'never' })
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(result.accessToken?.expiresAt, Math.floor(f.clock.now / 1000) + 60)
    assert.equal(result.accessToken?.scope, 'openid profile email')
    assert.equal(result.refreshToken, undefined)
  })
})

describe('refresh', () => {
  async function signedIn(f: Fixture, maxAge?: number) {
    const { request } = await pendingCallback(f, maxAge)
    const result = await f.callback(request)
    registerSecret(result.refreshToken, result.accessToken?.value)
    return result
  }

  test('a refresh returns a new access token and a validated ID token of the same end-user', async () => {
    const f = await createFixture()
    const first = await signedIn(f, 3600)
    f.clock.now += 60_000
    const refreshed = await refreshTokens(f.config, first.refreshToken!, {
      original: first.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, first.accessToken?.value)
    assert.equal(refreshed.accessToken.expiresAt, Math.floor(f.clock.now / 1000) + 3600)
    assert.equal(refreshed.refreshToken, first.refreshToken)
    assert.equal(refreshed.idTokenClaims?.sub, 'alice')
    assert.equal(refreshed.idTokenClaims?.auth_time, first.idTokenClaims.auth_time)
    assert.equal(typeof refreshed.idToken, 'string')
    const call = f.op.requests.filter((r) => r.endpoint === 'token').at(-1)
    assert.equal(call?.params.grant_type, 'refresh_token')
    assert.equal(call?.params.refresh_token, first.refreshToken)
  })

  test('a narrower scope is sent and reported', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f)
    const refreshed = await refreshTokens(f.config, first.refreshToken!, { scope: 'openid' })
    assert.equal(refreshed.accessToken.scope, 'openid')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').at(-1)?.params.scope, 'openid')
  })

  test('a refreshed ID token for another sub is REFRESH_ID_TOKEN_MISMATCH', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f)
    f.op.misbehave({ idTokenClaims: { sub: 'mallory' } })
    await expectCode(
      refreshTokens(f.config, first.refreshToken!, { original: first.idTokenClaims }),
      'REFRESH_ID_TOKEN_MISMATCH',
    )
    const twin = await refreshTokens(f.config, first.refreshToken!, {
      original: first.idTokenClaims,
    })
    assert.equal(twin.idTokenClaims?.sub, 'alice')
  })

  test('a refreshed ID token with another auth_time is REFRESH_ID_TOKEN_MISMATCH', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f, 3600)
    f.op.misbehave({ idTokenClaims: { auth_time: first.idTokenClaims.auth_time! + 10 } })
    const err = await expectCode<ValidationError>(
      refreshTokens(f.config, first.refreshToken!, { original: first.idTokenClaims }),
      'REFRESH_ID_TOKEN_MISMATCH',
    )
    assert.equal(err.claim, 'auth_time')
  })

  test('iss, aud and azp must match the original (Core 12.2)', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f)
    const originals: [string, IdTokenClaims][] = [
      ['iss', { ...first.idTokenClaims, iss: 'https://other-op.example' }],
      ['aud', { ...first.idTokenClaims, aud: [CLIENT_ID, 'https://other.example'] }],
      ['azp', { ...first.idTokenClaims, azp: CLIENT_ID }],
    ]
    for (const [claim, original] of originals) {
      const err = await expectCode<ValidationError>(
        refreshTokens(f.config, first.refreshToken!, { original }),
        'REFRESH_ID_TOKEN_MISMATCH',
      )
      assert.equal(err.claim, claim)
    }
    const sameAudienceAsArray = { ...first.idTokenClaims, aud: [CLIENT_ID] }
    const twin = await refreshTokens(f.config, first.refreshToken!, {
      original: sameAudienceAsArray,
    })
    assert.equal(twin.idTokenClaims?.iss, f.op.issuer)
  })

  test('a refreshed ID token is validated like any other', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f)
    f.op.misbehave({ idToken: 'bad-signature' })
    await expectCode(refreshTokens(f.config, first.refreshToken!), 'ID_TOKEN_SIGNATURE_INVALID')
    assert.ok((await refreshTokens(f.config, first.refreshToken!)).idToken)
  })

  test('a rotated refresh token is returned; without an ID token none is reported', async () => {
    const f = await sharedFixture()
    const first = await signedIn(f)
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json({
            access_token: 'at-rotated-1',
            token_type: 'Bearer',
            refresh_token: 'rt-rotated-1',
          }),
      },
    })
    const refreshed = await refreshTokens(f.config, first.refreshToken!)
    assert.equal(refreshed.refreshToken, 'rt-rotated-1')
    assert.equal(refreshed.idToken, undefined)
    assert.equal(refreshed.accessToken.expiresAt, undefined)
  })

  test('an unknown refresh token is TOKEN_ERROR_RESPONSE invalid_grant; an empty one a usage error', async () => {
    const f = await sharedFixture()
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(f.config, 'not-a-refresh-token'),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
    await expectCode(refreshTokens(f.config, ''), 'INVALID_ARGUMENT')
  })

  test('an OP without token endpoint cannot refresh', async () => {
    const f = await sharedFixture()
    const metadata: Record<string, unknown> = {
      ...f.op.metadata(),
      response_types_supported: ['id_token'],
    }
    delete metadata.token_endpoint
    const config = createConfiguration(metadata, {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
    })
    await expectCode(refreshTokens(config, 'some-refresh-token'), 'ENDPOINT_MISSING')
  })
})

describe('fuzz regressions: token endpoint errors', () => {
  test('an OP that quotes the client secret or the PKCE verifier in its error: both are scrubbed', async () => {
    const f = await sharedFixture()
    const started = await f.start()
    const response = await f.authorize(started)
    const verifier = started.transaction.codeVerifier!
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          new Response(
            JSON.stringify({
              error: 'invalid_client',
              error_description: `secret ${CLIENT_SECRET} or verifier ${verifier} refused`,
            }),
            {
              status: 401,
              headers: {
                'content-type': 'application/json',
                'www-authenticate': `Basic error="invalid_client", error_description="${CLIENT_SECRET}"`,
              },
            },
          ),
      },
    })
    const err = await expectCode<OAuthResponseError>(
      f.callback(browserRequest(response)),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.errorDescription, 'secret [redacted] or verifier [redacted] refused')
    assert.equal(err.challenges[0]?.parameters.error_description, '[redacted]')
    assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
  })
})

describe('scrubbing: a token error never carries what the request sent', () => {
  /** Starts a sign-in at the fixture's OP and has the token endpoint echo every secret it gets. */
  async function echoedCallback(f: Fixture) {
    const { request, response } = await pendingCallback(f)
    const echoed = echoSecrets(f.op, 'token', 401)
    const err = await expectCode<OAuthResponseError>(f.callback(request), 'TOKEN_ERROR_RESPONSE')
    return { err, echoed, code: response.params.get('code')! }
  }

  for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
    test(`${method}: the client secret (raw, percent-encoded, form-urlencoded, oauth4webapi-encoded, and the Basic value where sent), the code and the PKCE verifier echoed in error, error_description, error_uri and WWW-Authenticate are in no part of the error`, async () => {
      registerSecret(AWKWARD_SECRET)
      const f = await createFixture({
        authMethod: method,
        client: { client_secret: AWKWARD_SECRET },
        clientInput: { client_secret: AWKWARD_SECRET },
      })
      const { err, echoed, code } = await echoedCallback(f)
      for (const form of [...echoForms(AWKWARD_SECRET), ...echoForms(code)]) {
        assert.ok(echoed.includes(form), `the OP echoed ${form.slice(0, 6)}…`)
      }
      assert.ok(err.errorDescription?.startsWith('refused: [redacted]'))
      assert.ok(err.challenges.length > 0, 'the challenge is still parsed')
      assert.deepEqual(leaked(err, echoed), [])
    })
  }

  for (const method of ['client_secret_jwt', 'private_key_jwt'] as const) {
    test(`${method}: the client assertion echoed in every form is in no part of the error`, async () => {
      const f = await createFixture({ authMethod: method })
      const { err, echoed } = await echoedCallback(f)
      const assertion = f.op.requests.filter((r) => r.endpoint === 'token').at(-1)!.params
        .client_assertion!
      assert.ok(echoed.includes(assertion), 'the OP echoed the assertion')
      assert.deepEqual(leaked(err, echoed), [])
    })
  }

  test('refresh: the refresh token echoed in every form is in no part of the error', async () => {
    const f = await createFixture()
    const { request } = await pendingCallback(f)
    const result = await f.callback(request)
    const echoed = echoSecrets(f.op, 'token')
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(f.config, result.refreshToken!),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.ok(echoed.includes(result.refreshToken!), 'the OP echoed the refresh token')
    assert.deepEqual(leaked(err, echoed), [])
  })

  test('scrubbing, the twin: an OP error without secrets keeps its error, description, error_uri and challenge intact', async () => {
    const f = await sharedFixture()
    const description = `client ${CLIENT_ID}: grant expired at 12:00 (+1 & more) ~ é`
    const uri = 'https://op.example.com/errors?client_id=rp-client&reason=a%20b+c'
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json(
            { error: 'invalid_grant', error_description: description, error_uri: uri },
            {
              status: 400,
              headers: {
                'www-authenticate': `Bearer realm="op", error_description="${CLIENT_ID}"`,
              },
            },
          ),
      },
    })
    const err = await expectCode<OAuthResponseError>(f.signIn(), 'TOKEN_ERROR_RESPONSE')
    assert.deepEqual(
      [err.error, err.errorDescription, err.errorUri],
      ['invalid_grant', description, uri],
    )
    assert.equal(err.challenges[0]?.parameters.error_description, CLIENT_ID)
    assert.ok(!everythingShown(err).includes('[redacted]'))
  })
})
