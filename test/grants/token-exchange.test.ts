/**
 * Token exchange (RFC 8693) through the mock OP: impersonation and delegation, every client
 * authentication, the answer's `issued_token_type` and `token_type` rules. Each refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import type { TokenEndpointAuthMethod } from '../../src/config/client.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { OAuthResponseError, UsageError, ValidationError } from '../../src/errors.js'
import {
  ACCESS_TOKEN_TYPE,
  exchangeToken,
  JWT_TOKEN_TYPE,
  REFRESH_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from '../../src/grants/token-exchange.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture, type Fixture } from '../support/sign-in.js'

const METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]

/** A client allowed to exchange, and alice's tokens from a sign-in to exchange. */
async function signedIn(authMethod: TokenEndpointAuthMethod = 'client_secret_basic') {
  const f = await createFixture({
    authMethod,
    client: { grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT_TYPE] },
  })
  const result = await f.signIn()
  registerSecret(result.accessToken?.value, result.refreshToken)
  f.op.clearRequests()
  return { f, accessToken: result.accessToken!.value, refreshToken: result.refreshToken! }
}

const tokenBody = (f: Fixture) =>
  new URLSearchParams(f.op.requests.find((r) => r.endpoint === 'token')?.rawBody)

describe('exchangeToken: impersonation, every client authentication', () => {
  for (const method of METHODS) {
    test(`${method}: alice's access token is exchanged for an access token for her`, async () => {
      const { f, accessToken } = await signedIn(method)
      const result = await exchangeToken(f.config, {
        subjectToken: accessToken,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        scope: 'openid',
      })
      assert.equal(f.op.requests[0]?.clientAuthMethod, method)
      assert.equal(result.issuedTokenType, ACCESS_TOKEN_TYPE)
      assert.equal(result.accessToken.type, 'Bearer')
      assert.notEqual(result.accessToken.value, accessToken)
      assert.equal(result.accessToken.scope, 'openid')
      const body = tokenBody(f)
      assert.equal(body.get('grant_type'), TOKEN_EXCHANGE_GRANT_TYPE)
      assert.equal(body.get('subject_token_type'), ACCESS_TOKEN_TYPE)
    })
  }

  test('a refresh token can be the subject, and every audience and resource is sent', async () => {
    const { f, refreshToken } = await signedIn()
    await exchangeToken(f.config, {
      subjectToken: refreshToken,
      subjectTokenType: REFRESH_TOKEN_TYPE,
      audience: ['billing', 'ledger'],
      resource: 'https://billing.example/',
    })
    const body = tokenBody(f)
    assert.deepEqual(body.getAll('audience'), ['billing', 'ledger'])
    assert.deepEqual(body.getAll('resource'), ['https://billing.example/'])
    assert.equal(body.has('actor_token') || body.has('requested_token_type'), false)
  })
})

describe('exchangeToken: delegation and token_type N_A', () => {
  test('a JWT asked for with an actor comes as token_type N_A with issued_token_type jwt', async () => {
    const { f, accessToken, refreshToken } = await signedIn()
    const result = await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
      actorToken: refreshToken,
      actorTokenType: REFRESH_TOKEN_TYPE,
      requestedTokenType: JWT_TOKEN_TYPE,
      audience: 'billing',
    })
    assert.equal(result.issuedTokenType, JWT_TOKEN_TYPE)
    assert.equal(result.accessToken.type, 'N_A')
    const claims = decodeJwt(result.accessToken.value)
    assert.deepEqual([claims.sub, claims.aud, claims.act], ['alice', 'billing', { sub: 'alice' }])
    assert.equal(tokenBody(f).get('actor_token_type'), REFRESH_TOKEN_TYPE)
  })

  test('token_type N_A for an issued access token (fault access-token-as-N_A) is TOKEN_EXCHANGE_TOKEN_TYPE_INVALID', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ grantResponse: 'access-token-as-N_A' })
    const err = await expectCode<ValidationError>(
      exchangeToken(f.config, { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE }),
      'TOKEN_EXCHANGE_TOKEN_TYPE_INVALID',
    )
    assert.equal(err.claim, 'token_type')
  })

  test('twin: the same exchange without the fault is a Bearer access token', async () => {
    const { f, accessToken } = await signedIn()
    const result = await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
    })
    assert.deepEqual(
      [result.accessToken.type, result.issuedTokenType],
      ['Bearer', ACCESS_TOKEN_TYPE],
    )
  })

  test('a token_type neither Bearer nor N_A (DPoP, not asked for) is TOKEN_TYPE_UNEXPECTED', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json({
            access_token: 'x',
            token_type: 'DPoP',
            issued_token_type: JWT_TOKEN_TYPE,
          }),
      },
    })
    const err = await expectCode<ValidationError>(
      exchangeToken(f.config, { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE }),
      'TOKEN_TYPE_UNEXPECTED',
    )
    assert.equal(err.claim, 'token_type')
  })
})

describe('exchangeToken with DPoP: N_A stays for a token that is not an access token (RFC 8693 §2.2.1, RFC 9449 §5)', () => {
  test('with a handle, a JWT asked for comes as token_type N_A and is accepted', async () => {
    const { f, accessToken } = await signedIn()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const result = await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
      requestedTokenType: JWT_TOKEN_TYPE,
      dpop,
    })
    assert.deepEqual([result.accessToken.type, result.issuedTokenType], ['N_A', JWT_TOKEN_TYPE])
    assert.equal(f.op.requests.find((r) => r.endpoint === 'token')?.dpopJkt, dpop.thumbprint)
  })

  test('with a handle, an access token answered N_A (fault access-token-as-N_A) is TOKEN_EXCHANGE_TOKEN_TYPE_INVALID', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ grantResponse: 'access-token-as-N_A' })
    const err = await expectCode<ValidationError>(
      exchangeToken(f.config, {
        subjectToken: accessToken,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        dpop: await createDPoPHandle(await generateDPoPKeyPair()),
      }),
      'TOKEN_EXCHANGE_TOKEN_TYPE_INVALID',
    )
    assert.deepEqual([err.claim, err.expected], ['token_type', '"DPoP"'])
  })

  test('twin: with a handle and without the fault, the access token is a DPoP one', async () => {
    const { f, accessToken } = await signedIn()
    const result = await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
      dpop: await createDPoPHandle(await generateDPoPKeyPair()),
    })
    assert.deepEqual([result.accessToken.type, result.issuedTokenType], ['DPoP', ACCESS_TOKEN_TYPE])
  })
})

describe('exchangeToken: issued_token_type is required (RFC 8693 §2.2.1)', () => {
  test('no issued_token_type (fault no-issued_token_type) is TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({ grantResponse: 'no-issued_token_type' })
    const err = await expectCode<ValidationError>(
      exchangeToken(f.config, { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE }),
      'TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID',
    )
    assert.equal(err.claim, 'issued_token_type')
  })

  test('an issued_token_type that is not a string is TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json({ access_token: 'x', token_type: 'Bearer', issued_token_type: 7 }),
      },
    })
    await expectCode(
      exchangeToken(f.config, { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE }),
      'TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID',
    )
  })

  test('twin: the same crafted answer with a token type URI is accepted', async () => {
    const { f, accessToken } = await signedIn()
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json({
            access_token: 'x',
            token_type: 'Bearer',
            issued_token_type: JWT_TOKEN_TYPE,
          }),
      },
    })
    const result = await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
    })
    assert.equal(result.issuedTokenType, JWT_TOKEN_TYPE)
  })
})

describe('exchangeToken: the OP refuses', () => {
  test('a subject token the OP did not issue: TOKEN_ERROR_RESPONSE invalid_request', async () => {
    const { f } = await signedIn()
    const err = await expectCode<OAuthResponseError>(
      exchangeToken(f.config, {
        subjectToken: 'not-a-token-of-this-op',
        subjectTokenType: ACCESS_TOKEN_TYPE,
      }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
  })

  test('an OP error quoting the subject and actor tokens has both redacted', async () => {
    const { f, accessToken, refreshToken } = await signedIn()
    f.op.misbehave({
      oauthError: {
        endpoint: 'token',
        error: 'invalid_target',
        error_description: `no exchange of ${accessToken} by ${refreshToken}`,
      },
    })
    const err = await expectCode<OAuthResponseError>(
      exchangeToken(f.config, {
        subjectToken: accessToken,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        actorToken: refreshToken,
        actorTokenType: REFRESH_TOKEN_TYPE,
      }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.errorDescription, 'no exchange of [redacted] by [redacted]')
  })

  test('a client that did not register token exchange: TOKEN_ERROR_RESPONSE unauthorized_client', async () => {
    const f = await createFixture()
    const result = await f.signIn()
    const err = await expectCode<OAuthResponseError>(
      exchangeToken(f.config, {
        subjectToken: result.accessToken!.value,
        subjectTokenType: ACCESS_TOKEN_TYPE,
      }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'unauthorized_client')
  })

  test('an OP whose grant_types_supported lacks token exchange: OP_UNSUPPORTED_GRANT_TYPE, nothing sent', async () => {
    const { f, accessToken } = await signedIn()
    f.op.setMetadata({ grant_types_supported: ['authorization_code', 'client_credentials'] })
    const config = await f.reconfigure({})
    await expectCode(
      exchangeToken(config, { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE }),
      'OP_UNSUPPORTED_GRANT_TYPE',
    )
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0)
  })
})

describe('exchangeToken: bad input is refused before anything is sent', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an actor token without its type', { actorToken: 'actor-token-value' }, 'actorTokenType'],
    ['an actor token type without the token', { actorTokenType: ACCESS_TOKEN_TYPE }, 'actorToken'],
    [
      'a subject token type that is no URI',
      { subjectTokenType: 'access_token' },
      'subjectTokenType',
    ],
    ['an empty subject token', { subjectToken: '' }, 'subjectToken'],
    ['an empty audience list', { audience: [] }, 'audience'],
  ]
  for (const [name, patch, parameter] of cases) {
    test(`${name}: INVALID_ARGUMENT naming ${parameter}`, async () => {
      const { f, accessToken } = await signedIn()
      const options = { subjectToken: accessToken, subjectTokenType: ACCESS_TOKEN_TYPE, ...patch }
      const err = await expectCode<UsageError>(
        exchangeToken(f.config, options as Parameters<typeof exchangeToken>[1]),
        'INVALID_ARGUMENT',
      )
      assert.equal(err.parameter, parameter)
      assert.equal(f.op.requests.length, 0)
    })
  }

  test('twin: the actor token with its type is sent', async () => {
    const { f, accessToken, refreshToken } = await signedIn()
    await exchangeToken(f.config, {
      subjectToken: accessToken,
      subjectTokenType: ACCESS_TOKEN_TYPE,
      actorToken: refreshToken,
      actorTokenType: REFRESH_TOKEN_TYPE,
    })
    assert.equal(tokenBody(f).get('actor_token_type'), REFRESH_TOKEN_TYPE)
  })
})
