import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TransportError } from '../../src/errors.js'
import { expectStatus, httpRequest, parseJsonObject } from '../../src/lib/http.js'
import { AWKWARD_SECRET, echoForms, everythingShown, leaked } from '../support/echo.js'
import { expectCode, registerSecret } from '../support/helpers.js'

const url = new URL('https://op.example.com/thing')
const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' }, ...init })
const serve =
  (make: () => Response | Promise<Response>): typeof fetch =>
  async () =>
    make()

test('reads a JSON object through the injected fetch with redirect manual', async () => {
  let seen: RequestInit | undefined
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    seen = init
    return json({ ok: true })
  }
  const response = await httpRequest(url, {}, { fetch })
  expectStatus(response)
  assert.deepEqual(parseJsonObject(response), { ok: true })
  assert.equal(seen?.redirect, 'manual')
  assert.ok(seen?.signal instanceof AbortSignal)
})

test('a redirect is refused, not followed; a 200 twin passes', async () => {
  const err = await expectCode(
    httpRequest(
      url,
      {},
      {
        fetch: serve(
          () => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
        ),
      },
    ),
    'HTTP_REDIRECT_REFUSED',
  )
  assert.equal((err as { status: number }).status, 302)
  await httpRequest(url, {}, { fetch: serve(() => json({})) })
})

test('the size limit is enforced while streaming, before the body ends', async () => {
  let pulled = 0
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++
      controller.enqueue(new Uint8Array(64 * 1024))
    },
  })
  await expectCode(
    httpRequest(
      url,
      {},
      { fetch: serve(() => new Response(endless)), maxResponseBytes: 256 * 1024 },
    ),
    'HTTP_RESPONSE_TOO_LARGE',
  )
  assert.ok(pulled < 10, `stopped after ${pulled} chunks`)
  const small = await httpRequest(
    url,
    {},
    { fetch: serve(() => json({ a: 1 })), maxResponseBytes: 256 * 1024 },
  )
  assert.equal(small.status, 200)
})

test('a declared Content-Length over the limit is refused at once', async () => {
  await expectCode(
    httpRequest(
      url,
      {},
      {
        fetch: serve(() => new Response('{}', { headers: { 'content-length': '999999999' } })),
        maxResponseBytes: 1000,
      },
    ),
    'HTTP_RESPONSE_TOO_LARGE',
  )
})

test('a slow answer times out with HTTP_TIMEOUT, also when the fetch ignores the signal', async () => {
  const never: typeof fetch = () => new Promise(() => {})
  await expectCode(httpRequest(url, {}, { fetch: never, timeoutInMs: 30 }), 'HTTP_TIMEOUT')
  const slowBody: typeof fetch = async () =>
    new Response(new ReadableStream({ pull: () => new Promise(() => {}) }))
  await expectCode(httpRequest(url, {}, { fetch: slowBody, timeoutInMs: 30 }), 'HTTP_TIMEOUT')
  await httpRequest(url, {}, { fetch: serve(() => json({})), timeoutInMs: 30 })
})

test("the caller's signal aborts with HTTP_ABORTED", async () => {
  const controller = new AbortController()
  const pending = httpRequest(
    url,
    {},
    { fetch: () => new Promise(() => {}), signal: controller.signal },
  )
  controller.abort()
  await expectCode(pending, 'HTTP_ABORTED')
  await expectCode(
    httpRequest(url, {}, { fetch: serve(() => json({})), signal: AbortSignal.abort() }),
    'HTTP_ABORTED',
  )
})

test('a failing fetch becomes HTTP_NETWORK_ERROR', async () => {
  const broken: typeof fetch = async () => {
    throw new TypeError('fetch failed')
  }
  await expectCode(httpRequest(url, {}, { fetch: broken }), 'HTTP_NETWORK_ERROR')
})

test('plain http is refused outside loopback unless explicitly allowed', async () => {
  const fetch = serve(() => json({}))
  await expectCode(httpRequest(new URL('http://op.example.com/x'), {}, { fetch }), 'INSECURE_URL')
  await httpRequest(new URL('http://op.example.com/x'), {}, { fetch, allowInsecureRequests: true })
  await httpRequest(new URL('http://127.0.0.1:8080/x'), {}, { fetch })
  await httpRequest(new URL('http://localhost:8080/x'), {}, { fetch })
  await httpRequest(new URL('http://[::1]:8080/x'), {}, { fetch })
})

test('wrong content type, invalid JSON, invalid UTF-8 and non-objects are typed errors', async () => {
  const read = async (response: Response) =>
    parseJsonObject(await httpRequest(url, {}, { fetch: serve(() => response) }))
  await expectCode(
    read(new Response('{}', { headers: { 'content-type': 'text/plain' } })),
    'HTTP_BAD_CONTENT_TYPE',
  )
  await expectCode(
    read(new Response('{"a":', { headers: { 'content-type': 'application/json' } })),
    'HTTP_INVALID_JSON',
  )
  await expectCode(
    read(
      new Response(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), {
        headers: { 'content-type': 'application/json' },
      }),
    ),
    'HTTP_INVALID_JSON',
  )
  await expectCode(read(json([1, 2])), 'HTTP_JSON_NOT_OBJECT')
  await expectCode(read(json('text')), 'HTTP_JSON_NOT_OBJECT')
  await expectCode(read(json(null)), 'HTTP_JSON_NOT_OBJECT')
  assert.deepEqual(
    await read(
      new Response('{"a":1}', { headers: { 'content-type': 'application/json; charset=utf-8' } }),
    ),
    { a: 1 },
  )
  assert.deepEqual(
    await read(
      new Response('{"a":1}', { headers: { 'content-type': 'application/jwk-set+json' } }),
    ),
    { a: 1 },
  )
})

test('the JSON parse error keeps no fragment of the body', async () => {
  const secretBody = '{"access_token":"tok-0123456789abcdef", broken'
  const err = await expectCode(
    (async () =>
      parseJsonObject(
        await httpRequest(
          url,
          {},
          {
            fetch: serve(
              () => new Response(secretBody, { headers: { 'content-type': 'application/json' } }),
            ),
          },
        ),
      ))(),
    'HTTP_INVALID_JSON',
  )
  assert.ok(
    !JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) }).includes(
      'tok-0123456789abcdef',
    ),
  )
})

test('an unexpected status is a typed error naming the status', async () => {
  const response = await httpRequest(url, {}, { fetch: serve(() => json({}, { status: 500 })) })
  const err = await expectCode(() => expectStatus(response), 'HTTP_UNEXPECTED_STATUS')
  assert.equal((err as { status: number }).status, 500)
  expectStatus(await httpRequest(url, {}, { fetch: serve(() => json({}, { status: 201 })) }), 201)
})

test('fuzz regression: JSON nested deeper than 64 levels is HTTP_INVALID_JSON, not a stack overflow; 64 levels pass', async () => {
  const read = async (text: string) =>
    parseJsonObject(
      await httpRequest(
        url,
        {},
        {
          fetch: serve(
            () => new Response(text, { headers: { 'content-type': 'application/json' } }),
          ),
        },
      ),
    )
  const nested = (levels: number) => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`
  // 200,000 levels made a later deep copy (discovery) throw RangeError: Maximum call stack size exceeded.
  await expectCode(read(nested(200_000)), 'HTTP_INVALID_JSON')
  await expectCode(read(nested(65)), 'HTTP_INVALID_JSON')
  assert.ok(Array.isArray((await read(nested(64))).a))
})

/** A token request as the SDK sends it: Basic credentials of an awkward secret, a code and a verifier. */
function tokenRequest() {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2)
  const credentials = btoa(
    String.fromCharCode(
      ...new TextEncoder().encode(`${encode('rp-client')}:${encode(AWKWARD_SECRET)}`),
    ),
  )
  const code = 'code-0123456789-abcdefghijklmnop'
  const verifier = 'verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG'
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: 'https://rp.example/cb',
  })
  const init = { method: 'POST', headers: { authorization: `Basic ${credentials}` }, body }
  const forms = [
    credentials,
    ...echoForms(AWKWARD_SECRET),
    ...echoForms(code),
    ...echoForms(verifier),
  ]
  registerSecret(AWKWARD_SECRET, code, verifier, credentials)
  return { init, forms }
}

/** A fetch implementation's error quoting the request: in its message, its members and its causes. */
function quotingError(init: RequestInit): Error {
  const authorization = new Headers(init.headers).get('authorization') ?? ''
  const form = String(init.body)
  const detail = Object.assign(
    new Error(`invalid header value "authorization: ${authorization}" with body ${form}`),
    { code: 'ERR_INVALID_CHAR', header: authorization, request: { headers: { authorization } } },
  )
  const aggregate = new AggregateError(
    [new Error(`connect refused sending ${decodeURIComponent(form)}`), detail],
    `both attempts failed for ${authorization}`,
  )
  return new TypeError(`fetch failed: ${authorization}`, { cause: aggregate })
}

test('scrubbing: a fetch that throws quoting the Authorization header and the form gives HTTP_NETWORK_ERROR whose cause chain shows none of it', async () => {
  const { init, forms } = tokenRequest()
  const throwing: typeof fetch = async (_input, sent) => {
    throw quotingError(sent!)
  }
  const err = await expectCode<TransportError>(
    httpRequest(url, init, { fetch: throwing }),
    'HTTP_NETWORK_ERROR',
  )
  assert.deepEqual(leaked(err, forms), [])
  const cause = err.cause as Error & { cause: AggregateError }
  assert.equal(cause.name, 'TypeError')
  assert.equal(cause.message, 'fetch failed: Basic [redacted]')
  assert.equal(cause.cause.errors.length, 2, 'the aggregate keeps its errors')
  assert.equal((cause.cause.errors[1] as { code?: string }).code, 'ERR_INVALID_CHAR')
})

test('scrubbing: a body stream that fails quoting the Bearer token gives HTTP_NETWORK_ERROR whose cause shows none of it', async () => {
  const token = 'access-token-0123456789-abcdefghijklmnop'
  registerSecret(token)
  const failing: typeof fetch = async (_input, sent) => {
    const quoted = new Headers(sent?.headers).get('authorization')
    const body = new ReadableStream({
      pull(controller) {
        controller.error(new Error(`stream reset while answering ${quoted}`))
      },
    })
    return new Response(body, { headers: { 'content-type': 'application/json' } })
  }
  const err = await expectCode<TransportError>(
    httpRequest(url, { headers: { authorization: `Bearer ${token}` } }, { fetch: failing }),
    'HTTP_NETWORK_ERROR',
  )
  assert.deepEqual(leaked(err, echoForms(token)), [])
  assert.equal((err.cause as Error).message, 'stream reset while answering Bearer [redacted]')
})

test('scrubbing, the twin: a fetch error quoting nothing secret keeps its name, message, members and cause', async () => {
  const { init } = tokenRequest()
  const refused = Object.assign(new Error('connect ECONNREFUSED 203.0.113.7:443'), {
    code: 'ECONNREFUSED',
    port: 443,
  })
  const throwing: typeof fetch = async () => {
    throw new TypeError('fetch failed', { cause: refused })
  }
  const err = await expectCode<TransportError>(
    httpRequest(url, init, { fetch: throwing }),
    'HTTP_NETWORK_ERROR',
  )
  const cause = err.cause as Error & { cause: typeof refused }
  assert.deepEqual(
    [cause.name, cause.message, cause.cause.message, cause.cause.code, cause.cause.port],
    ['TypeError', 'fetch failed', refused.message, 'ECONNREFUSED', 443],
  )
  assert.ok(!everythingShown(err).includes('[redacted]'))
})

test("an error answer's redactor takes out what the request sent; a JSON success's hides a whole text", async () => {
  const sent = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'code=the-secret-code',
  }
  const answer = (status: number) =>
    httpRequest(url, sent, { fetch: async () => json({ error: 'x' }, { status }) })
  // an error answer loads the redaction, which takes out only what was sent
  const refused = await answer(400)
  assert.equal(refused.redact('the code the-secret-code is bad'), 'the code [redacted] is bad')
  // a JSON success needs none: its redactor hides everything, so a later use cannot leak
  const accepted = await answer(200)
  assert.equal(accepted.redact('the code the-secret-code is bad'), '[redacted]')
  assert.equal(accepted.redact(''), '')
})
