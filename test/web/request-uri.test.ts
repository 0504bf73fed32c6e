/**
 * `oidc-rp/web` serves request objects passed by reference (RFC 9101 §5.2): the OP fetches the
 * `request_uri` from the application's own routes, once.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { APP, createWebFixture } from '../support/web.js'

const BASE = `${APP}/auth/request/`

describe('createWebAuth: request objects by reference', () => {
  test('the OP fetches the request object from the application and the sign-in completes', async () => {
    const f = await createWebFixture({
      config: {
        policy: {
          transport: 'request-uri',
          requestUriBase: BASE,
          requestObject: { alg: 'HS256' },
          scopes: ['openid', 'email'],
        },
      },
    })
    const browser = f.browser()
    const done = await browser.signIn('/home')
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/home')
    const authorization = f.op.requests.find((r) => r.endpoint === 'authorization')!
    assert.ok(authorization.requestUriFetched?.startsWith(BASE))
    assert.equal(authorization.requestObject?.alg, 'HS256')
    // fetched once: the application no longer serves it
    const again = await f.auth.handle(new Request(authorization.requestUriFetched!))
    assert.equal(again?.status, 404)
  })

  test('without the request-uri transport the path is not a route of oidc-rp/web', async () => {
    const f = await createWebFixture()
    assert.equal(await f.auth.handle(new Request(`${BASE}${'A'.repeat(43)}`)), undefined)
  })
})
