import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { compactDecrypt, decodeJwt, decodeProtectedHeader } from 'jose'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import { requestClientCredentials } from '../../src/grants/client-credentials.js'
import { introspectToken } from '../../src/introspection.js'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import {
  basic,
  generateClientKeys,
  obtainCode,
  postForm,
  redeem,
  SECRET,
  secretClient,
  USERS,
  verifyWithOp,
} from '../support/mock-op.js'
import { createFixture } from '../support/sign-in.js'

const JWT_TYPE = 'application/token-introspection+jwt'
let op: MockOP
let keys: Awaited<ReturnType<typeof generateClientKeys<'rsaEnc'>>>

before(async () => {
  keys = await generateClientKeys('rsaEnc')
  op = await createMockOP({
    clients: [
      secretClient('web'),
      secretClient('signed', { introspection_signed_response_alg: 'ES256' }),
      secretClient('encrypted', {
        jwks: { keys: [keys.rsaEnc.jwk] },
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
      }),
    ],
    users: USERS,
  })
})

async function accessToken(clientId = 'web'): Promise<string> {
  const { code, verifier } = await obtainCode(op, clientId)
  return (await redeem(op, clientId, code, verifier)).body.access_token!
}

function introspect(token: string, clientId = 'web', accept = 'application/json') {
  return postForm(
    op,
    'introspection',
    { token },
    { authorization: basic(clientId, SECRET), accept },
  )
}

describe('mock OP introspection endpoint (RFC 7662, RFC 9701)', () => {
  it('an issued access token is active with its grant', async () => {
    const token = await accessToken()
    const body = (await (await introspect(token)).json()) as Record<string, unknown>
    assert.equal(body.active, true)
    assert.equal(body.sub, 'alice')
    assert.equal(body.client_id, 'web')
    assert.equal(body.token_type, 'Bearer')
  })

  it('an unknown token is { active: false } alone', async () => {
    assert.deepEqual(await (await introspect('never-issued')).json(), { active: false })
  })

  it('a client that registered a signed response and accepts it gets a JWT: typ, iss, aud, iat, token_introspection', async () => {
    const token = await accessToken('signed')
    const response = await introspect(token, 'signed', JWT_TYPE)
    assert.equal(response.headers.get('content-type'), JWT_TYPE)
    const jwt = await response.text()
    assert.deepEqual(
      { alg: decodeProtectedHeader(jwt).alg, typ: decodeProtectedHeader(jwt).typ },
      { alg: 'ES256', typ: 'token-introspection+jwt' },
    )
    const claims = await verifyWithOp(op, jwt, 'signed')
    assert.equal(claims.iss, op.issuer)
    assert.equal(typeof claims.iat, 'number')
    assert.equal((claims.token_introspection as { active: boolean }).active, true)
  })

  it('the same client asking for JSON gets JSON', async () => {
    const token = await accessToken('signed')
    const response = await introspect(token, 'signed')
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
  })

  it('an encrypted response decrypts with the client key to the signed JWT', async () => {
    const token = await accessToken('encrypted')
    const jwe = await (await introspect(token, 'encrypted', JWT_TYPE)).text()
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, keys.rsaEnc.privateKey)
    assert.equal(protectedHeader.enc, 'A128CBC-HS256')
    const inner = new TextDecoder().decode(plaintext)
    assert.equal(decodeProtectedHeader(inner).alg, 'RS256')
    assert.equal(decodeJwt(inner).aud, 'encrypted')
  })

  it('a client that registered encryption but does not accept a JWT is refused (invalid_request)', async () => {
    const token = await accessToken('encrypted')
    const response = await introspect(token, 'encrypted')
    assert.equal(response.status, 400)
  })

  for (const fault of ['wrong-audience', 'wrong-issuer', 'wrong-typ'] as const) {
    it(`fault ${fault} breaks exactly that in the JWT`, async () => {
      const token = await accessToken('signed')
      op.misbehave({ introspection: fault })
      const jwt = await (await introspect(token, 'signed', JWT_TYPE)).text()
      const claims = decodeJwt(jwt)
      assert.equal(claims.aud === 'signed', fault !== 'wrong-audience')
      assert.equal(claims.iss === op.issuer, fault !== 'wrong-issuer')
      assert.equal(
        decodeProtectedHeader(jwt).typ === 'token-introspection+jwt',
        fault !== 'wrong-typ',
      )
    })
  }

  it('fault no-active drops active; active-not-boolean makes it a string', async () => {
    const token = await accessToken()
    op.misbehave({ introspection: 'no-active' })
    assert.equal(
      ((await (await introspect(token)).json()) as { active?: unknown }).active,
      undefined,
    )
    op.misbehave({ introspection: 'active-not-boolean' })
    assert.equal(((await (await introspect(token)).json()) as { active?: unknown }).active, 'true')
  })

  it('fault not-json answers an HTML page with status 200', async () => {
    op.misbehave({ introspection: 'not-json' })
    const response = await introspect('anything')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /text\/html/)
  })
})

describe('mock OP introspection of bound tokens (RFC 9449 §6.2, RFC 8705 §3.2)', () => {
  it('a DPoP-bound token introspects as token_type DPoP with cnf.jkt of its key; the twin, an unbound one, as Bearer without cnf', async () => {
    const f = await createFixture({ client: { grant_types: ['client_credentials'] } })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const bound = await requestClientCredentials(f.config, { dpop })
    const unbound = await requestClientCredentials(f.config)
    const boundInfo = (await introspectToken(f.config, bound.accessToken.value)) as unknown as {
      token_type?: string
      cnf?: unknown
    }
    assert.equal(boundInfo.token_type, 'DPoP')
    assert.deepEqual(boundInfo.cnf, { jkt: dpop.thumbprint })
    const plain = (await introspectToken(f.config, unbound.accessToken.value)) as unknown as {
      token_type?: string
      cnf?: unknown
    }
    assert.equal(plain.token_type, 'Bearer')
    assert.equal(plain.cnf, undefined)
  })
})
