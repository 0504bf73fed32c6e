/**
 * Dynamic client registration (RFC 7591, OIDC Registration 1.0) and client management (RFC 7592)
 * against a real OP: oidc-provider 8 with `features.registration` (open, and with an initial access
 * token) and `features.registrationManagement` (rotating the registration access token). A client
 * registered here signs in through discover, createAuthorizationRequest and handleCallback; every
 * refusal has its twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type ClientRegistration,
  type ClientRegistrationMetadata,
  deleteClientRegistration,
  discover,
  type OAuthResponseError,
  readClientRegistration,
  registerClient,
  updateClientRegistration,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, REDIRECT } from './setup.js'

const browser = inBrowser()
const INITIAL_TOKEN = 'interop-initial-access-token-0123456789'
registerSecret(INITIAL_TOKEN)
const METADATA: ClientRegistrationMetadata = {
  redirect_uris: [REDIRECT],
  client_name: 'Interop RP',
  response_types: ['code'],
  grant_types: ['authorization_code'],
}

let open: RunningOp
let closed: RunningOp

before(async () => {
  open = await startOp({
    clients: [],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        registration: { enabled: true },
        registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      }
    },
  })
  closed = await startOp({
    clients: [],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        registration: { enabled: true, initialAccessToken: INITIAL_TOKEN },
      }
    },
  })
})

after(async () => {
  await open?.close()
  await closed?.close()
})

function remember(registration: ClientRegistration): ClientRegistration {
  registerSecret(
    registration.secrets.clientSecret(),
    registration.secrets.registrationAccessToken(),
  )
  return registration
}

/** Signs alice in with a registered client; returns the ID token's subject and audience. */
async function signIn(op: RunningOp, registration: ClientRegistration) {
  const config = await discover(op.issuer, {
    ...registration.client,
    client_secret: registration.secrets.clientSecret()!,
  })
  const { url } = await browser.createAuthorizationRequest(config)
  const result = await browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice' })),
  )
  registerSecret(result.accessToken?.value)
  return result.idTokenClaims
}

describe('oidc-provider: dynamic client registration', () => {
  test('rp-registration-dynamic: a client registered at oidc-provider signs in', async () => {
    const registration = remember(await registerClient(open.issuer, METADATA))
    assert.equal(registration.issuer, open.issuer)
    assert.equal(registration.registrationEndpoint, `${open.issuer}/reg`)
    assert.deepEqual(registration.client.redirect_uris, [REDIRECT])
    assert.equal(registration.client.token_endpoint_auth_method, 'client_secret_basic')
    assert.equal(registration.clientSecretExpiresAt, 0)
    assert.ok(registration.registrationClientUri?.startsWith(`${open.issuer}/reg/`))
    assert.deepEqual(registration.adjustments, [])
    assert.ok(!JSON.stringify(registration).includes(registration.secrets.clientSecret()!))
    const claims = await signIn(open, registration)
    assert.equal(claims.sub, 'alice')
    assert.equal(claims.aud, registration.client.client_id)
  })

  test('metadata the OP does not allow: REGISTRATION_ERROR_RESPONSE invalid_client_metadata; the twin registers', async () => {
    const err = await expectCode<OAuthResponseError>(
      registerClient(open.issuer, { ...METADATA, response_types: ['code token'] }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client_metadata')
    remember(await registerClient(open.issuer, { ...METADATA, response_types: ['code'] }))
  })

  test('without the initial access token the OP refuses (REGISTRATION_ERROR_RESPONSE); with it the client registers and signs in', async () => {
    // no token at all: oidc-provider says invalid_request (RFC 6750 §3.1); a wrong one: invalid_token
    const missing = await expectCode<OAuthResponseError>(
      registerClient(closed.issuer, METADATA),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(missing.error, 'invalid_request')
    const wrong = await expectCode<OAuthResponseError>(
      registerClient(closed.issuer, METADATA, { initialAccessToken: 'not-the-token-0123456789' }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(wrong.error, 'invalid_token')
    const registration = remember(
      await registerClient(closed.issuer, METADATA, { initialAccessToken: INITIAL_TOKEN }),
    )
    assert.equal((await signIn(closed, registration)).sub, 'alice')
  })
})

describe('oidc-provider: client management (RFC 7592)', () => {
  test('read, update (the OP rotates the access token), read again, delete', async () => {
    const registration = remember(await registerClient(open.issuer, METADATA))
    const read = remember(await readClientRegistration(registration))
    assert.equal(read.client.client_id, registration.client.client_id)
    assert.equal(read.client.client_name, 'Interop RP')
    assert.deepEqual(read.adjustments, [])
    const updated = remember(
      await updateClientRegistration(read, {
        ...METADATA,
        ...pick(read.client),
        client_name: 'Renamed RP',
      }),
    )
    assert.equal(updated.client.client_name, 'Renamed RP')
    assert.deepEqual(updated.adjustments, [])
    assert.equal(updated.secrets.clientSecret(), registration.secrets.clientSecret())
    // the update rotated the registration access token: the old one is refused, the new one reads
    assert.ok(
      updated.secrets.registrationAccessToken() !== read.secrets.registrationAccessToken(),
      'the registration access token was rotated',
    )
    const stale = await expectCode<OAuthResponseError>(
      readClientRegistration(read),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(stale.error, 'invalid_token')
    const again = remember(await readClientRegistration(updated))
    assert.equal(again.client.client_name, 'Renamed RP')
    assert.equal((await signIn(open, again)).sub, 'alice')
    await deleteClientRegistration(again)
    const err = await expectCode<OAuthResponseError>(
      readClientRegistration(again),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_token')
  })
})

/** The members an RP sends back on update: what it registered, not the OP's defaults. */
function pick(metadata: Record<string, unknown>): Partial<ClientRegistrationMetadata> {
  const kept = ['redirect_uris', 'response_types', 'grant_types', 'token_endpoint_auth_method']
  return Object.fromEntries(Object.entries(metadata).filter(([member]) => kept.includes(member)))
}
