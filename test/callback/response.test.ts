import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readCallbackParameters } from '../../src/callback/response.js'
import { validateSettings } from '../../src/config/settings.js'
import type { ValidationError } from '../../src/errors.js'
import { expectCode } from '../support/helpers.js'
import { REDIRECT_URI } from '../support/sign-in.js'

const defaults = validateSettings({})
const LIMITS = {
  maxParameters: defaults.maxCallbackParameters,
  maxBytes: defaults.maxCallbackBytes,
}

function formPost(body: string, method = 'POST'): Request {
  return new Request(REDIRECT_URI, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
}

describe('the callback input as callback errors', () => {
  test('a parameter given twice is CALLBACK_DUPLICATE_PARAMETER naming it; given once it is read', async () => {
    const err = await expectCode<ValidationError>(
      readCallbackParameters('https://rp.example/cb?state=a&code=1&code=2', LIMITS),
      'CALLBACK_DUPLICATE_PARAMETER',
    )
    assert.equal(err.claim, 'code')
    assert.doesNotMatch(err.message, /code=|[12]$/)
    const once = await readCallbackParameters('https://rp.example/cb?state=a&code=1', LIMITS)
    assert.equal(once.params.code, '1')
  })

  test('another method, an oversized input or too many parameters is CALLBACK_INVALID_INPUT; the twins are read', async () => {
    await expectCode(
      readCallbackParameters(formPost('state=a', 'PUT'), LIMITS),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters(formPost('state=a'), LIMITS)).delivery, 'form_post')
    const tight = { maxParameters: 2, maxBytes: 20 }
    await expectCode(
      readCallbackParameters('?state=a&code=b&iss=c', tight),
      'CALLBACK_INVALID_INPUT',
    )
    await expectCode(
      readCallbackParameters(`?state=${'a'.repeat(20)}`, tight),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters('?state=a&code=b', tight)).params.code, 'b')
  })

  test('a form_post body that fails mid-stream is CALLBACK_INVALID_INPUT without the stream error; a whole one is read', async () => {
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
      readCallbackParameters(broken(true), LIMITS),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal(err.cause, undefined)
    assert.doesNotMatch(err.message, /s3cr3t/)
    assert.equal((await readCallbackParameters(broken(false), LIMITS)).params.state, 'a')
  })

  test('"//" (a scheme-relative URL that does not parse) is CALLBACK_INVALID_INPUT, not a TypeError', async () => {
    await expectCode(readCallbackParameters('//', LIMITS), 'CALLBACK_INVALID_INPUT')
    await expectCode(
      readCallbackParameters('//host:99999/cb?state=a', LIMITS),
      'CALLBACK_INVALID_INPUT',
    )
    assert.equal((await readCallbackParameters('/cb?state=a', LIMITS)).params.state, 'a')
  })

  test('an input of another type is INVALID_ARGUMENT; a string is read', async () => {
    await expectCode(readCallbackParameters(42 as unknown as string, LIMITS), 'INVALID_ARGUMENT')
    assert.equal((await readCallbackParameters('?state=a', LIMITS)).params.state, 'a')
  })
})
