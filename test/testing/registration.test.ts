/**
 * The mock OP's registration endpoint (RFC 7591), client configuration endpoint (RFC 7592) and
 * WebFinger responder (RFC 7033), driven over plain HTTP: what they accept, what they refuse, and
 * that they are off unless asked for.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMockOP } from '../../src/testing/index.js'

const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer'
const op = await createMockOP({
  issuer: 'https://op.example.com/tenant',
  clients: [],
  users: {},
  registration: { initialAccessToken: 'the-initial-token' },
  webfinger: { resources: (resource) => resource.endsWith('@example.com') },
})
const REGISTER = `${op.issuer}/register`

function post(body: unknown, token = 'the-initial-token', url = REGISTER, method = 'POST') {
  return op.fetch(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
}

describe('mock OP registration endpoint', () => {
  it('is advertised only when enabled', async () => {
    assert.equal(op.metadata().registration_endpoint, REGISTER)
    const off = await createMockOP({ clients: [], users: {} })
    assert.equal(off.metadata().registration_endpoint, undefined)
    assert.equal((await off.fetch(`${off.issuer}/register`, { method: 'POST' })).status, 404)
  })

  it('registers with the initial access token (201, secret, management members); refuses without it (401)', async () => {
    const refused = await post({ redirect_uris: ['https://rp.example/cb'] }, 'wrong')
    assert.equal(refused.status, 401)
    assert.equal(((await refused.json()) as { error: string }).error, 'invalid_token')
    const created = await post({ redirect_uris: ['https://rp.example/cb'], client_name: 'x' })
    assert.equal(created.status, 201)
    const body = (await created.json()) as Record<string, unknown>
    assert.match(String(body.client_id), /^dyn-/)
    assert.equal(typeof body.client_secret, 'string')
    assert.equal(body.client_secret_expires_at, 0)
    assert.equal(body.registration_client_uri, `${REGISTER}/${body.client_id}`)
    assert.equal(body.client_name, 'x')
  })

  it('refuses bad metadata with RFC 7591 §3.2.2 errors', async () => {
    const cases: [unknown, string][] = [
      [{}, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://rp.example/cb#x'] }, 'invalid_redirect_uri'],
      [
        { redirect_uris: ['https://rp.example/cb'], jwks: { keys: [] }, jwks_uri: 'https://x' },
        'invalid_client_metadata',
      ],
      [
        { redirect_uris: ['https://rp.example/cb'], id_token_signed_response_alg: 'PS512' },
        'invalid_client_metadata',
      ],
      [[], 'invalid_client_metadata'],
    ]
    for (const [metadata, error] of cases) {
      const response = await post(metadata)
      assert.equal(response.status, 400)
      assert.equal(((await response.json()) as { error: string }).error, error)
    }
  })

  it('manages a client with its registration access token only (RFC 7592)', async () => {
    const created = (await (
      await post({ redirect_uris: ['https://rp.example/cb'] })
    ).json()) as Record<string, string>
    const uri = created.registration_client_uri!
    const token = created.registration_access_token!
    assert.equal((await op.fetch(uri, { headers: { authorization: 'Bearer other' } })).status, 401)
    assert.equal(
      (await op.fetch(uri, { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    )
    const wrongId = await post(
      { client_id: 'another', redirect_uris: ['https://rp.example/cb'] },
      token,
      uri,
      'PUT',
    )
    assert.equal(wrongId.status, 400)
    const withToken = await post(
      {
        client_id: created.client_id,
        redirect_uris: ['https://rp.example/cb'],
        registration_access_token: token,
      },
      token,
      uri,
      'PUT',
    )
    assert.equal(withToken.status, 400)
    const updated = await post(
      { client_id: created.client_id, redirect_uris: ['https://rp.example/other'] },
      token,
      uri,
      'PUT',
    )
    assert.equal(updated.status, 200)
    assert.deepEqual(((await updated.json()) as { redirect_uris: string[] }).redirect_uris, [
      'https://rp.example/other',
    ])
    const deleted = await op.fetch(uri, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(deleted.status, 204)
    assert.equal(
      (await op.fetch(uri, { headers: { authorization: `Bearer ${token}` } })).status,
      401,
    )
  })
})

describe('mock OP WebFinger responder', () => {
  const at = (query: string) => op.fetch(`https://op.example.com/.well-known/webfinger?${query}`)

  it('answers the issuer link on the issuer origin for the configured resources', async () => {
    const response = await at(
      `resource=acct%3Ajoe%40example.com&rel=${encodeURIComponent(ISSUER_REL)}`,
    )
    assert.equal(response.headers.get('content-type'), 'application/jrd+json')
    assert.deepEqual(await response.json(), {
      subject: 'acct:joe@example.com',
      links: [{ rel: ISSUER_REL, href: op.issuer }],
    })
  })

  it('filters the links by rel, answers 404 for other resources and 400 without one', async () => {
    const other = await at(
      'resource=acct%3Ajoe%40example.com&rel=http%3A%2F%2Fwebfinger.net%2Frel%2Favatar',
    )
    assert.deepEqual(((await other.json()) as { links: unknown[] }).links, [])
    assert.equal((await at('resource=acct%3Ajoe%40elsewhere.example')).status, 404)
    assert.equal((await at('rel=x')).status, 400)
  })

  it('is off unless asked for', async () => {
    const off = await createMockOP({ clients: [], users: {} })
    const response = await off.fetch(`${off.issuer}/.well-known/webfinger?resource=acct%3Aa%40b`)
    assert.equal(response.status, 404)
  })
})
