/**
 * `installFeatures`: only objects `oidc-rp/features` exports are taken, and a call with anything
 * else installs nothing (not even the good ones beside it). This file does not import the main
 * entry, so nothing is installed when it starts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jarm } from '../../src/features/index.js'
import { installedFeature, installFeatures, type OidcRpFeature } from '../../src/lib/features.js'

test('installFeatures refuses what oidc-rp/features did not make, installing nothing; the twin installs', () => {
  const bad: unknown[] = [
    undefined,
    'jarm',
    { name: 'jarm' },
    { name: 'jarm', implementation: null },
    { name: 'no-such-feature', implementation: {} },
    jarm.implementation,
  ]
  for (const value of bad) {
    assert.throws(() => installFeatures(jarm, value as OidcRpFeature), {
      code: 'INVALID_ARGUMENT',
    })
    assert.equal(installedFeature('jarm'), undefined, 'the good one beside it is not installed')
  }
  installFeatures(jarm)
  assert.equal(installedFeature('jarm'), jarm.implementation)
})
