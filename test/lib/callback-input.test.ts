import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ValidationError } from '../../src/errors.js'
import { readCallbackParameters } from '../../src/lib/callback-input.js'
import { expectCode } from '../support/helpers.js'
import { REDIRECT_URI } from '../support/sign-in.js'

function formPost(body: string, headers: Record<string, string> = {}): Request {
  return new Request(REDIRECT_URI, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  })
}

describe('reading the callback input', () => {
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
    await expectCode(
      readCallbackParameters(new Request(REDIRECT_URI, { method: 'PUT', body: 'state=a' })),
      'CALLBACK_INVALID_INPUT',
    )
    await expectCode(
      readCallbackParameters(
        new Request(REDIRECT_URI, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"state":"a"}',
        }),
      ),
      'CALLBACK_INVALID_INPUT',
    )
    await expectCode(
      readCallbackParameters(formPost(`state=a&pad=${'x'.repeat(70_000)}`)),
      'CALLBACK_INVALID_INPUT',
    )
    const used = formPost('state=a')
    await used.text()
    await expectCode(readCallbackParameters(used), 'CALLBACK_INVALID_INPUT')
    await expectCode(
      readCallbackParameters(
        new Request(REDIRECT_URI, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new Uint8Array([0x73, 0x3d, 0xff, 0xfe]),
        }),
      ),
      'CALLBACK_INVALID_INPUT',
    )
    // the passing twin: a small form POST
    assert.equal((await readCallbackParameters(formPost('state=a'))).params.state, 'a')
  })

  test('a parameter given twice is refused; given once it is read', async () => {
    const err = await expectCode<ValidationError>(
      readCallbackParameters('https://rp.example/cb?state=a&code=1&code=2'),
      'CALLBACK_DUPLICATE_PARAMETER',
    )
    assert.equal(err.claim, 'code')
    assert.equal(
      (await readCallbackParameters('https://rp.example/cb?state=a&code=1')).params.code,
      '1',
    )
  })

  test('more than 50 parameters are refused; 50 are read', async () => {
    const params = (n: number) =>
      new URLSearchParams(Array.from({ length: n }, (_, i) => [`p${i}`, 'v']))
    await expectCode(readCallbackParameters(params(51)), 'CALLBACK_INVALID_INPUT')
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

describe('fuzz regressions: callback input', () => {
  test('"//" (a scheme-relative URL that does not parse) is CALLBACK_INVALID_INPUT, not a TypeError', async () => {
    await expectCode(readCallbackParameters('//'), 'CALLBACK_INVALID_INPUT')
    await expectCode(readCallbackParameters('//host:99999/cb?state=a'), 'CALLBACK_INVALID_INPUT')
    assert.equal((await readCallbackParameters('/cb?state=a')).params.state, 'a')
  })

  test('a form_post body that fails mid-stream is CALLBACK_INVALID_INPUT, keeping none of the stream error', async () => {
    const broken = (fail: boolean) => {
      let sent = false
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true
            controller.enqueue(new TextEncoder().encode('state=a'))
          } else if (fail)
            controller.error(new Error('connection reset by s3cr3t-client-secret-value'))
          else controller.close()
        },
      })
      return new Request(REDIRECT_URI, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        duplex: 'half',
      } as RequestInit)
    }
    const err = await expectCode<ValidationError>(
      readCallbackParameters(broken(true)),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal(err.cause, undefined)
    assert.equal((await readCallbackParameters(broken(false))).params.state, 'a')
  })

  test('the limits are the ones given: maxParameters and maxBytes', async () => {
    const limits = { maxParameters: 2, maxBytes: 20 }
    await expectCode(
      readCallbackParameters('?state=a&code=b&iss=c', limits),
      'CALLBACK_INVALID_INPUT',
    )
    await expectCode(
      readCallbackParameters(`?state=${'a'.repeat(20)}`, limits),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters('?state=a&code=b', limits)).params.code, 'b')
  })
})
