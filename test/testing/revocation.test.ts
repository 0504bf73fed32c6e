import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import {
  basic,
  obtainCode,
  postForm,
  redeem,
  SECRET,
  secretClient,
  USERS,
} from '../support/mock-op.js'

let op: MockOP

before(async () => {
  op = await createMockOP({ clients: [secretClient('web'), secretClient('other')], users: USERS })
})

async function tokens(clientId = 'web'): Promise<Record<string, string>> {
  const { code, verifier } = await obtainCode(op, clientId)
  return (await redeem(op, clientId, code, verifier)).body
}

function revoke(token: string, clientId = 'web', extra: Record<string, string> = {}) {
  return postForm(op, 'revocation', { token, ...extra }, { authorization: basic(clientId, SECRET) })
}

function userinfo(token: string): Promise<Response> {
  return op.fetch(String(op.metadata().userinfo_endpoint), {
    headers: { authorization: `Bearer ${token}` },
  })
}

describe('mock OP revocation endpoint (RFC 7009)', () => {
  it('is in the metadata with its auth methods', () => {
    const metadata = op.metadata()
    assert.equal(metadata.revocation_endpoint, `${op.issuer}/revoke`)
    assert.ok(Array.isArray(metadata.revocation_endpoint_auth_methods_supported))
  })

  it('a revoked access token is refused at UserInfo', async () => {
    const { access_token } = await tokens()
    const response = await revoke(access_token!)
    assert.equal(response.status, 200)
    assert.equal(await response.text(), '')
    assert.equal((await userinfo(access_token!)).status, 401)
  })

  it('the twin: an access token not revoked is served at UserInfo', async () => {
    const { access_token } = await tokens()
    assert.equal((await userinfo(access_token!)).status, 200)
  })

  it('a revoked refresh token ends its grant: refresh refused, its access token refused', async () => {
    const { access_token, refresh_token } = await tokens()
    assert.equal(
      (await revoke(refresh_token!, 'web', { token_type_hint: 'refresh_token' })).status,
      200,
    )
    const refresh = await postForm(
      op,
      'token',
      { grant_type: 'refresh_token', refresh_token: refresh_token! },
      { authorization: basic('web', SECRET) },
    )
    assert.equal(refresh.status, 400)
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant')
    assert.equal((await userinfo(access_token!)).status, 401)
  })

  it('a token of another client is refused with invalid_request and stays active', async () => {
    const { access_token } = await tokens('web')
    const response = await revoke(access_token!, 'other')
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_request')
    assert.equal((await userinfo(access_token!)).status, 200)
  })

  it('an unknown token answers 200 (RFC 7009 §2.2)', async () => {
    assert.equal((await revoke('never-issued')).status, 200)
  })

  it('without client authentication: 401 invalid_client', async () => {
    const response = await postForm(op, 'revocation', { token: 'x' })
    assert.equal(response.status, 401)
  })

  it('fault unavailable: 503 and the token stays active', async () => {
    const { access_token } = await tokens()
    op.misbehave({ revocation: 'unavailable' })
    assert.equal((await revoke(access_token!)).status, 503)
    assert.equal((await userinfo(access_token!)).status, 200)
  })

  it('fault ignored: 200 but the token stays active', async () => {
    const { access_token } = await tokens()
    op.misbehave({ revocation: 'ignored' })
    assert.equal((await revoke(access_token!)).status, 200)
    assert.equal((await userinfo(access_token!)).status, 200)
  })
})
