/**
 * The mock OP's request objects by reference (RFC 9101 §5.2): it fetches the `request_uri` through
 * `rpFetch`, checks the answer, the client's registered `request_uris` and its own metadata, and
 * mishandles the fetch on cue. Each refusal has its twin.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import { REDIRECT, SECRET, secretClient, USERS } from '../support/mock-op.js'

const BASE = 'https://rp.example/request/'
let op: MockOP
/** What the RP's server answers at the next fetch: status and media type. */
let serving = { status: 200, type: 'application/oauth-authz-req+jwt' }
let fetched: string[] = []
/** The client whose request object the RP serves. */
let client = 'ruri'

before(async () => {
  op = await createMockOP({
    clients: [secretClient('ruri'), secretClient('registered', { request_uris: [BASE] })],
    users: USERS,
    rpFetch: async (input) => {
      fetched.push(String(input))
      const jwt = await new SignJWT({
        client_id: client,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'openid',
        state: 's-ref',
        nonce: 'n-ref',
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(client)
        .setAudience(op.issuer)
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(SECRET))
      return new Response(jwt, {
        status: serving.status,
        headers: { 'content-type': serving.type },
      })
    },
  })
})

/** The front-channel request of a request object by reference. */
function byReference(clientId: string, uri: string): URL {
  const url = new URL(op.metadata().authorization_endpoint as string)
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    request_uri: uri,
  }).toString()
  return url
}

async function run(clientId: string, uri: string) {
  fetched = []
  client = clientId
  return op.authorize(byReference(clientId, uri), { user: 'alice' })
}

describe('mock OP: request_uri by reference', () => {
  it('fetches the request object once and answers the redirect with its state', async () => {
    const response = await run('ruri', `${BASE}one`)
    assert.equal(response.params.get('state'), 's-ref')
    assert.ok(response.params.get('code'))
    assert.deepEqual(fetched, [`${BASE}one`])
    const recorded = op.requests.at(-1)!
    assert.equal(recorded.requestUriFetched, `${BASE}one`)
    assert.deepEqual(recorded.requestUriAnswers, [200])
    assert.equal(recorded.requestObject?.alg, 'HS256')
  })

  it('an answer that is not a request object media type is refused; application/jwt is taken', async () => {
    serving = { status: 200, type: 'text/html' }
    try {
      await assert.rejects(run('ruri', `${BASE}html`), /invalid_request_uri: .*text\/html/)
    } finally {
      serving = { status: 200, type: 'application/oauth-authz-req+jwt' }
    }
    serving = { status: 200, type: 'application/jwt' }
    try {
      assert.ok((await run('ruri', `${BASE}jwt`)).params.get('code'))
    } finally {
      serving = { status: 200, type: 'application/oauth-authz-req+jwt' }
    }
  })

  it('a 404 is refused with invalid_request_uri; the twin 200 is taken', async () => {
    serving = { status: 404, type: 'application/oauth-authz-req+jwt' }
    try {
      await assert.rejects(run('ruri', `${BASE}gone`), /invalid_request_uri: .*404/)
    } finally {
      serving = { status: 200, type: 'application/oauth-authz-req+jwt' }
    }
    assert.ok((await run('ruri', `${BASE}gone`)).params.get('code'))
  })

  it('a client with registered request_uris: a URL under none is refused unfetched; one under it is fetched', async () => {
    await assert.rejects(run('registered', 'https://elsewhere.example/r/1'), /invalid_request_uri/)
    assert.deepEqual(fetched, [])
    assert.ok((await run('registered', `${BASE}1`)).params.get('code'))
    assert.deepEqual(fetched, [`${BASE}1`])
  })

  it('metadata with request_uri_parameter_supported: false refuses unfetched; the twin (true) fetches', async () => {
    op.setMetadata({ request_uri_parameter_supported: false })
    try {
      await assert.rejects(run('ruri', `${BASE}off`), /request_uri_not_supported/)
      assert.deepEqual(fetched, [])
    } finally {
      op.setMetadata({ request_uri_parameter_supported: true })
    }
    assert.ok((await run('ruri', `${BASE}off`)).params.get('code'))
  })

  it('fault not-fetched: refused without a fetch; the next request (fault spent) fetches', async () => {
    op.misbehave({ requestUri: 'not-fetched' })
    await assert.rejects(run('ruri', `${BASE}nf`), /request_uri_not_supported/)
    assert.deepEqual(fetched, [])
    assert.ok((await run('ruri', `${BASE}nf`)).params.get('code'))
    assert.deepEqual(fetched, [`${BASE}nf`])
  })

  it('fault fetched-twice: the URL is fetched twice and the second answer is read', async () => {
    op.misbehave({ requestUri: 'fetched-twice' })
    assert.ok((await run('ruri', `${BASE}tw`)).params.get('code'))
    assert.deepEqual(fetched, [`${BASE}tw`, `${BASE}tw`])
    assert.deepEqual(op.requests.at(-1)!.requestUriAnswers, [200, 200])
    // twin: without the fault, one fetch
    await run('ruri', `${BASE}tw`)
    assert.deepEqual(fetched, [`${BASE}tw`])
  })
})
