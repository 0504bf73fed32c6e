import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import { buildContract, extendContract } from '../../src/config/contract.js'
import {
  findRulesOutsideContract,
  fulfilAttributes,
  normalizeMapping,
} from '../../src/config/mapping.js'
import { expectCode } from '../support/helpers.js'

const METADATA = {
  issuer: 'https://op.example.com',
  authorization_endpoint: 'https://op.example.com/authorize',
  token_endpoint: 'https://op.example.com/token',
  jwks_uri: 'https://op.example.com/jwks',
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  claims_supported: ['sub', 'name', 'email'],
}
const CLIENT = {
  client_id: 'rp-client',
  redirect_uris: ['https://rp.example/cb'],
  token_endpoint_auth_method: 'none' as const,
}

describe('normalising the mapping', () => {
  test('rules are copied and frozen, defaults deep-copied and frozen', () => {
    const fallback = { groups: ['staff'] }
    const input = [
      { attribute: 'displayName', claim: 'name' },
      { attribute: 'roles', claim: 'groups', default: fallback },
    ]
    const mapping = normalizeMapping(input)
    assert.deepEqual(mapping, input)
    assert.ok(Object.isFrozen(mapping) && Object.isFrozen(mapping[1]))
    assert.ok(Object.isFrozen(mapping[1]?.default))
    assert.ok(!Object.isFrozen(fallback), 'the administrator’s object is left alone')
    assert.deepEqual(normalizeMapping(undefined), [])
  })

  test('malformed mappings are INVALID_CONFIGURATION; well-formed twins pass', () => {
    const bad: unknown[] = [
      'name',
      [null],
      [{ attribute: '', claim: 'name' }],
      [{ attribute: 'a', claim: '' }],
      [{ attribute: 'a' }],
      [
        { attribute: 'a', claim: 'name' },
        { attribute: 'a', claim: 'email' },
      ],
      [{ attribute: '__proto__', claim: 'name' }],
      [{ attribute: 'a', claim: 'name', default: () => 1 }],
      [{ attribute: 'a', claim: 'name', default: Number.NaN }],
      [{ attribute: 'a', claim: 'name', default: new Date(0) }],
      [{ attribute: 'a', claim: 'name', default: { nested: [1, Symbol.iterator] } }],
    ]
    for (const input of bad) {
      assert.throws(
        () => normalizeMapping(input),
        (err: unknown) => (err as { code?: string }).code === 'INVALID_CONFIGURATION',
        String(JSON.stringify(input)),
      )
    }
    assert.equal(
      normalizeMapping([
        { attribute: 'a', claim: 'name', default: null },
        { attribute: 'b', claim: 'name', default: { nested: [1, 'x', true] } },
      ]).length,
      2,
    )
  })

  test('the configuration validates its mapping and saves it as plain data', async () => {
    await expectCode(
      () =>
        createConfiguration(METADATA, CLIENT, { attributeMapping: [{ attribute: 'x' }] as never }),
      'INVALID_CONFIGURATION',
    )
    const config = createConfiguration(METADATA, CLIENT, {
      attributeMapping: [{ attribute: 'mail', claim: 'email', default: 'none@example.com' }],
    })
    const restored = restoreConfiguration(JSON.stringify(config), {})
    assert.deepEqual(restored.attributeMapping, config.attributeMapping)
  })
})

describe('the mapping and the contract', () => {
  test('a rule on a claim outside the contract is legal and listed for administrators', () => {
    const contract = extendContract(buildContract(['name', 'email']), ['department'])
    const mapping = normalizeMapping([
      { attribute: 'displayName', claim: 'name' },
      { attribute: 'dept', claim: 'department' },
      { attribute: 'roles', claim: 'groups' },
    ])
    assert.deepEqual(
      findRulesOutsideContract(contract, mapping).map((rule) => rule.attribute),
      ['roles'],
    )
    assert.deepEqual(findRulesOutsideContract(contract, mapping.slice(0, 2)), [])
  })

  test('fulfilment: the claim, else the default, else reported missing', () => {
    const mapping = normalizeMapping([
      { attribute: 'displayName', claim: 'name' },
      { attribute: 'mail', claim: 'email' },
      { attribute: 'roles', claim: 'groups', default: [] },
      { attribute: 'flag', claim: 'verified' },
      { attribute: 'inherited', claim: 'toString' },
    ])
    const { attributes, missing } = fulfilAttributes(mapping, {
      name: 'Alice',
      email: null,
      verified: false,
    })
    assert.deepEqual(attributes, { displayName: 'Alice', roles: [], flag: false })
    assert.deepEqual(missing, ['mail', 'inherited'])
  })
})
