/**
 * Request objects passed by reference (RFC 9101 §5.2), the OpenID Foundation's
 * `rp-request_uri-*` tests: the SDK keeps the request object at a one-time URL under the policy's
 * `requestUriBase`, `serveRequestObject` answers the OP's fetch once, and the mock OP fetches it
 * through its `rpFetch`. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { serveRequestObject } from '../../src/authorization/request-uri.js'
import { type Configuration, createConfiguration } from '../../src/config/configuration.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import { clientKeyPair, REDIRECT, SECRET, START } from '../support/authorization.js'
import { expectCode } from '../support/helpers.js'

const BASE = 'https://rp.example/auth/request/'
const clock = { now: START }
let op: MockOP
let rpKey: Awaited<ReturnType<typeof clientKeyPair>>
/** The configuration whose request objects the RP serves now. */
let current: Configuration | undefined

before(async () => {
  rpKey = await clientKeyPair('ES256')
  op = await createMockOP({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        response_types: ['code'],
        jwks: { keys: [rpKey.publicJwk] },
      },
    ],
    users: { alice: { email: 'alice@example.com' } },
    now: () => clock.now,
    // the RP's web server, as the OP reaches it
    rpFetch: async (input, init) =>
      (current && (await serveRequestObject(current, new Request(input, init)))) ??
      new Response(null, { status: 404 }),
  })
})

function configure(
  requestObject: RequestPolicyInput['requestObject'],
  metadata: Record<string, unknown> = {},
): Configuration {
  current = createConfiguration(
    { ...op.metadata(), ...metadata },
    { client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], keys: [rpKey.privateJwk] },
    {
      fetch: op.fetch,
      now: () => clock.now,
      policy: { transport: 'request-uri', requestUriBase: BASE, requestObject },
    },
  )
  return current
}

/** The request object at a URL, as the OP fetches it. */
async function fetchAsOp(config: Configuration, url: string): Promise<Response> {
  return (await serveRequestObject(config, new Request(url)))!
}

describe('request objects by reference (request_uri)', () => {
  const cases: [string, RequestPolicyInput['requestObject'], string, boolean][] = [
    ['rp-request_uri-unsigned', { alg: 'none', allowUnsigned: true }, 'none', false],
    ['rp-request_uri-sig', { alg: 'ES256' }, 'ES256', false],
    [
      'rp-request_uri-enc',
      { alg: 'none', allowUnsigned: true, encrypt: { alg: 'RSA-OAEP-256', enc: 'A128GCM' } },
      'none',
      true,
    ],
    [
      'rp-request_uri-sig+enc',
      { alg: 'ES256', encrypt: { alg: 'RSA-OAEP-256', enc: 'A128GCM' } },
      'ES256',
      true,
    ],
  ]
  for (const [id, requestObject, alg, encrypted] of cases) {
    it(`${id}: the OP fetches the request object once from the RP and signs alice in`, async () => {
      const config = configure(requestObject)
      const request = await createAuthorizationRequest(config)
      const q = request.url.searchParams
      assert.deepEqual([...q.keys()].sort(), ['client_id', 'request_uri', 'response_type', 'scope'])
      const uri = q.get('request_uri')!
      assert.match(uri, /^https:\/\/rp\.example\/auth\/request\/[\w-]{43}$/)
      const response = await op.authorize(request.url, { user: 'alice' })
      assert.equal(
        response.params.get('error'),
        null,
        response.params.get('error_description') ?? '',
      )
      assert.ok(response.params.get('code'))
      const recorded = op.requests.at(-1)!
      assert.equal(recorded.requestUriFetched, uri)
      assert.deepEqual(
        [recorded.requestObject?.alg, recorded.requestObject?.encrypted === true],
        [alg, encrypted],
      )
      // fetched once: the URL answers 404 afterwards
      assert.equal((await fetchAsOp(config, uri)).status, 404)
    })
  }

  it('the RP answers the OP with the media type and no-store, once', async () => {
    const config = configure({ alg: 'ES256' })
    const request = await createAuthorizationRequest(config)
    const uri = request.url.searchParams.get('request_uri')!
    const first = await fetchAsOp(config, uri)
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('content-type'), 'application/oauth-authz-req+jwt')
    assert.equal(first.headers.get('cache-control'), 'no-store')
    assert.equal(decodeProtectedHeader(await first.text()).alg, 'ES256')
    const again = await fetchAsOp(config, uri)
    assert.equal(again.status, 404)
    // the OP that comes after the URL was taken is refused with invalid_request_uri
    await assert.rejects(op.authorize(request.url, { user: 'alice' }), /invalid_request_uri/)
  })

  it('an expired request object is gone; one fetched in time is served', async () => {
    const config = configure({ alg: 'ES256' })
    const expired = await createAuthorizationRequest(config)
    clock.now += (config.settings.transactionTtlInSeconds + 1) * 1000
    try {
      const uri = expired.url.searchParams.get('request_uri')!
      assert.equal((await fetchAsOp(config, uri)).status, 404)
      const fresh = await createAuthorizationRequest(config)
      assert.equal(
        (await fetchAsOp(config, fresh.url.searchParams.get('request_uri')!)).status,
        200,
      )
    } finally {
      clock.now = START
    }
  })

  it('unknown ids, other methods and URLs outside the base are not served', async () => {
    const config = configure({ alg: 'ES256' })
    assert.equal((await fetchAsOp(config, `${BASE}${'A'.repeat(43)}`)).status, 404)
    assert.equal(await fetchAsOp(config, `${BASE}../secret`), undefined)
    assert.equal((await fetchAsOp(config, `${BASE}not-an-id`)).status, 404)
    const posted = await serveRequestObject(config, new Request(`${BASE}x`, { method: 'POST' }))
    assert.equal(posted?.status, 405)
    assert.equal(
      await serveRequestObject(config, new Request('https://rp.example/other')),
      undefined,
    )
  })

  it('an OP that says request_uri_parameter_supported: false is refused; the default (true) is not', async () => {
    const refused = configure({ alg: 'ES256' }, { request_uri_parameter_supported: false })
    await expectCode(createAuthorizationRequest(refused), 'OP_UNSUPPORTED_REQUEST_URI')
    const twin = configure({ alg: 'ES256' }, { request_uri_parameter_supported: undefined })
    assert.ok((await createAuthorizationRequest(twin)).url.searchParams.get('request_uri'))
  })

  it('the policy needs an https requestUriBase exactly with the request-uri transport', () => {
    const make = (policy: RequestPolicyInput) =>
      createConfiguration(
        op.metadata(),
        {
          client_id: 'rp',
          client_secret: SECRET,
          redirect_uris: [REDIRECT],
          keys: [rpKey.privateJwk],
        },
        { policy },
      )
    for (const policy of [
      { transport: 'request-uri' },
      { transport: 'request-uri', requestUriBase: 'http://rp.example/request/' },
      { transport: 'request-uri', requestUriBase: 'https://rp.example/request' },
      { transport: 'request-uri', requestUriBase: 'https://rp.example/request/?x=1' },
      { transport: 'query', requestUriBase: BASE },
    ] as RequestPolicyInput[]) {
      assert.throws(() => make(policy), { code: 'INVALID_CONFIGURATION' })
    }
    assert.equal(
      make({ transport: 'request-uri', requestUriBase: BASE }).policy.requestUriBase,
      BASE,
    )
    assert.equal(
      make({ transport: 'request-uri', requestUriBase: 'http://127.0.0.1:8080/r/' }).policy
        .requestUriBase,
      'http://127.0.0.1:8080/r/',
    )
  })
})
