/**
 * A connection registry holding real OPs side by side behind one callback: oidc-provider 8 and
 * Glewlwyd 2.7 (Debian's package), and a client registered dynamically at oidc-provider
 * (`features.registration`) that becomes a connection with its secret kept apart. Each signs in
 * through the one callback; a response from one OP delivered to the other's sign-in is refused.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { discover, registerClient } from '../../src/index.js'
import { type ConnectionRegistry, createConnectionRegistry } from '../../src/registry/index.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { completeLogin as glewlwydLogin } from './glewlwyd/browser.js'
import {
  asAlice,
  SECRET as GLEWLWYD_SECRET,
  type GlewlwydSuite,
  startGlewlwydSuite,
} from './glewlwyd/setup.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'
import type { LoginResult } from './scripted-browser.js'
import { type Interop, SECRET as OIDC_PROVIDER_SECRET, startInterop } from './setup.js'

let oidcProvider: Interop
let glewlwyd: GlewlwydSuite
let registering: RunningOp
/** The credential source: what a secret manager would hold, by connection id. */
const credentials: Record<string, { client_secret: string }> = {
  'oidc-provider': { client_secret: OIDC_PROVIDER_SECRET },
  glewlwyd: { client_secret: GLEWLWYD_SECRET },
}

before(async () => {
  ;[oidcProvider, glewlwyd, registering] = await Promise.all([
    startInterop(),
    startGlewlwydSuite(),
    startOp({
      clients: [],
      adjust: (configuration) => {
        configuration.features = { ...configuration.features, registration: { enabled: true } }
      },
    }),
  ])
})

after(async () => {
  await Promise.all([oidcProvider?.op.close(), glewlwyd?.server.close(), registering?.close()])
})

/** A registry with both OPs, each client registered with the one redirect URI. */
async function bothOps(): Promise<ConnectionRegistry> {
  const registry = createConnectionRegistry({ credentials })
  const policy = { policy: PROFILE }
  await registry.add(
    'oidc-provider',
    await oidcProvider.connect({ client_id: 'basic', client_secret: OIDC_PROVIDER_SECRET }, policy),
    { label: 'oidc-provider' },
  )
  await registry.add(
    'glewlwyd',
    await glewlwyd.connect({ client_id: 'basic', client_secret: GLEWLWYD_SECRET }, policy),
    { label: 'Glewlwyd' },
  )
  return registry
}

/** Starts a sign-in with a connection; the browser keeps its binding cookie. */
async function start(registry: ConnectionRegistry, id: string) {
  const request = await registry.createAuthorizationRequest(id)
  const cookie = request.browserBinding
    ? `${request.browserBinding.name}=${request.browserBinding.value}`
    : ''
  return { request, cookie }
}

/** Alice logs in at the OP the URL goes to; where it sends her browser back. */
function loginAt(id: string, url: URL): Promise<LoginResult> {
  if (id === 'glewlwyd') return glewlwydLogin(url, asAlice())
  const op = id === 'oidc-provider' ? oidcProvider.op : registering
  return op.completeLogin(url, { user: 'alice' })
}

describe('a registry of oidc-provider and Glewlwyd behind one callback', () => {
  test('each OP signs alice in through the one callback, found from the transaction', async () => {
    const registry = await bothOps()
    for (const id of ['oidc-provider', 'glewlwyd']) {
      const { request, cookie } = await start(registry, id)
      const back = await loginAt(id, request.url)
      assert.equal(back.url.origin + back.url.pathname, REDIRECT)
      const { connection, config, result } = await registry.handleCallback(callbackInput(back), {
        cookie,
      })
      registerSecret(result.accessToken?.value, result.refreshToken)
      assert.equal(connection, id)
      assert.equal(result.idTokenClaims.iss, config.issuer)
      assert.equal(config.issuer, id === 'glewlwyd' ? glewlwyd.issuer() : oidcProvider.op.issuer)
      assert.equal(result.claims.email, 'alice@example.test')
    }
  })

  test("mix-up: oidc-provider's response delivered to Glewlwyd's sign-in is refused; Glewlwyd's own signs in", async () => {
    const registry = await bothOps()
    const victim = await start(registry, 'glewlwyd')
    const other = await start(registry, 'oidc-provider')
    const back = await loginAt('oidc-provider', other.request.url)
    const swapped = new URL(back.url)
    swapped.searchParams.set('state', victim.request.state)
    await expectCode(
      registry.handleCallback(swapped, { cookie: `${victim.cookie}; ${other.cookie}` }),
      'CALLBACK_ISSUER_MISMATCH',
    )
    const twin = await start(registry, 'glewlwyd')
    const own = await registry.handleCallback(
      callbackInput(await loginAt('glewlwyd', twin.request.url)),
      { cookie: twin.cookie },
    )
    registerSecret(own.result.accessToken?.value, own.result.refreshToken)
    assert.equal(own.connection, 'glewlwyd')
  })

  test('rp-registration-dynamic into a registry: the registered client becomes a connection, its secret apart', async () => {
    const registration = await registerClient(registering.issuer, {
      redirect_uris: [REDIRECT],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    })
    const secret = registration.secrets.clientSecret()!
    registerSecret(secret, registration.secrets.registrationAccessToken())
    const registry = await bothOps()
    const config = await discover(registering.issuer, {
      ...registration.client,
      client_secret: secret,
    })
    await expectCode(registry.add('dynamic', config), 'MISSING_CREDENTIALS')
    credentials.dynamic = { client_secret: secret }
    const record = await registry.add('dynamic', config, { label: 'Registered today' })
    assert.doesNotMatch(JSON.stringify(record), new RegExp(secret))
    const { request, cookie } = await start(registry, 'dynamic')
    const { connection, result } = await registry.handleCallback(
      callbackInput(await loginAt('dynamic', request.url)),
      { cookie },
    )
    registerSecret(result.accessToken?.value)
    assert.equal(connection, 'dynamic')
    assert.equal(result.idTokenClaims.aud, registration.client.client_id)
  })
})
