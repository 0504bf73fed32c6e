import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createClaimsRequest } from '../../src/authorization/claims-request.js'
import { expectCode } from '../support/helpers.js'

describe('createClaimsRequest', () => {
  it('builds the claims parameter of OIDC Core §5.5: null for default, essential, value, values', () => {
    const claims = createClaimsRequest()
      .idToken('acr', { essential: true, values: ['urn:a', 'urn:b'] })
      .idToken('auth_time', { essential: true })
      .userinfo('email')
      .userinfo('email_verified', { essential: true, value: true })
      .build()
    assert.deepEqual(claims, {
      id_token: {
        acr: { essential: true, values: ['urn:a', 'urn:b'] },
        auth_time: { essential: true },
      },
      userinfo: { email: null, email_verified: { essential: true, value: true } },
    })
    assert.ok(Object.isFrozen(claims) && Object.isFrozen(claims.id_token))
    assert.deepEqual(createClaimsRequest().build(), {})
  })

  it('refuses an empty name, or value with values, with INVALID_ARGUMENT', async () => {
    await expectCode(() => createClaimsRequest().idToken(''), 'INVALID_ARGUMENT')
    await expectCode(
      () => createClaimsRequest().userinfo('x', { value: 'a', values: ['b'] }),
      'INVALID_ARGUMENT',
    )
    assert.ok(
      createClaimsRequest()
        .userinfo('x', { values: ['b'] })
        .build().userinfo?.x,
    )
  })
})
