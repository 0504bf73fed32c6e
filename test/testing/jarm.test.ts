import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  compactDecrypt,
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
} from 'jose'
import {
  createMockOP,
  type JarmFault,
  type MockClient,
  type MockOP,
  MockOPError,
} from '../../src/testing/index.js'
import { authorizationUrl, pkcePair, secretClient, USERS } from '../support/mock-op.js'

let op: MockOP
let decryptionKey: CryptoKey

before(async () => {
  const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true })
  decryptionKey = pair.privateKey
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'enc', use: 'enc' }
  op = await createMockOP({
    clients: [
      secretClient('web', { response_types: ['code', 'id_token token'] }),
      secretClient('sealed', {
        response_types: ['code', 'id_token token'],
        jwks: { keys: [publicJwk] },
        authorization_encrypted_response_alg: 'RSA-OAEP-256',
      }),
    ],
    users: USERS,
    signingAlgs: ['RS256'],
  })
})

/** Authorizes alice in a response mode and returns the OP's answer. */
async function answer(clientId: string, responseMode: string, responseType = 'code') {
  const { challenge } = await pkcePair()
  const url = authorizationUrl(op, {
    client_id: clientId,
    response_type: responseType,
    redirect_uri: 'https://rp.example/cb',
    scope: 'openid',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    response_mode: responseMode,
  })
  return op.authorize(url, { user: 'alice' })
}

/** Verifies a JARM JWT with the OP's JWKS and returns its claims. */
async function verified(jwt: string): Promise<Record<string, unknown>> {
  const { payload } = await compactVerify(jwt, createLocalJWKSet(op.jwks()))
  return JSON.parse(new TextDecoder().decode(payload))
}

describe('JARM responses of the mock OP', () => {
  it('query.jwt: response alone in the query, signed with iss, aud, exp and the parameters', async () => {
    const response = await answer('web', 'query.jwt')
    assert.equal(response.responseMode, 'query.jwt')
    assert.deepEqual([...new URL(response.url).searchParams.keys()], ['response'])
    const claims = await verified(response.params.get('response')!)
    assert.equal(claims.iss, op.issuer)
    assert.equal(claims.aud, 'web')
    assert.equal(typeof claims.exp, 'number')
    assert.equal(claims.state, 'st-1')
    assert.equal(typeof claims.code, 'string')
  })

  it('jwt resolves to query.jwt for code and fragment.jwt for tokens; form_post.jwt posts response', async () => {
    assert.equal((await answer('web', 'jwt')).responseMode, 'query.jwt')
    const implicit = await answer('web', 'jwt', 'id_token token')
    assert.equal(implicit.responseMode, 'fragment.jwt')
    assert.match(implicit.url, /#response=/)
    const posted = await answer('web', 'form_post.jwt')
    assert.equal(posted.method, 'POST')
    assert.match(posted.body ?? '', /^response=/)
  })

  it('a client that registered encryption gets a JWE (A128CBC-HS256) around the signed JWT', async () => {
    const jwe = (await answer('sealed', 'query.jwt')).params.get('response')!
    assert.equal(decodeProtectedHeader(jwe).enc, 'A128CBC-HS256')
    const { plaintext } = await compactDecrypt(jwe, decryptionKey)
    const claims = await verified(new TextDecoder().decode(plaintext))
    assert.equal(claims.aud, 'sealed')
  })

  it('query.jwt with tokens is invalid_request unless encrypted; encrypted it is answered', async () => {
    const refused = await answer('web', 'query.jwt', 'id_token token')
    assert.equal(decodeJwt(refused.params.get('response')!).error, 'invalid_request')
    const sealed = await answer('sealed', 'query.jwt', 'id_token token')
    const { plaintext } = await compactDecrypt(sealed.params.get('response')!, decryptionKey)
    assert.equal(
      typeof (await verified(new TextDecoder().decode(plaintext))).access_token,
      'string',
    )
  })
})

describe('JARM faults, each against the faithful response', () => {
  /** The JARM JWT of the next answer, with a fault or without. */
  async function jwtWith(fault: JarmFault | undefined, clientId = 'web'): Promise<string> {
    if (fault !== undefined) op.misbehave({ jarm: fault })
    return (await answer(clientId, 'query.jwt')).params.get('response')!
  }

  it('bad-signature does not verify; the faithful one does', async () => {
    await assert.rejects(verified(await jwtWith('bad-signature')))
    await verified(await jwtWith(undefined))
  })

  it('wrong-audience, wrong-issuer, expired and no-exp change exactly that claim', async () => {
    const faithful = decodeJwt(await jwtWith(undefined))
    assert.equal(decodeJwt(await jwtWith('wrong-audience')).aud, 'https://other-client.example')
    assert.equal(decodeJwt(await jwtWith('wrong-issuer')).iss, 'https://wrong-issuer.example')
    assert.ok(decodeJwt(await jwtWith('expired')).exp! < faithful.iat!)
    assert.equal(decodeJwt(await jwtWith('no-exp')).exp, undefined)
    assert.equal(faithful.aud, 'web')
    assert.equal(faithful.iss, op.issuer)
    assert.ok(faithful.exp! > faithful.iat!)
  })

  it('alg-none is unsigned; the faithful one is RS256', async () => {
    assert.equal(decodeProtectedHeader(await jwtWith('alg-none')).alg, 'none')
    assert.equal(decodeProtectedHeader(await jwtWith(undefined)).alg, 'RS256')
  })

  it('plain answers the parameters unwrapped; without it only response comes', async () => {
    op.misbehave({ jarm: 'plain' })
    const plain = await answer('web', 'query.jwt')
    assert.equal(plain.params.has('response'), false)
    assert.equal(plain.params.get('state'), 'st-1')
    assert.deepEqual([...(await answer('web', 'query.jwt')).params.keys()], ['response'])
  })

  it('signed-only skips the registered encryption; without it the response is a JWE', async () => {
    assert.equal((await jwtWith('signed-only', 'sealed')).split('.').length, 3)
    assert.equal((await jwtWith(undefined, 'sealed')).split('.').length, 5)
  })
})

describe('JARM client registrations the mock OP refuses', () => {
  it('authorization_signed_response_alg none, or encryption without an enc key, is a MockOPError; the sound ones start', async () => {
    const create = (extra: Partial<MockClient>) =>
      createMockOP({ clients: [secretClient('c', extra)], users: USERS, signingAlgs: ['RS256'] })
    await assert.rejects(create({ authorization_signed_response_alg: 'none' }), MockOPError)
    await assert.rejects(
      create({ authorization_encrypted_response_alg: 'RSA-OAEP-256' }),
      MockOPError,
    )
    assert.ok(await create({ authorization_signed_response_alg: 'HS256' }))
  })
})
