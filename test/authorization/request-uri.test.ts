/**
 * Request objects passed by reference (RFC 9101 §5.2), the OpenID Foundation's
 * `rp-request_uri-*` tests: the SDK keeps the request object at a one-time URL under the policy's
 * `requestUriBase`, `serveRequestObject` answers the OP's fetch once, and the mock OP fetches it
 * through its `rpFetch`. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { serveRequestObject } from '../../src/authorization/serve-request-object.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import {
  type Configuration,
  type ConfigurationOptions,
  createConfiguration,
} from '../../src/config/configuration.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import { registerClient } from '../../src/registration/register.js'
import { createMemoryRequestObjectStore } from '../../src/stores/memory.js'
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
  options: ConfigurationOptions = {},
): Configuration {
  current = createConfiguration(
    { ...op.metadata(), ...metadata },
    { client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], keys: [rpKey.privateJwk] },
    {
      fetch: op.fetch,
      now: () => clock.now,
      policy: { transport: 'request-uri', requestUriBase: BASE, requestObject },
      ...options,
    },
  )
  return current
}

/** A whole sign-in as alice: the OP fetches the request object, the callback is handled. */
async function signIn(config: Configuration) {
  const { url, browserBinding } = await createAuthorizationRequest(config)
  const response = await op.authorize(url, { user: 'alice' })
  const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
  return handleCallback(config, response.url, { cookie })
}

/** What the RP's listener answered to the OP's fetches at the last authorization request. */
function answers(): number[] | undefined {
  return op.requests.filter((r) => r.endpoint === 'authorization').at(-1)?.requestUriAnswers
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

  it('a HEAD is refused with 405 and does not spend the request object; the GET after it gets it', async () => {
    const config = configure({ alg: 'ES256' })
    const uri = (await createAuthorizationRequest(config)).url.searchParams.get('request_uri')!
    const head = await serveRequestObject(config, new Request(uri, { method: 'HEAD' }))
    assert.equal(head?.status, 405)
    assert.equal(head?.headers.get('allow'), 'GET')
    assert.equal((await fetchAsOp(config, uri)).status, 200)
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

describe('request objects by reference: the OP fetches them through the mock OP', () => {
  it('rp-request_uri-sig end to end: the callback signs alice in after one fetch', async () => {
    const result = await signIn(configure({ alg: 'ES256' }))
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.deepEqual(answers(), [200])
  })

  it('an OP that fetches twice gets 404 the second time and refuses (invalid_request_uri); the twin fetches once', async () => {
    const config = configure({ alg: 'ES256' })
    op.misbehave({ requestUri: 'fetched-twice' })
    const { url } = await createAuthorizationRequest(config)
    await assert.rejects(op.authorize(url, { user: 'alice' }), /invalid_request_uri/)
    assert.deepEqual(answers(), [200, 404])
    // twin: the same configuration, no fault
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
    assert.deepEqual(answers(), [200])
  })

  it('an expired request object is refused at the OP (404, invalid_request_uri); the twin fetched in time signs in', async () => {
    const config = configure({ alg: 'ES256' })
    const { url } = await createAuthorizationRequest(config)
    clock.now += (config.settings.transactionTtlInSeconds + 1) * 1000
    try {
      await assert.rejects(op.authorize(url, { user: 'alice' }), /invalid_request_uri/)
      assert.deepEqual(answers(), [404])
    } finally {
      clock.now = START
    }
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
  })

  it('an unknown id is refused at the OP (404, invalid_request_uri); the twin with the id the RP made signs in', async () => {
    const config = configure({ alg: 'ES256' })
    const { url } = await createAuthorizationRequest(config)
    const forged = new URL(url)
    forged.searchParams.set('request_uri', `${BASE}${'B'.repeat(43)}`)
    await assert.rejects(op.authorize(forged, { user: 'alice' }), /invalid_request_uri/)
    assert.deepEqual(answers(), [404])
    const response = await op.authorize(url, { user: 'alice' })
    assert.ok(response.params.get('code'))
    assert.deepEqual(answers(), [200])
  })

  it('an OP that never fetches refuses the request; the request object then expires unserved; the twin is fetched', async () => {
    const config = configure({ alg: 'ES256' })
    op.misbehave({ requestUri: 'not-fetched' })
    const { url } = await createAuthorizationRequest(config)
    await assert.rejects(op.authorize(url, { user: 'alice' }), /request_uri_not_supported/)
    clock.now += (config.settings.transactionTtlInSeconds + 1) * 1000
    try {
      assert.equal((await fetchAsOp(config, url.searchParams.get('request_uri')!)).status, 404)
    } finally {
      clock.now = START
    }
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
  })

  it('the application store keeps the request objects (set with a TTL, taken once)', async () => {
    const calls: string[] = []
    const inner = createMemoryRequestObjectStore({ now: () => clock.now })
    const requestObjectStore = {
      set: (id: string, jwt: string, ttl: number) => {
        calls.push(`set ${ttl}`)
        return inner.set(id, jwt, ttl)
      },
      take: (id: string) => {
        calls.push('take')
        return inner.take(id)
      },
    }
    const config = configure({ alg: 'ES256' }, {}, { requestObjectStore })
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
    assert.deepEqual(calls, [`set ${config.settings.transactionTtlInSeconds}`, 'take'])
  })

  it('a failing request object store: STORE_ERROR when keeping and when serving; the twin store works', async () => {
    let down = true
    const inner = createMemoryRequestObjectStore({ now: () => clock.now })
    const requestObjectStore = {
      set: (id: string, jwt: string, ttl: number) =>
        down ? Promise.reject(new Error('connection refused')) : inner.set(id, jwt, ttl),
      take: (id: string) =>
        down ? Promise.reject(new Error('connection refused')) : inner.take(id),
    }
    const config = configure({ alg: 'ES256' }, {}, { requestObjectStore })
    await expectCode(createAuthorizationRequest(config), 'STORE_ERROR')
    await expectCode(
      serveRequestObject(config, new Request(`${BASE}${'C'.repeat(43)}`)),
      'STORE_ERROR',
    )
    down = false
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
  })

  it('a request object store that is not one is refused at configuration; the twin is taken', () => {
    assert.throws(() => configure({ alg: 'ES256' }, {}, { requestObjectStore: {} as never }), {
      code: 'INVALID_CONFIGURATION',
    })
    assert.ok(
      configure({ alg: 'ES256' }, {}, { requestObjectStore: createMemoryRequestObjectStore() }),
    )
  })
})

describe('request objects by reference with a dynamically registered client', () => {
  it('registerClient puts the requestUriBase in request_uris; the OP then takes one-time URLs under it and refuses others', async () => {
    const dynamic = await createMockOP({
      issuer: 'https://dynamic-op.example',
      clients: [],
      users: { alice: { email: 'alice@example.com' } },
      registration: {},
      rpFetch: async (input, init) =>
        (served && (await serveRequestObject(served, new Request(input, init)))) ??
        new Response(null, { status: 404 }),
    })
    let served: Configuration | undefined
    const registration = await registerClient(
      dynamic.issuer,
      { redirect_uris: [REDIRECT], request_object_signing_alg: 'HS256' },
      { fetch: dynamic.fetch, requestUriBase: BASE },
    )
    assert.deepEqual(registration.client.request_uris, [BASE])
    const connect = (requestUriBase: string) =>
      createConfiguration(
        dynamic.metadata(),
        { ...registration.client, client_secret: registration.secrets.clientSecret() },
        {
          fetch: dynamic.fetch,
          policy: { transport: 'request-uri', requestUriBase, requestObject: { alg: 'HS256' } },
        },
      )
    // refused: the request object is served from a base the client did not register
    served = connect('https://rp.example/elsewhere/')
    const refused = await createAuthorizationRequest(served)
    await assert.rejects(dynamic.authorize(refused.url, { user: 'alice' }), /invalid_request_uri/)
    // twin: under the registered base
    served = connect(BASE)
    const { url } = await createAuthorizationRequest(served)
    const response = await dynamic.authorize(url, { user: 'alice' })
    assert.ok(response.params.get('code'), response.params.get('error_description') ?? '')
  })

  it('a requestUriBase that is not an https base URL is refused before anything is sent; the twin is registered', async () => {
    const dynamic = await createMockOP({ clients: [], users: {}, registration: {} })
    await expectCode(
      registerClient(
        dynamic.metadata(),
        { redirect_uris: [REDIRECT] },
        { fetch: dynamic.fetch, requestUriBase: 'http://rp.example/request/' },
      ),
      'INVALID_ARGUMENT',
    )
    assert.equal(dynamic.requests.length, 0)
    const twin = await registerClient(
      dynamic.metadata(),
      { redirect_uris: [REDIRECT], request_uris: [BASE] },
      { fetch: dynamic.fetch, requestUriBase: BASE },
    )
    assert.deepEqual(twin.client.request_uris, [BASE])
  })
})

describe('the code-flow sign-in path does not carry the request object route', () => {
  const SRC = new URL('../../src/', import.meta.url)
  /** The modules a module reaches by static imports and re-exports (not type-only, not dynamic). */
  function staticClosure(entry: string): Set<string> {
    const seen = new Set<string>()
    const visit = (path: string) => {
      if (seen.has(path)) return
      seen.add(path)
      const text = readFileSync(new URL(path, SRC), 'utf8')
      for (const m of text.matchAll(
        /^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/gms,
      )) {
        visit(
          new URL(m[1]!.replace(/\.js$/, '.ts'), new URL(path, SRC)).href.slice(SRC.href.length),
        )
      }
    }
    visit(entry)
    return seen
  }

  it('discovery, the authorization request and the callback never import serve-request-object.ts statically', () => {
    for (const entry of ['discovery.ts', 'authorization/request.ts', 'callback/sign-in.ts']) {
      assert.equal(staticClosure(entry).has('authorization/serve-request-object.ts'), false, entry)
    }
  })

  it('twin: the package entry and oidc-rp/web, which export and serve the route, reach it', () => {
    for (const entry of ['index.ts', 'web/index.ts']) {
      assert.equal(staticClosure(entry).has('authorization/serve-request-object.ts'), true, entry)
    }
  })
})
