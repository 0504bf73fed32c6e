/**
 * `oidc-rp/web` revokes the session's tokens at logout (RFC 7009): refresh token first, then the
 * access token; a failure never blocks the logout.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isOidcRpError } from '../../src/errors.js'
import { introspectToken } from '../../src/introspection.js'
import { registerSecret } from '../support/helpers.js'
import { APP, createWebFixture, type TestBrowser, type WebFixture } from '../support/web.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** Signs alice in, then out through the logout form; returns the logout response. */
async function signInAndOut(f: WebFixture, browser: TestBrowser = f.browser()) {
  await browser.signIn('/')
  const session = await f.auth.getSession(browser.request('/'))
  const accessToken = session!.accessToken!.value
  registerSecret(accessToken)
  f.op.clearRequests()
  const out = await browser.send('/auth/logout', {
    method: 'POST',
    headers: { ...FORM, 'sec-fetch-site': 'same-origin', origin: APP },
    body: `csrf=${session!.csrfToken}`,
  })
  const revocations = f.op.requests.filter((r) => r.endpoint === 'revocation')
  return { out, accessToken, revocations }
}

function redirectsToEndSession(f: WebFixture, out: Response): boolean {
  const location = new URL(out.headers.get('location')!)
  return (
    out.status === 303 &&
    `${location.origin}${location.pathname}` === f.config.provider.end_session_endpoint
  )
}

describe('oidc-rp/web logout: token revocation', () => {
  for (const sessionData of ['cookie', 'store'] as const) {
    test(`sessionData ${sessionData}: revokes the refresh token, then the access token, then goes to the OP`, async () => {
      const f = await createWebFixture({ web: { sessionData } })
      const { out, accessToken, revocations } = await signInAndOut(f)
      assert.deepEqual(
        revocations.map((r) => r.params.token_type_hint),
        ['refresh_token', 'access_token'],
      )
      assert.equal(revocations[1]!.params.token, accessToken)
      const refreshToken = revocations[0]!.params.token!
      registerSecret(refreshToken)
      assert.equal((await introspectToken(f.config, accessToken)).active, false)
      assert.equal((await introspectToken(f.config, refreshToken)).active, false)
      assert.ok(redirectsToEndSession(f, out))
    })
  }

  test('the twin, revokeOnLogout: false: nothing revoked, the access token stays active', async () => {
    const f = await createWebFixture({ web: { revokeOnLogout: false } })
    const { out, accessToken, revocations } = await signInAndOut(f)
    assert.deepEqual(revocations, [])
    assert.equal((await introspectToken(f.config, accessToken)).active, true)
    assert.ok(redirectsToEndSession(f, out))
  })

  test('an OP without revocation_endpoint: nothing revoked, the logout goes on', async () => {
    const f = await createWebFixture({ op: { metadata: { revocation_endpoint: undefined } } })
    assert.equal(f.config.provider.revocation_endpoint, undefined)
    const { out, revocations } = await signInAndOut(f)
    assert.deepEqual(revocations, [])
    assert.ok(redirectsToEndSession(f, out))
  })

  test('a revocation answered 503 goes to onRevocationError and the logout still reaches the OP', async () => {
    const failures: { code: unknown; hint: string }[] = []
    const f = await createWebFixture({
      web: {
        onRevocationError: (error, hint) => {
          failures.push({ code: isOidcRpError(error) ? error.code : error, hint })
        },
      },
    })
    f.op.misbehave({ revocation: 'unavailable' })
    const { out, accessToken, revocations } = await signInAndOut(f)
    assert.deepEqual(failures, [{ code: 'HTTP_UNEXPECTED_STATUS', hint: 'refresh_token' }])
    assert.equal(revocations.length, 2)
    assert.equal((await introspectToken(f.config, accessToken)).active, false)
    assert.ok(redirectsToEndSession(f, out))
    const browser = f.browser()
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
  })

  test('a hook that throws does not stop the logout either', async () => {
    const f = await createWebFixture({
      web: {
        onRevocationError: () => {
          throw new Error('the log is down')
        },
      },
    })
    f.op.misbehave({ revocation: 'unavailable' }, { times: 2 })
    const { out, revocations } = await signInAndOut(f)
    assert.equal(revocations.length, 2)
    assert.ok(redirectsToEndSession(f, out))
  })

  test('revokeOnLogout must be a boolean, onRevocationError a function', async () => {
    await assert.rejects(
      createWebFixture({ web: { revokeOnLogout: 'yes' as unknown as boolean } }),
      (err: unknown) => isOidcRpError(err) && err.code === 'INVALID_ARGUMENT',
    )
    await assert.rejects(
      createWebFixture({ web: { onRevocationError: 1 as unknown as () => void } }),
      (err: unknown) => isOidcRpError(err) && err.code === 'INVALID_ARGUMENT',
    )
  })
})
