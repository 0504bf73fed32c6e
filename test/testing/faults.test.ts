import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { compactVerify, createLocalJWKSet, decodeJwt } from 'jose'
import { createMockOP, type HttpFaultKind, type MockOP } from '../../src/testing/index.js'
import {
  authorizationUrl,
  basic,
  obtainCode,
  postForm,
  REDIRECT,
  redeem,
  SECRET,
  secretClient,
  USERS,
} from '../support/mock-op.js'

let op: MockOP
let discoveryUrl: string

before(async () => {
  op = await createMockOP({
    clients: [
      secretClient('web'),
      secretClient('signed', { userinfo_signed_response_alg: 'RS256' }),
      secretClient('other'),
    ],
    users: USERS,
    signingAlgs: ['RS256'],
  })
  discoveryUrl = `${op.issuer}/.well-known/openid-configuration`
})

/** An access token for a client. */
async function accessToken(clientId: string): Promise<string> {
  const { code, verifier } = await obtainCode(op, clientId)
  return (await redeem(op, clientId, code, verifier)).body.access_token ?? ''
}

/** GET /userinfo. */
function userinfo(token: string): Promise<Response> {
  return op.fetch(`${op.issuer}/userinfo`, { headers: { authorization: `Bearer ${token}` } })
}

describe('metadata, JWKS and UserInfo faults', () => {
  it("metadata 'wrong-issuer' changes the discovered issuer once", async () => {
    op.misbehave({ metadata: 'wrong-issuer' })
    assert.equal(
      (await (await op.fetch(discoveryUrl)).json()).issuer,
      'https://wrong-issuer.example',
    )
    assert.equal((await (await op.fetch(discoveryUrl)).json()).issuer, op.issuer)
  })

  it("jwks 'empty' and 'no-kid' publish no keys / keys without kid", async () => {
    const jwksUrl = String(op.metadata().jwks_uri)
    op.misbehave({ jwks: 'empty' })
    assert.deepEqual(await (await op.fetch(jwksUrl)).json(), { keys: [] })
    op.misbehave({ jwks: 'no-kid' })
    const keys = (await (await op.fetch(jwksUrl)).json()).keys
    assert.ok(keys.length > 0 && keys.every((k: { kid?: string }) => k.kid === undefined))
    assert.ok((await (await op.fetch(jwksUrl)).json()).keys.every((k: { kid?: string }) => k.kid))
  })

  it("userinfo 'wrong-sub' reports another subject", async () => {
    const token = await accessToken('web')
    op.misbehave({ userinfo: 'wrong-sub' })
    assert.notEqual((await (await userinfo(token)).json()).sub, 'alice')
    assert.equal((await (await userinfo(token)).json()).sub, 'alice')
  })

  it("userinfo 'bad-signature' answers a JWT whose signature fails, for JSON and JWT clients", async () => {
    for (const clientId of ['web', 'signed']) {
      const token = await accessToken(clientId)
      op.misbehave({ userinfo: 'bad-signature' })
      const response = await userinfo(token)
      assert.equal(response.headers.get('content-type'), 'application/jwt')
      const jwt = await response.text()
      assert.equal(decodeJwt(jwt).sub, 'alice')
      await assert.rejects(compactVerify(jwt, createLocalJWKSet(op.jwks())), /signature/)
    }
    const good = await (await userinfo(await accessToken('signed'))).text()
    await compactVerify(good, createLocalJWKSet(op.jwks()))
  })

  it("userinfo 'unauthorized' answers 401 with a Bearer invalid_token challenge", async () => {
    const token = await accessToken('web')
    op.misbehave({ userinfo: 'unauthorized' })
    const response = await userinfo(token)
    assert.equal(response.status, 401)
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /^Bearer error="invalid_token", error_description="[^"]+"/,
    )
    assert.equal((await userinfo(token)).status, 200)
  })
})

describe('OAuth error faults', () => {
  it('authorization: an error redirect with state and iss', async () => {
    const url = authorizationUrl(op, {
      client_id: 'web',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid',
      state: 's',
    })
    const error = {
      error: 'server_error',
      error_description: 'down',
      error_uri: 'https://op.example/e',
    }
    op.misbehave({ oauthError: { endpoint: 'authorization', ...error } })
    const faulty = await op.authorize(url, { user: 'alice' })
    assert.deepEqual(Object.fromEntries(faulty.params), { ...error, state: 's', iss: op.issuer })
    assert.ok((await op.authorize(url, { user: 'alice' })).params.get('code'))
  })

  it('token: a JSON error body with the chosen status, the code left unspent', async () => {
    const { code, verifier } = await obtainCode(op, 'web')
    op.misbehave({
      oauthError: { endpoint: 'token', error: 'slow_down', error_description: 'wait', status: 503 },
    })
    const faulty = await redeem(op, 'web', code, verifier)
    assert.equal(faulty.response.status, 503)
    assert.deepEqual(faulty.body, { error: 'slow_down', error_description: 'wait' })
    assert.equal((await redeem(op, 'web', code, verifier)).response.status, 200)
  })

  it('par: a JSON error body, status 400 by default', async () => {
    op.misbehave({ oauthError: { endpoint: 'par', error: 'invalid_request' } })
    const params = {
      response_type: 'code',
      client_id: 'web',
      redirect_uri: REDIRECT,
      scope: 'openid',
    }
    const faulty = await postForm(op, 'par', params, { authorization: basic('web', SECRET) })
    assert.equal(faulty.status, 400)
    assert.equal((await faulty.json()).error, 'invalid_request')
    assert.equal(
      (await postForm(op, 'par', params, { authorization: basic('web', SECRET) })).status,
      201,
    )
  })
})

describe('HTTP faults', () => {
  const effects: Record<
    Exclude<HttpFaultKind, 'slow' | 'oversized'>,
    (r: Response) => Promise<void>
  > = {
    'not-json': async (r) => {
      assert.match(r.headers.get('content-type') ?? '', /text\/html/)
      const text = await r.text()
      assert.match(text, /^<!DOCTYPE html>/)
      assert.throws(() => JSON.parse(text))
    },
    'json-array': async (r) => assert.deepEqual(await r.json(), []),
    'json-string': async (r) => assert.equal(typeof (await r.json()), 'string'),
    'wrong-content-type': async (r) => {
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/)
      assert.equal(JSON.parse(await r.text()).issuer, op.issuer)
    },
    'server-error': async (r) => assert.equal(r.status, 500),
    redirect: async (r) => {
      assert.equal(r.status, 302)
      assert.equal(r.headers.get('location'), 'https://redirect.example/elsewhere')
    },
    empty: async (r) => {
      assert.equal(r.status, 200)
      assert.equal(await r.text(), '')
    },
  }
  for (const [kind, effect] of Object.entries(effects)) {
    it(`'${kind}' spoils the next discovery response only`, async () => {
      op.misbehave({ http: { endpoint: 'discovery', kind: kind as HttpFaultKind } })
      await effect(await op.fetch(discoveryUrl))
      assert.equal((await (await op.fetch(discoveryUrl)).json()).issuer, op.issuer)
    })
  }

  it("'server-error' reaches every HTTP endpoint", async () => {
    const token = await accessToken('web')
    const calls = {
      discovery: () => op.fetch(discoveryUrl),
      jwks: () => op.fetch(String(op.metadata().jwks_uri)),
      token: () =>
        postForm(
          op,
          'token',
          { grant_type: 'refresh_token', refresh_token: 'x' },
          { authorization: basic('web', SECRET) },
        ),
      userinfo: () => userinfo(token),
      par: () => postForm(op, 'par', { scope: 'openid' }, { authorization: basic('web', SECRET) }),
      end_session: () => op.fetch(`${op.issuer}/end_session?client_id=web`),
    }
    for (const [endpoint, call] of Object.entries(calls)) {
      const before = (await call()).status
      op.misbehave({ http: { endpoint: endpoint as keyof typeof calls, kind: 'server-error' } })
      assert.equal((await call()).status, 500, endpoint)
      assert.equal((await call()).status, before, endpoint)
    }
  })

  it("'oversized' streams a valid JSON object past the limit (2 MiB by default)", async () => {
    op.misbehave({ http: { endpoint: 'jwks', kind: 'oversized', bytes: 100_000 } })
    const small = await (await op.fetch(String(op.metadata().jwks_uri))).text()
    assert.ok(small.length > 100_000)
    assert.ok(Array.isArray(JSON.parse(small).keys))
    op.misbehave({ http: { endpoint: 'discovery', kind: 'oversized' } })
    const response = await op.fetch(discoveryUrl)
    assert.equal(response.headers.get('content-length'), null)
    let size = 0
    let chunks = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length
      chunks += 1
    }
    assert.ok(size > 2 * 1024 * 1024)
    assert.ok(chunks > 1)
  })

  it("'slow' delays the response by delayInMs", async () => {
    op.misbehave({ http: { endpoint: 'discovery', kind: 'slow', delayInMs: 60 } })
    const started = Date.now()
    assert.equal((await op.fetch(discoveryUrl)).status, 200)
    assert.ok(Date.now() - started >= 55)
  })

  it("'slow' rejects promptly with the signal's reason when the signal aborts", async () => {
    op.misbehave({ http: { endpoint: 'discovery', kind: 'slow' } })
    const controller = new AbortController()
    const reason = new Error('gave up')
    setTimeout(() => controller.abort(reason), 20)
    const started = Date.now()
    await assert.rejects(
      op.fetch(discoveryUrl, { signal: controller.signal }),
      (error) => error === reason,
    )
    assert.ok(Date.now() - started < 1000)
    op.misbehave({ http: { endpoint: 'discovery', kind: 'slow' } })
    await assert.rejects(op.fetch(discoveryUrl, { signal: AbortSignal.timeout(30) }), {
      name: 'TimeoutError',
    })
    await assert.rejects(
      op.fetch(discoveryUrl, { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    )
  })

  it('a replaced token response leaves the code unspent', async () => {
    const { code, verifier } = await obtainCode(op, 'web')
    op.misbehave({ http: { endpoint: 'token', kind: 'server-error' } })
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const failed = await postForm(op, 'token', form, { authorization: basic('web', SECRET) })
    assert.equal(failed.status, 500)
    assert.equal((await redeem(op, 'web', code, verifier)).response.status, 200)
  })

  it('respond lets a test build its own response', async () => {
    op.misbehave({
      respond: { endpoint: 'userinfo', response: () => new Response('teapot', { status: 418 }) },
    })
    const response = await userinfo(await accessToken('web'))
    assert.equal(response.status, 418)
    assert.equal(await response.text(), 'teapot')
  })
})

describe('fault scoping', () => {
  it('times: applies to that many responses; Infinity until clearMisbehaviour', async () => {
    op.misbehave({ metadata: 'wrong-issuer' }, { times: 2 })
    const issuers = []
    for (let i = 0; i < 3; i++) issuers.push((await (await op.fetch(discoveryUrl)).json()).issuer)
    assert.deepEqual(issuers, [
      'https://wrong-issuer.example',
      'https://wrong-issuer.example',
      op.issuer,
    ])
    op.misbehave({ http: { endpoint: 'jwks', kind: 'server-error' } }, { times: Infinity })
    for (let i = 0; i < 5; i++)
      assert.equal((await op.fetch(String(op.metadata().jwks_uri))).status, 500)
    op.clearMisbehaviour()
    assert.equal((await op.fetch(String(op.metadata().jwks_uri))).status, 200)
  })

  it('clientId: only responses to that client are spoiled', async () => {
    op.misbehave({ idToken: 'wrong-issuer' }, { clientId: 'other' })
    const mine = await obtainCode(op, 'web')
    const { body } = await redeem(op, 'web', mine.code, mine.verifier)
    assert.equal(decodeJwt(body.id_token ?? '').iss, op.issuer)
    const theirs = await obtainCode(op, 'other')
    const other = await redeem(op, 'other', theirs.code, theirs.verifier)
    assert.equal(decodeJwt(other.body.id_token ?? '').iss, 'https://wrong-issuer.example')
    op.misbehave({ userinfo: 'unauthorized' }, { clientId: 'other' })
    assert.equal((await userinfo(await accessToken('web'))).status, 200)
    assert.equal((await userinfo(await accessToken('other'))).status, 401)
  })
})
