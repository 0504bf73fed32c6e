import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { fetchUserInfo } from '../../src/browser/userinfo.js'
import { assertNoSecrets, expectCode } from '../support/helpers.js'
import { createPageFixture } from '../support/page.js'

describe("a page's UserInfo (oidc-rp/browser)", () => {
  test('the claims of the expected subject; another subject is USERINFO_SUB_MISMATCH', async () => {
    const f = await createPageFixture()
    const { accessToken } = await f.signIn({ scope: 'openid email' })
    const claims = await fetchUserInfo(f.config, accessToken, { expectedSubject: 'alice' })
    assert.equal(claims.email, 'alice@example.com')
    await expectCode(
      fetchUserInfo(f.config, accessToken.value, { expectedSubject: 'bob' }),
      'USERINFO_SUB_MISMATCH',
    )
  })

  test('a refused token is USERINFO_BEARER_CHALLENGE, the token in no part of it', async () => {
    const f = await createPageFixture()
    const { accessToken } = await f.signIn()
    f.op.misbehave({ userinfo: 'unauthorized' })
    const err = await expectCode(
      fetchUserInfo(f.config, accessToken, { expectedSubject: 'alice' }),
      'USERINFO_BEARER_CHALLENGE',
    )
    assertNoSecrets(err)
  })

  test('a DPoP token, an empty token or subject is INVALID_ARGUMENT, nothing sent', async () => {
    const f = await createPageFixture()
    const { accessToken } = await f.signIn()
    const before = f.op.requests.length
    const dpop = { ...accessToken, type: 'DPoP' as const }
    await expectCode(
      fetchUserInfo(f.config, dpop, { expectedSubject: 'alice' }),
      'INVALID_ARGUMENT',
    )
    await expectCode(fetchUserInfo(f.config, '', { expectedSubject: 'alice' }), 'INVALID_ARGUMENT')
    await expectCode(
      fetchUserInfo(f.config, accessToken, { expectedSubject: '' }),
      'INVALID_ARGUMENT',
    )
    assert.equal(f.op.requests.length, before)
  })

  test('an OP without a UserInfo endpoint is USERINFO_UNAVAILABLE, nothing sent', async () => {
    const f = await createPageFixture({ op: { metadata: { userinfo_endpoint: undefined } } })
    const { accessToken } = await f.signIn()
    const before = f.op.requests.length
    await expectCode(
      fetchUserInfo(f.config, accessToken, { expectedSubject: 'alice' }),
      'USERINFO_UNAVAILABLE',
    )
    assert.equal(f.op.requests.length, before)
  })
})
