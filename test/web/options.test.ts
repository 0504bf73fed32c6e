import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { UsageError } from '../../src/errors.js'
import type { DPoPHandle } from '../../src/lib/dpop.js'
import { webSettings } from '../../src/web/options.js'
import { expectCode } from '../support/helpers.js'

describe('webSettings', () => {
  test('fills in the defaults', () => {
    const settings = webSettings({ secrets: ['x'] })
    assert.equal(settings.routes.login, '/auth/login')
    assert.equal(settings.sessionData, 'cookie')
    assert.equal(settings.idleTimeout, 86_400)
    assert.equal(settings.absoluteTimeout, 604_800)
    assert.equal(settings.refreshLeeway, 60)
    assert.equal(settings.cookieName, 'oidc-rp.session')
  })

  test('each bad option is INVALID_ARGUMENT naming it; twin: good values pass', async () => {
    const bad = [
      { routes: { login: 'auth/login' } },
      { routes: { login: '//evil' } },
      { routes: { nope: '/x' } },
      { sessionData: 'disk' },
      { allowedReturnOrigins: ['https://a.example/path'] },
      { allowedReturnOrigins: ['ftp://a.example'] },
      { refreshLeewayInSeconds: -1 },
      { idleTimeoutInSeconds: 0 },
      { absoluteTimeoutInSeconds: Number.NaN },
      { onError: 'page' },
      { cookieName: 'a b' },
      { cookieName: 'app.1' },
    ]
    for (const option of bad) {
      await expectCode(
        () => webSettings({ secrets: ['x'], ...(option as object) }),
        'INVALID_ARGUMENT',
      )
    }
    const good = webSettings({
      secrets: ['x'],
      routes: { login: '/signin' },
      sessionData: 'store',
      allowedReturnOrigins: ['https://a.example'],
      refreshLeewayInSeconds: 0,
      cookieName: 'app.session',
    })
    assert.equal(good.routes.login, '/signin')
    assert.ok(good.allowedReturnOrigins.has('https://a.example'))
  })

  test('a dpop option that is not a handle is INVALID_ARGUMENT naming dpop; twin: a handle passes', async () => {
    for (const dpop of [{}, 'key', { thumbprint: 'x' }, null]) {
      const err = await expectCode<UsageError>(
        () => webSettings({ secrets: ['x'], dpop: dpop as unknown as DPoPHandle }),
        'INVALID_ARGUMENT',
      )
      assert.equal(err.parameter, 'dpop')
    }
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    assert.doesNotThrow(() => webSettings({ secrets: ['x'], dpop }))
  })
})
