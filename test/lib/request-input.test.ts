import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ReadInput, type ReadRules, readRequestInput } from '../../src/lib/request-input.js'
import { expectCode } from '../support/helpers.js'
import { REDIRECT_URI } from '../support/sign-in.js'
import { streamedFormPost } from '../support/streamed-form.js'

/** The callback's rules with the default settings (maxCallbackParameters, maxCallbackBytes). */
const CALLBACK: ReadRules = {
  maxParameters: 50,
  maxBytes: 64 * 1024,
  methods: ['GET', 'POST'],
  readsFragment: true,
}

type Read = Extract<ReadInput, { ok: true }>

/** Reads with the callback's rules (or the limits given) and expects the input to be accepted. */
async function readCallbackParameters(
  input: Parameters<typeof readRequestInput>[0],
  limits?: { maxParameters: number; maxBytes: number },
): Promise<Read> {
  const read = await readRequestInput(input, { ...CALLBACK, ...limits })
  assert.ok(read.ok, read.ok ? '' : read.problem)
  return read
}

/** Reads with the callback's rules (or the limits given) and expects a refusal. */
async function refused(
  input: Parameters<typeof readRequestInput>[0],
  limits?: { maxParameters: number; maxBytes: number },
): Promise<Extract<ReadInput, { ok: false }>> {
  const read = await readRequestInput(input, { ...CALLBACK, ...limits })
  assert.equal(read.ok, false)
  return read as Extract<ReadInput, { ok: false }>
}

function formPost(body: string, headers: Record<string, string> = {}): Request {
  return new Request(REDIRECT_URI, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  })
}

describe('reading the callback input (the callback rules)', () => {
  test('a URL is read from its query', async () => {
    const { params, delivery } = await readCallbackParameters(
      new URL('https://rp.example/cb?code=c1&state=s1'),
    )
    assert.equal(delivery, 'query')
    assert.deepEqual({ ...params }, { code: 'c1', state: 's1' })
  })

  test('a URL is read from its fragment when its query has no state', async () => {
    const url = new URL('https://rp.example/cb?app=1#id_token=t&state=s1')
    const { params, delivery } = await readCallbackParameters(url)
    assert.equal(delivery, 'fragment')
    assert.deepEqual({ ...params }, { id_token: 't', state: 's1' })
    const withState = await readCallbackParameters(new URL('https://rp.example/cb?state=q#_=_'))
    assert.equal(withState.delivery, 'query')
    assert.equal(withState.params.state, 'q')
  })

  test('a URL whose query carries a JARM response is read from its query, whatever its fragment', async () => {
    const jarm = await readCallbackParameters(new URL('https://rp.example/cb?response=j#_=_'))
    assert.equal(jarm.delivery, 'query')
    assert.deepEqual({ ...jarm.params }, { response: 'j' })
    const fragment = await readCallbackParameters(new URL('https://rp.example/cb#response=j'))
    assert.equal(fragment.delivery, 'fragment')
  })

  test('strings: a full URL, a path-relative URL, a ?query, a #fragment, or bare parameters', async () => {
    const cases: [string, string][] = [
      ['https://rp.example/cb?state=a', 'query'],
      ['/cb?state=a', 'query'],
      ['?state=a', 'query'],
      ['#state=a', 'fragment'],
      ['https://rp.example/cb#state=a', 'fragment'],
      ['state=a&code=b', 'unknown'],
      ['iss=https%3A%2F%2Fop.example.com&state=a', 'unknown'],
    ]
    for (const [input, delivery] of cases) {
      const read = await readCallbackParameters(input)
      assert.equal(read.delivery, delivery, input)
      assert.equal(read.params.state, 'a', input)
    }
  })

  test('URLSearchParams are taken as they are, their delivery unknown', async () => {
    const read = await readCallbackParameters(new URLSearchParams({ state: 'a', code: 'b' }))
    assert.equal(read.delivery, 'unknown')
    assert.equal(read.params.code, 'b')
  })

  test('a GET Request is read from its URL, a POST from its form body', async () => {
    const get = await readCallbackParameters(new Request(`${REDIRECT_URI}?state=g`))
    assert.deepEqual([get.delivery, get.params.state], ['query', 'g'])
    const post = await readCallbackParameters(
      formPost('state=p&code=c', {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      }),
    )
    assert.deepEqual([post.delivery, post.params.state, post.params.code], ['form_post', 'p', 'c'])
  })

  test('a Request of another method, content type, size or an already read body is refused', async () => {
    await refused(new Request(REDIRECT_URI, { method: 'PUT', body: 'state=a' }))
    await refused(
      new Request(REDIRECT_URI, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"state":"a"}',
      }),
    )
    await refused(formPost(`state=a&pad=${'x'.repeat(70_000)}`))
    const used = formPost('state=a')
    await used.text()
    await refused(used)
    await refused(
      new Request(REDIRECT_URI, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new Uint8Array([0x73, 0x3d, 0xff, 0xfe]),
      }),
    )
    // the passing twin: a small form POST
    assert.equal((await readCallbackParameters(formPost('state=a'))).params.state, 'a')
  })

  test('a parameter given twice is refused; given once it is read', async () => {
    const err = await refused('https://rp.example/cb?state=a&code=1&code=2')
    assert.equal(err.repeated, 'code')
    assert.equal(
      (await readCallbackParameters('https://rp.example/cb?state=a&code=1')).params.code,
      '1',
    )
  })

  test('more than 50 parameters are refused; 50 are read', async () => {
    const params = (n: number) =>
      new URLSearchParams(Array.from({ length: n }, (_, i) => [`p${i}`, 'v']))
    await refused(params(51))
    assert.equal(Object.keys((await readCallbackParameters(params(50))).params).length, 50)
  })

  test('empty values count as absent (RFC 6749 §3.1)', async () => {
    const { params } = await readCallbackParameters('?state=a&iss=&code=c')
    assert.equal(params.iss, undefined)
    assert.equal(params.code, 'c')
  })

  test('an input of another type is a usage error', async () => {
    await expectCode(readCallbackParameters(42 as unknown as string), 'INVALID_ARGUMENT')
  })
})

describe('fuzz regressions: request input', () => {
  test('"//" (a scheme-relative URL that does not parse) is refused, not a TypeError', async () => {
    await refused('//')
    await refused('//host:99999/cb?state=a')
    assert.equal((await readCallbackParameters('/cb?state=a')).params.state, 'a')
  })

  test('a form_post body that fails mid-stream is refused, keeping none of the stream error', async () => {
    const broken = (fail: boolean) => streamedFormPost(REDIRECT_URI, 'state=a', fail)
    const err = await refused(broken(true))
    assert.equal('cause' in err, false)
    assert.doesNotMatch(JSON.stringify(err), /s3cr3t/)
    assert.equal((await readCallbackParameters(broken(false))).params.state, 'a')
  })

  test('the limits are the ones given: maxParameters and maxBytes', async () => {
    const limits = { maxParameters: 2, maxBytes: 20 }
    await refused('?state=a&code=b&iss=c', limits)
    await refused(`?state=${'a'.repeat(20)}`, limits)
    assert.equal((await readCallbackParameters('?state=a&code=b', limits)).params.code, 'b')
  })
})

describe('reading a logout request (one method, no fragment rule)', () => {
  const limits = { maxParameters: 50, maxBytes: 64 * 1024 }

  test('a GET-only reader refuses a POST Request; reads a GET one', async () => {
    const post = new Request(REDIRECT_URI, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sid=a',
    })
    const read = await readRequestInput(post, { ...limits, methods: ['GET'] })
    assert.deepEqual(read, { ok: false, problem: 'expected a GET, got a POST' })
    const get = await readRequestInput(new Request(`${REDIRECT_URI}?sid=a`), {
      ...limits,
      methods: ['GET'],
    })
    assert.ok(get.ok)
    assert.equal(get.params.sid, 'a')
  })

  test('a POST-only reader refuses a GET Request; reads a form POST', async () => {
    const get = await readRequestInput(new Request(`${REDIRECT_URI}?logout_token=t`), {
      ...limits,
      methods: ['POST'],
    })
    assert.equal(get.ok, false)
    const post = await readRequestInput(formPost('logout_token=t'), {
      ...limits,
      methods: ['POST'],
    })
    assert.ok(post.ok)
    assert.deepEqual([post.delivery, post.params.logout_token], ['form_post', 't'])
  })

  test('without readsFragment a URL is read from its query even when it has a fragment; with it, from the fragment', async () => {
    const url = new URL('https://rp.example/logout?iss=i&sid=s#sid=other')
    const query = await readRequestInput(url, { ...limits, methods: ['GET'] })
    assert.ok(query.ok)
    assert.deepEqual([query.delivery, query.params.sid], ['query', 's'])
    const fragment = await readRequestInput(url, {
      ...limits,
      methods: ['GET'],
      readsFragment: true,
    })
    assert.ok(fragment.ok)
    assert.deepEqual([fragment.delivery, fragment.params.sid], ['fragment', 'other'])
  })

  test('the limits apply to logout input too: an over-long URL is refused, a short one read', async () => {
    const tight = { maxParameters: 2, maxBytes: 40, methods: ['GET'] as const }
    const long = await readRequestInput(
      new URL(`https://rp.example/logout?sid=${'s'.repeat(40)}`),
      tight,
    )
    assert.deepEqual(long, { ok: false, problem: 'the URL is too long' })
    const short = await readRequestInput(new URL('https://rp.example/logout?sid=s'), tight)
    assert.ok(short.ok)
  })

  test('a repeated parameter names it, never its values; a single one is read', async () => {
    const read = await readRequestInput('?sid=secret-1&sid=secret-2', {
      ...limits,
      methods: ['GET'],
    })
    assert.equal(read.ok, false)
    assert.equal(!read.ok && read.repeated, 'sid')
    assert.doesNotMatch(JSON.stringify(read), /secret-/)
    const once = await readRequestInput('?sid=secret-1', { ...limits, methods: ['GET'] })
    assert.ok(once.ok)
  })
})
