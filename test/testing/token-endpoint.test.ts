import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import {
  assertion,
  basic,
  generateClientKeys,
  JWT_BEARER,
  obtainCode,
  postForm,
  REDIRECT,
  redeem,
  SECRET,
  secretClient,
  USERS,
  verifyWithOp,
} from '../support/mock-op.js'

let op: MockOP
let keys: Awaited<ReturnType<typeof generateClientKeys<'rs256' | 'es256' | 'eddsa'>>>
let clockOffset = 0
const secretBytes = new TextEncoder().encode(SECRET)

before(async () => {
  keys = await generateClientKeys('rs256', 'es256', 'eddsa')
  op = await createMockOP({
    clients: [
      secretClient('basic'),
      secretClient('post', { token_endpoint_auth_method: 'client_secret_post' }),
      secretClient('secret-jwt', { token_endpoint_auth_method: 'client_secret_jwt' }),
      {
        client_id: 'key-jwt',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [keys.rs256.jwk, keys.es256.jwk] },
      },
      { client_id: 'public', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
      secretClient('other'),
      { client_id: 'a b:c', client_secret: 'p@ss word:%', redirect_uris: [REDIRECT] },
    ],
    users: USERS,
    now: () => Date.now() + clockOffset,
  })
})

/** A code exchange with the given extra body and headers. */
async function exchange(clientId: string, body: Record<string, string>, headers = {}) {
  const { code, verifier } = await obtainCode(op, clientId)
  const form = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  }
  return postForm(op, 'token', { ...form, ...body }, headers)
}

describe('client authentication at the token endpoint', () => {
  it('accepts client_secret_basic and refuses a wrong secret with 401 and a Basic challenge', async () => {
    const ok = await exchange('basic', {}, { authorization: basic('basic', SECRET) })
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('cache-control'), 'no-store')
    const bad = await exchange('basic', {}, { authorization: basic('basic', 'wrong') })
    assert.equal(bad.status, 401)
    assert.equal((await bad.json()).error, 'invalid_client')
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Basic /)
  })

  it('decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    const { code, verifier } = await obtainCode(op, 'a b:c')
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const unencoded = await postForm(op, 'token', form, {
      authorization: `Basic ${btoa('a b:c:p@ss word:%')}`,
    })
    assert.equal(unencoded.status, 401)
    const ok = await postForm(op, 'token', form, { authorization: basic('a b:c', 'p@ss word:%') })
    assert.equal(ok.status, 200)
  })

  it('accepts client_secret_post and refuses a wrong secret', async () => {
    const ok = await exchange('post', { client_id: 'post', client_secret: SECRET })
    assert.equal(ok.status, 200)
    const bad = await exchange('post', { client_id: 'post', client_secret: 'nope' })
    assert.equal(bad.status, 401)
    assert.equal((await bad.json()).error, 'invalid_client')
  })

  it('refuses a method other than the registered one', async () => {
    const ok = await exchange('basic', {}, { authorization: basic('basic', SECRET) })
    assert.equal(ok.status, 200)
    const bad = await exchange('basic', { client_id: 'basic', client_secret: SECRET })
    assert.equal(bad.status, 401)
    assert.match((await bad.json()).error_description, /client_secret_basic/)
  })

  it('refuses two authentication methods at once', async () => {
    const bad = await exchange(
      'basic',
      { client_secret: SECRET },
      { authorization: basic('basic', SECRET) },
    )
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).error, 'invalid_request')
  })

  it('accepts client_secret_jwt and refuses an assertion signed with another secret', async () => {
    const aud = String(op.metadata().token_endpoint)
    const good = await assertion('secret-jwt', aud, secretBytes, { alg: 'HS256' })
    const ok = await exchange('secret-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: good,
    })
    assert.equal(ok.status, 200)
    const wrong = await assertion('secret-jwt', aud, new TextEncoder().encode('x'.repeat(64)), {
      alg: 'HS256',
    })
    const bad = await exchange('secret-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: wrong,
    })
    assert.equal(bad.status, 401)
  })

  it('accepts private_key_jwt (RS256 with kid, ES256 without) and refuses a bad signature', async () => {
    const aud = op.issuer
    const rs = await assertion('key-jwt', aud, keys.rs256.privateKey, {
      alg: 'RS256',
      kid: 'client-rs256',
    })
    const ok = await exchange('key-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: rs,
    })
    assert.equal(ok.status, 200)
    const es = await assertion('key-jwt', aud, keys.es256.privateKey, { alg: 'ES256' })
    const ok2 = await exchange('key-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: es,
    })
    assert.equal(ok2.status, 200)
    const forged = await assertion('key-jwt', aud, keys.eddsa.privateKey, { alg: 'EdDSA' })
    const bad = await exchange('key-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: forged,
    })
    assert.equal(bad.status, 401)
    assert.equal(op.requests.at(-1)?.clientAuthMethod, 'private_key_jwt')
  })

  it('refuses a reused jti, a wrong aud, a missing jti and a wrong assertion type', async () => {
    const aud = String(op.metadata().token_endpoint)
    const sign = (claims = {}, audience = aud) =>
      assertion(
        'key-jwt',
        audience,
        keys.rs256.privateKey,
        { alg: 'RS256', kid: 'client-rs256' },
        claims,
      )
    const once = await sign({ jti: 'jti-1' })
    const body = { client_assertion_type: JWT_BEARER, client_assertion: once }
    assert.equal((await exchange('key-jwt', body)).status, 200)
    assert.equal((await exchange('key-jwt', body)).status, 401, 'reused jti')
    const wrongAud = await sign({}, 'https://elsewhere.example')
    const r1 = await exchange('key-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: wrongAud,
    })
    assert.equal(r1.status, 401)
    const noJti = await sign({ jti: undefined })
    const r2 = await exchange('key-jwt', {
      client_assertion_type: JWT_BEARER,
      client_assertion: noJti,
    })
    assert.equal(r2.status, 401)
    const r3 = await exchange('key-jwt', {
      client_assertion_type: 'jwt',
      client_assertion: await sign(),
    })
    assert.equal(r3.status, 401)
  })

  it('accepts none with PKCE for a public client and refuses it for a confidential one', async () => {
    const ok = await exchange('public', { client_id: 'public' })
    assert.equal(ok.status, 200)
    const bad = await exchange('basic', { client_id: 'basic' })
    assert.equal(bad.status, 401)
  })

  it('refuses an unknown client and a request without authentication', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const ghost = await postForm(op, 'token', form, { authorization: basic('ghost', SECRET) })
    assert.equal(ghost.status, 401)
    assert.equal((await postForm(op, 'token', form)).status, 401)
    const twin = await postForm(op, 'token', form, { authorization: basic('basic', SECRET) })
    assert.equal(twin.status, 200)
  })
})

describe('authorization_code grant', () => {
  it('issues Bearer tokens and an ID token that verifies with the JWKS', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const { response, body } = await redeem(op, 'basic', code, verifier)
    assert.equal(response.status, 200)
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.scope, 'openid profile email')
    assert.ok(body.access_token && body.refresh_token)
    const claims = await verifyWithOp(op, body.id_token ?? '', 'basic')
    assert.equal(claims.sub, 'alice')
    assert.equal(claims.nonce, 'nonce-1')
    assert.equal(typeof claims.at_hash, 'string')
    assert.equal(claims.azp, undefined)
  })

  it('refuses a missing or wrong PKCE verifier', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const auth = { authorization: basic('basic', SECRET) }
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }
    const missing = await postForm(op, 'token', base, auth)
    assert.equal((await missing.json()).error, 'invalid_grant')
    const wrong = await postForm(
      op,
      'token',
      { ...base, code_verifier: `${verifier.slice(1)}x` },
      auth,
    )
    assert.equal(wrong.status, 400)
    assert.equal((await wrong.json()).error, 'invalid_grant')
    const right = await postForm(op, 'token', { ...base, code_verifier: verifier }, auth)
    assert.equal(right.status, 200)
  })

  it('refuses a reused code and revokes the tokens it produced', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const first = await redeem(op, 'basic', code, verifier)
    assert.equal(first.response.status, 200)
    const second = await redeem(op, 'basic', code, verifier)
    assert.equal(second.response.status, 400)
    assert.equal(second.body.error, 'invalid_grant')
    const userinfo = await op.fetch(String(op.metadata().userinfo_endpoint), {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    })
    assert.equal(userinfo.status, 401)
  })

  it('refuses a redirect_uri other than the authorization request one', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const base = { grant_type: 'authorization_code', code, code_verifier: verifier }
    const auth = { authorization: basic('basic', SECRET) }
    const bad = await postForm(
      op,
      'token',
      { ...base, redirect_uri: 'https://rp.example/other' },
      auth,
    )
    assert.equal((await bad.json()).error, 'invalid_grant')
    const ok = await postForm(op, 'token', { ...base, redirect_uri: REDIRECT }, auth)
    assert.equal(ok.status, 200)
  })

  it('refuses a code issued to another client', async () => {
    const { code, verifier } = await obtainCode(op, 'other')
    const bad = await redeem(op, 'basic', code, verifier)
    assert.equal(bad.body.error, 'invalid_grant')
    assert.equal((await redeem(op, 'other', code, verifier)).response.status, 200)
  })

  it('refuses an expired code', async () => {
    const fresh = await obtainCode(op, 'basic')
    clockOffset = 59_000
    const twin = await redeem(op, 'basic', fresh.code, fresh.verifier)
    clockOffset = 0
    assert.equal(twin.response.status, 200)
    const { code, verifier } = await obtainCode(op, 'basic')
    clockOffset = 61_000
    try {
      assert.equal((await redeem(op, 'basic', code, verifier)).body.error, 'invalid_grant')
    } finally {
      clockOffset = 0
    }
  })

  it('answers unsupported_grant_type and invalid_request for bad bodies', async () => {
    const auth = { authorization: basic('basic', SECRET) }
    const r1 = await postForm(op, 'token', { grant_type: 'password' }, auth)
    assert.equal((await r1.json()).error, 'unsupported_grant_type')
    const r2 = await op.fetch(String(op.metadata().token_endpoint), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal((await r2.json()).error, 'invalid_request')
  })
})

describe('refresh_token grant', () => {
  it('returns a new access token and an ID token with the same iss, sub, aud, auth_time and no nonce', async () => {
    const authTime = Math.floor(Date.now() / 1000) - 30
    const { code, verifier } = await obtainCode(op, 'basic', {}, { user: 'alice', authTime })
    const first = (await redeem(op, 'basic', code, verifier)).body
    const response = await postForm(
      op,
      'token',
      { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' },
      { authorization: basic('basic', SECRET) },
    )
    assert.equal(response.status, 200)
    const body = await response.json()
    assert.notEqual(body.access_token, first.access_token)
    const original = decodeJwt(first.id_token ?? '')
    const refreshed = await verifyWithOp(op, body.id_token, 'basic')
    for (const claim of ['iss', 'sub', 'aud', 'auth_time'])
      assert.deepEqual(refreshed[claim], original[claim])
    assert.equal(refreshed.auth_time, authTime)
    assert.equal(refreshed.nonce, undefined)
  })

  it('refuses a refresh token of another client and a wider scope', async () => {
    const { code, verifier } = await obtainCode(op, 'basic')
    const { refresh_token } = (await redeem(op, 'basic', code, verifier)).body
    const body = { grant_type: 'refresh_token', refresh_token: refresh_token ?? '' }
    const stolen = await postForm(op, 'token', body, { authorization: basic('other', SECRET) })
    assert.equal((await stolen.json()).error, 'invalid_grant')
    const wider = await postForm(
      op,
      'token',
      { ...body, scope: 'openid offline_access' },
      {
        authorization: basic('basic', SECRET),
      },
    )
    assert.equal((await wider.json()).error, 'invalid_scope')
  })
})

describe('refresh-token rotation (rotateRefreshTokens)', () => {
  async function rotatingOp(rotate: boolean) {
    const rotating = await createMockOP({
      clients: [secretClient('basic')],
      users: USERS,
      rotateRefreshTokens: rotate,
    })
    const { code, verifier } = await obtainCode(rotating, 'basic')
    const first = await redeem(rotating, 'basic', code, verifier)
    const refresh = (token: string) =>
      postForm(
        rotating,
        'token',
        { grant_type: 'refresh_token', refresh_token: token },
        { authorization: basic('basic', SECRET) },
      )
    return { first: first.body.refresh_token as string, refresh }
  }

  it('answers a new refresh token, and a used one coming back revokes its successor', async () => {
    const { first, refresh } = await rotatingOp(true)
    const rotated = await (await refresh(first)).json()
    assert.notEqual(rotated.refresh_token, first)
    const reused = await refresh(first)
    assert.equal(reused.status, 400)
    assert.equal((await reused.json()).error, 'invalid_grant')
    assert.equal((await refresh(rotated.refresh_token)).status, 400, 'the successor is revoked')
  })

  it('twin: without rotation the same refresh token keeps working', async () => {
    const { first, refresh } = await rotatingOp(false)
    const again = await (await refresh(first)).json()
    assert.equal(again.refresh_token, first)
    assert.equal((await refresh(first)).status, 200)
  })
})
