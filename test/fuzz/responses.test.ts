/**
 * Fuzzing what the OP answers: discovery, JWKS, token, UserInfo and PAR responses with wrong types
 * for each member, missing and extra members, duplicate keys, oversized and stalled bodies, wrong
 * content types, invalid UTF-8, deep nesting, odd statuses and challenges. Every outcome is a
 * success on a response that is valid, or a documented `OidcRpError` that leaks nothing.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  createAuthorizationRequest,
  discover,
  fetchUserInfo,
  refreshTokens,
  validateIdToken,
} from '../../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  fuzzConfig,
  fuzzFetch,
  fuzzMetadata,
  ISSUER,
  NONCE,
  OP_JWKS,
  REDIRECT_URI,
  SECRETS,
  signJson,
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

/** The body limit of the fuzz configurations: small, so oversized bodies are cheap to make. */
const LIMIT = 64 * 1024
const ACCESS_TOKEN = 'fuzz-access-token-8d0f3b2a6c1e4975b3a0'
const REFRESH_TOKEN = 'fuzz-refresh-token-4e2c9a7b1d3f5608e9c1'
const NEW_REFRESH_TOKEN = 'fuzz-refresh-token-rotated-0b7d5e3c1a9f'
const ID_TOKEN = await signJson({ alg: 'RS256', kid: 'rs-1' }, validIdTokenClaims(), 'op-rs')
const KIDLESS_ID_TOKEN = await signJson({ alg: 'ES256' }, validIdTokenClaims(), 'op-es')
const RESPONSE_SECRETS = [
  KIDLESS_ID_TOKEN,
  ...SECRETS,
  ACCESS_TOKEN,
  REFRESH_TOKEN,
  NEW_REFRESH_TOKEN,
  ID_TOKEN,
]

// ---------------------------------------------------------------------------------------------
// Arbitrary responses built from each endpoint's valid body.

const oddValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, 1e308, '', ' ', '3600', [], {}, ['x'], { a: 1 }),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('<deep:[:10000>', '<deep:{:10000>', '<deep:[:62>', '<deep:[:63>'),
)

/** Expands the `<deep:…>` placeholders of a JSON text into deeply nested arrays or objects. */
function expandDeep(text: string): string {
  return text.replace(/"<deep:(.):(\d+)>"/g, (_, open: string, depth: string) => {
    const n = Number(depth)
    return open === '['
      ? `${'['.repeat(n)}${']'.repeat(n)}`
      : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
  })
}

type BodyEdit =
  | { op: 'remove'; member: string }
  | { op: 'set'; member: string; value: unknown }
  | { op: 'duplicate'; member: string; value: unknown; first: boolean }

const bodyEdit = (members: readonly string[]): fc.Arbitrary<BodyEdit> => {
  const member = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...members) },
    fc.constantFrom('__proto__', 'constructor', 'extra', ''),
    fc.string({ maxLength: 12 }),
  )
  return fc.oneof(
    fc.record({ op: fc.constant('remove' as const), member }),
    fc.record({ op: fc.constant('set' as const), member, value: oddValue }),
    fc.record({
      op: fc.constant('duplicate' as const),
      member,
      value: oddValue,
      first: fc.boolean(),
    }),
  )
}

function editedJson(template: Record<string, unknown>, edits: readonly BodyEdit[]): string {
  const body: Record<string, unknown> = structuredClone(template)
  const before: string[] = []
  const after: string[] = []
  for (const edit of edits) {
    if (edit.op === 'remove') delete body[edit.member]
    else if (edit.op === 'set') {
      Object.defineProperty(body, edit.member, {
        value: edit.value,
        enumerable: true,
        configurable: true,
        writable: true,
      })
    } else {
      const text = `${JSON.stringify(edit.member)}:${JSON.stringify(edit.value) ?? 'null'}`
      ;(edit.first ? before : after).push(text)
    }
  }
  const members = [...before, JSON.stringify(body).slice(1, -1), ...after].filter((m) => m !== '')
  return expandDeep(`{${members.join(',')}}`)
}

const encoder = new TextEncoder()

type Body =
  | { kind: 'edited'; edits: BodyEdit[] }
  | { kind: 'json'; value: unknown }
  | { kind: 'invalid-utf8'; at: number; byte: number }
  | { kind: 'deep'; depth: number; open: string }
  | { kind: 'padded'; size: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'oauth-error'; error: unknown; description: string[] }

/** `<sent>` stands for the secret the RP sent to the endpoint, `<secret>` for the client secret. */
const SECRET_FRAGMENTS = ['<secret>', '<sent>', 'client_secret', 'the token', ' ', 'invalid']

const bodyArb = (members: readonly string[]): fc.Arbitrary<Body> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('edited' as const),
        edits: fc.array(bodyEdit(members), { maxLength: 3 }),
      }),
    },
    fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 4 }) }),
    fc.record({
      kind: fc.constant('invalid-utf8' as const),
      at: fc.nat(),
      byte: fc.constantFrom(0x80, 0xc0, 0xc3, 0xed, 0xf8, 0xff),
    }),
    fc.record({
      kind: fc.constant('deep' as const),
      depth: fc.constantFrom(63, 64, 65, 3000, 10_000),
      open: fc.constantFrom('[', '{"a":', '{"keys":'),
    }),
    fc.record({
      kind: fc.constant('padded' as const),
      size: fc.constantFrom(LIMIT - 64, LIMIT, LIMIT + 1, LIMIT * 3),
    }),
    fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({
      kind: fc.constant('text' as const),
      text: fc.constantFrom('', 'null', '[]', '"x"', '<html></html>', '\ufeff{}', '{', 'NaN'),
    }),
    fc.record({
      kind: fc.constant('oauth-error' as const),
      error: fc.constantFrom<unknown>('invalid_grant', 'invalid_client', '', 5, null),
      description: fc.array(fc.constantFrom(...SECRET_FRAGMENTS), { maxLength: 4 }),
    }),
  )

/**
 * Puts the secret the RP sent to the endpoint (and the client secret, where it authenticates)
 * where a careless OP quotes them.
 */
function quote(text: string, sent: string): string {
  const secret = sent === ACCESS_TOKEN ? 'the secret' : CLIENT_SECRET
  return text.replaceAll('<sent>', sent).replaceAll('<secret>', secret)
}

function bodyBytes(template: Record<string, unknown>, body: Body, sent = ''): Uint8Array {
  switch (body.kind) {
    case 'edited':
      return encoder.encode(editedJson(template, body.edits))
    case 'json':
      return encoder.encode(JSON.stringify(body.value) ?? 'null')
    case 'invalid-utf8': {
      const bytes = encoder.encode(JSON.stringify(template))
      const out = new Uint8Array(bytes.length + 1)
      const at = 1 + (body.at % (bytes.length - 1))
      out.set(bytes.subarray(0, at))
      out[at] = body.byte
      out.set(bytes.subarray(at), at + 1)
      return out
    }
    case 'deep': {
      const close = body.open === '[' ? ']' : '}'
      return encoder.encode(
        `${body.open.repeat(body.depth)}${body.open === '[' ? '' : '1'}${close.repeat(body.depth)}`,
      )
    }
    case 'padded': {
      const json = JSON.stringify({ ...template, padding: '' })
      const pad = Math.max(0, body.size - json.length)
      return encoder.encode(JSON.stringify({ ...template, padding: 'p'.repeat(pad) }))
    }
    case 'bytes':
      return body.bytes
    case 'text':
      return encoder.encode(body.text)
    case 'oauth-error':
      return encoder.encode(
        JSON.stringify({
          error: body.error,
          error_description: quote(body.description.join(' '), sent),
        }),
      )
  }
}

interface FuzzedResponse {
  readonly status: number
  readonly contentType: string | undefined
  readonly wwwAuthenticate: string | undefined
  readonly chunked: boolean
  readonly stall: boolean
  readonly body: Body
}

const responseArb = (members: readonly string[], okStatus: number): fc.Arbitrary<FuzzedResponse> =>
  fc.record({
    status: fc.oneof(
      { weight: 6, arbitrary: fc.constant(okStatus) },
      fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 500, 503),
      fc.integer({ min: 200, max: 599 }),
    ),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom(
        undefined,
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/html',
        'text/plain',
        'application/jwt',
        'application/jwk-set+json',
        'application/problem+json',
        '',
        'application/json;;;',
        'application/x-www-form-urlencoded',
      ),
    ),
    wwwAuthenticate: fc.option(
      fc.oneof(
        fc.constantFrom(
          'Bearer error="invalid_token"',
          'Bearer',
          'Basic realm="x"',
          'Bearer error="a", error="b", __proto__="c"',
          'Bearer realm="unterminated',
          ', , ,',
          'Bearer error="invalid_token", error_description="<sent> expired"',
          'Basic error="invalid_client", error_description="bad secret <secret>"',
          'Bearer error_description="\\"\\\\\\"',
          'DPoP algs="ES256", Bearer error="insufficient_scope"',
          'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
        ),
        fc.string({ maxLength: 60 }),
      ),
      { nil: undefined, freq: 2 },
    ),
    chunked: fc.boolean(),
    stall: fc.nat({ max: 49 }).map((n) => n === 0),
    body: bodyArb(members),
  })

function toResponse(
  template: Record<string, unknown>,
  fuzzed: FuzzedResponse,
  sent = '',
): Response {
  const bytes = bodyBytes(template, fuzzed.body, sent)
  const headers = new Headers()
  if (fuzzed.contentType !== undefined) headers.set('content-type', fuzzed.contentType)
  if (fuzzed.wwwAuthenticate !== undefined) {
    try {
      headers.set('www-authenticate', quote(fuzzed.wwwAuthenticate, sent))
    } catch {
      // not a valid header value: the OP could not have sent it
    }
  }
  const nullBody = [204, 205, 304].includes(fuzzed.status)
  let body: BodyInit | null = nullBody ? null : (bytes as BodyInit)
  if (!nullBody && (fuzzed.chunked || fuzzed.stall)) {
    let offset = 0
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) {
          if (!fuzzed.stall) controller.close()
          return fuzzed.stall ? new Promise(() => {}) : undefined
        }
        controller.enqueue(bytes.slice(offset, offset + 4096))
        offset += 4096
        return undefined
      },
    })
  }
  return new Response(body, { status: fuzzed.status, headers })
}

// ---------------------------------------------------------------------------------------------
// Small models of what each endpoint must look like for the RP to accept it.

function mediaType(fuzzed: FuzzedResponse): string {
  return (fuzzed.contentType ?? '').split(';')[0]!.trim().toLowerCase()
}

function jsonOf(template: Record<string, unknown>, fuzzed: FuzzedResponse): unknown {
  try {
    return JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bodyBytes(template, fuzzed.body)),
    )
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json')
}

/** Runs one case: the outcome must be a documented failure or a success the check approves. */
async function check<T>(
  tally: Tally,
  action: () => Promise<T>,
  documented: readonly string[],
  onSuccess: (value: T) => void,
  secrets: readonly string[] = RESPONSE_SECRETS,
): Promise<boolean> {
  const outcome = await settle(action)
  tally.record(outcome)
  if (outcome.ok) onSuccess(outcome.value)
  else assertDocumentedFailure(outcome.error, documented, secrets)
  return outcome.ok
}

// ---------------------------------------------------------------------------------------------

const TOKEN_TEMPLATE = {
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: NEW_REFRESH_TOKEN,
  scope: 'openid profile',
  id_token: ID_TOKEN,
}

test('fuzz: token endpoint responses (refresh grant)', async (t) => {
  const documented = documentedCodes('src/token.ts', 'refreshTokens')
  const tally = createTally()
  let current: FuzzedResponse | undefined
  const { fetch } = fuzzFetch((url) =>
    url.pathname === '/token' ? toResponse(TOKEN_TEMPLATE, current!, REFRESH_TOKEN) : undefined,
  )
  const config = fuzzConfig(fetch, {}, { maxResponseBytes: LIMIT, timeoutInMs: 20 })
  await fc.assert(
    fc.asyncProperty(responseArb(Object.keys(TOKEN_TEMPLATE), 200), async (fuzzed) => {
      current = fuzzed
      await check(
        tally,
        () => refreshTokens(config, REFRESH_TOKEN),
        documented,
        (result) => {
          const body = jsonOf(TOKEN_TEMPLATE, fuzzed)
          assert.equal(fuzzed.status, 200)
          assert.ok(isJsonType(mediaType(fuzzed)), 'accepted a token response that is not JSON')
          assert.ok(isObject(body))
          assert.equal(result.accessToken.value, body.access_token)
          assert.equal(String(body.token_type).toLowerCase(), 'bearer')
          assert.equal(result.refreshToken, body.refresh_token ?? REFRESH_TOKEN)
          assert.equal(result.idToken, body.id_token)
          if (body.expires_in !== undefined) {
            assert.ok(typeof body.expires_in === 'number' && body.expires_in >= 0)
          }
        },
      )
    }),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed response was accepted: the property proved nothing')
  await assertNoUnhandledRejections()
})

const USERINFO_TEMPLATE = {
  sub: 'alice',
  name: 'Alice',
  email: 'alice@example.com',
  address: { country: 'NL' },
  _claim_names: { x: 'src1' },
}

test('fuzz: UserInfo responses', async (t) => {
  const documented = documentedCodes('src/userinfo.ts', 'fetchUserInfo')
  const tally = createTally()
  let current: FuzzedResponse | undefined
  const { fetch } = fuzzFetch((url) =>
    url.pathname === '/userinfo'
      ? toResponse(USERINFO_TEMPLATE, current!, ACCESS_TOKEN)
      : undefined,
  )
  const config = fuzzConfig(fetch, {}, { maxResponseBytes: LIMIT, timeoutInMs: 20 })
  await fc.assert(
    fc.asyncProperty(
      responseArb(Object.keys(USERINFO_TEMPLATE), 200),
      fc.constantFrom('header' as const, 'body' as const),
      async (fuzzed, placement) => {
        current = fuzzed
        await check(
          tally,
          () => fetchUserInfo(config, ACCESS_TOKEN, { expectedSubject: 'alice', placement }),
          documented,
          (claims) => {
            assert.equal(fuzzed.status, 200)
            assert.equal(mediaType(fuzzed), 'application/json')
            assert.equal(claims.sub, 'alice')
            assert.deepEqual(claims, jsonOf(USERINFO_TEMPLATE, fuzzed))
          },
        )
      },
    ),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed response was accepted: the property proved nothing')
  await assertNoUnhandledRejections()
})

const METADATA_TEMPLATE = fuzzMetadata()
const URL_MEMBERS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']

test('fuzz: discovery responses', async (t) => {
  const documented = documentedCodes('src/discovery.ts', 'discover')
  const tally = createTally()
  let current: FuzzedResponse | undefined
  const { fetch } = fuzzFetch((url) =>
    url.pathname === '/.well-known/openid-configuration'
      ? toResponse(METADATA_TEMPLATE, current!)
      : undefined,
  )
  const client = {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
  }
  await fc.assert(
    fc.asyncProperty(responseArb(Object.keys(METADATA_TEMPLATE), 200), async (fuzzed) => {
      current = fuzzed
      await check(
        tally,
        () => discover(ISSUER, client, { fetch, maxResponseBytes: LIMIT, timeoutInMs: 20 }),
        documented,
        (config) => {
          const body = jsonOf(METADATA_TEMPLATE, fuzzed)
          assert.equal(fuzzed.status, 200)
          assert.ok(isJsonType(mediaType(fuzzed)))
          assert.ok(isObject(body))
          assert.equal(config.issuer, ISSUER)
          for (const member of URL_MEMBERS) {
            const value = body[member]
            assert.ok(
              value === undefined || (typeof value === 'string' && value.startsWith('https://')),
              member,
            )
          }
          for (const member of [
            'response_types_supported',
            'subject_types_supported',
            'id_token_signing_alg_values_supported',
          ]) {
            assert.ok(Array.isArray(body[member]), member)
          }
        },
      )
    }),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed response was accepted: the property proved nothing')
  await assertNoUnhandledRejections()
})

const JWK_EDITS: readonly ((keys: Record<string, unknown>[]) => unknown)[] = [
  (keys) => keys.map((k) => ({ ...k, kty: 5 })),
  (keys) => keys.map((k) => ({ ...k, n: typeof k.n === 'string' ? k.n.slice(0, 20) : k.n })),
  (keys) => keys.map((k) => ({ ...k, alg: 'HS256' })),
  (keys) => keys.map((k) => ({ ...k, use: 'enc' })),
  (keys) => keys.map((k) => ({ ...k, key_ops: ['sign'] })),
  (keys) => keys.map((k) => ({ ...k, key_ops: 'verify' })),
  (keys) => keys.map((k) => ({ ...k, kid: undefined })),
  (keys) => keys.map((k) => ({ ...k, kid: 7 })),
  (keys) => keys.map((k) => ({ ...k, crv: 'P-384' })),
  (keys) => keys.map((k) => ({ ...k, d: 'AAAA' })),
  (keys) => keys.map((k) => ({ ...k, ext: true, x5c: 'x' })),
  (keys) => keys.map((k) => ({ ...k, y: 'AAAA', x5c: '<deep:[:62>' })),
  (keys) => keys.map((k) => ({ ...k, alg: undefined, kid: undefined })),
  (keys) => [...keys, ...keys],
  (keys) => [...keys, { kty: 'oct', k: 'c2VjcmV0', kid: 'rs-1' }],
  (keys) => Array.from({ length: 150 }, () => keys[0]),
  (keys) => [null, ...keys],
  (keys) => [[], ...keys],
  () => [],
  () => 'keys',
  () => ({ 0: OP_JWKS.keys[0] }),
]

test('fuzz: JWKS responses', async (t) => {
  const documented = documentedCodes('src/id-token.ts', 'validateIdToken')
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(
      responseArb(['keys'], 200),
      fc.option(fc.nat({ max: JWK_EDITS.length - 1 }), { nil: undefined, freq: 2 }),
      fc.constantFrom(ID_TOKEN, KIDLESS_ID_TOKEN),
      fc.constantFrom(0, 5),
      async (fuzzed, jwkEdit, idToken, cooldown) => {
        const template: Record<string, unknown> = {
          keys:
            jwkEdit === undefined
              ? OP_JWKS.keys
              : JWK_EDITS[jwkEdit]!(OP_JWKS.keys as unknown as Record<string, unknown>[]),
        }
        const { fetch } = fuzzFetch((url) =>
          url.pathname === '/jwks' ? toResponse(template, fuzzed) : undefined,
        )
        // A new configuration per case: an empty JWKS cache, so every case fetches.
        const config = fuzzConfig(
          fetch,
          {},
          { maxResponseBytes: LIMIT, timeoutInMs: 20, jwksRefetchCooldownInSeconds: cooldown },
        )
        await check(
          tally,
          () => validateIdToken(config, idToken, { source: 'token', nonce: NONCE }),
          documented,
          () => {
            assert.equal(fuzzed.status, 200)
            assert.ok(isJsonType(mediaType(fuzzed)))
          },
        )
      },
    ),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed response was accepted: the property proved nothing')
  await assertNoUnhandledRejections()
})

const PAR_TEMPLATE = { request_uri: 'urn:ietf:params:oauth:request_uri:fuzz-6f2d', expires_in: 60 }

test('fuzz: pushed authorization request responses', async (t) => {
  const documented = documentedCodes('src/authorization/request.ts', 'createAuthorizationRequest')
  const tally = createTally()
  let current: FuzzedResponse | undefined
  const { fetch } = fuzzFetch((url) =>
    url.pathname === '/par' ? toResponse(PAR_TEMPLATE, current!, CLIENT_SECRET) : undefined,
  )
  const config = fuzzConfig(
    fetch,
    {},
    { maxResponseBytes: LIMIT, timeoutInMs: 20, policy: { transport: 'par' } },
  )
  await fc.assert(
    fc.asyncProperty(responseArb(Object.keys(PAR_TEMPLATE), 201), async (fuzzed) => {
      current = fuzzed
      await check(
        tally,
        () => createAuthorizationRequest(config),
        documented,
        (request) => {
          const body = jsonOf(PAR_TEMPLATE, fuzzed)
          assert.equal(fuzzed.status, 201)
          assert.ok(isJsonType(mediaType(fuzzed)))
          assert.ok(isObject(body))
          assert.equal(new URL(request.url).searchParams.get('request_uri'), body.request_uri)
          assert.ok(typeof body.expires_in === 'number' && body.expires_in > 0)
        },
      )
    }),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no fuzzed response was accepted: the property proved nothing')
  await assertNoUnhandledRejections()
})
