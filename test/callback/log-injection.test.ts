/**
 * Unauthenticated text cannot forge log lines (#19): what the OP or the browser sends reaches
 * `err.message` with its control characters escaped and long values clipped; `errorUri` keeps
 * only an https (or loopback http) URL; the raw values stay on the error's detail fields.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OAuthResponseError } from '../../src/errors.js'
import { OidcRpError } from '../../src/errors.js'
import { authorized } from '../support/callback.js'
import { expectCode } from '../support/helpers.js'
import { REDIRECT_URI, sharedFixture } from '../support/sign-in.js'

const FORGED = 'denied\r\n2026-12-05 INFO admin signed in\u001b[31m\u202e\u0085'
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/

async function errorResponse(extra: Record<string, string>) {
  const f = await sharedFixture()
  const { started } = await authorized(f)
  const answer = new URL(REDIRECT_URI)
  answer.search = new URLSearchParams({
    state: started.transaction.state,
    error: 'access_denied',
    iss: f.op.issuer,
    ...extra,
  }).toString()
  return expectCode<OAuthResponseError>(f.callback(answer.href), 'AUTHORIZATION_ERROR_RESPONSE')
}

describe('log injection', () => {
  test('CR, LF, ANSI escapes and bidi overrides in error_description are escaped in the message; the raw text stays', async () => {
    const err = await errorResponse({ error_description: FORGED })
    assert.doesNotMatch(err.message, UNPRINTABLE)
    assert.match(
      err.message,
      /denied\\u000d\\u000a2026-12-05 INFO admin signed in\\u001b\[31m\\u202e/,
    )
    assert.equal(err.errorDescription, FORGED)
    // the twin: printable text reads as it came
    const plain = await errorResponse({ error_description: 'the user said no' })
    assert.match(plain.message, /\(the user said no\)/)
  })

  test('a long error_description is clipped in the message and whole on the error', async () => {
    const long = 'x'.repeat(5000)
    const err = await errorResponse({ error_description: long })
    assert.ok(err.message.length < 400, `message of ${err.message.length} characters`)
    assert.equal(err.errorDescription, long)
  })

  test('error_uri: javascript: and data: are dropped from errorUri (kept raw); https is kept', async () => {
    for (const uri of [
      'javascript:alert(1)',
      'data:text/html,<script>x</script>',
      'http://evil.example/x',
    ]) {
      const err = await errorResponse({ error_uri: uri })
      assert.equal(err.errorUri, undefined, uri)
      assert.equal(err.rawErrorUri, uri)
    }
    const https = await errorResponse({ error_uri: 'https://op.example/help#denied' })
    assert.equal(https.errorUri, 'https://op.example/help#denied')
    const loopback = await errorResponse({ error_uri: 'http://127.0.0.1:8080/help' })
    assert.equal(loopback.errorUri, 'http://127.0.0.1:8080/help')
  })

  test('a repeated callback parameter whose name carries a newline cannot break the message', async () => {
    const f = await sharedFixture()
    const name = encodeURIComponent('x\nINFO forged')
    const err = await expectCode<Error>(
      f.callback(`${REDIRECT_URI}?state=s&${name}=1&${name}=2`),
      'CALLBACK_DUPLICATE_PARAMETER',
    )
    assert.doesNotMatch(err.message, UNPRINTABLE)
    assert.match(err.message, /x\\u000aINFO forged/)
  })

  test('every OidcRpError message is one printable line, whatever text it is given', () => {
    const err = new OidcRpError('INVALID_ARGUMENT', `a\nb\u0000c\u2028d`)
    assert.equal(err.message, 'a\\u000ab\\u0000c\\u2028d')
    assert.equal(new OidcRpError('INVALID_ARGUMENT', 'plain text').message, 'plain text')
    assert.equal(new OidcRpError('INVALID_ARGUMENT', 'x\ud800y\udc00').message, 'x\\ud800y\\udc00')
    assert.equal(
      new OidcRpError('INVALID_ARGUMENT', 'a pair \ud83d\ude00 stays').message,
      'a pair \ud83d\ude00 stays',
      'twin: a surrogate pair is printable',
    )
  })
})
