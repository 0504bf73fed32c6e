/**
 * Attribute lookups: the application's own data added to the claims before the mapping and the
 * issuance criteria, with a timeout, an abort signal and typed errors. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { AttributeLookup } from '../../src/config/attribute-lookup.js'
import type { TransportError } from '../../src/errors.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture } from '../support/sign-in.js'

const MAPPING = [
  { attribute: 'mail', claim: 'email' },
  { attribute: 'roles', claim: 'roles' },
]

async function signInWith(attributeLookup: AttributeLookup, extra: Record<string, unknown> = {}) {
  const f = await createFixture({
    config: { attributeLookup, attributeMapping: MAPPING, ...extra },
  })
  const result = await f.signIn()
  registerSecret(result.accessToken?.value, result.refreshToken)
  return result
}

describe('attribute lookups', () => {
  test("the lookup's claims reach the mapping; it gets the validated claims and a signal", async () => {
    let seen: Parameters<AttributeLookup>[0] | undefined
    const result = await signInWith(async (input) => {
      seen = input
      return { roles: ['admin', 'auditor'] }
    })
    assert.deepEqual(result.attributes.roles, ['admin', 'auditor'])
    assert.equal(result.attributes.mail, 'alice@example.com')
    assert.equal(seen?.idTokenClaims.sub, 'alice')
    assert.equal(seen?.claims.email, 'alice@example.com')
    assert.ok(seen?.signal instanceof AbortSignal)
  })

  test('the issuance criteria see what the lookup added', async () => {
    const criteria = {
      issuanceCriteria: {
        rules: [{ id: 'admins', name: 'roles', condition: 'equals', value: 'admin' }],
      },
    }
    await expectCode(
      signInWith(async () => ({ roles: ['user'] }), criteria),
      'ISSUANCE_CRITERIA_UNMET',
    )
    const twin = await signInWith(async () => ({ roles: ['user', 'admin'] }), criteria)
    assert.deepEqual(twin.attributes.roles, ['user', 'admin'])
  })

  test('a lookup that throws refuses the sign-in (ATTRIBUTE_LOOKUP_FAILED, the cause kept)', async () => {
    const cause = new Error('directory down')
    const err = await expectCode<TransportError>(
      signInWith(async () => {
        throw cause
      }),
      'ATTRIBUTE_LOOKUP_FAILED',
    )
    assert.equal(err.cause, cause)
  })

  test('a lookup that never answers times out and is aborted; one in time passes', async () => {
    let aborted = false
    await expectCode(
      signInWith(
        (input) =>
          new Promise(() => {
            input.signal.addEventListener('abort', () => {
              aborted = true
            })
          }),
        { attributeLookupTimeoutInSeconds: 0.01 },
      ),
      'ATTRIBUTE_LOOKUP_FAILED',
    )
    assert.equal(aborted, true)
    const twin = await signInWith(async () => ({ roles: [] }), {
      attributeLookupTimeoutInSeconds: 0.01,
    })
    assert.deepEqual(twin.attributes.roles, [])
  })

  test('a result that is not JSON data, or names a protocol claim, is refused', async () => {
    for (const bad of [
      'not an object',
      [1, 2],
      { roles: () => 1 },
      { roles: Number.NaN },
      { sub: 'mallory' },
      { acr: 'gold' },
    ]) {
      await expectCode(
        signInWith(async () => bad as never),
        'ATTRIBUTE_LOOKUP_INVALID',
      )
    }
  })

  test('a lookup that is not a function is refused at configuration', async () => {
    const f = await createFixture()
    await expectCode(f.reconfigure({ attributeLookup: 'ldap' as never }), 'INVALID_CONFIGURATION')
  })
})
