import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OAuthResponseError, TransportError, UsageError } from '../src/errors.js'
import { introspectToken } from '../src/introspection.js'
import { revokeToken } from '../src/revocation.js'
import { refreshTokens } from '../src/token.js'
import { echoSecrets, everythingShown, leaked } from './support/echo.js'
import { expectCode } from './support/helpers.js'
import { METHODS, signedIn } from './support/token-management.js'

describe('revokeToken: the request (RFC 7009 §2.1)', () => {
  for (const method of METHODS) {
    test(`revokes the access token with ${method}: introspection then says it is inactive`, async () => {
      const { f, accessToken } = await signedIn({ authMethod: method })
      assert.equal((await introspectToken(f.config, accessToken)).active, true)
      await revokeToken(f.config, accessToken, { tokenTypeHint: 'access_token' })
      const request = f.op.requests.find((r) => r.endpoint === 'revocation')!
      assert.equal(request.method, 'POST')
      assert.equal(request.clientAuthMethod, method)
      assert.equal(request.params.token, accessToken)
      assert.equal(request.params.token_type_hint, 'access_token')
      assert.deepEqual(await introspectToken(f.config, accessToken), { active: false })
    })
  }

  test('revoking the refresh token ends it and the access tokens of its grant (RFC 7009 §2.1)', async () => {
    const { f, accessToken, refreshToken } = await signedIn()
    await revokeToken(f.config, refreshToken, { tokenTypeHint: 'refresh_token' })
    const refused = await expectCode<OAuthResponseError>(
      refreshTokens(f.config, refreshToken),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(refused.error, 'invalid_grant')
    assert.deepEqual(await introspectToken(f.config, accessToken), { active: false })
  })

  test('the twin: without revocation the refresh token still refreshes', async () => {
    const { f, refreshToken } = await signedIn()
    const refreshed = await refreshTokens(f.config, refreshToken)
    assert.equal(typeof refreshed.accessToken.value, 'string')
  })

  test('a token the OP does not know is revoked without error (RFC 7009 §2.2)', async () => {
    const { f } = await signedIn()
    await revokeToken(f.config, 'never-issued-token-value')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'revocation').length, 1)
  })

  test('no token_type_hint is sent unless given', async () => {
    const { f, accessToken } = await signedIn()
    await revokeToken(f.config, accessToken)
    const request = f.op.requests.find((r) => r.endpoint === 'revocation')!
    assert.equal(request.params.token_type_hint, undefined)
  })
})

describe('revokeToken: refusals', () => {
  test('an OP without revocation_endpoint: REVOCATION_UNAVAILABLE, nothing sent', async () => {
    const { f, accessToken } = await signedIn()
    f.op.setMetadata({ revocation_endpoint: undefined })
    const config = await f.reconfigure({})
    f.op.clearRequests()
    const err = await expectCode<UsageError>(
      revokeToken(config, accessToken),
      'REVOCATION_UNAVAILABLE',
    )
    assert.equal(err.parameter, 'revocation_endpoint')
    assert.equal(f.op.requests.length, 0)
  })

  test('an empty token or hint is INVALID_ARGUMENT, nothing sent', async () => {
    const { f } = await signedIn()
    await expectCode(revokeToken(f.config, ''), 'INVALID_ARGUMENT')
    await expectCode(revokeToken(f.config, 'a-token', { tokenTypeHint: '' }), 'INVALID_ARGUMENT')
    assert.equal(f.op.requests.length, 0)
  })

  test('503 (RFC 7009 §2.2.1) is HTTP_UNEXPECTED_STATUS and the token stays active', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ revocation: 'unavailable' })
    const err = await expectCode<TransportError>(
      revokeToken(f.config, accessToken),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(err.status, 503)
    assert.equal((await introspectToken(f.config, accessToken)).active, true)
  })

  test('the twin of 503: the next revocation goes through', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ revocation: 'unavailable' })
    await expectCode(revokeToken(f.config, accessToken), 'HTTP_UNEXPECTED_STATUS')
    await revokeToken(f.config, accessToken)
    assert.equal((await introspectToken(f.config, accessToken)).active, false)
  })

  test('an OAuth error (unsupported_token_type) is REVOCATION_ERROR_RESPONSE', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({
      oauthError: { endpoint: 'revocation', error: 'unsupported_token_type', status: 400 },
    })
    const err = await expectCode<OAuthResponseError>(
      revokeToken(f.config, accessToken),
      'REVOCATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'unsupported_token_type')
    assert.equal(err.status, 400)
  })

  test('an OP quoting the token and the client secret in its error: both redacted', async () => {
    const { f, accessToken } = await signedIn({ authMethod: 'client_secret_post' })
    const echoed = echoSecrets(f.op, 'revocation')
    const err = await expectCode(revokeToken(f.config, accessToken), 'REVOCATION_ERROR_RESPONSE')
    assert.ok(echoed.length > 0)
    assert.deepEqual(leaked(err, echoed), [])
    assert.ok(!everythingShown(err).includes(accessToken))
  })
})
