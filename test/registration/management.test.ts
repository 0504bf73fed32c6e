/**
 * Client management (RFC 7592) through the mock OP: read, update and delete with the registration
 * access token; a saved registration restored with its secrets; the client configuration endpoint
 * kept on the OP's origin. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import {
  type ClientRegistration,
  restoreClientRegistration,
} from '../../src/registration/client-registration.js'
import {
  deleteClientRegistration,
  readClientRegistration,
  updateClientRegistration,
} from '../../src/registration/management.js'
import { registerClient } from '../../src/registration/register.js'
import { createMockOP } from '../../src/testing/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'

const REDIRECT = 'https://rp.example/cb'
const op = await createMockOP({
  issuer: 'https://op.example.com/tenant',
  clients: [],
  users: { alice: { name: 'Alice' } },
  registration: {},
})
const fetch = op.fetch

async function register(): Promise<ClientRegistration> {
  const registration = await registerClient(
    op.issuer,
    { redirect_uris: [REDIRECT], client_name: 'Managed RP' },
    { fetch },
  )
  registerSecret(
    registration.secrets.clientSecret(),
    registration.secrets.registrationAccessToken(),
  )
  return registration
}

/** The secrets of a registration, as an application keeps them apart. */
function secretsOf(registration: ClientRegistration) {
  return {
    client_secret: registration.secrets.clientSecret()!,
    registration_access_token: registration.secrets.registrationAccessToken()!,
  }
}

describe('client management (RFC 7592)', () => {
  test('read answers the registration as the OP has it, with the access token as Bearer', async () => {
    const registration = await register()
    op.clearRequests()
    const read = await readClientRegistration(registration, { fetch })
    const sent = op.requests[0]!
    assert.equal(sent.method, 'GET')
    assert.equal(sent.url, registration.registrationClientUri)
    assert.equal(
      sent.headers.authorization,
      `Bearer ${registration.secrets.registrationAccessToken()}`,
    )
    assert.deepEqual(read.client, registration.client)
    assert.deepEqual(read.adjustments, [])
    assert.equal(read.secrets.clientSecret(), registration.secrets.clientSecret())
  })

  test('update replaces the metadata (client_id added, no secret sent); read then shows it', async () => {
    const registration = await register()
    const { client_id: _id, ...metadata } = registration.client
    op.clearRequests()
    const updated = await updateClientRegistration(
      registration,
      {
        ...metadata,
        client_name: 'Renamed RP',
        post_logout_redirect_uris: ['https://rp.example/'],
      },
      { fetch },
    )
    const sent = op.requests[0]!
    assert.equal(sent.method, 'PUT')
    const body = JSON.parse(sent.rawBody!)
    assert.equal(body.client_id, registration.client.client_id)
    for (const member of ['client_secret', 'registration_access_token', 'client_id_issued_at']) {
      assert.equal(body[member], undefined, member)
    }
    assert.equal(updated.client.client_name, 'Renamed RP')
    assert.deepEqual(updated.client.post_logout_redirect_uris, ['https://rp.example/'])
    const read = await readClientRegistration(updated, { fetch })
    assert.equal(read.client.client_name, 'Renamed RP')
    assert.equal(read.secrets.clientSecret(), registration.secrets.clientSecret())
  })

  test('delete answers 204; the deleted client cannot be read (invalid_token) nor sign in', async () => {
    const registration = await register()
    await readClientRegistration(registration, { fetch }) // the twin: before deletion, it reads
    await deleteClientRegistration(registration, { fetch })
    const err = await expectCode<OAuthResponseError>(
      readClientRegistration(registration, { fetch }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_token')
    await expectCode(
      deleteClientRegistration(registration, { fetch }),
      'REGISTRATION_ERROR_RESPONSE',
    )
  })

  test('a read that names another client_id is refused; the twin reads', async () => {
    const registration = await register()
    op.misbehave({ registration: 'other-client_id' })
    const err = await expectCode<ValidationError>(
      readClientRegistration(registration, { fetch }),
      'REGISTRATION_RESPONSE_INVALID',
    )
    assert.equal(err.claim, 'client_id')
    await readClientRegistration(registration, { fetch })
  })

  test('a read that adds a redirect URI the RP never registered is refused; the twin reads', async () => {
    const registration = await register()
    op.misbehave({ registration: 'other-redirect_uris' })
    await expectCode(
      readClientRegistration(registration, { fetch }),
      'REGISTRATION_RESPONSE_INVALID',
    )
    await readClientRegistration(registration, { fetch })
  })

  test('a read whose configuration endpoint moved to another host is refused; the twin reads', async () => {
    const registration = await register()
    op.misbehave({ registration: 'client-uri-elsewhere' })
    await expectCode(
      readClientRegistration(registration, { fetch }),
      'REGISTRATION_CLIENT_URI_NOT_ALLOWED',
    )
    await readClientRegistration(registration, { fetch })
  })

  test('a read answer that does not repeat the configuration endpoint keeps the known one', async () => {
    const registration = await register()
    op.misbehave({
      respond: {
        endpoint: 'registration',
        response: () =>
          Response.json({
            ...registration.client,
            client_secret: registration.secrets.clientSecret(),
            client_secret_expires_at: 0,
          }),
      },
    })
    const read = await readClientRegistration(registration, { fetch })
    assert.equal(read.registrationClientUri, registration.registrationClientUri)
    assert.equal(
      read.secrets.registrationAccessToken(),
      registration.secrets.registrationAccessToken(),
    )
    await readClientRegistration(read, { fetch }) // and it still manages the client
  })

  test('a saved registration restored with its secrets is managed again; with a wrong token it is refused', async () => {
    const registration = await register()
    const saved = JSON.stringify(registration)
    const restored = restoreClientRegistration(saved, secretsOf(registration))
    assert.deepEqual(restored.client, registration.client)
    assert.equal(restored.registrationClientUri, registration.registrationClientUri)
    assert.equal(
      (await readClientRegistration(restored, { fetch })).client.client_name,
      'Managed RP',
    )
    const wrong = restoreClientRegistration(saved, {
      ...secretsOf(registration),
      registration_access_token: 'not-the-registration-access-token',
    })
    const err = await expectCode<OAuthResponseError>(
      readClientRegistration(wrong, { fetch }),
      'REGISTRATION_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_token')
  })

  test('management without an access token: REGISTRATION_UNAVAILABLE, nothing sent', async () => {
    const registration = await register()
    const { registration_access_token: _token, ...secret } = secretsOf(registration)
    const restored = restoreClientRegistration(JSON.stringify(registration), secret)
    op.clearRequests()
    await expectCode(readClientRegistration(restored, { fetch }), 'REGISTRATION_UNAVAILABLE')
    await expectCode(deleteClientRegistration(restored, { fetch }), 'REGISTRATION_UNAVAILABLE')
    assert.deepEqual(op.requests, [])
  })

  test('saved data pointing the configuration endpoint elsewhere is refused; the OP origin is kept', async () => {
    const registration = await register()
    const data = JSON.parse(JSON.stringify(registration))
    for (const uri of [
      'https://attacker.example/register/x',
      'https://op.example.com.attacker.example/register/x',
      'http://op.example.com/register/x',
      'https://op.example.com:8443/register/x',
    ]) {
      await expectCode(
        () =>
          restoreClientRegistration(
            { ...data, registrationClientUri: uri },
            secretsOf(registration),
          ),
        'REGISTRATION_CLIENT_URI_NOT_ALLOWED',
      )
    }
    // the twin: another path on the OP's origin (the issuer has a path; the origin is what counts)
    const restored = restoreClientRegistration(
      { ...data, registrationClientUri: 'https://op.example.com/other/path' },
      secretsOf(registration),
    )
    assert.equal(restored.registrationClientUri, 'https://op.example.com/other/path')
  })

  test('restore refuses data that is no saved registration', async () => {
    for (const data of ['not json', '{}', { issuer: 'x' }, null]) {
      await expectCode(() => restoreClientRegistration(data, {}), 'INVALID_ARGUMENT')
    }
  })
})
