/**
 * The `claimSources` member of a configuration: validated when the configuration is made, saved
 * and restored with it, and the distributed endpoint allow-list. Each refusal beside its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isAllowedEndpoint } from '../../src/claims/distributed.js'
import { type ClaimSources, validateClaimSources } from '../../src/config/claim-sources.js'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import type { UsageError } from '../../src/errors.js'
import { expectCode } from '../support/helpers.js'

const PROVIDER = {
  issuer: 'https://op.example.com',
  authorization_endpoint: 'https://op.example.com/authorize',
  token_endpoint: 'https://op.example.com/token',
  jwks_uri: 'https://op.example.com/jwks',
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
}
const CLIENT = {
  client_id: 'app',
  client_secret: 'claim-sources-test-secret-0123456789',
  redirect_uris: ['https://rp.example/cb'],
}
const BANK = 'https://bank.example.com'

async function refused(input: unknown, parameter: string): Promise<void> {
  const error = await expectCode<UsageError>(
    () => validateClaimSources(input, false),
    'INVALID_CONFIGURATION',
  )
  assert.equal(error.parameter, parameter)
}

describe('claimSources: validation', () => {
  test('absent: claim sources stay unresolved (no member in the configuration)', () => {
    const config = createConfiguration(PROVIDER, CLIENT)
    assert.equal(config.claimSources, undefined)
    assert.equal('claimSources' in JSON.parse(JSON.stringify(config)), false)
  })

  test('defaults are filled: no endpoints, 5 sources, 5 s, throw', () => {
    assert.deepEqual(validateClaimSources({ providers: [{ issuer: BANK }] }, false), {
      providers: [{ issuer: BANK }],
      endpoints: [],
      maxSources: 5,
      timeoutInMs: 5000,
      onError: 'throw',
    })
  })

  test('saved with the configuration and restored from its JSON', () => {
    const claimSources = {
      providers: [{ issuer: BANK, jwks_uri: `${BANK}/jwks` }],
      endpoints: [`${BANK}/claims/`],
      maxSources: 2,
      onError: 'skip' as const,
    }
    const config = createConfiguration(PROVIDER, CLIENT, { claimSources })
    const restored = restoreConfiguration(JSON.stringify(config), {
      client_secret: CLIENT.client_secret,
    })
    assert.deepEqual(restored.claimSources, config.claimSources)
    assert.equal(restored.claimSources?.maxSources, 2)
  })

  test('a plain-http claims provider is refused; its twin over https is accepted', async () => {
    await refused(
      { providers: [{ issuer: 'http://bank.example.com' }] },
      'claimSources.providers[0].issuer',
    )
    assert.ok(validateClaimSources({ providers: [{ issuer: BANK }] }, false))
  })

  test('a JWKS with a private key is refused; its twin with the public key is accepted', async () => {
    const pub = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB' }
    await refused(
      { providers: [{ issuer: BANK, jwks: { keys: [{ ...pub, d: 'CCCC' }] } }] },
      'claimSources.providers[0].jwks',
    )
    assert.ok(validateClaimSources({ providers: [{ issuer: BANK, jwks: { keys: [pub] } }] }, false))
  })

  test('the same issuer twice is refused; two issuers are accepted', async () => {
    await refused(
      { providers: [{ issuer: BANK }, { issuer: BANK }] },
      'claimSources.providers[1].issuer',
    )
    assert.ok(
      validateClaimSources(
        { providers: [{ issuer: BANK }, { issuer: 'https://b.example' }] },
        false,
      ),
    )
  })

  test('an endpoint entry with dot segments is refused; its normalised twin is accepted', async () => {
    await refused(
      { providers: [], endpoints: [`${BANK}/claims/../admin/`] },
      'claimSources.endpoints[0]',
    )
    assert.ok(validateClaimSources({ providers: [], endpoints: [`${BANK}/admin/`] }, false))
  })

  test('an endpoint entry with credentials or over http is refused; https is accepted', async () => {
    await refused(
      { providers: [], endpoints: ['https://user:pw@bank.example.com/claims'] },
      'claimSources.endpoints[0]',
    )
    await refused(
      { providers: [], endpoints: ['http://bank.example.com/claims'] },
      'claimSources.endpoints[0]',
    )
    assert.ok(validateClaimSources({ providers: [], endpoints: [`${BANK}/claims`] }, false))
  })

  test('unknown members, a bad onError or maxSources are refused; the twins are accepted', async () => {
    await refused({ providers: [], aggregated: true }, 'claimSources.aggregated')
    await refused({ providers: [], onError: 'ignore' }, 'claimSources.onError')
    await refused({ providers: [], maxSources: 0 }, 'claimSources.maxSources')
    assert.ok(validateClaimSources({ providers: [], onError: 'skip', maxSources: 1 }, false))
  })

  test('the configuration refuses bad claimSources (nothing made); its twin is made', async () => {
    await expectCode(
      () => createConfiguration(PROVIDER, CLIENT, { claimSources: { providers: 'all' } as never }),
      'INVALID_CONFIGURATION',
    )
    assert.ok(createConfiguration(PROVIDER, CLIENT, { claimSources: { providers: [] } }))
  })
})

describe('claimSources: the distributed endpoint allow-list', () => {
  const sources = validateClaimSources(
    { providers: [], endpoints: [`${BANK}/claims/`, 'https://scores.example/v1/score'] },
    false,
  ) as ClaimSources
  const allowed = (url: string) => isAllowedEndpoint(sources, new URL(url))

  test('an exact entry allows that URL only', () => {
    assert.equal(allowed('https://scores.example/v1/score'), true)
    assert.equal(allowed('https://scores.example/v1/score/more'), false)
    assert.equal(allowed('https://scores.example/v1/scores'), false)
  })

  test('a prefix ending in / allows what is under it, not a sibling sharing its letters', () => {
    assert.equal(allowed(`${BANK}/claims/credit`), true)
    assert.equal(allowed(`${BANK}/claimsX/credit`), false)
    assert.equal(allowed(`${BANK}/claims`), false)
  })

  test('dot segments cannot climb out of a prefix (compared after normalisation)', () => {
    assert.equal(allowed(`${BANK}/claims/../admin`), false)
    assert.equal(allowed(`${BANK}/claims/%2e%2e/admin`), false)
    assert.equal(allowed(`${BANK}/claims/./credit`), true)
  })

  test('another origin, scheme or port, or credentials, is refused; the twin is allowed', () => {
    assert.equal(allowed('https://bank.example.com.evil.example/claims/x'), false)
    assert.equal(allowed('http://bank.example.com/claims/x'), false)
    assert.equal(allowed('https://bank.example.com:8443/claims/x'), false)
    assert.equal(allowed('https://a:b@bank.example.com/claims/x'), false)
    assert.equal(allowed('https://bank.example.com/claims/x'), true)
  })
})
