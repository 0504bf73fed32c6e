import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAuthorizationRequest } from '../src/authorization/request.js'
import { assemble, createConfiguration } from '../src/config/configuration.js'
import { extendContract } from '../src/config/contract.js'
import { cachesOf, configurationCachesOf, RUNTIME } from '../src/config/runtime.js'
import { discover, reloadMetadata } from '../src/discovery.js'
import type { ValidationError } from '../src/errors.js'
import { createMockOP, type MockOP } from '../src/testing/index.js'
import { CLIENT_SECRET, client } from './support/fixtures.js'
import { expectCode } from './support/helpers.js'
import { createFixture } from './support/sign-in.js'

const ISSUER = 'https://op.example.com'
const op: MockOP = await createMockOP({
  issuer: ISSUER,
  clients: [
    {
      client_id: client.client_id,
      client_secret: CLIENT_SECRET,
      redirect_uris: [...client.redirect_uris],
    },
  ],
  users: { alice: { name: 'Alice', email: 'alice@example.com' } },
  claimsSupported: ['sub', 'name', 'email'],
})

test('rp-discovery-openid-configuration: discover loads and validates the well-known document', async () => {
  op.clearRequests()
  const config = await discover(ISSUER, client, { fetch: op.fetch })
  assert.equal(config.issuer, ISSUER)
  assert.equal(config.provider.token_endpoint, `${ISSUER}/token`)
  assert.equal(config.provider.jwks_uri, `${ISSUER}/jwks`)
  assert.deepEqual(
    config.contract.map((a) => a.name),
    ['sub', 'name', 'email'],
  )
  assert.equal(op.requests[0]?.url, `${ISSUER}/.well-known/openid-configuration`)
  assert.equal(op.requests[0]?.headers.accept, 'application/json')
})

test('the issuer path keeps its segments and a trailing slash is removed before the well-known suffix', async () => {
  const pathOp = await createMockOP({
    issuer: 'https://op.example.com/tenant/a',
    clients: [],
    users: {},
  })
  const config = await discover('https://op.example.com/tenant/a', client, { fetch: pathOp.fetch })
  assert.equal(
    pathOp.requests[0]?.url,
    'https://op.example.com/tenant/a/.well-known/openid-configuration',
  )
  assert.equal(config.issuer, 'https://op.example.com/tenant/a')
  // asking with a trailing slash fetches the same document, but the issuer must then match exactly
  await expectCode(
    discover('https://op.example.com/tenant/a/', client, { fetch: pathOp.fetch }),
    'DISCOVERY_ISSUER_MISMATCH',
  )
})

test('rp-discovery-issuer-not-matching-config: a metadata issuer that differs is refused', async () => {
  op.misbehave({ metadata: 'wrong-issuer' })
  const err = await expectCode<{ expected: string; actual: string }>(
    discover(ISSUER, client, { fetch: op.fetch }),
    'DISCOVERY_ISSUER_MISMATCH',
  )
  assert.equal(err.expected, ISSUER)
  assert.notEqual(err.actual, ISSUER)
  await discover(ISSUER, client, { fetch: op.fetch }) // the twin, without the fault
})

test('a broken discovery response becomes the matching transport error', async () => {
  const cases = [
    ['not-json', 'HTTP_BAD_CONTENT_TYPE'],
    ['json-array', 'HTTP_JSON_NOT_OBJECT'],
    ['json-string', 'HTTP_JSON_NOT_OBJECT'],
    ['wrong-content-type', 'HTTP_BAD_CONTENT_TYPE'],
    ['server-error', 'HTTP_UNEXPECTED_STATUS'],
    ['redirect', 'HTTP_REDIRECT_REFUSED'],
    ['empty', 'HTTP_INVALID_JSON'],
  ] as const
  for (const [kind, code] of cases) {
    op.misbehave({ http: { endpoint: 'discovery', kind } })
    await expectCode(discover(ISSUER, client, { fetch: op.fetch }), code)
  }
  await discover(ISSUER, client, { fetch: op.fetch })
})

test('an oversized discovery document is cut off at the size limit', async () => {
  op.misbehave({ http: { endpoint: 'discovery', kind: 'oversized', bytes: 2 * 1024 * 1024 } })
  await expectCode(discover(ISSUER, client, { fetch: op.fetch }), 'HTTP_RESPONSE_TOO_LARGE')
  op.misbehave({ http: { endpoint: 'discovery', kind: 'oversized', bytes: 2 * 1024 * 1024 } })
  await expectCode(
    discover(ISSUER, client, { fetch: op.fetch, maxResponseBytes: 64 * 1024 }),
    'HTTP_RESPONSE_TOO_LARGE',
  )
  await discover(ISSUER, client, { fetch: op.fetch, maxResponseBytes: 64 * 1024 })
})

test('a slow discovery times out', async () => {
  op.misbehave({ http: { endpoint: 'discovery', kind: 'slow', delayInMs: 5000 } })
  const started = Date.now()
  await expectCode(discover(ISSUER, client, { fetch: op.fetch, timeoutInMs: 50 }), 'HTTP_TIMEOUT')
  assert.ok(Date.now() - started < 2000)
  await discover(ISSUER, client, { fetch: op.fetch, timeoutInMs: 1000 })
})

test('missing or mistyped members are refused with the member named', async () => {
  for (const [patch, member] of [
    [{ jwks_uri: undefined }, 'jwks_uri'],
    [{ authorization_endpoint: 5 }, 'authorization_endpoint'],
    [{ response_types_supported: 'code' }, 'response_types_supported'],
    [{ id_token_signing_alg_values_supported: [1] }, 'id_token_signing_alg_values_supported'],
    [
      { authorization_response_iss_parameter_supported: 'true' },
      'authorization_response_iss_parameter_supported',
    ],
  ] as const) {
    const bad = await createMockOP({ issuer: ISSUER, clients: [], users: {}, metadata: patch })
    const err = await expectCode<{ claim: string }>(
      discover(ISSUER, client, { fetch: bad.fetch }),
      'DISCOVERY_INVALID_METADATA',
    )
    assert.equal(err.claim, member)
  }
})

test('an http endpoint is refused, and allowed by explicit opt-in', async () => {
  const plain = await createMockOP({
    issuer: ISSUER,
    clients: [],
    users: {},
    metadata: { token_endpoint: 'http://op.example.com/token' },
  })
  await expectCode(discover(ISSUER, client, { fetch: plain.fetch }), 'DISCOVERY_INSECURE_ENDPOINT')
  const config = await discover(ISSUER, client, { fetch: plain.fetch, allowInsecureRequests: true })
  assert.equal(config.provider.token_endpoint, 'http://op.example.com/token')
  await expectCode(
    discover('http://op.example.com', client, { fetch: plain.fetch }),
    'INSECURE_URL',
  )
})

test('a non-URL issuer is a usage error', async () => {
  await expectCode(discover('op.example.com', client, { fetch: op.fetch }), 'INVALID_ARGUMENT')
})

test('reload adds new claims, keeps dropped ones marked, keeps admin attributes, and diffs the rest', async () => {
  let now = Date.parse('2026-11-01T00:00:00Z')
  const reloading = await createMockOP({
    issuer: ISSUER,
    clients: [],
    users: {},
    claimsSupported: ['sub', 'name', 'email'],
  })
  const first = await discover(ISSUER, client, { fetch: reloading.fetch, now: () => now })
  // the administrator expects one more attribute than the OP advertises
  const edited = assemble(
    first.provider,
    first.client,
    extendContract(first.contract, ['employee_id']),
    first.settings,
    first,
    first[RUNTIME],
  )
  now = Date.parse('2026-11-02T00:00:00Z')
  reloading.setMetadata({
    claims_supported: ['sub', 'email', 'phone_number'],
    userinfo_endpoint: `${ISSUER}/v2/userinfo`,
    id_token_signing_alg_values_supported: [
      ...(reloading.metadata().id_token_signing_alg_values_supported as string[]),
      'PS256',
    ],
    authorization_response_iss_parameter_supported: false,
  })
  const { config, diff } = await reloadMetadata(edited)
  assert.deepEqual(diff.claims, {
    added: ['phone_number'],
    noLongerAdvertised: ['name'],
    nowAdvertised: [],
  })
  assert.deepEqual(
    config.contract.map((a) => [a.name, a.advertised, a.origin]),
    [
      ['sub', true, 'op'],
      ['name', false, 'op'],
      ['email', true, 'op'],
      ['employee_id', false, 'admin'],
      ['phone_number', true, 'op'],
    ],
  )
  assert.equal(config.contract[1]?.noLongerAdvertisedSince, '2026-11-02T00:00:00.000Z')
  assert.deepEqual(diff.endpoints, [
    { member: 'userinfo_endpoint', before: `${ISSUER}/userinfo`, after: `${ISSUER}/v2/userinfo` },
  ])
  assert.deepEqual(
    diff.supported.find((s) => s.member === 'id_token_signing_alg_values_supported'),
    {
      member: 'id_token_signing_alg_values_supported',
      added: ['PS256'],
      removed: [],
    },
  )
  assert.deepEqual(diff.other, ['authorization_response_iss_parameter_supported'])
  assert.equal(diff.jwksUriChanged, false)
  assert.equal(diff.changed, true)
  assert.equal(config[RUNTIME], edited[RUNTIME], 'credentials, dependencies and caches carry over')
  assert.equal(
    edited.provider.userinfo_endpoint,
    `${ISSUER}/userinfo`,
    'the old configuration is unchanged',
  )
  const again = await reloadMetadata(config)
  assert.equal(again.diff.changed, false)
})

test('a reload that finds another issuer is refused and the old configuration stays usable', async () => {
  const config = await discover(ISSUER, client, { fetch: op.fetch })
  op.misbehave({ metadata: 'wrong-issuer' })
  await expectCode(reloadMetadata(config), 'DISCOVERY_ISSUER_MISMATCH')
  assert.equal(config.issuer, ISSUER)
})

test('fuzz regression: metadata with a deeply nested member is refused with a typed error, not a stack overflow', async () => {
  const metadata = JSON.stringify(op.metadata())
  const deep = `${metadata.slice(0, -1)},"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`
  op.misbehave({
    respond: {
      endpoint: 'discovery',
      response: () => new Response(deep, { headers: { 'content-type': 'application/json' } }),
    },
  })
  await expectCode(discover(ISSUER, client, { fetch: op.fetch }), 'HTTP_INVALID_JSON')
  // Metadata given by hand goes through the same depth rule.
  const manual = JSON.parse(`${metadata.slice(0, -1)},"x":${'['.repeat(100)}${']'.repeat(100)}}`)
  await expectCode(() => createConfiguration(manual, client), 'DISCOVERY_INVALID_METADATA')
  assert.equal((await discover(ISSUER, client, { fetch: op.fetch })).issuer, ISSUER)
})

test('loopback SSRF: discovering a remote https issuer whose token_endpoint is http://127.0.0.1 fails at discovery, before any request to it', async () => {
  const pointing = await createMockOP({
    issuer: ISSUER,
    clients: [],
    users: {},
    metadata: { token_endpoint: 'http://127.0.0.1:8080/token' },
  })
  const requested: string[] = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    requested.push(String(input))
    return pointing.fetch(input, init)
  }
  const err = await expectCode<ValidationError>(
    discover(ISSUER, client, { fetch }),
    'DISCOVERY_LOOPBACK_ENDPOINT',
  )
  assert.equal(err.claim, 'token_endpoint')
  assert.deepEqual(requested, [`${ISSUER}/.well-known/openid-configuration`])
})

test('loopback SSRF: a reload that moves an endpoint to loopback is refused and the old configuration stays', async () => {
  const moving = await createMockOP({ issuer: ISSUER, clients: [], users: {} })
  const config = await discover(ISSUER, client, { fetch: moving.fetch })
  moving.setMetadata({ userinfo_endpoint: 'http://localhost:9000/userinfo' })
  await expectCode(reloadMetadata(config), 'DISCOVERY_LOOPBACK_ENDPOINT')
  assert.equal(config.provider.userinfo_endpoint, `${ISSUER}/userinfo`)
})

test('loopback SSRF, the twin: a loopback http issuer is discovered with its loopback endpoints and a sign-in completes', async () => {
  const f = await createFixture({ op: { issuer: 'http://127.0.0.1:8080' } })
  assert.equal(f.config.provider.token_endpoint, 'http://127.0.0.1:8080/token')
  assert.equal((await f.signIn()).idTokenClaims.sub, 'alice')
})

test('reload: caches derived from metadata start again (a moved authorization endpoint is used), the JWKS cache carries over', async () => {
  const moving = await createMockOP({
    issuer: ISSUER,
    clients: [
      {
        client_id: client.client_id,
        client_secret: CLIENT_SECRET,
        redirect_uris: [...client.redirect_uris],
      },
    ],
    users: { alice: {} },
  })
  const before = await discover(ISSUER, client, { fetch: moving.fetch })
  const first = await createAuthorizationRequest(before)
  assert.equal(new URL(first.url).pathname, '/authorize')
  assert.ok(configurationCachesOf(before).requestPlan, 'the plan is made on first use')
  const jwksBefore = cachesOf(before).jwks

  moving.setMetadata({ authorization_endpoint: `${ISSUER}/v2/authorize` })
  const { config: after } = await reloadMetadata(before)
  assert.equal(configurationCachesOf(after).requestPlan, undefined)
  assert.equal(new URL((await createAuthorizationRequest(after)).url).pathname, '/v2/authorize')
  assert.equal(cachesOf(after).jwks, jwksBefore, 'the OP key sets survive the reload')
  // the twin: the configuration the reload replaced keeps its own plan, and so its endpoint
  assert.equal(new URL((await createAuthorizationRequest(before)).url).pathname, '/authorize')
})
