/**
 * Dynamic client registration (RFC 7591, OIDC Registration 1.0) through the mock OP's registration
 * endpoint: the client registered, then signed in with; the secrets kept apart; the OP's answer read
 * strictly, each broken answer refused with its twin; the metadata checked before it is sent.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { inspect } from 'node:util'
import { exportJWK, generateKeyPair } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { Configuration } from '../../src/config/configuration.js'
import { discover } from '../../src/discovery.js'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import type { ClientKey } from '../../src/lib/client-keys.js'
import type {
  ClientRegistration,
  ClientRegistrationMetadata,
} from '../../src/registration/client-registration.js'
import { registerClient } from '../../src/registration/register.js'
import { createMockOP, type MockOP, type RegistrationFault } from '../../src/testing/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'

const REDIRECT = 'https://rp.example/cb'
const INITIAL_TOKEN = 'initial-access-token-0123456789abcdef'
registerSecret(INITIAL_TOKEN)

const op: MockOP = await createMockOP({
  issuer: 'https://op.example.com',
  clients: [],
  users: { alice: { name: 'Alice' } },
  registration: {
    check: (metadata) =>
      metadata.software_statement === 'not-a-trusted-statement'
        ? { error: 'invalid_software_statement', error_description: 'untrusted statement' }
        : undefined,
  },
})
const closed: MockOP = await createMockOP({
  issuer: 'https://closed.example.com',
  clients: [],
  users: { alice: { name: 'Alice' } },
  registration: { initialAccessToken: INITIAL_TOKEN },
})
const METADATA: ClientRegistrationMetadata = {
  redirect_uris: [REDIRECT],
  client_name: 'Test RP',
  response_types: ['code'],
  grant_types: ['authorization_code'],
}

/** Registers and remembers the secrets so that no error may leak them. */
async function register(
  metadata: ClientRegistrationMetadata = METADATA,
  on: MockOP = op,
  options: Parameters<typeof registerClient>[2] = {},
): Promise<ClientRegistration> {
  const registration = await registerClient(on.issuer, metadata, { fetch: on.fetch, ...options })
  registerSecret(
    registration.secrets.clientSecret(),
    registration.secrets.registrationAccessToken(),
  )
  return registration
}

/** A whole sign-in with a configuration, as alice. */
async function signIn(config: Configuration, on: MockOP = op) {
  const { url, browserBinding } = await createAuthorizationRequest(config)
  const response = await on.authorize(url, { user: 'alice' })
  const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
  return handleCallback(config, response.url, { cookie })
}

async function configure(
  registration: ClientRegistration,
  on: MockOP = op,
  keys?: readonly ClientKey[],
): Promise<Configuration> {
  const secret = registration.secrets.clientSecret()
  return discover(
    on.issuer,
    {
      ...registration.client,
      ...(secret === undefined ? {} : { client_secret: secret }),
      ...(keys === undefined ? {} : { keys }),
    },
    { fetch: on.fetch },
  )
}

describe('registerClient', () => {
  test('rp-registration-dynamic: a client registered dynamically signs in', async () => {
    op.clearRequests()
    const registration = await register()
    const sent = op.requests.find((r) => r.endpoint === 'registration')!
    assert.equal(sent.method, 'POST')
    assert.equal(sent.headers['content-type'], 'application/json')
    assert.equal(sent.headers.authorization, undefined)
    assert.deepEqual(JSON.parse(sent.rawBody!), METADATA)
    assert.equal(registration.issuer, op.issuer)
    assert.equal(registration.registrationEndpoint, `${op.issuer}/register`)
    assert.match(registration.client.client_id, /^dyn-/)
    assert.deepEqual(registration.client.redirect_uris, [REDIRECT])
    assert.equal(registration.client.token_endpoint_auth_method, 'client_secret_basic')
    assert.equal(registration.client.client_name, 'Test RP')
    assert.equal(typeof registration.secrets.clientSecret(), 'string')
    assert.equal(registration.clientSecretExpiresAt, 0)
    assert.equal(typeof registration.clientIdIssuedAt, 'number')
    assert.equal(
      registration.registrationClientUri,
      `${op.issuer}/register/${registration.client.client_id}`,
    )
    assert.deepEqual(registration.adjustments, [])
    const result = await signIn(await configure(registration))
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.equal(result.idTokenClaims.aud, registration.client.client_id)
  })

  test('the secrets are never serialised nor printed; the methods give them', async () => {
    const registration = await register()
    const secret = registration.secrets.clientSecret()!
    const token = registration.secrets.registrationAccessToken()!
    const texts = [
      JSON.stringify(registration),
      inspect(registration, { showHidden: true, depth: Infinity, getters: true }),
      inspect(registration.secrets, { showHidden: true, customInspect: false, getters: true }),
      String(registration.secrets),
      JSON.stringify(structuredClone(registration)),
    ]
    for (const text of texts) {
      assert.ok(!text.includes(secret), `the client secret leaks: ${text.slice(0, 80)}`)
      assert.ok(!text.includes(token), `the access token leaks: ${text.slice(0, 80)}`)
    }
    // the twin: the data itself is there
    assert.ok(texts[0]!.includes(registration.client.client_id))
    assert.equal(JSON.parse(texts[0]!).registrationClientUri, registration.registrationClientUri)
  })

  test('the OP metadata may be given instead of the issuer (no discovery request)', async () => {
    op.clearRequests()
    const registration = await registerClient(op.metadata(), METADATA, { fetch: op.fetch })
    assert.deepEqual(
      op.requests.map((r) => r.endpoint),
      ['registration'],
    )
    registerSecret(
      registration.secrets.clientSecret(),
      registration.secrets.registrationAccessToken(),
    )
  })

  test('an OP without registration_endpoint: REGISTRATION_UNAVAILABLE, nothing sent; the twin has one', async () => {
    const none = await createMockOP({
      issuer: 'https://static.example.com',
      clients: [],
      users: {},
    })
    await expectCode(
      registerClient(none.issuer, METADATA, { fetch: none.fetch }),
      'REGISTRATION_UNAVAILABLE',
    )
    assert.ok(!none.requests.some((r) => r.url.includes('/register')))
    assert.match((await register()).client.client_id, /^dyn-/)
  })

  test('the initial access token: refused without it (invalid_token), registered with it', async () => {
    const err = await expectCode<OAuthResponseError>(
      registerClient(closed.issuer, METADATA, { fetch: closed.fetch }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_token')
    assert.equal(err.status, 401)
    await expectCode(
      registerClient(closed.issuer, METADATA, {
        fetch: closed.fetch,
        initialAccessToken: 'not-the-initial-access-token',
      }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    closed.clearRequests()
    const registration = await register(METADATA, closed, { initialAccessToken: INITIAL_TOKEN })
    const sent = closed.requests.find((r) => r.endpoint === 'registration')!
    assert.equal(sent.headers.authorization, `Bearer ${INITIAL_TOKEN}`)
    const result = await signIn(await configure(registration, closed), closed)
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('a software statement is sent as software_statement; an untrusted one is refused, the twin passes', async () => {
    const err = await expectCode<OAuthResponseError>(
      register(METADATA, op, { softwareStatement: 'not-a-trusted-statement' }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_software_statement')
    op.clearRequests()
    await register(METADATA, op, { softwareStatement: 'eyJhbGciOiJub25lIn0.e30.' })
    const sent = JSON.parse(op.requests.find((r) => r.endpoint === 'registration')!.rawBody!)
    assert.equal(sent.software_statement, 'eyJhbGciOiJub25lIn0.e30.')
  })

  test('an RFC 7591 §3.2.2 error response: REGISTRATION_ERROR_RESPONSE with its error; the twin registers', async () => {
    op.misbehave({
      oauthError: {
        endpoint: 'registration',
        error: 'invalid_redirect_uri',
        error_description: 'not allowed here',
      },
    })
    const err = await expectCode<OAuthResponseError>(register(), 'REGISTRATION_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_redirect_uri')
    assert.equal(err.errorDescription, 'not allowed here')
    await register()
  })

  test('the OP refusing metadata it cannot take (jwks_uri at the mock): invalid_client_metadata', async () => {
    const err = await expectCode<OAuthResponseError>(
      register({ ...METADATA, jwks_uri: 'https://rp.example/jwks.json' }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client_metadata')
  })

  const broken: [
    RegistrationFault,
    'REGISTRATION_RESPONSE_INVALID' | 'REGISTRATION_CLIENT_URI_NOT_ALLOWED',
    string,
  ][] = [
    ['no-client_id', 'REGISTRATION_RESPONSE_INVALID', 'client_id'],
    ['other-redirect_uris', 'REGISTRATION_RESPONSE_INVALID', 'redirect_uris'],
    ['id_token-alg-none', 'REGISTRATION_RESPONSE_INVALID', 'id_token_signed_response_alg'],
    ['no-secret-expiry', 'REGISTRATION_RESPONSE_INVALID', 'client_secret_expires_at'],
    ['no-secret', 'REGISTRATION_RESPONSE_INVALID', 'client_secret'],
    ['client-uri-elsewhere', 'REGISTRATION_CLIENT_URI_NOT_ALLOWED', 'registration_client_uri'],
  ]
  for (const [fault, code, claim] of broken) {
    test(`a registration answer with ${fault} is refused (${code}, ${claim}); the twin passes`, async () => {
      op.misbehave({ registration: fault })
      const err = await expectCode<ValidationError>(register(), code)
      assert.equal(err.claim, claim)
      const registration = await register()
      assert.deepEqual(registration.adjustments, [])
    })
  }

  test('metadata the OP changed is accepted and reported in adjustments; the twin reports none', async () => {
    op.misbehave({ registration: 'changed-metadata' })
    const changed = await register()
    assert.deepEqual(changed.adjustments, [
      { member: 'client_name', requested: 'Test RP', registered: 'Renamed by the OP' },
    ])
    assert.equal(changed.client.default_max_age, 3600)
    assert.deepEqual((await register()).adjustments, [])
  })

  test('metadata the RP must not send is refused before anything is sent; the twin registers', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'rp-1', alg: 'ES256', use: 'sig' }
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'rp-1', alg: 'ES256', use: 'sig' }
    registerSecret(privateJwk.d)
    const bad: ClientRegistrationMetadata[] = [
      { ...METADATA, redirect_uris: [] },
      { ...METADATA, redirect_uris: ['/relative'] },
      { ...METADATA, redirect_uris: ['https://rp.example/cb#frag'] },
      { ...METADATA, jwks: { keys: [privateJwk] }, token_endpoint_auth_method: 'private_key_jwt' },
      { ...METADATA, jwks: { keys: [publicJwk] }, jwks_uri: 'https://rp.example/jwks' },
      { ...METADATA, token_endpoint_auth_method: 'private_key_jwt' },
      { ...METADATA, client_secret: 'chosen-by-the-rp' },
      { ...METADATA, client_id: 'chosen-by-the-rp' },
    ]
    op.clearRequests()
    for (const metadata of bad) {
      await expectCode(
        registerClient(op.metadata(), metadata, { fetch: op.fetch }),
        'INVALID_ARGUMENT',
      )
    }
    assert.deepEqual(op.requests, [])
    // the twin: the public key registered, private_key_jwt signs in with the private one
    const registration = await register({
      ...METADATA,
      jwks: { keys: [publicJwk] },
      token_endpoint_auth_method: 'private_key_jwt',
    })
    assert.equal(registration.secrets.clientSecret(), undefined)
    const result = await signIn(await configure(registration, op, [privateJwk]))
    assert.equal(result.idTokenClaims.sub, 'alice')
  })
})
