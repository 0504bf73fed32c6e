/**
 * The grants without a user at the browser against a real OP (oidc-provider 8): client
 * credentials (`features.clientCredentials`), token exchange and JWT bearer (small handlers
 * registered with `registerGrantType`), with every client authentication. Each refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose'
import Provider, { errors, type GrantContext } from 'oidc-provider'
import {
  ACCESS_TOKEN_TYPE,
  type ClientInput,
  discover,
  exchangeToken,
  JWT_BEARER_GRANT_TYPE,
  type OAuthResponseError,
  requestClientCredentials,
  requestJwtBearerGrant,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from '../../src/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { keyPair, REDIRECT } from './rp.js'
import { SECRET } from './setup.js'

const ASSERTION_ISSUER = 'https://workload-identity.example.test'
const GRANTS = ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE, JWT_BEARER_GRANT_TYPE]
const machine = { redirect_uris: [], response_types: [], grant_types: GRANTS }

let op: RunningOp
let plainOp: RunningOp
let rpKey: JWK
let assertionKey: CryptoKeyPair

/** RFC 8693 for the OP: a client credentials access token of this OP for another one. */
async function tokenExchange(ctx: GrantContext, next: () => Promise<void>) {
  const { params, client } = ctx.oidc
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest('subject_token_type must be an access token')
  }
  const subject = await op.provider.ClientCredentials.find(String(params.subject_token))
  if (subject === undefined || subject.isExpired) {
    throw new errors.InvalidRequest('subject_token is not an access token of this OP')
  }
  const token = new op.provider.ClientCredentials({ client, scope: subject.scope })
  ctx.body = {
    access_token: await token.save(),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
  }
  await next()
}

/** RFC 7523 for the OP: an assertion of the trusted issuer, for this OP, traded for a token. */
async function jwtBearer(ctx: GrantContext, next: () => Promise<void>) {
  const { params, client } = ctx.oidc
  try {
    await jwtVerify(String(params.assertion), assertionKey.publicKey, {
      issuer: ASSERTION_ISSUER,
      audience: op.issuer,
      requiredClaims: ['sub', 'exp'],
    })
  } catch {
    throw new errors.InvalidGrant('the assertion is refused')
  }
  const token = new op.provider.ClientCredentials({ client })
  ctx.body = {
    access_token: await token.save(),
    token_type: 'Bearer',
    expires_in: token.expiration,
  }
  await next()
}

before(async () => {
  const rp = await keyPair('grants-rp-key')
  rpKey = rp.privateJwk
  assertionKey = await generateKeyPair('ES256')
  op = await startOp({
    clients: [
      { client_id: 'basic', client_secret: SECRET, ...machine },
      {
        client_id: 'post',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_post',
        ...machine,
      },
      {
        client_id: 'secret-jwt',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_jwt',
        ...machine,
      },
      {
        client_id: 'private-key-jwt',
        jwks: { keys: [rp.publicJwk] },
        token_endpoint_auth_method: 'private_key_jwt',
        ...machine,
      },
      {
        client_id: 'web-only',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    adjust: (configuration) => {
      configuration.features = { ...configuration.features, clientCredentials: { enabled: true } }
    },
    setup: (provider: Provider) => {
      provider.registerGrantType(
        TOKEN_EXCHANGE_GRANT_TYPE,
        tokenExchange,
        [
          'subject_token',
          'subject_token_type',
          'actor_token',
          'actor_token_type',
          'requested_token_type',
          'audience',
          'resource',
          'scope',
        ],
        ['audience', 'resource'],
      )
      provider.registerGrantType(JWT_BEARER_GRANT_TYPE, jwtBearer, ['assertion', 'scope'])
    },
  })
  plainOp = await startOp({
    clients: [{ client_id: 'basic', client_secret: SECRET, redirect_uris: [REDIRECT] }],
  })
})

after(async () => {
  await op?.close()
  await plainOp?.close()
})

const CLIENTS: Record<string, Partial<ClientInput>> = {
  basic: { client_secret: SECRET },
  post: { client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' },
  'secret-jwt': { client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
  'private-key-jwt': { token_endpoint_auth_method: 'private_key_jwt' },
}

/** The SDK's configuration of one client at an OP (the SDK wants a redirect URI, unused here). */
function connect(clientId: string, target = op) {
  const client =
    clientId === 'private-key-jwt' ? { ...CLIENTS[clientId], keys: [rpKey] } : CLIENTS[clientId]
  return discover(target.issuer, { client_id: clientId, redirect_uris: [REDIRECT], ...client })
}

async function assertion(audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const jwt = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(ASSERTION_ISSUER)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(assertionKey.privateKey)
  registerSecret(jwt)
  return jwt
}

describe('oidc-provider: the three grants with every client authentication', () => {
  for (const clientId of Object.keys(CLIENTS)) {
    test(`${clientId}: client credentials, then its token exchanged, then a JWT assertion traded`, async () => {
      const config = await connect(clientId)
      const issued = await requestClientCredentials(config)
      assert.equal(issued.accessToken.type, 'Bearer')
      registerSecret(issued.accessToken.value)
      const exchanged = await exchangeToken(config, {
        subjectToken: issued.accessToken.value,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        audience: ['billing', 'ledger'],
      })
      assert.equal(exchanged.issuedTokenType, ACCESS_TOKEN_TYPE)
      assert.notEqual(exchanged.accessToken.value, issued.accessToken.value)
      const traded = await requestJwtBearerGrant(config, { assertion: await assertion(op.issuer) })
      assert.equal(traded.accessToken.type, 'Bearer')
      assert.ok(typeof traded.accessToken.expiresAt === 'number')
    })
  }
})

describe('oidc-provider: refusals', () => {
  test('a client that did not register client credentials: TOKEN_ERROR_RESPONSE (twin: the clients above)', async () => {
    const config = await discover(op.issuer, {
      client_id: 'web-only',
      client_secret: SECRET,
      redirect_uris: [REDIRECT],
    })
    const err = await expectCode<OAuthResponseError>(
      requestClientCredentials(config),
      'TOKEN_ERROR_RESPONSE',
    )
    // oidc-provider 8 answers invalid_request here (RFC 6749 §5.2 suggests unauthorized_client)
    assert.deepEqual(
      [err.error, err.errorDescription],
      ['invalid_request', 'requested grant type is not allowed for this client'],
    )
  })

  test('a subject token the OP did not issue: TOKEN_ERROR_RESPONSE invalid_request', async () => {
    const config = await connect('basic')
    const err = await expectCode<OAuthResponseError>(
      exchangeToken(config, {
        subjectToken: 'not-a-token-of-this-op',
        subjectTokenType: ACCESS_TOKEN_TYPE,
      }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
  })

  test('an assertion for another audience: TOKEN_ERROR_RESPONSE invalid_grant', async () => {
    const config = await connect('basic')
    const err = await expectCode<OAuthResponseError>(
      requestJwtBearerGrant(config, { assertion: await assertion('https://other-op.example') }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
  })

  test('an OP without these grants lists grant_types_supported without them: OP_UNSUPPORTED_GRANT_TYPE', async () => {
    const config = await connect('basic', plainOp)
    await expectCode(requestClientCredentials(config), 'OP_UNSUPPORTED_GRANT_TYPE')
    await expectCode(
      exchangeToken(config, { subjectToken: 'x', subjectTokenType: ACCESS_TOKEN_TYPE }),
      'OP_UNSUPPORTED_GRANT_TYPE',
    )
    const enabled = await connect('basic')
    assert.ok(enabled.provider.grant_types_supported?.includes('client_credentials'))
  })
})
