import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildContract, extendContract, mergeContract } from '../../src/config/contract.js'
import { expectCode } from '../support/helpers.js'

test('the contract holds sub first, then every advertised claim', () => {
  const contract = buildContract(['email', 'name', 'sub'])
  assert.deepEqual(
    contract.map((a) => [a.name, a.origin, a.advertised]),
    [
      ['sub', 'op', true],
      ['email', 'op', true],
      ['name', 'op', true],
    ],
  )
  assert.deepEqual(
    buildContract(undefined).map((a) => a.name),
    ['sub'],
  )
  assert.ok(Object.isFrozen(contract) && Object.isFrozen(contract[0]))
})

test('a reload adds new claims and keeps dropped ones, marked with when it was first seen', () => {
  const first = buildContract(['email', 'name'])
  const t1 = Date.parse('2026-01-01T00:00:00Z')
  const { contract: second, changes } = mergeContract(first, ['email', 'phone_number'], () => t1)
  assert.deepEqual(changes, {
    added: ['phone_number'],
    noLongerAdvertised: ['name'],
    nowAdvertised: [],
  })
  const name = second.find((a) => a.name === 'name')
  assert.deepEqual(name, {
    name: 'name',
    origin: 'op',
    advertised: false,
    noLongerAdvertisedSince: '2026-01-01T00:00:00.000Z',
  })
  // a second reload without the claim keeps the first time it was missed
  const { contract: third, changes: again } = mergeContract(second, ['email', 'phone_number'], () =>
    Date.parse('2026-02-01T00:00:00Z'),
  )
  assert.equal(
    third.find((a) => a.name === 'name')?.noLongerAdvertisedSince,
    '2026-01-01T00:00:00.000Z',
  )
  assert.deepEqual(again, { added: [], noLongerAdvertised: [], nowAdvertised: [] })
  // and when the OP advertises it again, the mark goes
  const { contract: fourth, changes: back } = mergeContract(
    third,
    ['email', 'phone_number', 'name'],
    Date.now,
  )
  assert.deepEqual(back.nowAdvertised, ['name'])
  assert.deepEqual(
    fourth.find((a) => a.name === 'name'),
    { name: 'name', origin: 'op', advertised: true },
  )
})

test('sub is never marked as dropped, even when claims_supported omits it', () => {
  const { contract, changes } = mergeContract(buildContract(['sub', 'email']), [])
  assert.equal(contract.find((a) => a.name === 'sub')?.advertised, true)
  assert.deepEqual(changes.noLongerAdvertised, ['email'])
})

test('administrator attributes survive reloads and keep their origin', () => {
  const contract = extendContract(buildContract(['email']), ['employee_id', 'email'])
  assert.deepEqual(
    contract.map((a) => [a.name, a.origin]),
    [
      ['sub', 'op'],
      ['email', 'op'],
      ['employee_id', 'admin'],
    ],
  )
  const { contract: reloaded, changes } = mergeContract(contract, ['email'])
  assert.deepEqual(changes, { added: [], noLongerAdvertised: [], nowAdvertised: [] })
  assert.deepEqual(
    reloaded.find((a) => a.name === 'employee_id'),
    { name: 'employee_id', origin: 'admin', advertised: false },
  )
  const { contract: advertised } = mergeContract(reloaded, ['email', 'employee_id'])
  assert.deepEqual(
    advertised.find((a) => a.name === 'employee_id'),
    { name: 'employee_id', origin: 'admin', advertised: true },
  )
})

test('an empty attribute name is refused', async () => {
  await expectCode(() => extendContract(buildContract([]), ['']), 'INVALID_ARGUMENT')
  assert.equal(extendContract(buildContract([]), ['x']).length, 2)
})
