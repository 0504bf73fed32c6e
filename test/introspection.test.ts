import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OAuthResponseError, UsageError, ValidationError } from '../src/errors.js'
import { introspectToken } from '../src/introspection.js'
import { revokeToken } from '../src/revocation.js'
import type { IntrospectionFault } from '../src/testing/index.js'
import { echoSecrets, everythingShown, leaked } from './support/echo.js'
import { expectCode } from './support/helpers.js'
import { CLIENT_ID } from './support/sign-in.js'
import { encryptionKeys, METHODS, signedIn } from './support/token-management.js'

const JWT_TYPE = 'application/token-introspection+jwt'
/** A client that registered RS256-signed introspection responses, at the OP and at the RP. */
const SIGNED = {
  client: { introspection_signed_response_alg: 'RS256' },
  clientInput: { introspection_signed_response_alg: 'RS256' },
}

/** Replaces the next introspection answer with a JSON body of the test's making. */
function answer(f: Awaited<ReturnType<typeof signedIn>>['f'], body: unknown): void {
  f.op.misbehave({
    respond: { endpoint: 'introspection', response: () => Response.json(body) },
  })
}

describe('introspectToken: JSON responses (RFC 7662 §2.2)', () => {
  test('an active access token: active, sub, client_id, scope, token_type and exp', async () => {
    const { f, accessToken } = await signedIn()
    const result = await introspectToken(f.config, accessToken, { tokenTypeHint: 'access_token' })
    assert.equal(result.active, true)
    assert.equal(result.sub, 'alice')
    assert.equal(result.client_id, CLIENT_ID)
    assert.equal(result.token_type, 'Bearer')
    assert.equal(typeof result.scope, 'string')
    assert.equal(typeof result.exp, 'number')
    const request = f.op.requests.find((r) => r.endpoint === 'introspection')!
    assert.equal(request.headers.accept, 'application/json')
    assert.equal(request.params.token, accessToken)
    assert.equal(request.params.token_type_hint, 'access_token')
  })

  test('an active refresh token (hint refresh_token) is active', async () => {
    const { f, refreshToken } = await signedIn()
    const result = await introspectToken(f.config, refreshToken, { tokenTypeHint: 'refresh_token' })
    assert.equal(result.active, true)
    assert.equal(result.sub, 'alice')
  })

  for (const method of METHODS) {
    test(`introspects with ${method}`, async () => {
      const { f, accessToken } = await signedIn({ authMethod: method })
      assert.equal((await introspectToken(f.config, accessToken)).active, true)
      const request = f.op.requests.find((r) => r.endpoint === 'introspection')!
      assert.equal(request.clientAuthMethod, method)
    })
  }

  test('a revoked token is { active: false } and nothing more', async () => {
    const { f, accessToken } = await signedIn()
    await revokeToken(f.config, accessToken)
    assert.deepEqual(await introspectToken(f.config, accessToken), { active: false })
  })

  test('an inactive answer with other members keeps only active: false', async () => {
    const { f, accessToken } = await signedIn()
    answer(f, { active: false, sub: 'someone', scope: 'admin' })
    assert.deepEqual(await introspectToken(f.config, accessToken), { active: false })
  })
})

describe('introspectToken: malformed JSON responses, each with its twin', () => {
  for (const fault of ['not-json', 'no-active', 'active-not-boolean'] as const) {
    test(`fault ${fault}: INTROSPECTION_RESPONSE_INVALID`, async () => {
      const { f, accessToken } = await signedIn()
      f.op.misbehave({ introspection: fault })
      const err = await expectCode<ValidationError>(
        introspectToken(f.config, accessToken),
        'INTROSPECTION_RESPONSE_INVALID',
      )
      if (fault !== 'not-json') assert.equal(err.claim, 'active')
    })
  }

  test('the twin of the faults: the same token without a fault is active', async () => {
    const { f, accessToken } = await signedIn()
    assert.equal((await introspectToken(f.config, accessToken)).active, true)
  })

  test('a member of the wrong type (exp a string) is INTROSPECTION_RESPONSE_INVALID naming it', async () => {
    const { f, accessToken } = await signedIn()
    answer(f, { active: true, exp: '1700000000' })
    const err = await expectCode<ValidationError>(
      introspectToken(f.config, accessToken),
      'INTROSPECTION_RESPONSE_INVALID',
    )
    assert.equal(err.claim, 'exp')
  })

  test('the twin: exp a number, aud an array, unknown members kept', async () => {
    const { f, accessToken } = await signedIn()
    answer(f, { active: true, exp: 1700000000, aud: ['a', 'b'], ext: { x: 1 } })
    const result = await introspectToken(f.config, accessToken)
    assert.equal(result.exp, 1700000000)
    assert.deepEqual(result.aud, ['a', 'b'])
    assert.deepEqual(result.ext, { x: 1 })
  })

  test('a JWT answered to a client that registered JSON is INTROSPECTION_RESPONSE_INVALID', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ introspection: 'bad-signature' })
    await expectCode(introspectToken(f.config, accessToken), 'INTROSPECTION_RESPONSE_INVALID')
  })
})

describe('introspectToken: JWT responses (RFC 9701)', () => {
  test('a client that registered RS256 asks for and verifies a JWT response', async () => {
    const { f, accessToken } = await signedIn(SIGNED)
    const result = await introspectToken(f.config, accessToken)
    assert.equal(result.active, true)
    assert.equal(result.sub, 'alice')
    const request = f.op.requests.find((r) => r.endpoint === 'introspection')!
    assert.equal(request.headers.accept, JWT_TYPE)
  })

  const refusals: [IntrospectionFault, string][] = [
    ['bad-signature', 'INTROSPECTION_SIGNATURE_INVALID'],
    ['wrong-audience', 'INTROSPECTION_CLAIM_INVALID'],
    ['wrong-issuer', 'INTROSPECTION_CLAIM_INVALID'],
    ['wrong-typ', 'INTROSPECTION_CLAIM_INVALID'],
    ['no-active', 'INTROSPECTION_RESPONSE_INVALID'],
  ]
  for (const [fault, code] of refusals) {
    test(`fault ${fault}: ${code}`, async () => {
      const { f, accessToken } = await signedIn(SIGNED)
      f.op.misbehave({ introspection: fault })
      await expectCode(
        introspectToken(f.config, accessToken),
        code as 'INTROSPECTION_CLAIM_INVALID',
      )
    })
  }

  test('the twin of the JWT faults: the same client without a fault gets an active token', async () => {
    const { f, accessToken } = await signedIn(SIGNED)
    assert.equal((await introspectToken(f.config, accessToken)).active, true)
  })

  test('a JSON answer to a client that registered a JWT response is INTROSPECTION_RESPONSE_INVALID', async () => {
    // registered at the RP only: the OP answers JSON
    const { f, accessToken } = await signedIn({ clientInput: SIGNED.clientInput })
    await expectCode(introspectToken(f.config, accessToken), 'INTROSPECTION_RESPONSE_INVALID')
  })

  test('another alg than the registered one is INTROSPECTION_SIGNATURE_INVALID', async () => {
    const { f, accessToken } = await signedIn({
      client: { introspection_signed_response_alg: 'ES256' },
      clientInput: { introspection_signed_response_alg: 'RS256' },
    })
    await expectCode(introspectToken(f.config, accessToken), 'INTROSPECTION_SIGNATURE_INVALID')
  })

  test('an encrypted response is decrypted with the client key, then verified', async () => {
    const { privateJwk, publicJwk } = await encryptionKeys()
    const encrypted = { introspection_encrypted_response_alg: 'RSA-OAEP-256' }
    const { f, accessToken } = await signedIn({
      client: { ...encrypted, jwks: { keys: [publicJwk] } },
      clientInput: { ...encrypted, keys: [privateJwk] },
    })
    const result = await introspectToken(f.config, accessToken)
    assert.equal(result.active, true)
    assert.equal(result.sub, 'alice')
  })

  test('the twin: a signed but unencrypted response to a client that registered encryption is INTROSPECTION_DECRYPTION_FAILED', async () => {
    const { privateJwk } = await encryptionKeys()
    const { f, accessToken } = await signedIn({
      ...SIGNED,
      clientInput: {
        ...SIGNED.clientInput,
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
        keys: [privateJwk],
      },
    })
    await expectCode(introspectToken(f.config, accessToken), 'INTROSPECTION_DECRYPTION_FAILED')
  })
})

describe('introspectToken: refusals', () => {
  test('an OP without introspection_endpoint: INTROSPECTION_UNAVAILABLE, nothing sent', async () => {
    const { f, accessToken } = await signedIn()
    f.op.setMetadata({ introspection_endpoint: undefined })
    const config = await f.reconfigure({})
    f.op.clearRequests()
    const err = await expectCode<UsageError>(
      introspectToken(config, accessToken),
      'INTROSPECTION_UNAVAILABLE',
    )
    assert.equal(err.parameter, 'introspection_endpoint')
    assert.equal(f.op.requests.length, 0)
  })

  test('an OAuth error is INTROSPECTION_ERROR_RESPONSE', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({
      oauthError: { endpoint: 'introspection', error: 'invalid_client', status: 401 },
    })
    const err = await expectCode<OAuthResponseError>(
      introspectToken(f.config, accessToken),
      'INTROSPECTION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client')
  })

  test('an OP quoting the token and the client secret in its error: both redacted', async () => {
    const { f, accessToken } = await signedIn({ authMethod: 'client_secret_post' })
    const echoed = echoSecrets(f.op, 'introspection')
    const err = await expectCode(
      introspectToken(f.config, accessToken),
      'INTROSPECTION_ERROR_RESPONSE',
    )
    assert.ok(echoed.length > 0)
    assert.deepEqual(leaked(err, echoed), [])
    assert.ok(!everythingShown(err).includes(accessToken))
  })
})
