/**
 * Time checks fail closed (#19): a clock that returns no time refuses every check that reads it,
 * and the clock tolerance has a sane upper bound. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { handleCallback } from '../../src/callback/sign-in.js'
import { createConfiguration } from '../../src/config/configuration.js'
import { RUNTIME } from '../../src/config/runtime.js'
import { MAX_CLOCK_TOLERANCE } from '../../src/config/settings.js'
import { validateIdToken } from '../../src/id-token.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest, CLIENT_SECRET, createFixture } from '../support/sign-in.js'

describe('a clock that returns no time', () => {
  for (const [name, reading] of [
    ['NaN', Number.NaN],
    ['undefined', undefined],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative number', -1],
    ['a string', '1700000000000'],
  ] as const) {
    test(`${name}: the callback is refused (CLOCK_INVALID); the twin with a real clock signs in`, async () => {
      const f = await createFixture()
      const started = await f.start()
      const response = await f.authorize(started)
      let broken = false
      const config = await f.reconfigure({
        store: f.config[RUNTIME].store,
        now: () => (broken ? (reading as number) : f.clock.now),
      })
      broken = true
      await expectCode(
        handleCallback(config, browserRequest(response), { cookie: f.browser.header() }),
        'CLOCK_INVALID',
      )
      const twin = await f.signIn()
      registerSecret(twin.accessToken?.value, twin.refreshToken)
      assert.equal(twin.idTokenClaims.sub, 'alice')
    })
  }

  test('an ID token that expired a year ago is never accepted: NaN clock CLOCK_INVALID, real clock ID_TOKEN_EXPIRED', async () => {
    const f = await createFixture()
    const result = await f.signIn()
    registerSecret(result.accessToken?.value, result.refreshToken)
    let reading = f.clock.now + 366 * 24 * 3600 * 1000
    const config = await f.reconfigure({ now: () => reading })
    await expectCode(
      validateIdToken(config, result.idToken, { source: 'refresh' }),
      'ID_TOKEN_EXPIRED',
    )
    reading = Number.NaN
    await expectCode(
      validateIdToken(config, result.idToken, { source: 'refresh' }),
      'CLOCK_INVALID',
    )
  })

  test('a clock that is not a function is refused at configuration', async () => {
    const f = await createFixture()
    await expectCode(f.reconfigure({ now: 1700000000000 as never }), 'INVALID_CONFIGURATION')
  })
})

describe('clockToleranceInSeconds', () => {
  test(`Infinity, negative, NaN or over ${MAX_CLOCK_TOLERANCE} s is refused; 0 and ${MAX_CLOCK_TOLERANCE} are kept`, async () => {
    const f = await createFixture()
    const metadata = f.config.provider as unknown as Record<string, unknown>
    const client = { ...f.config.client, client_secret: CLIENT_SECRET }
    for (const tolerance of [
      Number.POSITIVE_INFINITY,
      -1,
      Number.NaN,
      MAX_CLOCK_TOLERANCE + 1,
      1e9,
    ]) {
      assert.throws(
        () => createConfiguration(metadata, client, { clockToleranceInSeconds: tolerance }),
        { code: 'INVALID_CONFIGURATION' },
        String(tolerance),
      )
    }
    for (const tolerance of [0, MAX_CLOCK_TOLERANCE]) {
      const config = createConfiguration(metadata, client, { clockToleranceInSeconds: tolerance })
      assert.equal(config.settings.clockToleranceInSeconds, tolerance)
    }
  })

  test('other numeric settings must be finite', () => {
    return createFixture().then((f) => {
      const metadata = f.config.provider as unknown as Record<string, unknown>
      const client = { ...f.config.client, client_secret: CLIENT_SECRET }
      assert.throws(
        () => createConfiguration(metadata, client, { timeoutInMs: Number.POSITIVE_INFINITY }),
        { code: 'INVALID_CONFIGURATION' },
      )
      assert.equal(
        createConfiguration(metadata, client, { timeoutInMs: 5000 }).settings.timeoutInMs,
        5000,
      )
    })
  })
})
