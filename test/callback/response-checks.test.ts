import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  callbackParameters,
  checkCallbackIssuer,
  checkPendingSignIn,
  type IssuerRule,
  issuerRequiredBy,
} from '../../src/callback/response-checks.js'
import type { ProviderMetadata } from '../../src/config/provider.js'
import { ValidationError } from '../../src/errors.js'
import type { Transaction } from '../../src/storage.js'
import { thrownCode } from '../support/helpers.js'
import { REDIRECT_URI } from '../support/sign-in.js'

describe('callbackParameters: what reading the input gave, as callback errors', () => {
  test('a repeated parameter is CALLBACK_DUPLICATE_PARAMETER naming it, another refusal CALLBACK_INVALID_INPUT; a read passes through', () => {
    const duplicate = { ok: false, problem: 'repeated', repeated: 'code' } as const
    assert.equal(
      thrownCode(() => callbackParameters(duplicate), ValidationError),
      'CALLBACK_DUPLICATE_PARAMETER',
    )
    const tooMany = { ok: false, problem: 'more than 2 parameters' } as const
    assert.equal(
      thrownCode(() => callbackParameters(tooMany), ValidationError),
      'CALLBACK_INVALID_INPUT',
    )
    const read = { ok: true, params: { state: 'a' }, delivery: 'query' } as const
    assert.deepEqual(callbackParameters(read), read)
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
