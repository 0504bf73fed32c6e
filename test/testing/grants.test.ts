/**
 * The mock OP's grants without an authorization request (src/testing/grants.ts), spoken to over
 * raw HTTP: who may use them, what they check, and their grantResponse faults.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import { createMockOP, type MockClient } from '../../src/testing/index.js'

const SECRET = 'mock-grants-client-secret-0123456789'
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token'

async function opWith(client: Partial<MockClient> = {}) {
  return createMockOP({
    clients: [
      {
        client_id: 'machine',
        client_secret: SECRET,
        redirect_uris: ['https://rp.example/cb'],
        grant_types: ['client_credentials', TOKEN_EXCHANGE],
        ...client,
      },
    ],
    users: {},
  })
}

async function post(
  op: Awaited<ReturnType<typeof opWith>>,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await op.fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`machine:${SECRET}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(params),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('mock OP: client credentials', () => {
  test('a client that registered it gets a Bearer token without refresh or ID token', async () => {
    const op = await opWith()
    const { status, body } = await post(op, { grant_type: 'client_credentials', scope: 'a' })
    assert.equal(status, 200)
    assert.deepEqual(Object.keys(body).sort(), [
      'access_token',
      'expires_in',
      'scope',
      'token_type',
    ])
    assert.equal(body.token_type, 'Bearer')
  })

  test('a client that did not register it: 400 unauthorized_client', async () => {
    const op = await opWith({ grant_types: ['authorization_code'] })
    const { status, body } = await post(op, { grant_type: 'client_credentials' })
    assert.deepEqual([status, body.error], [400, 'unauthorized_client'])
  })

  test('the metadata lists the three grants', async () => {
    const op = await opWith()
    const listed = op.metadata().grant_types_supported as string[]
    for (const grant of [
      'client_credentials',
      TOKEN_EXCHANGE,
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]) {
      assert.ok(listed.includes(grant), grant)
    }
  })
})

describe('mock OP: token exchange checks the tokens and their types', () => {
  async function subjectToken(op: Awaited<ReturnType<typeof opWith>>) {
    return String((await post(op, { grant_type: 'client_credentials' })).body.access_token)
  }

  test('its own access token, typed as one, is exchanged (twin of the refusals below)', async () => {
    const op = await opWith()
    const { status, body } = await post(op, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: await subjectToken(op),
      subject_token_type: ACCESS_TOKEN,
    })
    assert.equal(status, 200)
    assert.deepEqual([body.issued_token_type, body.token_type], [ACCESS_TOKEN, 'Bearer'])
  })

  const refusals: [string, (token: string) => Record<string, string>][] = [
    [
      'an unknown subject token',
      () => ({ subject_token: 'unknown', subject_token_type: ACCESS_TOKEN }),
    ],
    [
      'a token type that is not of RFC 8693',
      (t) => ({ subject_token: t, subject_token_type: 'urn:x:access' }),
    ],
    ['no subject_token_type', (t) => ({ subject_token: t })],
    [
      'an actor_token_type without actor_token',
      (t) => ({
        subject_token: t,
        subject_token_type: ACCESS_TOKEN,
        actor_token_type: ACCESS_TOKEN,
      }),
    ],
    [
      'the access token typed as a refresh token',
      (t) => ({
        subject_token: t,
        subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
    ],
  ]
  for (const [name, params] of refusals) {
    test(`${name}: 400 invalid_request`, async () => {
      const op = await opWith()
      const { status, body } = await post(op, {
        grant_type: TOKEN_EXCHANGE,
        ...params(await subjectToken(op)),
      })
      assert.deepEqual([status, body.error], [400, 'invalid_request'])
    })
  }
})

describe('mock OP: grantResponse faults', () => {
  test('no-issued_token_type, access-token-as-N_A and with-id_token each change the next grant answer once', async () => {
    const op = await opWith()
    const subject = String((await post(op, { grant_type: 'client_credentials' })).body.access_token)
    const exchange = async () =>
      (
        await post(op, {
          grant_type: TOKEN_EXCHANGE,
          subject_token: subject,
          subject_token_type: ACCESS_TOKEN,
        })
      ).body
    op.misbehave({ grantResponse: 'no-issued_token_type' })
    assert.equal('issued_token_type' in (await exchange()), false)
    op.misbehave({ grantResponse: 'access-token-as-N_A' })
    assert.equal((await exchange()).token_type, 'N_A')
    op.misbehave({ grantResponse: 'with-id_token' })
    const withIdToken = await post(op, { grant_type: 'client_credentials' })
    assert.equal(typeof withIdToken.body.id_token, 'string')
    const plain = await exchange()
    assert.deepEqual(
      [plain.token_type, plain.issued_token_type, plain.id_token],
      ['Bearer', ACCESS_TOKEN, undefined],
    )
  })
})

describe('mock OP: DPoP proofs at these grants, as at the code grant (RFC 9449 §4.3, §5)', () => {
  const userinfo = async (
    op: Awaited<ReturnType<typeof opWith>>,
    headers: Record<string, string>,
  ) => (await op.fetch(`${op.issuer}/userinfo`, { headers })).status

  test('a good proof: token_type DPoP, and UserInfo takes the token only with a proof of that key', async () => {
    const op = await opWith()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const tokenUrl = `${op.issuer}/token`
    const { status, body } = await post(
      op,
      { grant_type: 'client_credentials' },
      { dpop: await dpop.proof('POST', tokenUrl) },
    )
    assert.deepEqual([status, body.token_type], [200, 'DPoP'])
    const token = String(body.access_token)
    const url = `${op.issuer}/userinfo`
    assert.equal(await userinfo(op, { authorization: `Bearer ${token}` }), 401)
    const other = await createDPoPHandle(await generateDPoPKeyPair())
    const otherProof = await other.proof('GET', url, { accessToken: token })
    assert.equal(await userinfo(op, { authorization: `DPoP ${token}`, dpop: otherProof }), 401)
    const proof = await dpop.proof('GET', url, { accessToken: token })
    assert.equal(await userinfo(op, { authorization: `DPoP ${token}`, dpop: proof }), 200)
  })

  test('a proof for another URL (htu), or a replayed one (jti): 400 invalid_dpop_proof (twin: the test above)', async () => {
    const op = await opWith()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const wrongHtu = await dpop.proof('POST', `${op.issuer}/userinfo`)
    const refused = await post(op, { grant_type: 'client_credentials' }, { dpop: wrongHtu })
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_dpop_proof'])
    const proof = await dpop.proof('POST', `${op.issuer}/token`)
    assert.equal(
      (await post(op, { grant_type: 'client_credentials' }, { dpop: proof })).status,
      200,
    )
    const replayed = await post(op, { grant_type: 'client_credentials' }, { dpop: proof })
    assert.deepEqual([replayed.status, replayed.body.error], [400, 'invalid_dpop_proof'])
  })

  test('bearer-token-type: the token exchange binds the token but answers Bearer, once', async () => {
    const op = await opWith()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const subject = String((await post(op, { grant_type: 'client_credentials' })).body.access_token)
    const exchange = async () =>
      (
        await post(
          op,
          { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN },
          { dpop: await dpop.proof('POST', `${op.issuer}/token`) },
        )
      ).body
    op.misbehave({ dpop: 'bearer-token-type' })
    const faulty = await exchange()
    assert.equal(faulty.token_type, 'Bearer')
    const token = String(faulty.access_token)
    assert.equal(await userinfo(op, { authorization: `Bearer ${token}` }), 401)
    assert.equal((await exchange()).token_type, 'DPoP')
  })
})
