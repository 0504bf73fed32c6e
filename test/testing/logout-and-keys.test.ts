import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { createMockOP, type MockOP, MockOPError } from '../../src/testing/index.js'
import {
  basic,
  obtainCode,
  REDIRECT,
  redeem,
  SECRET,
  secretClient,
  USERS,
  verifyWithOp,
} from '../support/mock-op.js'

const LOGGED_OUT = 'https://rp.example/logged-out'
let op: MockOP

before(async () => {
  op = await createMockOP({
    clients: [
      secretClient('web', { post_logout_redirect_uris: [LOGGED_OUT] }),
      secretClient('hs', { id_token_signed_response_alg: 'HS256' }),
      secretClient('unsigned', { id_token_signed_response_alg: 'none' }),
      secretClient('eddsa', { id_token_signed_response_alg: 'EdDSA' }),
    ],
    users: USERS,
    signingAlgs: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  })
})

/** An ID token from a full code flow. */
async function idToken(clientId: string): Promise<string> {
  const { code, verifier } = await obtainCode(op, clientId)
  return (await redeem(op, clientId, code, verifier)).body.id_token ?? ''
}

/** GET /end_session with parameters. */
function endSession(params: Record<string, string>): Promise<Response> {
  const url = new URL(String(op.metadata().end_session_endpoint))
  url.search = new URLSearchParams(params).toString()
  return op.fetch(url)
}

describe('ID token algorithms', () => {
  it('signs with the client secret for HS256 and leaves the signature empty for none', async () => {
    const hs = await idToken('hs')
    assert.equal(decodeProtectedHeader(hs).alg, 'HS256')
    const { payload } = await jwtVerify(hs, new TextEncoder().encode(SECRET), { audience: 'hs' })
    assert.equal(payload.sub, 'alice')
    const unsigned = await idToken('unsigned')
    assert.equal(decodeProtectedHeader(unsigned).alg, 'none')
    assert.ok(unsigned.endsWith('.'))
    assert.equal(decodeJwt(unsigned).aud, 'unsigned')
  })

  it('computes at_hash with SHA-512 for EdDSA', async () => {
    const { code, verifier } = await obtainCode(op, 'eddsa')
    const { body } = await redeem(op, 'eddsa', code, verifier)
    const claims = await verifyWithOp(op, body.id_token ?? '', 'eddsa')
    const data = new TextEncoder().encode(body.access_token ?? '')
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', data))
    assert.equal(claims.at_hash, Buffer.from(digest.slice(0, 32)).toString('base64url'))
  })

  it('refuses options the OP cannot honour', async () => {
    const options = { users: USERS, signingAlgs: ['RS256' as const] }
    await assert.rejects(
      createMockOP({
        ...options,
        clients: [secretClient('x', { id_token_signed_response_alg: 'ES256' })],
      }),
      MockOPError,
    )
    await assert.rejects(
      createMockOP({ ...options, clients: [secretClient('x'), secretClient('x')] }),
      MockOPError,
    )
  })
})

describe('end_session', () => {
  it('redirects to a registered post_logout_redirect_uri with state', async () => {
    const hint = await idToken('web')
    const response = await endSession({
      id_token_hint: hint,
      post_logout_redirect_uri: LOGGED_OUT,
      state: 's1',
    })
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), `${LOGGED_OUT}?state=s1`)
  })

  it('refuses an unregistered URI, a forged hint and a hint of another client', async () => {
    const hint = await idToken('web')
    const unregistered = await endSession({
      id_token_hint: hint,
      post_logout_redirect_uri: 'https://evil.example/',
    })
    assert.equal(unregistered.status, 400)
    const [header, payload] = hint.split('.')
    const forged = await endSession({
      id_token_hint: `${header}.${payload}.AAAA`,
      post_logout_redirect_uri: LOGGED_OUT,
    })
    assert.equal(forged.status, 400)
    const foreign = await op.signJwt({ iss: 'https://other-op.example', aud: 'web', sub: 'alice' })
    assert.equal(
      (await endSession({ id_token_hint: foreign, post_logout_redirect_uri: LOGGED_OUT })).status,
      400,
    )
    const mismatch = await endSession({
      id_token_hint: hint,
      client_id: 'hs',
      post_logout_redirect_uri: LOGGED_OUT,
    })
    assert.equal(mismatch.status, 400)
  })

  it('accepts client_id instead of a hint', async () => {
    const response = await endSession({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT })
    assert.equal(response.status, 302)
  })
})

describe('key rotation and signJwt', () => {
  it('replaces the signing keys, dropping the old ones unless keepOld', async () => {
    const rotating = await createMockOP({
      clients: [secretClient('web')],
      users: USERS,
      signingAlgs: ['RS256'],
    })
    const kids = () =>
      rotating
        .jwks()
        .keys.filter((k) => k.use === 'sig')
        .map((k) => k.kid)
    const before = kids()
    const { code, verifier } = await obtainCode(rotating, 'web')
    const oldToken = (await redeem(rotating, 'web', code, verifier)).body.id_token ?? ''
    await rotating.rotateKeys({ keepOld: true })
    const kept = kids()
    assert.equal(kept.length, 2)
    assert.ok(before[0] !== undefined && kept.includes(before[0]))
    await jwtVerify(oldToken, createLocalJWKSet(rotating.jwks()))
    const next = await obtainCode(rotating, 'web')
    const newToken = (await redeem(rotating, 'web', next.code, next.verifier)).body.id_token ?? ''
    assert.equal(decodeProtectedHeader(newToken).kid, kept[0])
    assert.notEqual(kept[0], before[0])
    await rotating.rotateKeys()
    assert.equal(kids().length, 1)
    assert.ok(!kept.includes(kids()[0]))
    await assert.rejects(jwtVerify(oldToken, createLocalJWKSet(rotating.jwks())))
  })

  it('signs hand-made tokens with the current key, a chosen kid, or a secret', async () => {
    const jwt = await op.signJwt({ sub: 'x' }, { alg: 'ES256', header: { typ: 'logout+jwt' } })
    const header = decodeProtectedHeader(jwt)
    assert.equal(header.typ, 'logout+jwt')
    assert.equal(header.kid, op.jwks().keys.find((k) => k.alg === 'ES256')?.kid)
    await jwtVerify(jwt, createLocalJWKSet(op.jwks()))
    assert.equal(decodeProtectedHeader(await op.signJwt({}, { kid: null })).kid, undefined)
    assert.equal(decodeProtectedHeader(await op.signJwt({}, { kid: 'mine' })).kid, 'mine')
    const hs = await op.signJwt({ a: 1 }, { alg: 'HS256', secret: SECRET })
    await jwtVerify(hs, new TextEncoder().encode(SECRET))
  })
})

describe('recorded requests', () => {
  it('records every request with endpoint, headers, params, body and client authentication', async () => {
    op.clearRequests()
    const { code, verifier } = await obtainCode(op, 'web', { state: 'rec' })
    await redeem(op, 'web', code, verifier)
    const [authorization, token] = op.requests
    assert.equal(op.requests.length, 2)
    assert.equal(authorization?.endpoint, 'authorization')
    assert.equal(authorization?.params.state, 'rec')
    assert.equal(token?.endpoint, 'token')
    assert.equal(token?.method, 'POST')
    assert.equal(token?.headers.authorization, basic('web', SECRET))
    assert.equal(token?.params.code, code)
    assert.equal(token?.params.redirect_uri, REDIRECT)
    assert.match(token?.rawBody ?? '', /grant_type=authorization_code/)
    assert.equal(token?.clientAuthMethod, 'client_secret_basic')
    op.clearRequests()
    assert.equal(op.requests.length, 0)
  })

  it('serves the same logic through handler', async () => {
    const response = await op.handler(new Request(`${op.issuer}/.well-known/openid-configuration`))
    assert.equal((await response.json()).issuer, op.issuer)
    assert.equal(op.requests.at(-1)?.endpoint, 'discovery')
  })
})
