import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { handleCallback } from '../../src/browser/callback.js'
import type { UsageError } from '../../src/errors.js'
import type { IdTokenFault } from '../../src/testing/index.js'
import { tamper } from '../support/callback.js'
import { assertNoSecrets, expectCode, outcomeOf } from '../support/helpers.js'
import { createPageFixture, TOKEN_ENDPOINT_ID_TOKEN_FAULTS } from '../support/page.js'
import { createFixture } from '../support/sign-in.js'

describe("a page's callback (oidc-rp/browser)", () => {
  test('signs alice in: the ID token validated, UserInfo called, the tokens and claims returned', async () => {
    const f = await createPageFixture()
    const result = await f.signIn({ scope: 'openid profile email' })
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.equal(result.userinfo?.email, 'alice@example.com')
    assert.equal(result.claims.name, 'Alice Example')
    assert.equal(result.accessToken.type, 'Bearer')
    assert.ok(typeof result.accessToken.expiresAt === 'number')
    assert.equal(result.transaction.scope, 'openid profile email')
    const grant = f.op.requests.find((r) => r.params.grant_type === 'authorization_code')
    assert.equal(grant?.params.client_id, 'page-client')
    assert.ok(grant?.params.code_verifier !== undefined, 'PKCE: the verifier is sent')
    assert.equal(grant?.clientAuthMethod, 'none')
  })

  test('the pending sign-in is taken once: a replayed callback is CALLBACK_STATE_UNKNOWN', async () => {
    const f = await createPageFixture()
    const url = await f.authorized()
    await handleCallback(f.config, url)
    await expectCode(handleCallback(f.config, url), 'CALLBACK_STATE_UNKNOWN')
  })

  test('an OP error is AUTHORIZATION_ERROR_RESPONSE; the state is checked first', async () => {
    const f = await createPageFixture()
    const { createAuthorizationRequest } = await import('../../src/browser/authorization.js')
    const { url } = await createAuthorizationRequest(f.config)
    const denied = await f.op.authorize(url.href, { user: 'alice', deny: true })
    const err = await expectCode(
      handleCallback(f.config, denied.url),
      'AUTHORIZATION_ERROR_RESPONSE',
    )
    assert.equal((err as { error?: string }).error, 'access_denied')
    const forged = tamper(denied.url, (p) => p.set('state', 'not-a-state'))
    await expectCode(handleCallback(f.config, forged), 'CALLBACK_STATE_UNKNOWN')
  })

  test('iss (RFC 9207): another issuer is refused; without iss the twin passes when not required', async () => {
    const f = await createPageFixture()
    const mixUp = tamper(await f.authorized(), (p) => p.set('iss', 'https://evil.example'))
    await expectCode(handleCallback(f.config, mixUp), 'CALLBACK_ISSUER_MISMATCH')
    const f2 = await createPageFixture({
      op: { metadata: { authorization_response_iss_parameter_supported: false } },
    })
    const without = tamper(await f2.authorized(), (p) => p.delete('iss'))
    assert.equal((await handleCallback(f2.config, without)).idTokenClaims.sub, 'alice')
    const required = tamper(await f.authorized(), (p) => p.delete('iss'))
    await expectCode(handleCallback(f.config, required), 'CALLBACK_ISSUER_MISSING')
  })

  test('a pending sign-in the core started for another flow is refused, not half-handled', async () => {
    const f = await createPageFixture()
    const now = Math.floor(f.clock.now / 1000)
    const { createWebStorageTransactionStore } = await import('../../src/stores/web-storage.js')
    await createWebStorageTransactionStore({ storage: f.storage }).set(
      {
        state: 'implicit-state',
        issuer: f.config.issuer,
        clientId: f.config.client.client_id,
        nonce: 'n',
        redirectUri: 'https://app.example/',
        responseType: 'id_token',
        scope: 'openid',
        createdAt: now,
        expiresAt: now + 600,
      },
      600,
    )
    const url = `https://app.example/#state=implicit-state&id_token=a.b.c&iss=${encodeURIComponent(f.config.issuer)}`
    await expectCode(handleCallback(f.config, url), 'INVALID_ARGUMENT')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0)
  })

  test("a Request is refused as INVALID_ARGUMENT with nothing taken; the page's URL, as a string or a URL, is read", async () => {
    const f = await createPageFixture()
    const url = await f.authorized()
    const err = await expectCode<UsageError>(
      handleCallback(f.config, new Request(url) as unknown as string),
      'INVALID_ARGUMENT',
    )
    assert.equal(err.parameter, 'input')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 0)
    const result = await handleCallback(f.config, new URL(url))
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('no secret, code or token in an error', async () => {
    const f = await createPageFixture()
    f.op.misbehave({ idToken: 'bad-signature' })
    const err = await expectCode(
      handleCallback(f.config, await f.authorized()),
      'ID_TOKEN_SIGNATURE_INVALID',
    )
    assertNoSecrets(err)
  })

  test('userinfo never: no UserInfo request; required without an endpoint: USERINFO_UNAVAILABLE', async () => {
    const f = await createPageFixture()
    const result = await handleCallback(f.config, await f.authorized(), { userinfo: 'never' })
    assert.equal(result.userinfo, undefined)
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'userinfo').length, 0)
    // the twin: by default it is called
    await f.signIn()
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'userinfo').length, 1)
    const bare = await createPageFixture({ op: { metadata: { userinfo_endpoint: undefined } } })
    await expectCode(
      handleCallback(bare.config, await bare.authorized(), { userinfo: 'required' }),
      'USERINFO_UNAVAILABLE',
    )
  })
})

describe("the page's checks are the core's: the same faults, the same codes", () => {
  // Every ID token fault a code sign-in can meet (front-channel hashes and HS256 aside: a page's
  // code flow has none).
  const FAULTS: readonly IdTokenFault[] = [
    ...TOKEN_ENDPOINT_ID_TOKEN_FAULTS,
    'wrong-nonce',
    'no-nonce',
  ]
  for (const fault of FAULTS) {
    test(`${fault}: the page refuses it as the core does`, async () => {
      const page = await createPageFixture()
      page.op.misbehave({ idToken: fault })
      const pageCode = await outcomeOf(handleCallback(page.config, await page.authorized()))
      const core = await createFixture({ authMethod: 'none' })
      core.op.misbehave({ idToken: fault })
      const coreCode = await outcomeOf(core.signIn())
      assert.notEqual(pageCode, 'accepted')
      assert.equal(pageCode, coreCode)
    })
  }

  test('the twin: without a fault both sign alice in', async () => {
    const page = await createPageFixture()
    assert.equal((await page.signIn()).idTokenClaims.sub, 'alice')
    const core = await createFixture({ authMethod: 'none' })
    assert.equal((await core.signIn()).idTokenClaims.sub, 'alice')
  })
})
