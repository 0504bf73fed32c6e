import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { handleCallback } from '../../src/browser/callback.js'
import { discover } from '../../src/browser/configuration.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { createWebStorageTransactionStore } from '../../src/stores/web-storage.js'
import { createMockOP } from '../../src/testing/index.js'
import { MemoryStorage } from '../support/browser.js'
import { expectCode } from '../support/helpers.js'
import { createPageFixture, PAGE_CLIENT_ID, PAGE_URI } from '../support/page.js'

const CLIENT = { client_id: PAGE_CLIENT_ID, redirect_uris: [PAGE_URI] }

async function anOp() {
  return createMockOP({
    clients: [{ ...CLIENT, token_endpoint_auth_method: 'none', response_types: ['code'] }],
    users: { alice: {} },
  })
}
const inPage = () => createWebStorageTransactionStore({ storage: new MemoryStorage() })

describe("a page's discover (oidc-rp/browser)", () => {
  test('validates the OP metadata and the client; a public client by default', async () => {
    const f = await createPageFixture()
    assert.equal(f.config.issuer, f.op.issuer)
    assert.equal(f.config.provider.token_endpoint, `${f.op.issuer}/token`)
    assert.equal(f.config.client.token_endpoint_auth_method, 'none')
    assert.ok(Object.isFrozen(f.config))
  })

  test('a secret, keys or a member only the core honours is INVALID_CONFIGURATION naming it', async () => {
    const op = await anOp()
    const options = { fetch: op.fetch, store: inPage() }
    for (const member of ['client_secret', 'keys', 'id_token_encrypted_response_alg']) {
      const client = { ...CLIENT, [member]: member === 'keys' ? [] : 'x' }
      const err = await expectCode(discover(op.issuer, client, options), 'INVALID_CONFIGURATION')
      assert.equal((err as { parameter?: string }).parameter, member)
    }
    const basic = { ...CLIENT, token_endpoint_auth_method: 'client_secret_basic' as 'none' }
    await expectCode(discover(op.issuer, basic, options), 'INVALID_CONFIGURATION')
    for (const client of ['page-client', null]) {
      const err = await expectCode(
        discover(op.issuer, client as never, options),
        'INVALID_CONFIGURATION',
      )
      assert.equal((err as { parameter?: string }).parameter, 'client')
    }
    const none = { ...CLIENT, token_endpoint_auth_method: 'none' as const }
    assert.equal((await discover(op.issuer, none, options)).client.client_id, PAGE_CLIENT_ID)
  })

  test('keeps the OP metadata and client members a page reads, each checked; the others are left out', async () => {
    const op = await anOp()
    const withMetadata =
      (extra: Record<string, unknown>): typeof fetch =>
      async (input, init) => {
        const response = await op.fetch(input, init)
        if (!String(input).endsWith('/.well-known/openid-configuration')) return response
        return Response.json({ ...((await response.json()) as object), ...extra })
      }
    const options = (extra: Record<string, unknown>) => ({
      fetch: withMetadata(extra),
      store: inPage(),
    })
    const revocation = { revocation_endpoint: `${op.issuer}/revoke` }
    const config = await discover(op.issuer, { ...CLIENT, client_name: 'App' } as typeof CLIENT, {
      ...options(revocation),
    })
    assert.equal('revocation_endpoint' in config.provider, false)
    assert.equal('client_name' in config.client, false)
    assert.equal(config.provider.authorization_endpoint, `${op.issuer}/authorize`)
    // what it reads is checked
    for (const bad of [
      { userinfo_endpoint: 'not a url' },
      { authorization_response_iss_parameter_supported: 'yes' },
      { id_token_signing_alg_values_supported: 'RS256' },
    ]) {
      await expectCode(discover(op.issuer, CLIENT, options(bad)), 'DISCOVERY_INVALID_METADATA')
    }
    const minus = { ...CLIENT, default_max_age: -1 }
    await expectCode(discover(op.issuer, minus, options({})), 'INVALID_CONFIGURATION')
  })

  test('a store that needs a cookie (the memory store) is refused; web storage passes', async () => {
    const op = await anOp()
    const memory = createMemoryTransactionStore()
    await expectCode(
      discover(op.issuer, CLIENT, { fetch: op.fetch, store: memory }),
      'INVALID_ARGUMENT',
    )
    assert.ok(await discover(op.issuer, CLIENT, { fetch: op.fetch, store: inPage() }))
  })

  test('metadata naming another issuer is DISCOVERY_ISSUER_MISMATCH', async () => {
    const op = await anOp()
    op.misbehave({ metadata: 'wrong-issuer' })
    await expectCode(
      discover(op.issuer, CLIENT, { fetch: op.fetch, store: inPage() }),
      'DISCOVERY_ISSUER_MISMATCH',
    )
  })

  test('a copy of a configuration is not one: INVALID_ARGUMENT, not a half-made sign-in', async () => {
    const f = await createPageFixture()
    const url = await f.authorized()
    await expectCode(handleCallback({ ...f.config }, url), 'INVALID_ARGUMENT')
    assert.equal((await handleCallback(f.config, url)).idTokenClaims.sub, 'alice')
  })
})
