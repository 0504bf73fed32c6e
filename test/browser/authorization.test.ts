import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { createAuthorizationRequest } from '../../src/browser/authorization.js'
import type { Transaction } from '../../src/storage.js'
import { expectCode } from '../support/helpers.js'
import { createPageFixture, PAGE_CLIENT_ID, PAGE_URI } from '../support/page.js'

/** The pending sign-ins in the page's storage. */
function pending(storage: { items: Map<string, string> }): Transaction[] {
  return [...storage.items.values()].map((v) => JSON.parse(v).transaction ?? JSON.parse(v))
}

describe("a page's authorization request (oidc-rp/browser)", () => {
  test('the code flow with PKCE S256, state and nonce; the pending sign-in saved', async () => {
    const f = await createPageFixture()
    const { url, state } = await createAuthorizationRequest(f.config)
    const q = url.searchParams
    assert.equal(url.origin + url.pathname, f.config.provider.authorization_endpoint)
    assert.equal(q.get('response_type'), 'code')
    assert.equal(q.get('client_id'), PAGE_CLIENT_ID)
    assert.equal(q.get('redirect_uri'), PAGE_URI)
    assert.equal(q.get('scope'), 'openid')
    assert.equal(q.get('state'), state)
    assert.equal(q.get('code_challenge_method'), 'S256')
    const [saved] = pending(f.storage)
    assert.equal(saved?.state, state)
    assert.equal(saved?.nonce, q.get('nonce'))
    const challenge = createHash('sha256').update(saved!.codeVerifier!).digest('base64url')
    assert.equal(q.get('code_challenge'), challenge)
  })

  test("the application's parameters: openid first in scope, the others as given", async () => {
    const f = await createPageFixture()
    const { url } = await createAuthorizationRequest(f.config, {
      scope: 'profile openid email',
      prompt: 'login',
      login_hint: 'alice@example.com',
      max_age: 300,
    })
    const q = url.searchParams
    assert.equal(q.get('scope'), 'openid profile email')
    assert.equal(q.get('prompt'), 'login')
    assert.equal(q.get('login_hint'), 'alice@example.com')
    assert.equal(q.get('max_age'), '300')
    assert.equal(pending(f.storage)[0]?.maxAgeInSeconds, 300)
  })

  test('a parameter the SDK sets is POLICY_PARAMETER_RESERVED, a bad value INVALID_ARGUMENT; nothing saved', async () => {
    const f = await createPageFixture()
    for (const name of ['state', 'nonce', 'redirect_uri', 'code_challenge', 'client_id']) {
      await expectCode(
        createAuthorizationRequest(f.config, { [name]: 'x' }),
        'POLICY_PARAMETER_RESERVED',
      )
    }
    await expectCode(createAuthorizationRequest(f.config, { max_age: -1 }), 'INVALID_ARGUMENT')
    await expectCode(
      createAuthorizationRequest(f.config, 'scope=openid' as never),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      createAuthorizationRequest(f.config, undefined, { redirectUri: 'https://evil.example/' }),
      'INVALID_ARGUMENT',
    )
    assert.equal(f.storage.items.size, 0)
  })

  test("the client's default_max_age is sent and required of the ID token", async () => {
    const f = await createPageFixture({ pageClient: { default_max_age: 600 } })
    const { url } = await createAuthorizationRequest(f.config)
    assert.equal(url.searchParams.get('max_age'), '600')
    assert.equal(pending(f.storage)[0]?.maxAgeInSeconds, 600)
  })

  test('a claims request asking for an essential acr and auth_time makes the ID token need them', async () => {
    const f = await createPageFixture()
    const essential = { essential: true }
    await createAuthorizationRequest(f.config, {
      claims: { id_token: { acr: { ...essential, values: ['gold'] }, auth_time: essential } },
    })
    const [saved] = pending(f.storage)
    assert.deepEqual(saved?.requiredAcr, ['gold'])
    assert.equal(saved?.requireAuthTime, true)
    // the twin: without the claims request, neither
    const g = await createPageFixture()
    await createAuthorizationRequest(g.config, { scope: 'openid' })
    assert.equal(pending(g.storage)[0]?.requiredAcr, undefined)
    assert.equal(pending(g.storage)[0]?.requireAuthTime, undefined)
  })
})
