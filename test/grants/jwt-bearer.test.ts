/**
 * The JWT bearer grant (RFC 7523 §2.1) through the mock OP, which verifies the assertion against
 * the key the test registers. Each refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import type { TokenEndpointAuthMethod } from '../../src/config/client.js'
import type { OAuthResponseError, UsageError } from '../../src/errors.js'
import { JWT_BEARER_GRANT_TYPE, requestJwtBearerGrant } from '../../src/grants/jwt-bearer.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture } from '../support/sign-in.js'

const ISSUER = 'https://workload-identity.example'
const METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]

let trusted: { privateKey: CryptoKey; jwk: JWK }
let untrusted: CryptoKey

before(async () => {
  const pair = await generateKeyPair('ES256')
  trusted = {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid: 'w1' },
  }
  untrusted = (await generateKeyPair('ES256')).privateKey
})

async function bearerClient(authMethod: TokenEndpointAuthMethod = 'client_secret_basic') {
  return createFixture({
    authMethod,
    client: { grant_types: [JWT_BEARER_GRANT_TYPE] },
    op: { jwtBearerIssuers: [{ issuer: ISSUER, jwks: { keys: [trusted.jwk] } }] },
  })
}

/** An assertion for alice at the OP, signed with a key, valid for five minutes unless told. */
async function assertion(
  audience: string,
  nowMs: number,
  key: CryptoKey = trusted.privateKey,
  lifetime = 300,
): Promise<string> {
  const now = Math.floor(nowMs / 1000)
  const jwt = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: 'w1' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key)
  registerSecret(jwt)
  return jwt
}

describe('requestJwtBearerGrant: every client authentication', () => {
  for (const method of METHODS) {
    test(`${method}: an assertion of a trusted issuer is traded for a Bearer access token`, async () => {
      const f = await bearerClient(method)
      const jwt = await assertion(f.op.issuer, f.clock.now)
      const result = await requestJwtBearerGrant(f.config, { assertion: jwt, scope: 'inventory' })
      const request = f.op.requests.find((r) => r.endpoint === 'token')
      assert.equal(request?.clientAuthMethod, method)
      assert.equal(request?.params.grant_type, JWT_BEARER_GRANT_TYPE)
      assert.equal(request?.params.assertion, jwt)
      assert.deepEqual([result.accessToken.type, result.accessToken.scope], ['Bearer', 'inventory'])
    })
  }
})

describe('requestJwtBearerGrant: the OP verifies the assertion', () => {
  test('an assertion signed with a key the OP does not trust: TOKEN_ERROR_RESPONSE invalid_grant', async () => {
    const f = await bearerClient()
    const jwt = await assertion(f.op.issuer, f.clock.now, untrusted)
    const err = await expectCode<OAuthResponseError>(
      requestJwtBearerGrant(f.config, { assertion: jwt }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
  })

  test('an expired assertion: TOKEN_ERROR_RESPONSE invalid_grant', async () => {
    const f = await bearerClient()
    const jwt = await assertion(f.op.issuer, f.clock.now - 600_000, trusted.privateKey, 60)
    const err = await expectCode<OAuthResponseError>(
      requestJwtBearerGrant(f.config, { assertion: jwt }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
  })

  test('an assertion for another audience: TOKEN_ERROR_RESPONSE invalid_grant', async () => {
    const f = await bearerClient()
    const jwt = await assertion('https://other-op.example', f.clock.now)
    await expectCode(requestJwtBearerGrant(f.config, { assertion: jwt }), 'TOKEN_ERROR_RESPONSE')
  })

  test('twin: the same assertion signed by the trusted key, unexpired, for the token endpoint is accepted', async () => {
    const f = await bearerClient()
    const endpoint = f.config.provider.token_endpoint!
    const jwt = await assertion(endpoint, f.clock.now)
    const result = await requestJwtBearerGrant(f.config, { assertion: jwt })
    assert.equal(result.accessToken.type, 'Bearer')
  })

  test('an OP error quoting the assertion has it redacted', async () => {
    const f = await bearerClient()
    const jwt = await assertion(f.op.issuer, f.clock.now)
    f.op.misbehave({
      oauthError: { endpoint: 'token', error: 'invalid_grant', error_description: `bad ${jwt}` },
    })
    const err = await expectCode<OAuthResponseError>(
      requestJwtBearerGrant(f.config, { assertion: jwt }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.errorDescription, 'bad [redacted]')
  })
})

describe('requestJwtBearerGrant: refused before anything is sent', () => {
  test('an empty assertion is INVALID_ARGUMENT', async () => {
    const f = await bearerClient()
    const err = await expectCode<UsageError>(
      requestJwtBearerGrant(f.config, { assertion: '' }),
      'INVALID_ARGUMENT',
    )
    assert.equal(err.parameter, 'assertion')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0)
  })

  test('an OP whose grant_types_supported lacks the grant: OP_UNSUPPORTED_GRANT_TYPE', async () => {
    const f = await bearerClient()
    f.op.setMetadata({ grant_types_supported: ['client_credentials'] })
    const config = await f.reconfigure({})
    const jwt = await assertion(f.op.issuer, f.clock.now)
    await expectCode(requestJwtBearerGrant(config, { assertion: jwt }), 'OP_UNSUPPORTED_GRANT_TYPE')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0)
  })
})
