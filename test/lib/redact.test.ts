import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactedError, requestRedactor } from '../../src/lib/redact.js'
import { AWKWARD_SECRET, echoForms } from '../support/echo.js'

const CLIENT_ID = 'rp-client-0f8a-4c1e'

/** `id:secret` encoded each way a client_secret_basic implementation may encode it. */
const BASIC_ENCODINGS: Record<string, (value: string) => string> = {
  "oauth4webapi (also -._~!*'() escaped)": (value) =>
    encodeURIComponent(value)
      .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%20', '+'),
  'WHATWG application/x-www-form-urlencoded': (value) =>
    new URLSearchParams({ v: value }).toString().slice(2),
}

function basic(encode: (value: string) => string): string {
  const pair = `${encode(CLIENT_ID)}:${encode(AWKWARD_SECRET)}`
  return btoa(String.fromCharCode(...new TextEncoder().encode(pair)))
}

for (const [name, encode] of Object.entries(BASIC_ENCODINGS)) {
  test(`a Basic header encoded the ${name} way: the secret in every echo form and the Basic value are redacted`, () => {
    const credentials = basic(encode)
    const redact = requestRedactor({ authorization: `Basic ${credentials}` }, undefined)
    for (const form of [credentials, ...echoForms(AWKWARD_SECRET)]) {
      assert.equal(redact(`before ${form} after`), 'before [redacted] after', form)
    }
    const plainPair = btoa(
      String.fromCharCode(...new TextEncoder().encode(`${CLIENT_ID}:${AWKWARD_SECRET}`)),
    )
    assert.equal(redact(plainPair), '[redacted]', 'base64 of the unencoded pair')
  })
}

test('the secret form parameters are redacted in every echo form; the twin: the client id and the other parameters stay', () => {
  const secrets = {
    client_secret: AWKWARD_SECRET,
    client_assertion: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJycCJ9.c2lnbmF0dXJl',
    code: 'c0de+with/slash=and space',
    code_verifier: 'verifier-~._-0123456789',
    refresh_token: 'rt:0123456789%abc',
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: CLIENT_ID,
    redirect_uri: 'https://rp.example/cb',
    scope: 'openid email',
    ...secrets,
  })
  for (const sent of [body, body.toString()]) {
    const redact = requestRedactor(undefined, sent)
    for (const value of Object.values(secrets)) {
      for (const form of echoForms(value)) {
        assert.equal(redact(`[${form}]`), '[[redacted]]', `${value} as ${form}`)
      }
    }
    const kept = `client ${CLIENT_ID}, grant authorization_code, redirect_uri https://rp.example/cb, scope openid email`
    assert.equal(redact(kept), kept)
  }
})

test('a request without secrets redacts nothing', () => {
  const redact = requestRedactor({ accept: 'application/json' }, undefined)
  const text = 'Basic realm="op" error_description="any text at all: +%2B é"'
  assert.equal(redact(text), text)
})

test('redactedError copies name, message, stack, primitive members and causes, redacted, and drops objects it carried', () => {
  const redact = requestRedactor({ authorization: 'Bearer tok-0123456789' }, undefined)
  const inner = Object.assign(new Error('header Bearer tok-0123456789 refused'), {
    code: 'E_HEADER',
    port: 443,
    request: { headers: { authorization: 'Bearer tok-0123456789' } },
  })
  const copy = redactedError(new TypeError('fetch failed', { cause: inner }), redact)
  assert.equal(copy.name, 'TypeError')
  assert.equal(copy.message, 'fetch failed')
  const cause = copy.cause as Error & Record<string, unknown>
  assert.deepEqual(
    [cause.message, cause.code, cause.port, cause.request],
    ['header Bearer [redacted] refused', 'E_HEADER', 443, undefined],
  )
  assert.ok(!String(cause.stack).includes('tok-0123456789'))
  assert.equal(redactedError('thrown tok-0123456789', redact).message, 'thrown [redacted]')
})
