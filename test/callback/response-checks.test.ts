import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  checkCallbackIssuer,
  checkPendingSignIn,
  type IssuerRule,
  issuerRequiredBy,
  readCallbackParameters,
} from '../../src/callback/response-checks.js'
import type { ProviderMetadata } from '../../src/config/provider.js'
import { validateSettings } from '../../src/config/settings.js'
import { ValidationError } from '../../src/errors.js'
import type { Transaction } from '../../src/storage.js'
import { formPost } from '../support/callback.js'
import { expectCode, thrownCode } from '../support/helpers.js'
import { REDIRECT_URI } from '../support/sign-in.js'
import { streamedFormPost } from '../support/streamed-form.js'

const defaults = validateSettings({})
const LIMITS = {
  maxParameters: defaults.maxCallbackParameters,
  maxBytes: defaults.maxCallbackBytes,
}

function formPostAs(body: string, method: string): Request {
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
      readCallbackParameters(formPostAs('state=a', 'PUT'), LIMITS),
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
    const broken = (fail: boolean) => streamedFormPost(REDIRECT_URI, 'state=a', fail)
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

describe('the checks of the authorization response, on plain values', () => {
  const NOW = 1_800_000_000_000
  const PENDING: Transaction = {
    state: 'the-state',
    issuer: 'https://op.example',
    clientId: 'client',
    nonce: 'nonce',
    codeVerifier: 'verifier',
    redirectUri: REDIRECT_URI,
    responseType: 'code',
    scope: 'openid',
    createdAt: NOW / 1000 - 10,
    expiresAt: NOW / 1000 + 590,
  }
  const EXPECTED = { clientId: 'client', now: NOW, hint: '' }
  const codeOf = (fn: () => unknown) => thrownCode(fn, ValidationError)

  test('checkPendingSignIn: absent, another state, expired, another client are refused; the twin passes', () => {
    assert.equal(checkPendingSignIn(PENDING, 'the-state', EXPECTED), PENDING)
    const unknown = 'CALLBACK_STATE_UNKNOWN'
    assert.equal(
      codeOf(() => checkPendingSignIn(undefined, 'the-state', EXPECTED)),
      unknown,
    )
    assert.equal(
      codeOf(() => checkPendingSignIn(PENDING, 'other', EXPECTED)),
      unknown,
    )
    const late = { ...EXPECTED, now: PENDING.expiresAt * 1000 }
    assert.equal(
      codeOf(() => checkPendingSignIn(PENDING, 'the-state', late)),
      unknown,
    )
    const otherClient = { ...EXPECTED, clientId: 'another' }
    assert.equal(
      codeOf(() => checkPendingSignIn(PENDING, 'the-state', otherClient)),
      unknown,
    )
  })

  test('checkPendingSignIn: the hint is added to the message of a sign-in not found', () => {
    const hint = ' (a hint)'
    assert.throws(
      () => checkPendingSignIn(undefined, 'the-state', { ...EXPECTED, hint }),
      (error: Error) => error.message.endsWith(hint),
    )
  })

  test('checkCallbackIssuer: iss must be the issuer, or a tenant issuer; the sign-in must be this OP', () => {
    const rule: IssuerRule = {
      issuer: 'https://op.example',
      requiredBy: undefined,
      isTenantIssuer: undefined,
    }
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, 'https://op.example', rule)),
      undefined,
    )
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, undefined, rule)),
      undefined,
    )
    const mismatch = 'CALLBACK_ISSUER_MISMATCH'
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, 'https://evil.example', rule)),
      mismatch,
    )
    const tenants = { ...rule, isTenantIssuer: (iss: string) => iss === 'https://t1.op.example' }
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, 'https://t1.op.example', tenants)),
      undefined,
    )
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, 'https://t2.op.example', tenants)),
      mismatch,
    )
    const elsewhere = { ...PENDING, issuer: 'https://other-op.example' }
    assert.equal(
      codeOf(() => checkCallbackIssuer(elsewhere, 'https://op.example', rule)),
      mismatch,
    )
  })

  test('checkCallbackIssuer: an absent iss is refused when something requires it', () => {
    const rule: IssuerRule = {
      issuer: 'https://op.example',
      requiredBy: 'the profile',
      isTenantIssuer: undefined,
    }
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, undefined, rule)),
      'CALLBACK_ISSUER_MISSING',
    )
    assert.equal(
      codeOf(() => checkCallbackIssuer(PENDING, 'https://op.example', rule)),
      undefined,
    )
  })

  test('issuerRequiredBy: a profile always; the OP metadata flag unless a front-channel ID token', () => {
    const flag = { authorization_response_iss_parameter_supported: true } as ProviderMetadata
    const none = {} as ProviderMetadata
    assert.equal(issuerRequiredBy('FAPI 2.0', none, true), 'the FAPI 2.0 profile')
    assert.match(String(issuerRequiredBy(undefined, flag, false)), /iss_parameter_supported/)
    assert.equal(issuerRequiredBy(undefined, flag, true), undefined)
    assert.equal(issuerRequiredBy(undefined, none, false), undefined)
  })
})
