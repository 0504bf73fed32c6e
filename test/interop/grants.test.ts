/**
 * The grants without a user at the browser against a real OP (oidc-provider 8): client
 * credentials (`features.clientCredentials`), token exchange and JWT bearer (small handlers
 * registered with `registerGrantType`), with every client authentication, and with DPoP
 * (`features.dPoP` with required nonces; the custom handlers bind their tokens with
 * oidc-provider's own proof check, as its client credentials grant does). Each refusal has its
 * passing twin.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose'
import Provider, { type ClientCredentialsToken, errors, type GrantContext } from 'oidc-provider'
import {
  ACCESS_TOKEN_TYPE,
  type ClientInput,
  createDPoPHandle,
  discover,
  exchangeToken,
  generateDPoPKeyPair,
  introspectToken,
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
let noDPoPOp: RunningOp
let rpKey: JWK
let assertionKey: CryptoKeyPair

/**
 * oidc-provider's own DPoP proof check (not in its public API: a deep import of the pinned
 * version 8), so the custom grants check and bind as its client credentials grant does.
 */
const VALIDATE_DPOP = 'oidc-provider/lib/helpers/validate_dpop.js'
let validateDPoP: (ctx: GrantContext) => Promise<{ thumbprint: string; jti: string } | undefined>

/** What oidc-provider's token models have beyond the declared types: DPoP binding. */
interface BindableToken {
  setThumbprint(kind: 'jkt', thumbprint: string): void
  readonly tokenType: 'Bearer' | 'DPoP'
}

/**
 * Binds a custom grant's token to the request's DPoP proof key, when it has a proof, as
 * oidc-provider's client credentials grant does (proof checked, nonce demanded, `jti` once).
 * @returns the token's `token_type`
 */
async function bindToProofKey(ctx: GrantContext, token: ClientCredentialsToken): Promise<string> {
  const bindable = token as unknown as BindableToken
  const proof = await validateDPoP(ctx)
  if (proof === undefined) return bindable.tokenType
  const replay = (op.provider as unknown as { ReplayDetection: ReplayDetection }).ReplayDetection
  const now = Math.floor(Date.now() / 1000)
  if (!(await replay.unique(ctx.oidc.client.clientId, proof.jti, now + 300))) {
    throw new errors.InvalidGrant('DPoP proof JWT Replay detected')
  }
  bindable.setThumbprint('jkt', proof.thumbprint)
  return bindable.tokenType
}

interface ReplayDetection {
  unique(clientId: string, jti: string, expiresAt: number): Promise<boolean>
}

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
  const tokenType = await bindToProofKey(ctx, token)
  ctx.body = {
    access_token: await token.save(),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: tokenType,
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
  const tokenType = await bindToProofKey(ctx, token)
  ctx.body = {
    access_token: await token.save(),
    token_type: tokenType,
    expires_in: token.expiration,
  }
  await next()
}

before(async () => {
  const rp = await keyPair('grants-rp-key')
  rpKey = rp.privateJwk
  assertionKey = await generateKeyPair('ES256')
  validateDPoP = ((await import(VALIDATE_DPOP)) as { default: typeof validateDPoP }).default
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
      configuration.features = {
        ...configuration.features,
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      }
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
  noDPoPOp = await startOp({
    clients: [
      {
        client_id: 'basic',
        client_secret: SECRET,
        ...machine,
        grant_types: ['client_credentials'],
      },
    ],
    adjust: (configuration) => {
      configuration.features = { ...configuration.features, clientCredentials: { enabled: true } }
    },
  })
})

after(async () => {
  await op?.close()
  await plainOp?.close()
  await noDPoPOp?.close()
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
  return discover(
    target.issuer,
    { client_id: clientId, redirect_uris: [REDIRECT], ...client },
    { fetch: recordingFetch },
  )
}

/** The token endpoint requests the SDK sent: whether each proof had a nonce (no proof: undefined). */
const tokenRequests: { proofNonce: boolean | undefined }[] = []
const recordingFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  if (url.pathname === '/token') {
    const proof = new Headers(init?.headers).get('dpop')
    tokenRequests.push({ proofNonce: proof === null ? undefined : 'nonce' in decodeJwt(proof) })
  }
  return fetch(input, init)
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

describe('oidc-provider with features.dPoP (required nonces): the three grants bind their tokens', () => {
  /** The access token's binding as oidc-provider's introspection reports it (RFC 9449 §6.2). */
  async function binding(config: Awaited<ReturnType<typeof connect>>, token: string) {
    const introspected = await introspectToken(config, token)
    assert.equal(introspected.active, true)
    return [introspected.token_type, (introspected.cnf as { jkt?: string } | undefined)?.jkt]
  }

  const GRANTS_WITH_DPOP = {
    'client credentials': requestClientCredentials,
    'token exchange': async (config: Awaited<ReturnType<typeof connect>>, options: object) => {
      const subject = await requestClientCredentials(config)
      registerSecret(subject.accessToken.value)
      return exchangeToken(config, {
        subjectToken: subject.accessToken.value,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        ...options,
      })
    },
    'JWT bearer': async (config: Awaited<ReturnType<typeof connect>>, options: object) =>
      requestJwtBearerGrant(config, { assertion: await assertion(op.issuer), ...options }),
  }

  for (const [name, grant] of Object.entries(GRANTS_WITH_DPOP)) {
    test(`${name}: token_type DPoP after the nonce retry, and introspection shows cnf.jkt of the key`, async () => {
      const config = await connect('basic')
      const dpop = await createDPoPHandle(await generateDPoPKeyPair())
      const result = await grant(config, {})
      tokenRequests.length = 0
      const bound = await grant(config, { dpop })
      registerSecret(result.accessToken.value, bound.accessToken.value)
      assert.equal(bound.accessToken.type, 'DPoP')
      const proofs = tokenRequests.filter((r) => r.proofNonce !== undefined)
      assert.deepEqual(
        proofs.map((r) => r.proofNonce),
        [false, true],
        'one use_dpop_nonce answer, then the proof with the nonce',
      )
      assert.deepEqual(await binding(config, bound.accessToken.value), ['DPoP', dpop.thumbprint])
      // the same grant without a handle: an unbound Bearer token
      assert.equal(result.accessToken.type, 'Bearer')
      assert.deepEqual(await binding(config, result.accessToken.value), ['Bearer', undefined])
    })
  }

  test('an OP without features.dPoP ignores the proof and answers Bearer: TOKEN_TYPE_UNEXPECTED (the token would travel unbound)', async () => {
    const config = await connect('basic', noDPoPOp)
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    await expectCode(requestClientCredentials(config, { dpop }), 'TOKEN_TYPE_UNEXPECTED')
  })

  test('an OP without features.dPoP, the twin: without a handle its Bearer token is accepted', async () => {
    const config = await connect('basic', noDPoPOp)
    const result = await requestClientCredentials(config)
    registerSecret(result.accessToken.value)
    assert.equal(result.accessToken.type, 'Bearer')
  })
})
