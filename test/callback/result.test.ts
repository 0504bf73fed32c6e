import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildSignInResult, mergeClaims, reportContract } from '../../src/callback/result.js'
import type { Configuration } from '../../src/config/configuration.js'
import { buildContract, extendContract } from '../../src/config/contract.js'
import { normalizeMapping } from '../../src/config/mapping.js'
import type { IdTokenClaims } from '../../src/id-token.js'
import type { Transaction } from '../../src/storage.js'
import { createFixture } from '../support/sign-in.js'

const ID_TOKEN_CLAIMS: IdTokenClaims = {
  iss: 'https://op.example.com',
  sub: 'alice',
  aud: 'rp-client',
  exp: 2_000_000_000,
  iat: 1_900_000_000,
  auth_time: 1_899_999_000,
  acr: 'urn:acr:silver',
  name: 'Alice (ID token)',
}

const TRANSACTION: Transaction = {
  state: 'state-1',
  issuer: 'https://op.example.com',
  clientId: 'rp-client',
  nonce: 'nonce-value-secret',
  codeVerifier: 'verifier-value-secret-0123456789012345678901234',
  redirectUri: 'https://rp.example/cb',
  responseType: 'code',
  scope: 'openid profile',
  createdAt: 1_900_000_000,
  expiresAt: 1_900_000_600,
  appState: { returnTo: '/orders' },
}

describe('merging claims', () => {
  test('UserInfo wins on end-user claims, the ID token on protocol claims', () => {
    const claims = mergeClaims(ID_TOKEN_CLAIMS, {
      sub: 'alice',
      iss: 'https://userinfo-said.example',
      aud: 'someone-else',
      acr: 'urn:acr:none',
      auth_time: 1,
      name: 'Alice (UserInfo)',
      email: 'alice@example.com',
    })
    assert.equal(claims.name, 'Alice (UserInfo)')
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.iss, 'https://op.example.com')
    assert.equal(claims.aud, 'rp-client')
    assert.equal(claims.acr, 'urn:acr:silver')
    assert.equal(claims.auth_time, 1_899_999_000)
  })

  test('without UserInfo the claims are the ID token claims, copied', () => {
    const claims = mergeClaims(ID_TOKEN_CLAIMS, undefined)
    assert.deepEqual(claims, { ...ID_TOKEN_CLAIMS })
    assert.notEqual(claims, ID_TOKEN_CLAIMS)
  })

  test('claim-source members and __proto__ never enter the merged claims', () => {
    const userinfo = JSON.parse(
      '{"sub":"alice","_claim_names":{"x":"src1"},"_claim_sources":{"src1":{}},"__proto__":{"polluted":true}}',
    ) as Record<string, unknown>
    const claims = mergeClaims(ID_TOKEN_CLAIMS, userinfo)
    assert.equal('_claim_names' in claims, false)
    assert.equal('_claim_sources' in claims, false)
    assert.equal((claims as { polluted?: boolean }).polluted, undefined)
    assert.equal(Object.getPrototypeOf(claims), Object.prototype)
  })
})

describe('the contract report', () => {
  test('received, missing (null counts as missing) and claims not in the contract', () => {
    const contract = extendContract(buildContract(['name', 'email', 'phone_number', 'acr']), [
      'department',
    ])
    const report = reportContract(contract, {
      ...ID_TOKEN_CLAIMS,
      email: 'alice@example.com',
      phone_number: null,
      locale: 'en',
    })
    assert.deepEqual(report.received, ['sub', 'name', 'email', 'acr'])
    assert.deepEqual(report.missing, ['phone_number', 'department'])
    assert.deepEqual(report.notInContract, ['locale'])
  })

  test('claims about the token itself are left out even when advertised', () => {
    const contract = buildContract(['iss', 'aud', 'nonce', 'c_hash', 'at_hash', 'azp', 'sid'])
    const report = reportContract(contract, { sub: 'alice', iss: 'x', aud: 'y' })
    assert.deepEqual(report.received, ['sub'])
    assert.deepEqual(report.missing, ['sid'])
  })
})

describe('building the sign-in result', () => {
  function configWith(mapping: unknown): Configuration {
    return {
      contract: buildContract(['name', 'email']),
      attributeMapping: normalizeMapping(mapping),
    } as unknown as Configuration
  }

  test('attributes come through the mapping, with defaults, and missing ones are listed', () => {
    const result = buildSignInResult(
      configWith([
        { attribute: 'displayName', claim: 'name' },
        { attribute: 'mail', claim: 'email' },
        { attribute: 'level', claim: 'acr' },
        { attribute: 'dept', claim: 'department', default: 'unassigned' },
      ]),
      {
        idToken: 'header.payload.signature',
        idTokenClaims: ID_TOKEN_CLAIMS,
        userinfo: { sub: 'alice', name: 'Alice (UserInfo)' },
        accessToken: { value: 'at', type: 'Bearer', expiresAt: 1_900_003_600, scope: 'openid' },
        refreshToken: 'rt',
        transaction: TRANSACTION,
      },
    )
    assert.deepEqual(result.attributes, {
      displayName: 'Alice (UserInfo)',
      level: 'urn:acr:silver',
      dept: 'unassigned',
    })
    assert.deepEqual(result.missingAttributes, ['mail'])
    assert.deepEqual(result.contract.missing, ['email'])
    assert.equal(result.refreshToken, 'rt')
    assert.equal(result.accessToken?.expiresAt, 1_900_003_600)
    assert.equal(result.idToken, 'header.payload.signature')
  })

  test('the transaction reported has no nonce or verifier; absent parts stay absent', () => {
    const result = buildSignInResult(configWith(undefined), {
      idToken: 'h.p.s',
      idTokenClaims: ID_TOKEN_CLAIMS,
      userinfo: undefined,
      accessToken: undefined,
      refreshToken: undefined,
      transaction: TRANSACTION,
    })
    assert.deepEqual(result.transaction, {
      appState: { returnTo: '/orders' },
      scope: 'openid profile',
      responseType: 'code',
      redirectUri: 'https://rp.example/cb',
      createdAt: 1_900_000_000,
    })
    assert.deepEqual(Object.keys(result).sort(), [
      'attributes',
      'claims',
      'contract',
      'idToken',
      'idTokenClaims',
      'missingAttributes',
      'transaction',
    ])
    assert.ok(!JSON.stringify(result).includes('nonce-value-secret'))
  })

  test('end to end: the configured mapping fulfils attributes from the OP claims', async () => {
    const f = await createFixture({
      config: {
        attributeMapping: [
          { attribute: 'displayName', claim: 'name' },
          { attribute: 'mail', claim: 'email' },
          { attribute: 'phone', claim: 'phone_number' },
          { attribute: 'country', claim: 'locale', default: 'CH' },
        ],
      },
    })
    const result = await f.signIn()
    assert.deepEqual(result.attributes, {
      displayName: 'Alice Example',
      mail: 'alice@example.com',
      country: 'CH',
    })
    assert.deepEqual(result.missingAttributes, ['phone'])
    assert.ok(result.contract.received.includes('email'))
    assert.ok(!result.contract.missing.includes('c_hash'))
  })
})
