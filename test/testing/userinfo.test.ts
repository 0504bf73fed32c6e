import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { compactDecrypt, decodeProtectedHeader } from 'jose'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import {
  generateClientKeys,
  obtainCode,
  postForm,
  redeem,
  secretClient,
  USERS,
  verifyWithOp,
} from '../support/mock-op.js'

let op: MockOP
let keys: Awaited<ReturnType<typeof generateClientKeys<'rsaEnc' | 'ecEnc'>>>
let clockOffset = 0

before(async () => {
  keys = await generateClientKeys('rsaEnc', 'ecEnc')
  const encKeys = { keys: [keys.rsaEnc.jwk, keys.ecEnc.jwk] }
  op = await createMockOP({
    clients: [
      secretClient('web'),
      secretClient('signed', { userinfo_signed_response_alg: 'ES256' }),
      secretClient('encrypted', {
        jwks: encKeys,
        userinfo_signed_response_alg: 'RS256',
        userinfo_encrypted_response_alg: 'RSA-OAEP-256',
        id_token_encrypted_response_alg: 'ECDH-ES',
        id_token_encrypted_response_enc: 'A256GCM',
      }),
    ],
    users: USERS,
    now: () => Date.now() + clockOffset,
  })
})

/** An access token for a client, with extra authorization parameters. */
async function accessToken(clientId: string, extra: Record<string, string> = {}, user = 'alice') {
  const { code, verifier } = await obtainCode(op, clientId, extra, { user })
  const { body } = await redeem(op, clientId, code, verifier)
  return body
}

/** GET /userinfo with a bearer token. */
function userinfo(token: string): Promise<Response> {
  return op.fetch(String(op.metadata().userinfo_endpoint), {
    headers: { authorization: `Bearer ${token}` },
  })
}

describe('UserInfo', () => {
  it('returns the claims of the granted scopes from a header token', async () => {
    const { access_token } = await accessToken('web')
    const response = await userinfo(access_token ?? '')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    assert.deepEqual(await response.json(), { sub: 'alice', ...USERS.alice })
    assert.equal(op.requests.at(-1)?.accessTokenIn, 'header')
  })

  it('accepts the token in a form body (RFC 6750 §2.2) but not in both places', async () => {
    const { access_token } = await accessToken('web', { scope: 'openid email' }, 'bob')
    const body = await postForm(op, 'userinfo', { access_token: access_token ?? '' })
    assert.deepEqual(await body.json(), {
      sub: 'bob',
      email: 'bob@example.com',
      email_verified: false,
    })
    assert.equal(op.requests.at(-1)?.accessTokenIn, 'body')
    const both = await postForm(
      op,
      'userinfo',
      { access_token: access_token ?? '' },
      {
        authorization: `Bearer ${access_token}`,
      },
    )
    assert.equal(both.status, 400)
  })

  it('adds claims the claims parameter asks for at UserInfo', async () => {
    const claims = JSON.stringify({ userinfo: { name: null } })
    const { access_token } = await accessToken('web', { scope: 'openid', claims })
    assert.deepEqual(await (await userinfo(access_token ?? '')).json(), {
      sub: 'alice',
      name: 'Alice Liddell',
    })
  })

  it('answers 401 invalid_token for an unknown or expired token, and a bare challenge without one', async () => {
    const unknown = await userinfo('not-a-token')
    assert.equal(unknown.status, 401)
    assert.match(unknown.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/)
    const missing = await op.fetch(String(op.metadata().userinfo_endpoint))
    assert.equal(missing.status, 401)
    const challenge = missing.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /^Bearer realm=/)
    assert.doesNotMatch(challenge, /error=/)
    const { access_token } = await accessToken('web')
    assert.equal((await userinfo(access_token ?? '')).status, 200)
    clockOffset = 3_601_000
    try {
      assert.equal((await userinfo(access_token ?? '')).status, 401)
    } finally {
      clockOffset = 0
    }
  })

  it('answers a signed JWT with iss and aud when the client registered a signing alg', async () => {
    const { access_token } = await accessToken('signed')
    const response = await userinfo(access_token ?? '')
    assert.equal(response.headers.get('content-type'), 'application/jwt')
    const jwt = await response.text()
    assert.equal(decodeProtectedHeader(jwt).alg, 'ES256')
    const claims = await verifyWithOp(op, jwt, 'signed')
    assert.equal(claims.sub, 'alice')
    assert.equal(claims.email, 'alice@example.com')
  })

  it('answers a signed then encrypted JWT, and encrypts ID tokens, to the client keys', async () => {
    const tokens = await accessToken('encrypted')
    const header = decodeProtectedHeader(tokens.id_token ?? '')
    assert.deepEqual([header.alg, header.enc, header.cty], ['ECDH-ES', 'A256GCM', 'JWT'])
    const nested = await compactDecrypt(tokens.id_token ?? '', keys.ecEnc.privateKey)
    const idToken = await verifyWithOp(op, new TextDecoder().decode(nested.plaintext), 'encrypted')
    assert.equal(idToken.sub, 'alice')
    const response = await userinfo(tokens.access_token ?? '')
    const jwe = await response.text()
    assert.equal(decodeProtectedHeader(jwe).cty, 'JWT')
    const { plaintext } = await compactDecrypt(jwe, keys.rsaEnc.privateKey)
    const claims = await verifyWithOp(op, new TextDecoder().decode(plaintext), 'encrypted')
    assert.equal(claims.name, 'Alice Liddell')
  })
})
