import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parseErrorCodes, renderErrorsDoc } from '../scripts/errors-doc.js'
import {
  type AnyOidcRpError,
  isOidcRpError,
  OAuthResponseError,
  OidcRpError,
  TransportError,
  UsageError,
  ValidationError,
} from '../src/errors.js'

const source = readFileSync(new URL('../src/error-codes.ts', import.meta.url), 'utf8')

test('docs/errors.md is generated from the code unions and up to date', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
  assert.equal(doc, renderErrorsDoc(source), 'run npm run docs:errors')
})

test('every code literal in src/error-codes.ts has a documented meaning', () => {
  const literals = [...source.matchAll(/^\s*\|\s*'([A-Z0-9_]+)'/gm)].map((m) => m[1])
  const documented = parseErrorCodes(source).map((r) => r.code)
  assert.ok(literals.length > 50)
  assert.deepEqual(documented, literals)
  assert.equal(new Set(documented).size, documented.length, 'codes are unique')
  for (const row of parseErrorCodes(source)) assert.ok(row.meaning.length > 10, row.code)
})

test('each error class carries its code, name, cause and details', () => {
  const cause = new Error('inner')
  const oauth = new OAuthResponseError(
    'TOKEN_ERROR_RESPONSE',
    { error: 'invalid_grant', errorDescription: 'code expired', status: 400 },
    { cause },
  )
  assert.equal(oauth.code, 'TOKEN_ERROR_RESPONSE')
  assert.equal(oauth.name, 'OAuthResponseError')
  assert.equal(oauth.error, 'invalid_grant')
  assert.equal(oauth.status, 400)
  assert.equal(oauth.cause, cause)
  assert.match(oauth.message, /invalid_grant.*code expired/)
  const validation = new ValidationError('ID_TOKEN_NONCE_MISMATCH', 'nonce differs', {
    claim: 'nonce',
    expected: 'a',
    actual: 'b',
  })
  assert.equal(validation.claim, 'nonce')
  assert.equal(validation.expected, 'a')
  const transport = new TransportError('HTTP_TIMEOUT', 'slow', { url: 'https://op/x', status: 504 })
  assert.equal(transport.url, 'https://op/x')
  const usage = new UsageError('INVALID_ARGUMENT', 'bad', { parameter: 'issuer' })
  assert.equal(usage.parameter, 'issuer')
  for (const err of [oauth, validation, transport, usage]) {
    assert.ok(err instanceof OidcRpError)
    assert.ok(err instanceof Error)
    assert.ok(isOidcRpError(err))
  }
  assert.equal(isOidcRpError(new Error('plain')), false)
  assert.equal(new UsageError('INVALID_ARGUMENT', 'x').cause, undefined)
})

test('switch on code narrows the discriminated union to the right class', () => {
  const describe = (err: AnyOidcRpError): string => {
    switch (err.code) {
      case 'AUTHORIZATION_ERROR_RESPONSE':
        return err.error // only OAuthResponseError has .error
      case 'ID_TOKEN_ISSUER_MISMATCH':
        return String(err.claim) // only ValidationError has .claim
      case 'HTTP_TIMEOUT':
        return String(err.url)
      default:
        return err.code
    }
  }
  assert.equal(
    describe(new OAuthResponseError('AUTHORIZATION_ERROR_RESPONSE', { error: 'access_denied' })),
    'access_denied',
  )
  assert.equal(
    describe(new ValidationError('ID_TOKEN_ISSUER_MISMATCH', 'x', { claim: 'iss' })),
    'iss',
  )
  assert.equal(describe(new UsageError('INVALID_ARGUMENT', 'x')), 'INVALID_ARGUMENT')
})

test('an OP error description is cut in the message but kept whole on the error', () => {
  const long = 'x'.repeat(500)
  const err = new OAuthResponseError('TOKEN_ERROR_RESPONSE', {
    error: 'invalid_grant',
    errorDescription: long,
  })
  assert.ok(err.message.length < 200)
  assert.equal(err.errorDescription, long)
})
