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
