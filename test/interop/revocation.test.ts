/**
 * Token revocation (RFC 7009) and introspection (RFC 7662, JWT responses of RFC 9701) against a
 * real OP: oidc-provider 8 with `features.revocation`, `features.introspection` and
 * `features.jwtIntrospection`. Every client authentication method; every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { ClientMetadata } from 'oidc-provider'
import {
  type ClientInput,
  type Configuration,
  discover,
  introspectToken,
  type OAuthResponseError,
  refreshTokens,
  revokeToken,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { keyPair } from './rp.js'
import { callbackInput, REDIRECT, SECRET } from './setup.js'

const browser = inBrowser()
const JWT_TYPE = 'application/token-introspection+jwt'

let op: RunningOp
let rpKey: Awaited<ReturnType<typeof keyPair>>
let encKey: { privateJwk: JWK; publicJwk: JWK }
/** The `Accept` header of every introspection request the RP sent. */
const accepted: string[] = []

/** The RP's fetch: records the `Accept` of introspection requests. */
const recordingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init)
  if (new URL(request.url).pathname.includes('introspect')) {
    accepted.push(request.headers.get('accept') ?? '')
  }
  return fetch(request)
}

/** The clients, by what they show; `input` is what the RP is given beside the client_id. */
const CLIENTS: Record<string, { op: Partial<ClientMetadata>; input: Partial<ClientInput> }> = {}

before(async () => {
  rpKey = await keyPair('rp-key')
  const enc = await generateKeyPair('RSA-OAEP-256', { extractable: true })
  const meta = { kid: 'rp-enc', use: 'enc', alg: 'RSA-OAEP-256' }
  encKey = {
    privateJwk: { ...(await exportJWK(enc.privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(enc.publicKey)), ...meta },
  }
  registerSecret(encKey.privateJwk.d)
  const secret = { client_secret: SECRET }
  Object.assign(CLIENTS, {
    basic: { op: secret, input: secret },
    post: {
      op: { ...secret, token_endpoint_auth_method: 'client_secret_post' },
      input: { ...secret, token_endpoint_auth_method: 'client_secret_post' },
    },
    'secret-jwt': {
      op: { ...secret, token_endpoint_auth_method: 'client_secret_jwt' },
      input: { ...secret, token_endpoint_auth_method: 'client_secret_jwt' },
    },
    'private-key-jwt': {
      op: { jwks: { keys: [rpKey.publicJwk] }, token_endpoint_auth_method: 'private_key_jwt' },
      input: { keys: [rpKey.privateJwk], token_endpoint_auth_method: 'private_key_jwt' },
    },
    public: {
      op: { token_endpoint_auth_method: 'none' },
      input: { token_endpoint_auth_method: 'none' },
    },
    'jwt-introspection': {
      op: { ...secret, introspection_signed_response_alg: 'RS256' },
      input: { ...secret, introspection_signed_response_alg: 'RS256' },
    },
    'jwe-introspection': {
      op: {
        ...secret,
        jwks: { keys: [encKey.publicJwk] },
        introspection_signed_response_alg: 'RS256',
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
        introspection_encrypted_response_enc: 'A128CBC-HS256',
      },
      input: {
        ...secret,
        keys: [encKey.privateJwk],
        introspection_signed_response_alg: 'RS256',
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
        introspection_encrypted_response_enc: 'A128CBC-HS256',
      },
    },
  } satisfies typeof CLIENTS)
  op = await startOp({
    clients: Object.entries(CLIENTS).map(([clientId, { op: registration }]) => ({
      client_id: clientId,
      redirect_uris: [REDIRECT],
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      ...registration,
    })) as ClientMetadata[],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        revocation: { enabled: true },
        introspection: { enabled: true },
        jwtIntrospection: { enabled: true },
        encryption: { enabled: true },
      }
    },
  })
})

after(async () => {
  await op?.close()
})

async function connect(clientId: string, input: Partial<ClientInput> = {}): Promise<Configuration> {
  return discover(
    op.issuer,
    { client_id: clientId, redirect_uris: [REDIRECT], ...CLIENTS[clientId]!.input, ...input },
    { fetch: recordingFetch },
  )
}

/** Signs alice in; returns the configuration and her tokens. */
async function signedIn(clientId: string, input: Partial<ClientInput> = {}) {
  const config = await connect(clientId, input)
  const { url } = await browser.createAuthorizationRequest(config)
  const result = await browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice' })),
  )
  const accessToken = result.accessToken!.value
  const refreshToken = result.refreshToken!
  registerSecret(accessToken, refreshToken)
  return { config, accessToken, refreshToken }
}

describe('oidc-provider: revocation and introspection with every client authentication', () => {
  for (const clientId of ['basic', 'post', 'secret-jwt', 'private-key-jwt', 'public']) {
    test(`${clientId}: an active access token, revoked, is inactive`, async () => {
      const { config, accessToken } = await signedIn(clientId)
      const before = await introspectToken(config, accessToken, { tokenTypeHint: 'access_token' })
      assert.equal(before.active, true)
      assert.equal(before.sub, 'alice')
      assert.equal(before.client_id, clientId)
      await revokeToken(config, accessToken, { tokenTypeHint: 'access_token' })
      assert.deepEqual(await introspectToken(config, accessToken), { active: false })
    })
  }

  test('a revoked refresh token no longer refreshes (invalid_grant) and its access token is inactive', async () => {
    const { config, accessToken, refreshToken } = await signedIn('basic')
    assert.equal((await introspectToken(config, refreshToken)).active, true)
    await revokeToken(config, refreshToken, { tokenTypeHint: 'refresh_token' })
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(config, refreshToken),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
    assert.deepEqual(await introspectToken(config, accessToken), { active: false })
  })

  test('the twin: a refresh token not revoked refreshes', async () => {
    const { config, refreshToken } = await signedIn('basic')
    const refreshed = await refreshTokens(config, refreshToken)
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.equal(typeof refreshed.accessToken.value, 'string')
  })

  test('a token the OP never issued: revocation succeeds, introspection says inactive', async () => {
    const config = await connect('basic')
    await revokeToken(config, 'never-issued-token-value')
    assert.deepEqual(await introspectToken(config, 'never-issued-token-value'), { active: false })
  })

  test('a wrong client secret is refused by the OP: REVOCATION_ERROR_RESPONSE invalid_client', async () => {
    const config = await connect('basic', { client_secret: 'not-the-secret-0123456789abcdef' })
    const err = await expectCode<OAuthResponseError>(
      revokeToken(config, 'some-token-value'),
      'REVOCATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client')
    const failed = await expectCode<OAuthResponseError>(
      introspectToken(config, 'some-token-value'),
      'INTROSPECTION_ERROR_RESPONSE',
    )
    assert.equal(failed.error, 'invalid_client')
  })
})

describe('oidc-provider: JWT introspection responses (RFC 9701)', () => {
  test('a client that registered RS256 gets and verifies a signed response', async () => {
    const { config, accessToken } = await signedIn('jwt-introspection')
    accepted.length = 0
    const result = await introspectToken(config, accessToken)
    assert.equal(result.active, true)
    assert.equal(result.sub, 'alice')
    assert.deepEqual(accepted, [JWT_TYPE])
  })

  test('a client that registered encryption gets an encrypted, signed response and reads it', async () => {
    const { config, accessToken } = await signedIn('jwe-introspection')
    const result = await introspectToken(config, accessToken)
    assert.equal(result.active, true)
    assert.equal(result.client_id, 'jwe-introspection')
  })

  test('the OP signing with RS256 while the RP expects ES256: INTROSPECTION_SIGNATURE_INVALID', async () => {
    const { accessToken } = await signedIn('jwt-introspection')
    const config = await connect('jwt-introspection', {
      introspection_signed_response_alg: 'ES256',
    })
    await expectCode(introspectToken(config, accessToken), 'INTROSPECTION_SIGNATURE_INVALID')
  })

  test('the twin: an RP that did not register JWT responses asks for JSON and gets it from the same client', async () => {
    const { accessToken } = await signedIn('jwt-introspection')
    const config = await connect('jwt-introspection', {
      introspection_signed_response_alg: undefined,
    })
    accepted.length = 0
    assert.equal((await introspectToken(config, accessToken)).active, true)
    assert.deepEqual(accepted, ['application/json'])
  })
})
