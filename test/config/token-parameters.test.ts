/**
 * Extra token-endpoint parameters (a per-OP quirk as data): every token request of the connection
 * carries them, never over a parameter the SDK sets; names the SDK owns are refused in any case.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import { requestClientCredentials } from '../../src/grants/client-credentials.js'
import { refreshTokens } from '../../src/token.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { CLIENT_SECRET, createFixture } from '../support/sign-in.js'

const EXTRA = { audience: 'https://api.example', 'x-tenant': 'corp' }

describe('tokenParameters', () => {
  test('the code exchange, the refresh and client credentials carry them; the SDK’s own stay', async () => {
    const f = await createFixture({ config: { tokenParameters: EXTRA } })
    const result = await f.signIn()
    registerSecret(result.refreshToken, result.accessToken?.value)
    const refreshed = await refreshTokens(f.config, result.refreshToken!, {
      original: result.idTokenClaims,
    })
    registerSecret(refreshed.accessToken.value)
    const tokenCalls = f.op.requests.filter((r) => r.endpoint === 'token')
    assert.deepEqual(
      tokenCalls.map((r) => [r.params.grant_type, r.params.audience, r.params['x-tenant']]),
      [
        ['authorization_code', EXTRA.audience, 'corp'],
        ['refresh_token', EXTRA.audience, 'corp'],
      ],
    )
    // the twin: a configuration without them sends neither
    const plain = await createFixture()
    registerSecret((await plain.signIn()).accessToken?.value)
    const call = plain.op.requests.find((r) => r.endpoint === 'token')!
    assert.equal(call.params.audience, undefined)
  })

  test('a client credentials request carries them too', async () => {
    const f = await createFixture({
      config: { tokenParameters: EXTRA },
      client: { grant_types: ['authorization_code', 'client_credentials'] },
    })
    const granted = await requestClientCredentials(f.config)
    registerSecret(granted.accessToken.value)
    const call = f.op.requests.filter((r) => r.endpoint === 'token').at(-1)!
    assert.equal(call.params.grant_type, 'client_credentials')
    assert.equal(call.params.audience, EXTRA.audience)
  })

  test('names the SDK sets are refused in any case; another name is kept', async () => {
    const f = await createFixture()
    const metadata = f.config.provider as unknown as Record<string, unknown>
    const client = { ...f.config.client, client_secret: CLIENT_SECRET }
    for (const name of [
      'grant_type',
      'Grant_Type',
      'CODE',
      'client_assertion',
      'scope',
      'a b',
      '',
    ]) {
      await expectCode(
        () => createConfiguration(metadata, client, { tokenParameters: { [name]: 'x' } }),
        'INVALID_CONFIGURATION',
      )
    }
    for (const value of [7, 'x'.repeat(2049)]) {
      await expectCode(
        () =>
          createConfiguration(metadata, client, { tokenParameters: { audience: value } as never }),
        'INVALID_CONFIGURATION',
      )
    }
    const kept = createConfiguration(metadata, client, {
      tokenParameters: { resource: 'https://r' },
    })
    assert.deepEqual(kept.tokenParameters, { resource: 'https://r' })
  })

  test('they are saved and restored with the configuration', async () => {
    const f = await createFixture({ config: { tokenParameters: EXTRA } })
    const restored = restoreConfiguration(JSON.stringify(f.config), {
      client_secret: CLIENT_SECRET,
    })
    assert.deepEqual(restored.tokenParameters, EXTRA)
  })
})
