/**
 * The acr mapping table (PingFederate's authentication context mapping) through the mock OP: the
 * application's local acr names turned into the OP's `acr_values`, the returned `acr` into
 * `localAcr`, `*` and blank rows, and the locked `acr_values` of a policy left alone. Every refusal
 * has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { AuthorizationParameters } from '../../src/authorization/request.js'
import type { AcrMapping } from '../../src/config/acr-mapping.js'
import { toLocalAcr, toRemoteAcr } from '../../src/config/acr-mapping.js'
import type { RequestPolicyInput } from '../../src/config/policy.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture, type Fixture } from '../support/sign-in.js'

const SILVER = 'urn:mace:incommon:iap:silver'
const BRONZE = 'urn:mace:incommon:iap:bronze'
const MAPPING: AcrMapping = {
  request: [
    { local: 'mfa', remote: SILVER },
    { local: 'password', remote: BRONZE },
    { local: 'any', remote: '' },
  ],
  response: [
    { remote: SILVER, local: 'mfa' },
    { remote: BRONZE, local: 'password' },
    { remote: '', local: 'unknown' },
  ],
}

async function fixture(acrMapping: AcrMapping, policy?: RequestPolicyInput) {
  return createFixture({ config: { acrMapping, ...(policy === undefined ? {} : { policy }) } })
}

/** A whole sign-in with the app's params; the OP reports the first `acr_values` sent as `acr`. */
async function signIn(f: Fixture, params: AuthorizationParameters) {
  const result = await f.signInWithPolicy(f.config, params)
  registerSecret(result.accessToken?.value, result.refreshToken)
  return result
}

describe('acrMapping.request: local acr → acr_values', () => {
  test('a local acr is sent as its remote value, and comes back as localAcr', async () => {
    const f = await fixture(MAPPING)
    const result = await signIn(f, { acr_values: 'mfa' })
    const sent = f.op.requests.find((r) => r.endpoint === 'authorization')!
    assert.equal(sent.params.acr_values, SILVER)
    assert.equal(result.idTokenClaims.acr, SILVER)
    assert.equal(result.localAcr, 'mfa')
  })

  test('a local acr without a row is refused before anything is sent (ACR_NOT_MAPPED); a mapped one is sent', async () => {
    const f = await fixture(MAPPING)
    await expectCode(f.signInWithPolicy(f.config, { acr_values: 'gold' }), 'ACR_NOT_MAPPED')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'authorization').length, 0)
    const result = await signIn(f, { acr_values: 'password' })
    assert.equal(result.localAcr, 'password')
  })

  test('a blank remote sends no acr_values for that local acr, and any acr back satisfies it', async () => {
    const f = await fixture(MAPPING)
    const result = await signIn(f, { acr_values: 'any' })
    const sent = f.op.requests.find((r) => r.endpoint === 'authorization')!
    assert.equal(sent.params.acr_values, undefined)
    assert.equal(result.localAcr, 'unknown')
  })

  test('a * row maps every local acr without its own row; blank local gives the default', () => {
    const rows = [
      { local: 'mfa', remote: SILVER },
      { local: '*', remote: BRONZE },
      { local: '', remote: BRONZE },
    ]
    assert.deepEqual(toRemoteAcr(rows, ['mfa']), { remote: [SILVER], open: false })
    assert.deepEqual(toRemoteAcr(rows, ['anything']), { remote: [BRONZE], open: false })
    assert.deepEqual(toRemoteAcr(rows, []), { remote: [BRONZE], open: false })
    assert.deepEqual(toRemoteAcr(rows.slice(0, 1), ['anything']), { unmapped: 'anything' })
  })

  test('a policy that locks acr_values keeps its value; the app may not add a local acr', async () => {
    const locked: RequestPolicyInput = {
      scopes: ['openid'],
      parameters: [{ name: 'acr_values', value: SILVER, rule: 'fixed' }],
      protect: { acr_values: true },
    }
    const f = await fixture(
      { ...MAPPING, request: [...MAPPING.request!, { local: '', remote: BRONZE }] },
      locked,
    )
    await expectCode(
      f.signInWithPolicy(f.config, { acr_values: 'password' }),
      'POLICY_PARAMETER_PROTECTED',
    )
    const result = await signIn(f, {})
    const sent = f.op.requests.filter((r) => r.endpoint === 'authorization').at(-1)!
    assert.equal(sent.params.acr_values, SILVER)
    assert.equal(result.localAcr, 'mfa')
  })
})

describe('acrMapping.response: acr → localAcr', () => {
  test('the returned acr must map to a local acr asked for; the twin that does signs in', async () => {
    const f = await fixture(MAPPING)
    const request = await import('../../src/authorization/request.js')
    const started = await request.createAuthorizationRequest(f.config, { acr_values: 'mfa' })
    registerSecret(started.transaction.nonce, started.transaction.codeVerifier)
    const response = await f.op.authorize(started.url, { user: 'alice', acr: BRONZE })
    if (started.browserBinding) f.browser.set(started.browserBinding.setCookie)
    await expectCode(f.callback(response.url), 'ID_TOKEN_ACR_NOT_SATISFIED')
    const twin = await signIn(f, { acr_values: 'mfa' })
    assert.equal(twin.localAcr, 'mfa')
  })

  test('* passes an unknown acr through, blank matches a token without acr, no row gives none', () => {
    const rows = [
      { remote: SILVER, local: 'mfa' },
      { remote: '*', local: '*' },
      { remote: '', local: 'none-given' },
    ]
    assert.equal(toLocalAcr(rows, SILVER), 'mfa')
    assert.equal(toLocalAcr(rows, 'urn:other'), 'urn:other')
    assert.equal(toLocalAcr(rows, undefined), 'none-given')
    assert.equal(toLocalAcr(rows.slice(0, 1), 'urn:other'), undefined)
  })

  test('a mapping is saved and restored; a bad row is refused at configuration', async () => {
    const f = await fixture(MAPPING)
    assert.deepEqual(JSON.parse(JSON.stringify(f.config)).acrMapping, MAPPING)
    for (const bad of [
      { request: [{ local: 'a b', remote: SILVER }] },
      { request: [{ local: 'mfa', remote: '*' }] },
      { response: [{ remote: SILVER }] },
      { request: 'mfa' },
    ]) {
      await expectCode(f.reconfigure({ acrMapping: bad as never }), 'INVALID_CONFIGURATION')
    }
    assert.ok((await f.reconfigure({ acrMapping: MAPPING })).acrMapping)
  })
})
