import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UsageError } from '../../src/errors.js'
import {
  invalidArgument,
  invalidConfiguration,
  positiveInteger,
  positiveTtl,
} from '../../src/lib/checks.js'
import { expectCode } from '../support/helpers.js'

describe('invalidConfiguration and invalidArgument', () => {
  it('invalidConfiguration is an INVALID_CONFIGURATION UsageError naming the member', () => {
    const err = invalidConfiguration('policy.scope', 'a boolean')
    assert.ok(err instanceof UsageError)
    assert.equal(err.code, 'INVALID_CONFIGURATION')
    assert.equal(err.message, 'policy.scope must be a boolean')
    assert.equal(err.parameter, 'policy.scope')
  })

  it('invalidArgument is an INVALID_ARGUMENT UsageError naming the argument', () => {
    const err = invalidArgument('prefix', 'a string')
    assert.ok(err instanceof UsageError)
    assert.equal(err.code, 'INVALID_ARGUMENT')
    assert.equal(err.message, 'prefix must be a string')
    assert.equal(err.parameter, 'prefix')
  })
})

describe('positiveInteger', () => {
  it('refuses 0, negatives, fractions, NaN, Infinity, unsafe integers and non-numbers with INVALID_ARGUMENT naming the option', async () => {
    for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5', null]) {
      const err = await expectCode<UsageError>(
        () => positiveInteger('maxEntries', value),
        'INVALID_ARGUMENT',
      )
      assert.equal(err.parameter, 'maxEntries', String(value))
      assert.equal(err.message, 'maxEntries must be a positive integer')
    }
  })

  it('twin: returns a positive safe integer as it is', () => {
    assert.equal(positiveInteger('maxEntries', 1), 1)
    assert.equal(positiveInteger('maxEntries', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER)
  })
})

describe('positiveTtl', () => {
  it('refuses 0, negatives, NaN, Infinity and non-numbers with INVALID_ARGUMENT naming ttlInSeconds', async () => {
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60', undefined]) {
      const err = await expectCode<UsageError>(() => positiveTtl(value), 'INVALID_ARGUMENT')
      assert.equal(err.parameter, 'ttlInSeconds', String(value))
      assert.equal(err.message, 'ttlInSeconds must be a positive number')
    }
  })

  it('refuses under the name it is given', async () => {
    const err = await expectCode<UsageError>(
      () => positiveTtl(-5, 'maxAgeInSeconds'),
      'INVALID_ARGUMENT',
    )
    assert.equal(err.parameter, 'maxAgeInSeconds')
  })

  it('twin: returns a positive finite number as it is, fractions included', () => {
    assert.equal(positiveTtl(60), 60)
    assert.equal(positiveTtl(0.5), 0.5)
    assert.equal(positiveTtl(1, 'maxAgeInSeconds'), 1)
  })
})
