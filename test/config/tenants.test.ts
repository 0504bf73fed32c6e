/**
 * Multi-tenant OPs (Microsoft Entra's `common`/`organizations` endpoints), through the mock OP acting
 * as one: the `{tenantid}` issuer template, each token checked against the template filled with its
 * own `tid`, and only the allowed tenants. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import {
  type Configuration,
  createConfiguration,
  restoreConfiguration,
} from '../../src/config/configuration.js'
import { discover, reloadMetadata } from '../../src/discovery.js'
import { createMockOP } from '../../src/testing/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'

const SECRET = 'tenants-client-secret-0123456789-abcdefghij'
registerSecret(SECRET)
const TEMPLATE = 'https://login.example/{tenantid}/v2.0'
const client = {
  client_id: 'rp',
  client_secret: SECRET,
  redirect_uris: ['https://rp.example/cb'],
}
const op = await createMockOP({
  issuer: 'https://login.example/organizations/v2.0',
  issuerTemplate: TEMPLATE,
  clients: [
    { ...client, response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
  ],
  users: {
    alice: { tid: 'tenant-a', email: 'alice@a.example' },
    bob: { tid: 'tenant-b', email: 'bob@b.example' },
    mallory: { tid: 'tenant-x', email: 'mallory@x.example' },
    nobody: { email: 'nobody@example' },
  },
})

function multiTenant(allowed: string[] = ['tenant-a', 'tenant-b']): Promise<Configuration> {
  return discover(op.issuer, client, { fetch: op.fetch, tenants: { allowed } })
}

async function signInAs(config: Configuration, user: string) {
  const request = await createAuthorizationRequest(config)
  registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
  const response = await op.authorize(request.url, { user })
  registerSecret(response.params.get('code') ?? undefined)
  return handleCallback(config, response.url, { browserBinding: request.browserBinding?.value })
}

describe('a multi-tenant OP: the {tenantid} issuer template', () => {
  test('discovery at the organizations endpoint keeps the template as the issuer', async () => {
    const config = await multiTenant()
    assert.equal(config.issuer, TEMPLATE)
    assert.deepEqual(config.tenants, {
      allowed: ['tenant-a', 'tenant-b'],
      discoveryIssuer: op.issuer,
    })
  })

  test('without tenants the template OP is refused at discovery; with them it loads', async () => {
    await expectCode(discover(op.issuer, client, { fetch: op.fetch }), 'DISCOVERY_ISSUER_MISMATCH')
    assert.equal((await multiTenant()).issuer, TEMPLATE)
  })

  test("each allowed tenant signs in, its token's iss the template with its own tid", async () => {
    const config = await multiTenant()
    const alice = await signInAs(config, 'alice')
    assert.equal(alice.idTokenClaims.iss, 'https://login.example/tenant-a/v2.0')
    const bob = await signInAs(config, 'bob')
    assert.equal(bob.idTokenClaims.iss, 'https://login.example/tenant-b/v2.0')
  })

  test('a tenant not allowed is refused (TOKEN_TENANT_NOT_ALLOWED); an allowed one signs in', async () => {
    const config = await multiTenant(['tenant-a'])
    const err = await expectCode(signInAs(config, 'mallory'), 'TOKEN_TENANT_NOT_ALLOWED')
    assert.doesNotMatch(String(err), /mallory/)
    assert.equal((await signInAs(config, 'alice')).idTokenClaims.sub, 'alice')
  })

  test('a token without tid is refused; with one it signs in', async () => {
    const config = await multiTenant()
    await expectCode(signInAs(config, 'nobody'), 'TOKEN_TENANT_NOT_ALLOWED')
    assert.equal((await signInAs(config, 'bob')).idTokenClaims.sub, 'bob')
  })

  test('an allowed tid with an iss that is not its tenant issuer is refused', async () => {
    const config = await multiTenant()
    op.misbehave({ idToken: 'wrong-issuer' })
    await expectCode(signInAs(config, 'alice'), 'ID_TOKEN_ISSUER_MISMATCH')
    assert.equal((await signInAs(config, 'alice')).idTokenClaims.sub, 'alice')
  })

  test('the tenants are saved and restored; a reload asks at the discovery endpoint', async () => {
    const config = await multiTenant()
    const restored = restoreConfiguration(
      JSON.stringify(config),
      { client_secret: SECRET },
      {
        fetch: op.fetch,
      },
    )
    assert.deepEqual(restored.tenants, config.tenants)
    const { config: reloaded, diff } = await reloadMetadata(restored)
    assert.equal(reloaded.issuer, TEMPLATE)
    assert.equal(diff.changed, false)
    assert.equal((await signInAs(reloaded, 'alice')).idTokenClaims.sub, 'alice')
  })

  test('tenants are refused for an OP that is not multi-tenant, and bad lists anywhere', async () => {
    const single = { ...op.metadata(), issuer: 'https://single.example' }
    await expectCode(
      () => createConfiguration(single, client, { tenants: { allowed: ['t'] } }),
      'INVALID_CONFIGURATION',
    )
    assert.equal(createConfiguration(single, client).issuer, 'https://single.example')
    for (const allowed of [[], ['a', 'a'], ['has/slash'], [7]]) {
      await expectCode(
        () => createConfiguration(op.metadata(), client, { tenants: { allowed } as never }),
        'INVALID_CONFIGURATION',
      )
    }
    await expectCode(() => createConfiguration(op.metadata(), client), 'INVALID_CONFIGURATION')
  })
})
