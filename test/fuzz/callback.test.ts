/**
 * Fuzzing the callback: valid authorization responses of every supported profile, mutated
 * (parameters deleted, emptied, altered, duplicated, renamed, made huge, multiplied, taken from the
 * other profile) and delivered every way a framework hands them over (GET, form_post POST, URL,
 * query or fragment string, bare parameters), plus inputs of pure noise. An independent model of
 * the callback rules says which must succeed; every failure is a documented `OidcRpError`, leaks
 * nothing, consumes only the transaction its `state` names and stores nothing.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { base64url } from 'jose'
import {
  createMemoryTransactionStore,
  handleCallback,
  type Transaction,
  type TransactionStore,
} from '../../src/index.js'
import {
  BACK_ACCESS_TOKEN,
  BACK_ID_TOKEN,
  BROWSER_BINDING,
  BROWSER_BINDING_HASH,
  backChannel,
  CLIENT_SECRET,
  CODE,
  fuzzConfig,
  fuzzFetch,
  ISSUER,
  NONCE,
  NOW,
  REDIRECT_URI,
  REFRESH_TOKEN,
  SECRETS,
  signJson,
  VERIFIER,
  validIdTokenClaims,
} from './op.js'
import {
  assertDocumentedFailure,
  assertNoUnhandledRejections,
  createTally,
  documentedCodes,
  fuzzParameters,
  settle,
  type Tally,
} from './support.js'

/** The fuzz browser holds the binding cookie of every pending sign-in. */
const BOUND = { browserBinding: BROWSER_BINDING }
const DOCUMENTED = documentedCodes('src/callback/sign-in.ts', 'handleCallback')
const FRONT_ACCESS_TOKEN = 'fuzz-front-access-token-1b3d5f7a9c2e'
const MAX_PARAMETERS = 50
const MAX_INPUT = 64 * 1024

async function leftHalf(value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
  )
  return base64url.encode(digest.subarray(0, 16))
}

const header = { alg: 'RS256', kid: 'rs-1' }
const FRONT_ID_TOKEN = await signJson(header, validIdTokenClaims(), 'op-rs')
const FRONT_ID_TOKEN_AT = await signJson(
  header,
  { ...validIdTokenClaims(), at_hash: await leftHalf(FRONT_ACCESS_TOKEN) },
  'op-rs',
)
const FRONT_ID_TOKEN_C = await signJson(
  header,
  { ...validIdTokenClaims(), c_hash: await leftHalf(CODE) },
  'op-rs',
)
const FRONT_ID_TOKEN_C_AT = await signJson(
  header,
  {
    ...validIdTokenClaims(),
    c_hash: await leftHalf(CODE),
    at_hash: await leftHalf(FRONT_ACCESS_TOKEN),
  },
  'op-rs',
)
const CALLBACK_SECRETS = [
  ...SECRETS,
  CODE,
  VERIFIER,
  FRONT_ACCESS_TOKEN,
  BACK_ACCESS_TOKEN,
  REFRESH_TOKEN,
  FRONT_ID_TOKEN,
  FRONT_ID_TOKEN_AT,
  FRONT_ID_TOKEN_C,
  FRONT_ID_TOKEN_C_AT,
  BACK_ID_TOKEN,
]

// ---------------------------------------------------------------------------------------------
// The OP's back channel (token and UserInfo endpoints) and a store that records what it is asked.

const { fetch } = fuzzFetch(backChannel)

const memory = createMemoryTransactionStore({ now: () => NOW * 1000 })
const log = { sets: 0, takes: [] as string[] }
const store: TransactionStore = {
  set(transaction, ttl) {
    log.sets++
    return memory.set(transaction, ttl)
  },
  take(state, handle) {
    log.takes.push(state)
    return memory.take(state, handle)
  },
}
const config = fuzzConfig(fetch, {}, { store })

// ---------------------------------------------------------------------------------------------
// The profiles and their valid responses.

interface Scenario {
  readonly responseType:
    | 'code'
    | 'id_token'
    | 'id_token token'
    | 'code id_token'
    | 'code token'
    | 'code id_token token'
  readonly responseMode?: 'form_post'
}

const SCENARIOS: readonly Scenario[] = [
  { responseType: 'code' },
  { responseType: 'code', responseMode: 'form_post' },
  { responseType: 'id_token' },
  { responseType: 'id_token', responseMode: 'form_post' },
  { responseType: 'id_token token' },
  { responseType: 'code id_token' },
  { responseType: 'code id_token', responseMode: 'form_post' },
  { responseType: 'code token' },
  { responseType: 'code token', responseMode: 'form_post' },
  { responseType: 'code id_token token' },
  { responseType: 'code id_token token', responseMode: 'form_post' },
]

/** The parameters a front-channel access token comes with (RFC 6749 §4.2.2). */
const FRONT_TOKEN: [string, string][] = [
  ['access_token', FRONT_ACCESS_TOKEN],
  ['token_type', 'Bearer'],
  ['expires_in', '3600'],
  ['scope', 'openid'],
]

function validParameters(scenario: Scenario, state: string): [string, string][] {
  switch (scenario.responseType) {
    case 'code':
      return [
        ['code', CODE],
        ['state', state],
        ['iss', ISSUER],
      ]
    case 'id_token':
      return [
        ['id_token', FRONT_ID_TOKEN],
        ['state', state],
      ]
    case 'id_token token':
      return [...FRONT_TOKEN, ['id_token', FRONT_ID_TOKEN_AT], ['state', state]]
    case 'code token':
      return [['code', CODE], ...FRONT_TOKEN, ['state', state], ['iss', ISSUER]]
    case 'code id_token token':
      return [
        ['code', CODE],
        ...FRONT_TOKEN,
        ['id_token', FRONT_ID_TOKEN_C_AT],
        ['state', state],
        ['iss', ISSUER],
      ]
    case 'code id_token':
      return [
        ['code', CODE],
        ['id_token', FRONT_ID_TOKEN_C],
        ['state', state],
        ['iss', ISSUER],
      ]
  }
}

function transaction(scenario: Scenario, state: string): Transaction {
  return {
    state,
    issuer: ISSUER,
    clientId: 'fuzz-client',
    nonce: NONCE,
    redirectUri: REDIRECT_URI,
    responseType: scenario.responseType,
    scope: 'openid',
    createdAt: NOW,
    expiresAt: NOW + 600,
    browserBindingHash: BROWSER_BINDING_HASH,
    ...(scenario.responseType.includes('code') ? { codeVerifier: VERIFIER } : {}),
    ...(scenario.responseMode ? { responseMode: scenario.responseMode } : {}),
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations.

const KNOWN = [
  'code',
  'state',
  'iss',
  'id_token',
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'error',
  'error_description',
  'error_uri',
  'session_state',
  'response',
]

const oddString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '%',
    '%zz',
    '%00',
    '\u0000',
    '\ud800',
    '+',
    '&',
    '=',
    '#',
    '?',
    'bearer',
    'BEARER',
    'Bearer ',
    '0',
    '12345678901',
    ISSUER,
    `${ISSUER}/`,
    'access_denied',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
)

const paramName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN) },
  fc.constantFrom('STATE', 'Code', '', 'state ', '__proto__', 'constructor', 'a[b]'),
  fc.string({ maxLength: 10 }),
)

type Mutation =
  | { op: 'delete' | 'empty' | 'rename'; index: number }
  | { op: 'alter'; index: number; value: string }
  | { op: 'duplicate'; index: number; value: string | null }
  | { op: 'add'; name: string; value: string }
  | { op: 'huge'; index: number; length: number }
  | { op: 'many'; count: number }
  | { op: 'shuffle'; seed: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('delete' as const, 'empty' as const, 'rename' as const),
    index: fc.nat(),
  }),
  fc.record({ op: fc.constant('alter' as const), index: fc.nat(), value: oddString }),
  fc.record({
    op: fc.constant('duplicate' as const),
    index: fc.nat(),
    value: fc.option(oddString, { nil: null }),
  }),
  fc.record({ op: fc.constant('add' as const), name: paramName, value: oddString }),
  fc.record({
    op: fc.constant('huge' as const),
    index: fc.nat(),
    length: fc.constantFrom(5_000, 70_000),
  }),
  fc.record({ op: fc.constant('many' as const), count: fc.integer({ min: 40, max: 60 }) }),
  fc.record({ op: fc.constant('shuffle' as const), seed: fc.nat() }),
)

function mutate(valid: [string, string][], mutations: readonly Mutation[]): [string, string][] {
  const params = valid.map(([n, v]) => [n, v] as [string, string])
  for (const m of mutations) {
    const at = 'index' in m && params.length > 0 ? m.index % params.length : -1
    switch (m.op) {
      case 'delete':
        if (at >= 0) params.splice(at, 1)
        break
      case 'empty':
        if (at >= 0) params[at]![1] = ''
        break
      case 'rename':
        if (at >= 0) params[at]![0] = params[at]![0].toUpperCase()
        break
      case 'alter':
        if (at >= 0) params[at]![1] = m.value
        break
      case 'duplicate':
        if (at >= 0) params.push([params[at]![0], m.value ?? params[at]![1]])
        break
      case 'add':
        params.push([m.name, m.value])
        break
      case 'huge':
        if (at >= 0) params[at]![1] = `${params[at]![1]}${'h'.repeat(m.length)}`
        break
      case 'many':
        for (let i = 0; i < m.count; i++) params.push([`extra_${i}`, String(i)])
        break
      case 'shuffle': {
        let seed = m.seed
        for (let i = params.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31
          const j = seed % (i + 1)
          ;[params[i], params[j]] = [params[j]!, params[i]!]
        }
        break
      }
    }
  }
  return params
}

// ---------------------------------------------------------------------------------------------
// Deliveries.

type Delivery =
  | 'get'
  | 'post'
  | 'url-query'
  | 'url-fragment'
  | 'string-url-query'
  | 'string-url-fragment'
  | 'string-query'
  | 'string-fragment'
  | 'string-bare'
  | 'search-params'

interface DeliveryOptions {
  readonly how: Delivery
  /** Form bodies and strings only: the parameters joined without encoding. */
  readonly raw: boolean
  readonly contentType: string
  readonly method: string
  readonly invalidUtf8: boolean
}

const delivery: fc.Arbitrary<DeliveryOptions> = fc.record({
  how: fc.constantFrom<Delivery>(
    'get',
    'post',
    'url-query',
    'url-fragment',
    'string-url-query',
    'string-url-fragment',
    'string-query',
    'string-fragment',
    'string-bare',
    'search-params',
  ),
  raw: fc.boolean(),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/x-www-form-urlencoded') },
    fc.constantFrom(
      'application/x-www-form-urlencoded; charset=UTF-8',
      'APPLICATION/X-WWW-FORM-URLENCODED',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json',
    ),
  ),
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('POST') },
    fc.constantFrom('PUT', 'PATCH', 'DELETE'),
  ),
  invalidUtf8: fc.nat({ max: 9 }).map((n) => n === 0),
})

/** What the SDK reads the parameters from, and how it says they came. */
interface Delivered {
  readonly input: Request | URL | string | URLSearchParams
  /** The parameters as a reader of this input sees them. */
  readonly seen: [string, string][]
  readonly mode: 'query' | 'fragment' | 'form_post' | 'unknown'
  /** Why the input itself must be refused before anything is consumed, if it must. */
  readonly inputError: boolean
}

const BARE_LOOKS_LIKE_URL = /^[?#/]|^[a-z][a-z0-9+.-]*:/i

function deliver(params: [string, string][], options: DeliveryOptions): Delivered {
  const standard = new URLSearchParams(params).toString()
  const raw = params.map(([n, v]) => `${n}=${v}`).join('&')
  const text = options.raw ? raw : standard
  const parsed = (s: string) => [...new URLSearchParams(s)]
  switch (options.how) {
    case 'get': {
      const url = `${REDIRECT_URI}?${standard}`
      return {
        input: new Request(url),
        seen: parsed(standard),
        mode: 'query',
        inputError: new URL(url).href.length > MAX_INPUT,
      }
    }
    case 'post': {
      let body: Uint8Array = new TextEncoder().encode(text)
      if (options.invalidUtf8) body = Uint8Array.from([...body, 0xff])
      const formType = options.contentType.split(';')[0]!.trim().toLowerCase()
      return {
        input: new Request(REDIRECT_URI, {
          method: options.method,
          headers: { 'content-type': options.contentType },
          body: body as BodyInit,
        }),
        seen: parsed(text),
        mode: 'form_post',
        inputError:
          options.method !== 'POST' ||
          formType !== 'application/x-www-form-urlencoded' ||
          options.invalidUtf8 ||
          body.length > MAX_INPUT,
      }
    }
    case 'url-query':
    case 'string-url-query': {
      const url = new URL(`${REDIRECT_URI}?${standard}`)
      return {
        input: options.how === 'url-query' ? url : url.href,
        seen: parsed(standard),
        mode: 'query',
        inputError: url.href.length > MAX_INPUT,
      }
    }
    case 'url-fragment':
    case 'string-url-fragment': {
      const url = new URL(`${REDIRECT_URI}#${standard}`)
      const noHash = standard === ''
      return {
        input: options.how === 'url-fragment' ? url : url.href,
        seen: parsed(standard),
        mode: noHash ? 'query' : 'fragment',
        inputError: url.href.length > MAX_INPUT,
      }
    }
    case 'string-query':
      return {
        input: `?${text}`,
        seen: parsed(text),
        mode: 'query',
        inputError: text.length + 1 > MAX_INPUT,
      }
    case 'string-fragment':
      return {
        input: `#${text}`,
        seen: parsed(text),
        mode: 'fragment',
        inputError: text.length + 1 > MAX_INPUT,
      }
    case 'string-bare': {
      const input = BARE_LOOKS_LIKE_URL.test(text) || text === '' ? `?${text}` : text
      return {
        input,
        seen: parsed(text),
        mode: input === text ? 'unknown' : 'query',
        inputError: input.length > MAX_INPUT,
      }
    }
    case 'search-params':
      return {
        input: new URLSearchParams(params),
        seen: [...new URLSearchParams(params)],
        mode: 'unknown',
        inputError: false,
      }
  }
}

// ---------------------------------------------------------------------------------------------
// The model: must this callback succeed, and does it consume a transaction?

interface Expected {
  readonly ok: boolean
  /** Whether the store is asked for a transaction (the state is read and the input is sound). */
  readonly takes: boolean
}

function expected(scenario: Scenario, state: string, d: Delivered): Expected {
  if (d.inputError) return { ok: false, takes: false }
  const names = new Set<string>()
  for (const [name] of d.seen) {
    if (names.has(name)) return { ok: false, takes: false }
    names.add(name)
  }
  if (names.size > MAX_PARAMETERS) return { ok: false, takes: false }
  const p = new Map(d.seen.filter(([, v]) => v !== ''))
  // A JARM `response` is verified before the state is read; these sign-ins asked for none, and
  // no mutation makes a JWT the OP signed.
  if (p.has('response')) return { ok: false, takes: false }
  if (!p.has('state')) return { ok: false, takes: false }
  const fail = { ok: false, takes: true }
  if (p.get('state') !== state) return fail
  const iss = p.get('iss')
  if (iss !== undefined && iss !== ISSUER) return fail
  if (iss === undefined && !p.has('id_token')) return fail
  if (p.has('error')) return fail
  const front = scenario.responseType !== 'code'
  const mode = scenario.responseMode ?? (front ? 'fragment' : 'query')
  if (d.mode !== 'unknown') {
    if (mode === 'form_post' && d.mode !== 'form_post') return fail
    if (mode === 'query' && d.mode !== 'query') return fail
    if (mode === 'fragment' && d.mode === 'query') return fail
  }
  const valid = new Map(validParameters(scenario, state))
  for (const name of ['code', 'id_token', 'access_token']) {
    if (p.has(name) !== valid.has(name)) return fail
    if (valid.has(name) && p.get(name) !== valid.get(name)) return fail
  }
  if (scenario.responseType.split(' ').includes('token')) {
    if (p.get('token_type')?.toLowerCase() !== 'bearer') return fail
    const expiresIn = p.get('expires_in')
    if (expiresIn !== undefined && !/^\d{1,10}$/.test(expiresIn)) return fail
  }
  return { ok: true, takes: true }
}

// ---------------------------------------------------------------------------------------------

let counter = 0

async function runCase(
  scenario: Scenario,
  mutations: readonly Mutation[],
  options: DeliveryOptions,
  tally?: Tally,
): Promise<boolean> {
  const state = `fuzz-state-${++counter}`
  const tx = transaction(scenario, state)
  await memory.set(tx, 600)
  log.sets = 0
  log.takes.length = 0
  const delivered = deliver(mutate(validParameters(scenario, state), mutations), options)
  const want = expected(scenario, state, delivered)
  const outcome = await settle(() => handleCallback(config, delivered.input, BOUND))
  tally?.record(outcome)
  if (outcome.ok) {
    assert.equal(outcome.value.idTokenClaims.sub, 'alice')
  } else {
    assertDocumentedFailure(outcome.error, DOCUMENTED, CALLBACK_SECRETS)
  }
  assert.equal(
    outcome.ok,
    want.ok,
    outcome.ok
      ? 'accepted a callback the model refuses'
      : `refused a valid callback: ${(outcome as { error: Error }).error.message}`,
  )
  assert.equal(log.sets, 0, 'the callback stored a transaction')
  assert.equal(
    log.takes.length,
    want.takes ? 1 : 0,
    'the callback took the wrong number of transactions',
  )
  // Only the transaction the callback's state names is consumed; any other stays.
  const left = await memory.take(state)
  const consumed = log.takes[0] === state
  assert.equal(
    left === undefined,
    consumed,
    consumed ? 'not consumed' : 'consumed by another state',
  )
  return outcome.ok
}

test('fuzz: mutated callbacks of every profile and delivery', async (t) => {
  for (const scenario of SCENARIOS) {
    const how: Delivery =
      scenario.responseMode === 'form_post'
        ? 'post'
        : scenario.responseType === 'code'
          ? 'get'
          : 'url-fragment'
    const twin = {
      how,
      raw: false,
      contentType: 'application/x-www-form-urlencoded',
      method: 'POST',
      invalidUtf8: false,
    }
    assert.ok(
      await runCase(scenario, [], twin),
      `the valid ${scenario.responseType} callback passes`,
    )
  }
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...SCENARIOS),
      fc.array(mutation, { maxLength: 4 }),
      delivery,
      async (scenario, mutations, options) => {
        await runCase(scenario, mutations, options, tally)
      },
    ),
    fuzzParameters(1000),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed callback succeeded: the property proved nothing')
  await assertNoUnhandledRejections()
})

const noise = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '?',
    '#',
    '/',
    '//',
    'https://',
    'javascript:alert(1)',
    'state',
    '&&&',
    '=&=',
  ),
  fc.constantFrom<unknown>(null, undefined, 42, {}, [], { method: 'POST' }, new Uint8Array(3)),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'post'),
    contentType: fc.option(fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', '')),
    contentLength: fc.option(fc.constantFrom('0', '-1', 'x', '999999999999', '1e6')),
    body: fc.uint8Array({ maxLength: 200 }),
    path: fc.string({ maxLength: 40 }),
  }),
  fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 })), { maxLength: 60 }),
  fc.record({
    broken: fc.constantFrom('errors' as const, 'used' as const),
    after: fc.nat({ max: 3 }),
  }),
)

/** A form_post whose body fails mid-way (the browser went away), or was already read. */
async function brokenRequest(kind: 'errors' | 'used', after: number): Promise<Request> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' }
  if (kind === 'used') {
    const request = new Request(REDIRECT_URI, { method: 'POST', headers, body: 'state=x' })
    await request.text()
    return request
  }
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < after) controller.enqueue(new TextEncoder().encode('state=abc&'))
      else controller.error(new Error('connection reset'))
    },
  })
  return new Request(REDIRECT_URI, { method: 'POST', headers, body, duplex: 'half' } as RequestInit)
}

async function noiseInput(value: unknown): Promise<unknown> {
  if (typeof value === 'object' && value !== null && 'broken' in value) {
    const v = value as { broken: 'errors' | 'used'; after: number }
    return brokenRequest(v.broken, v.after)
  }
  if (Array.isArray(value) && value.every((e) => Array.isArray(e)))
    return new URLSearchParams(value as [string, string][])
  if (typeof value === 'object' && value !== null && 'path' in value) {
    const v = value as {
      method: string
      contentType: string | null
      contentLength: string | null
      body: Uint8Array
      path: string
    }
    const headers = new Headers()
    if (v.contentType !== null) headers.set('content-type', v.contentType)
    if (v.contentLength !== null) headers.set('content-length', v.contentLength)
    const url = URL.canParse(v.path, REDIRECT_URI)
      ? new URL(v.path, REDIRECT_URI)
      : new URL(REDIRECT_URI)
    const hasBody = !['GET', 'HEAD'].includes(v.method.toUpperCase())
    return new Request(url, {
      method: v.method,
      headers,
      ...(hasBody ? { body: v.body as BodyInit } : {}),
    })
  }
  return value
}

test('fuzz: noise as callback input is refused with a documented error', async (t) => {
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(noise, async (value) => {
      log.sets = 0
      log.takes.length = 0
      const input = (await noiseInput(value)) as Parameters<typeof handleCallback>[1]
      const outcome = await settle(() => handleCallback(config, input, BOUND))
      tally.record(outcome)
      assert.ok(!outcome.ok, 'noise was accepted as a callback')
      assertDocumentedFailure(outcome.error, DOCUMENTED, [CLIENT_SECRET, ...SECRETS])
      assert.equal(log.sets, 0)
      assert.ok(log.takes.length <= 1)
    }),
    fuzzParameters(600),
  )
  t.diagnostic(tally.summary())
  await assertNoUnhandledRejections()
})
