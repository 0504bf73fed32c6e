/**
 * Issuance criteria (PingFederate's): rules on the validated claims and the mapped attributes that
 * refuse a sign-in before anything is stored, naming the rule and never the value. Every refusal
 * has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { IssuanceCriteria } from '../../src/config/issuance-criteria.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture } from '../support/sign-in.js'

const MAPPING = [{ attribute: 'mail', claim: 'email' }]

async function signInWith(issuanceCriteria: IssuanceCriteria) {
  const f = await createFixture({ config: { issuanceCriteria, attributeMapping: MAPPING } })
  return f.signIn().then((result) => {
    registerSecret(result.accessToken?.value, result.refreshToken)
    return result
  })
}

describe('issuance criteria', () => {
  const cases: [string, IssuanceCriteria['rules'][number], IssuanceCriteria['rules'][number]][] = [
    [
      'equals',
      { id: 'verified', name: 'email_verified', condition: 'equals', value: 'false' },
      { id: 'verified', name: 'email_verified', condition: 'equals', value: 'true' },
    ],
    [
      'one-of',
      { id: 'family', name: 'family_name', condition: 'one-of', value: ['Smith', 'Jones'] },
      { id: 'family', name: 'family_name', condition: 'one-of', value: ['Smith', 'Example'] },
    ],
    [
      'matches (anchored)',
      { id: 'corp-mail', name: 'email', condition: 'matches', value: 'example\\.com' },
      { id: 'corp-mail', name: 'email', condition: 'matches', value: '[^@]+@example\\.com' },
    ],
    [
      'present',
      { id: 'has-phone', name: 'phone_number', condition: 'present' },
      { id: 'has-phone', name: 'email', condition: 'present' },
    ],
    [
      'absent',
      { id: 'no-email', name: 'email', condition: 'absent' },
      { id: 'no-email', name: 'phone_number', condition: 'absent' },
    ],
    [
      'an attribute',
      { id: 'mail-attr', source: 'attribute', name: 'mail', condition: 'equals', value: 'x@y' },
      {
        id: 'mail-attr',
        source: 'attribute',
        name: 'mail',
        condition: 'equals',
        value: 'alice@example.com',
      },
    ],
  ]
  for (const [name, failing, passing] of cases) {
    test(`${name}: the sign-in that fails the rule is refused, naming it; the twin signs in`, async () => {
      const err = await expectCode<Error>(
        signInWith({ rules: [failing] }),
        'ISSUANCE_CRITERIA_UNMET',
      )
      assert.match(err.message, new RegExp(failing.id))
      assert.doesNotMatch(err.message, /alice@example\.com|Example/)
      const result = await signInWith({ rules: [passing] })
      assert.equal(result.idTokenClaims.sub, 'alice')
    })
  }

  test('all (the default) needs every rule; any needs one', async () => {
    const rules: IssuanceCriteria['rules'] = [
      { id: 'one', name: 'email', condition: 'present' },
      { id: 'two', name: 'phone_number', condition: 'present' },
    ]
    const err = await expectCode<Error>(signInWith({ rules }), 'ISSUANCE_CRITERIA_UNMET')
    assert.match(err.message, /two/)
    assert.doesNotMatch(err.message, /\bone\b/)
    assert.equal((await signInWith({ match: 'any', rules })).idTokenClaims.sub, 'alice')
    await expectCode(
      signInWith({ match: 'any', rules: [rules[1]!, { ...rules[1]!, id: 'three' }] }),
      'ISSUANCE_CRITERIA_UNMET',
    )
  })

  test('a refused sign-in makes no session: the web layer never sees it', async () => {
    const f = await createFixture({
      config: {
        issuanceCriteria: { rules: [{ id: 'never', name: 'email', condition: 'absent' }] },
      },
    })
    const started = await f.start()
    const response = await f.authorize(started)
    await expectCode(f.callback(response.url), 'ISSUANCE_CRITERIA_UNMET')
    // the transaction is consumed: the same response cannot be retried
    await expectCode(f.callback(response.url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('bad rules are refused at configuration; good ones are saved and restored', async () => {
    const f = await createFixture()
    for (const bad of [
      { rules: [] },
      { rules: [{ id: 'a', name: 'email', condition: 'equals' }] },
      { rules: [{ id: 'a', name: 'email', condition: 'matches', value: '(' }] },
      { rules: [{ id: 'a', name: 'email', condition: 'matches', value: 'x'.repeat(257) }] },
      { rules: [{ id: 'a', name: 'email', condition: 'present', value: 'x' }] },
      { rules: [{ id: 'a', name: 'email', condition: 'like', value: 'x' }] },
      { rules: [{ id: 'a b', name: 'email', condition: 'present' }] },
      {
        rules: [
          { id: 'a', name: 'email', condition: 'present' },
          { id: 'a', name: 'x', condition: 'absent' },
        ],
      },
      { match: 'most', rules: [{ id: 'a', name: 'email', condition: 'present' }] },
    ]) {
      await expectCode(f.reconfigure({ issuanceCriteria: bad as never }), 'INVALID_CONFIGURATION')
    }
    const good: IssuanceCriteria = {
      match: 'any',
      rules: [{ id: 'a', name: 'email', condition: 'present' }],
    }
    const config = await f.reconfigure({ issuanceCriteria: good })
    assert.deepEqual(JSON.parse(JSON.stringify(config)).issuanceCriteria, {
      match: 'any',
      rules: [{ id: 'a', source: 'claim', name: 'email', condition: 'present' }],
    })
  })
})
