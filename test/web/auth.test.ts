import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { UsageError } from '../../src/errors.js'
import type { DPoPHandle } from '../../src/lib/dpop.js'
import { createMemorySessionStore } from '../../src/stores/memory.js'
import { createSealedTransactionStore } from '../../src/stores/sealed.js'
import { fetchUserInfo } from '../../src/userinfo.js'
import { createWebAuth } from '../../src/web/index.js'
import { CookieJar } from '../support/cookie-jar.js'
import { assertNoSecrets, expectCode, registerSecret } from '../support/helpers.js'
import { createFixture, REDIRECT_URI } from '../support/sign-in.js'
import { APP, CLIENT_ID, createWebFixture, newSecret } from '../support/web.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

describe('createWebAuth: sign-in', async () => {
  const f = await createWebFixture()

  test('a sign-in lands on its returnTo with a session, the binding cookie cleared', async () => {
    const browser = f.browser()
    const done = await browser.signIn('/account?tab=1')
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/account?tab=1')
    const cookies = done.headers.getSetCookie()
    assert.ok(cookies.some((c) => c.startsWith('__Host-oidc-rp.session=') && /Secure/.test(c)))
    assert.ok(cookies.some((c) => c.startsWith('__Host-oidc-rp.') && /Max-Age=0/.test(c)))
    const session = await f.auth.getSession(browser.request('/account'))
    assert.equal(session?.sub, 'alice')
    assert.equal(session?.claims.name, 'Alice Example')
    assert.equal(session?.accessToken?.type, 'Bearer')
    assert.deepEqual(session?.setCookie, [])
  })

  test('two tabs of one browser sign in at once: both finish', async () => {
    const browser = f.browser()
    const first = await browser.send('/auth/login?returnTo=/one')
    const second = await browser.send('/auth/login?returnTo=/two')
    const answers = await Promise.all(
      [first, second].map((r) => f.op.authorize(r.headers.get('location')!, { user: 'alice' })),
    )
    const two = await browser.send(answers[1]!.url)
    const one = await browser.send(answers[0]!.url)
    assert.equal(two.headers.get('location'), '/two')
    assert.equal(one.headers.get('location'), '/one')
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('a callback in another browser is refused, to the error page by its code alone', async () => {
    const victim = f.browser()
    const attacker = f.browser()
    const login = await attacker.send('/auth/login')
    const answer = await f.op.authorize(login.headers.get('location')!, { user: 'alice' })
    const refused = await victim.send(answer.url)
    assert.equal(refused.status, 303)
    assert.equal(
      refused.headers.get('location'),
      '/auth/error?code=CALLBACK_BROWSER_BINDING_MISSING',
    )
    assert.equal(await f.auth.getSession(victim.request('/')), undefined)
    const page = await victim.send(refused.headers.get('location')!)
    const html = await page.text()
    assert.equal(page.status, 400)
    assert.match(html, /CALLBACK_BROWSER_BINDING_MISSING/)
    assertNoSecrets(html)
  })

  test('the error page shows only a code, never other text from the address bar', async () => {
    const page = await f.browser().send('/auth/error?code=%3Cscript%3Ealert(1)%3C/script%3E')
    const html = await page.text()
    assert.doesNotMatch(html, /script>alert/)
    assert.match(html, /UNKNOWN/)
  })

  test('an open returnTo is refused before the OP is asked', async () => {
    for (const evil of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const response = await f.browser().send(`/auth/login?returnTo=${encodeURIComponent(evil)}`)
      assert.equal(response.headers.get('location'), '/auth/error?code=RETURN_TO_NOT_ALLOWED', evil)
    }
  })

  test('twin: a returnTo of an allowed origin goes there after sign-in', async () => {
    const auth = f.another({ allowedReturnOrigins: ['https://docs.example'] })
    const done = await f.browser().signIn('https://docs.example/page', { auth })
    assert.equal(done.headers.get('location'), 'https://docs.example/page')
  })

  test('onError gets the typed error and makes the response', async () => {
    const seen: string[] = []
    const auth = f.another({
      onError: (err) => {
        seen.push(err.code)
        return new Response('custom', { status: 418 })
      },
    })
    const response = await f.browser().send('/auth/callback?state=unknown&code=x', {}, auth)
    assert.equal(response.status, 418)
    assert.deepEqual(seen, ['CALLBACK_STATE_UNKNOWN'])
  })

  test('routes answer 405 to other methods and undefined outside their paths', async () => {
    const browser = f.browser()
    const put = await browser.send('/auth/login', { method: 'POST' })
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET')
    assert.equal(await f.auth.handle(browser.request('/elsewhere')), undefined)
  })
})

describe('createWebAuth: response modes', () => {
  test('form_post: the POSTed answer signs in', async () => {
    const f = await createWebFixture({ config: { policy: { responseMode: 'form_post' } } })
    const browser = f.browser()
    const done = await browser.signIn('/x')
    assert.equal(done.headers.get('location'), '/x')
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('form_post with the sealed transaction store: the body is read once, by the sign-in', async () => {
    const store = createSealedTransactionStore({ keys: [newSecret()] })
    const f = await createWebFixture({ config: { store, policy: { responseMode: 'form_post' } } })
    const browser = f.browser()
    const done = await browser.signIn('/sealed')
    assert.equal(done.headers.get('location'), '/sealed')
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('a fragment answer gets the relay page, whose POST signs in', async () => {
    const f = await createWebFixture({ config: { policy: { responseType: 'id_token token' } } })
    const relay = await f.browser().send('/auth/callback')
    const html = await relay.text()
    const csp = relay.headers.get('content-security-policy') ?? ''
    const nonce = /script-src 'nonce-([\w-]+)'/.exec(csp)?.[1]
    assert.ok(nonce)
    assert.match(html, new RegExp(`<script nonce="${nonce}">`))
    const browser = f.browser()
    const done = await browser.signIn('/after')
    assert.equal(done.headers.get('location'), '/after')
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })
})

describe('createWebAuth: hybrid response types with a front-channel access token', () => {
  for (const responseType of ['code token', 'code id_token token'] as const) {
    for (const responseMode of ['fragment', 'form_post'] as const) {
      test(`${responseType} in ${responseMode === 'fragment' ? 'the fragment (relay page)' : 'form_post'}: signs in; the session keeps the token endpoint's access token, the one UserInfo got`, async () => {
        const f = await createWebFixture({
          config: {
            policy: { responseType, ...(responseMode === 'form_post' ? { responseMode } : {}) },
          },
        })
        const browser = f.browser()
        const done = await browser.signIn('/hybrid')
        assert.equal(done.headers.get('location'), '/hybrid')
        const authorization = f.op.requests.find((r) => r.endpoint === 'authorization')
        assert.equal(authorization?.params.response_type, responseType)
        assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').length, 1)
        const session = await f.auth.getSession(browser.request('/'), { refresh: false })
        assert.equal(session?.sub, 'alice')
        const userinfo = f.op.requests.find((r) => r.endpoint === 'userinfo')
        assert.equal(userinfo?.headers.authorization, `Bearer ${session?.accessToken?.value}`)
      })
    }
  }

  test('code id_token token: a response without access_token goes to the error page, no session; its twin signs in', async () => {
    const f = await createWebFixture({
      config: { policy: { responseType: 'code id_token token' } },
    })
    f.op.misbehave({ authorizationResponse: 'no-access_token' })
    const browser = f.browser()
    const refused = await browser.signIn('/hybrid')
    assert.equal(
      refused.headers.get('location'),
      '/auth/error?code=CALLBACK_RESPONSE_TYPE_MISMATCH',
    )
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
    const twin = await browser.signIn('/hybrid')
    assert.equal(twin.headers.get('location'), '/hybrid')
  })
})

describe('createWebAuth: JARM response modes', () => {
  for (const mode of ['query.jwt', 'form_post.jwt'] as const) {
    test(`${mode}: the signed response signs in`, async () => {
      const f = await createWebFixture({ config: { policy: { responseMode: mode } } })
      const browser = f.browser()
      const done = await browser.signIn('/jarm')
      assert.equal(done.headers.get('location'), '/jarm')
      assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
    })
  }

  test('a query carrying response alone is the sign-in, not the relay page; a bare GET gets the relay page', async () => {
    const f = await createWebFixture({ config: { policy: { responseMode: 'query.jwt' } } })
    const unsigned = await f.browser().send('/auth/callback?response=not-a-jwt')
    assert.notEqual(unsigned.status, 200)
    assert.doesNotMatch(await unsigned.text(), /<script nonce=/)
    const relay = await f.browser().send('/auth/callback')
    assert.equal(relay.status, 200)
    assert.match(await relay.text(), /<script nonce=/)
  })

  test('fragment.jwt: the relay page posts response back and it signs in', async () => {
    const f = await createWebFixture({
      config: { policy: { responseType: 'id_token token', responseMode: 'fragment.jwt' } },
    })
    const browser = f.browser()
    const done = await browser.signIn('/relayed')
    assert.equal(done.headers.get('location'), '/relayed')
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })
})

describe('createWebAuth: the session cookie', async () => {
  const f = await createWebFixture()

  test('a tampered session cookie reads as signed out', async () => {
    const browser = f.browser()
    await browser.signIn()
    const header = browser.request('/').headers.get('cookie')!
    // flip one character in the middle of the sealed value (the last one may be padding bits)
    const value = /__Host-oidc-rp\.session=([^;]+)/.exec(header)![1]!
    const at = Math.floor(value.length / 2)
    const flipped = `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`
    const tampered = header.replace(value, flipped)
    assert.notEqual(tampered, header)
    const request = new Request(`${APP}/`, { headers: { cookie: tampered } })
    assert.equal(await f.auth.getSession(request), undefined)
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('a cookie sealed by another application (other keys) reads as signed out', async () => {
    const other = f.another({ secrets: [newSecret()] })
    const browser = f.browser()
    await browser.signIn('/', { auth: other })
    assert.equal((await other.getSession(browser.request('/')))?.sub, 'alice')
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
  })

  test('keys rotate: a session sealed with the old key opens when it is listed second', async () => {
    const oldKey = newSecret()
    const before = f.another({ secrets: [oldKey] })
    const after = f.another({ secrets: [newSecret(), oldKey] })
    const browser = f.browser()
    await browser.signIn('/', { auth: before })
    assert.equal((await after.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('a large session is split across cookies and read back whole', async () => {
    const big = 'x'.repeat(9000)
    const auth = f.another({ onSignIn: () => ({ big }) })
    const browser = f.browser()
    const done = await browser.signIn('/', { auth })
    const names = done.headers.getSetCookie().map((c) => c.slice(0, c.indexOf('=')))
    assert.ok(
      names.includes('__Host-oidc-rp.session.0') && names.includes('__Host-oidc-rp.session.2'),
    )
    const session = await auth.getSession(browser.request('/'))
    assert.equal(session?.data.big, big)
  })

  test('a session unused for the idle timeout ends; twin: used within it, it is renewed', async () => {
    const auth = f.another({ idleTimeoutInSeconds: 1000 })
    const browser = f.browser()
    await browser.signIn('/', { auth })
    f.clock.now += 200_000
    const used = await auth.getSession(browser.request('/'))
    assert.equal(used?.sub, 'alice')
    assert.equal(used?.setCookie.length, 1, 'renewed after a tenth of the idle timeout')
    for (const c of used!.setCookie) browser.jar.set(c)
    f.clock.now += 900_000
    assert.equal((await auth.getSession(browser.request('/')))?.sub, 'alice')
    f.clock.now += 1_001_000
    assert.equal(await auth.getSession(browser.request('/')), undefined)
  })

  test('a session ends at the absolute timeout however often it is used', async () => {
    const auth = f.another({ idleTimeoutInSeconds: 1000, absoluteTimeoutInSeconds: 1500 })
    const browser = f.browser()
    await browser.signIn('/', { auth })
    f.clock.now += 800_000
    for (const c of (await auth.getSession(browser.request('/')))!.setCookie) browser.jar.set(c)
    f.clock.now += 800_000
    assert.equal(await auth.getSession(browser.request('/')), undefined)
  })

  test("sessionData 'store': the cookie holds only the sealed id, the store the rest", async () => {
    const sessionStore = createMemorySessionStore()
    const auth = f.another({
      sessionData: 'store',
      sessionStore,
      onSignIn: () => ({ big: 'y'.repeat(9000) }),
    })
    const browser = f.browser()
    const done = await browser.signIn('/', { auth })
    const session = done.headers
      .getSetCookie()
      .filter((c) => c.startsWith('__Host-oidc-rp.session'))
    assert.equal(session.length, 1)
    assert.ok(session[0]!.length < 1000)
    assert.equal((await auth.getSession(browser.request('/')))?.data.big, 'y'.repeat(9000))
  })
})

describe('createWebAuth: protect', async () => {
  const f = await createWebFixture()

  test('signed out: a GET goes to login with its path, a POST gets 401', async () => {
    const browser = f.browser()
    const get = await f.auth.protect(browser.request('/orders?page=2'), () => new Response('no'))
    assert.equal(get.status, 302)
    assert.equal(get.headers.get('location'), '/auth/login?returnTo=%2Forders%3Fpage%3D2')
    const post = await f.auth.protect(
      browser.request('/orders', { method: 'POST' }),
      () => new Response('no'),
    )
    assert.equal(post.status, 401)
  })

  test('signed in: the handler answers, with the renewed cookie even on a Response.redirect', async () => {
    const browser = f.browser()
    await browser.signIn()
    f.clock.now += 10_000_000
    const response = await f.auth.protect(browser.request('/'), () =>
      Response.redirect(`${APP}/x`, 302),
    )
    assert.equal(response.status, 302)
    assert.equal(response.headers.getSetCookie().length, 1)
  })
})

describe('createWebAuth: refresh', () => {
  test('an access token about to expire is refreshed once, however many requests ask', async () => {
    const f = await createWebFixture({
      op: { accessTokenTtlInSeconds: 30, rotateRefreshTokens: true },
    })
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const refreshes = () =>
      f.op.requests.filter((r) => r.params.grant_type === 'refresh_token').length
    const [a, b] = await Promise.all([
      f.auth.getSession(browser.request('/')),
      f.auth.getSession(browser.request('/')),
    ])
    assert.equal(refreshes(), 1)
    assert.equal(a?.accessToken?.value, b?.accessToken?.value)
    assert.equal(a?.setCookie.length, 1)
    // a request still carrying the old cookie reuses the outcome instead of the used refresh token
    const late = await f.auth.getSession(browser.request('/'))
    assert.equal(refreshes(), 1)
    assert.equal(late?.accessToken?.value, a?.accessToken?.value)
    // with the new cookie the next refresh uses the rotated token, and the OP accepts it
    for (const c of a!.setCookie) browser.jar.set(c)
    f.clock.now += 61_000
    const next = await f.auth.getSession(browser.request('/'))
    assert.equal(refreshes(), 2)
    assert.notEqual(next?.accessToken?.value, a?.accessToken?.value)
  })

  test('twin: refresh false reads the session without calling the OP', async () => {
    const f = await createWebFixture({ op: { accessTokenTtlInSeconds: 30 } })
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    assert.equal((await f.auth.getSession(browser.request('/'), { refresh: false }))?.sub, 'alice')
    assert.equal(f.op.requests.length, 0)
  })

  test('a refresh token the OP refuses ends the session', async () => {
    const f = await createWebFixture({
      op: { accessTokenTtlInSeconds: 30, rotateRefreshTokens: true },
    })
    const browser = f.browser()
    await browser.signIn()
    const stale = browser.request('/')
    const fresh = await f.auth.getSession(browser.request('/'))
    for (const c of fresh!.setCookie) browser.jar.set(c)
    // another instance (no shared flight) presents the used refresh token: the OP revokes the chain
    const other = f.another({})
    assert.equal(await other.getSession(stale), undefined)
  })

  test("sessionData 'store': concurrent requests refresh once under the store's lock", async () => {
    const f = await createWebFixture({
      op: { accessTokenTtlInSeconds: 30, rotateRefreshTokens: true },
      web: { sessionData: 'store' },
    })
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const results = await Promise.all([1, 2, 3].map(() => f.auth.getSession(browser.request('/'))))
    assert.equal(f.op.requests.filter((r) => r.params.grant_type === 'refresh_token').length, 1)
    assert.ok(results.every((s) => s?.sub === 'alice'))
  })
})

describe('createWebAuth: logout', async () => {
  const f = await createWebFixture()

  test('the sign-out form signs out at the RP and the OP, and the return checks its state', async () => {
    const browser = f.browser()
    await browser.signIn('/', { sid: 'op-session-1' })
    const session = await f.auth.getSession(browser.request('/'))
    const form = f.auth.logoutForm(session!)
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1]
    assert.ok(csrf)
    const out = await browser.send('/auth/logout', {
      method: 'POST',
      headers: { ...FORM, 'sec-fetch-site': 'same-origin', origin: APP },
      body: `csrf=${csrf}&returnTo=%2Fbye`,
    })
    assert.equal(out.status, 303)
    const endSession = new URL(out.headers.get('location')!)
    assert.equal(endSession.origin + endSession.pathname, f.config.provider.end_session_endpoint)
    assert.ok(endSession.searchParams.get('id_token_hint'))
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
    const state = endSession.searchParams.get('state')!
    const back = await browser.send(`/auth/signed-out?state=${state}`)
    assert.equal(back.status, 303)
    assert.equal(back.headers.get('location'), '/bye')
  })

  test('a logout return with another state is refused', async () => {
    const browser = f.browser()
    await browser.signIn()
    const session = await f.auth.getSession(browser.request('/'))
    await browser.send('/auth/logout', {
      method: 'POST',
      headers: FORM,
      body: `csrf=${session!.csrfToken}`,
    })
    const back = await browser.send('/auth/signed-out?state=forged')
    assert.equal(back.headers.get('location'), '/auth/error?code=LOGOUT_STATE_MISMATCH')
  })

  test('a forged logout POST (no CSRF token) is refused with 403 and the session stays', async () => {
    const browser = f.browser()
    await browser.signIn()
    const forged = await browser.send('/auth/logout', { method: 'POST', headers: FORM, body: '' })
    assert.equal(forged.status, 403)
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('a logout POST from another site is refused even with the token', async () => {
    const browser = f.browser()
    await browser.signIn()
    const session = await f.auth.getSession(browser.request('/'))
    const forged = await browser.send('/auth/logout', {
      method: 'POST',
      headers: { ...FORM, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      body: `csrf=${session!.csrfToken}`,
    })
    assert.equal(forged.status, 403)
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('GET on the logout route shows the form and signs nobody out', async () => {
    const browser = f.browser()
    await browser.signIn()
    const page = await browser.send('/auth/logout')
    assert.match(await page.text(), /<form method="post" action="\/auth\/logout">/)
    assert.equal((await f.auth.getSession(browser.request('/')))?.sub, 'alice')
  })

  test('back-channel logout ends the session of its sid; twin: another sid stays', async () => {
    const ended = f.browser()
    const kept = f.browser()
    await ended.signIn('/', { sid: 'bc-1' })
    await kept.signIn('/', { sid: 'bc-2' })
    const delivery = await f.op.backChannelLogout({ clientId: CLIENT_ID, sid: 'bc-1' })
    assert.equal(delivery.response?.status, 200)
    assert.equal(await f.auth.getSession(ended.request('/')), undefined)
    assert.equal((await f.auth.getSession(kept.request('/')))?.sub, 'alice')
  })

  test('front-channel logout ends the session of its sid and clears the cookie', async () => {
    const browser = f.browser()
    await browser.signIn('/', { sid: 'fc-1' })
    const delivery = await f.op.frontChannelLogout({ clientId: CLIENT_ID, sid: 'fc-1' })
    assert.equal(delivery.response?.status, 200)
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
  })
})

describe('createWebAuth: refresh while the OP is down', () => {
  test('a token still valid serves while the refresh fails; twin: once expired, the error is thrown', async () => {
    const f = await createWebFixture({ op: { accessTokenTtlInSeconds: 30 } })
    const browser = f.browser()
    await browser.signIn()
    const before = await f.auth.getSession(browser.request('/'), { refresh: false })
    f.op.misbehave({ http: { endpoint: 'token', kind: 'server-error' } }, { times: 10 })
    const served = await f.auth.getSession(browser.request('/'))
    assert.equal(served?.accessToken?.value, before?.accessToken?.value)
    f.clock.now += 31_000
    await expectCode(() => f.auth.getSession(browser.request('/')), 'HTTP_UNEXPECTED_STATUS')
  })
})

/**
 * A DPoP handle made from a stored private key (a P-256 JWK), as docs/web.md advises for several
 * processes: each call makes a handle of the same key pair.
 */
async function handleOfStoredKey(jwk: JsonWebKey): Promise<DPoPHandle> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' }
  const privateKey = await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign'])
  const { kty, crv, x, y } = jwk
  const publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, algorithm, true, [
    'verify',
  ])
  return createDPoPHandle({ privateKey, publicKey })
}

/** A private P-256 JWK, as the application would keep it in its secret store. */
async function storedPrivateJwk(): Promise<JsonWebKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
  registerSecret(jwk.d)
  return jwk
}

describe('createWebAuth: DPoP (RFC 9449)', () => {
  const dpopFixture = async (dpop: DPoPHandle) =>
    createWebFixture({
      web: { dpop },
      op: { dpop: { nonces: true }, accessTokenTtlInSeconds: 30 },
    })
  const requestsTo = (f: Awaited<ReturnType<typeof dpopFixture>>, endpoint: string) =>
    f.op.requests.filter((r) => r.endpoint === endpoint)

  test('a sign-in with the dpop option sends dpop_jkt and proofs of the key; the session token is DPoP and works at UserInfo with the key', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await dpopFixture(dpop)
    const browser = f.browser()
    const login = await browser.send('/auth/login')
    assert.equal(
      new URL(login.headers.get('location')!).searchParams.get('dpop_jkt'),
      dpop.thumbprint,
    )
    const answer = await f.op.authorize(login.headers.get('location')!, { user: 'alice' })
    const done = await browser.send(answer.url)
    assert.equal(done.status, 303)
    // the first proof meets the OP's nonce demand (use_dpop_nonce); the retry carries it
    const token = requestsTo(f, 'token').at(-1)
    assert.equal(token?.dpopJkt, dpop.thumbprint)
    assert.equal(decodeProtectedHeader(token!.headers.dpop!).typ, 'dpop+jwt')
    const [userinfo] = requestsTo(f, 'userinfo')
    assert.match(userinfo!.headers.authorization!, /^DPoP /)
    assert.equal(userinfo?.dpopJkt, dpop.thumbprint)
    const session = await f.auth.getSession(browser.request('/'), { refresh: false })
    assert.equal(session?.claims.name, 'Alice Example')
    assert.equal(session?.accessToken?.type, 'DPoP')
    registerSecret(session?.accessToken?.value)
    f.op.clearRequests()
    const claims = await fetchUserInfo(f.config, session!.accessToken!, {
      expectedSubject: 'alice',
      dpop,
    })
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(requestsTo(f, 'userinfo')[0]?.dpopJkt, dpop.thumbprint)
  })

  test('a DPoP session is refreshed with a proof of the key (the nonce the OP asks for), and stays DPoP', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await dpopFixture(dpop)
    const browser = f.browser()
    await browser.signIn()
    const before = await f.auth.getSession(browser.request('/'), { refresh: false })
    f.op.clearRequests()
    const refreshed = await f.auth.getSession(browser.request('/'))
    const refreshes = requestsTo(f, 'token').filter((r) => r.params.grant_type === 'refresh_token')
    assert.equal(refreshes.length, 1)
    assert.equal(refreshes[0]?.dpopJkt, dpop.thumbprint)
    assert.equal(typeof decodeJwt(refreshes[0]!.headers.dpop!).nonce, 'string')
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
    assert.notEqual(refreshed?.accessToken?.value, before?.accessToken?.value)
    registerSecret(refreshed?.accessToken?.value)
    const claims = await fetchUserInfo(f.config, refreshed!.accessToken!, {
      expectedSubject: 'alice',
      dpop,
    })
    assert.equal(claims.sub, 'alice')
  })

  test('a DPoP session read by an instance without the dpop option is not refreshed: DPOP_KEY_MISMATCH, the OP not asked, the session kept', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await dpopFixture(dpop)
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    // the OP would give this confidential client a Bearer token without a proof: the binding lost
    const withoutKey = f.another({ dpop: undefined })
    const err = await expectCode<UsageError>(
      withoutKey.getSession(browser.request('/')),
      'DPOP_KEY_MISMATCH',
    )
    assert.equal(err.parameter, 'dpop')
    assertNoSecrets(err)
    assert.equal(requestsTo(f, 'token').length, 0)
    const kept = await f.auth.getSession(browser.request('/'))
    assert.equal(kept?.accessToken?.type, 'DPoP')
  })

  test('twin: with the dpop option the same session is refreshed with a proof', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await dpopFixture(dpop)
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const refreshed = await f.another({ dpop }).getSession(browser.request('/'))
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
    assert.equal(requestsTo(f, 'token').at(-1)?.dpopJkt, dpop.thumbprint)
  })

  test('a rotated key: an instance with another key refreshes a session before it is due, binding the new token to its key', async () => {
    const old = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await createWebFixture({
      web: { dpop: old },
      op: { dpop: {}, accessTokenTtlInSeconds: 3600 },
    })
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const rotated = await createDPoPHandle(await generateDPoPKeyPair())
    const auth = f.another({ dpop: rotated })
    const session = await auth.getSession(browser.request('/'))
    const refreshes = requestsTo(f, 'token')
    assert.equal(refreshes.length, 1)
    assert.equal(refreshes[0]?.dpopJkt, rotated.thumbprint)
    registerSecret(session?.accessToken?.value)
    const claims = await fetchUserInfo(f.config, session!.accessToken!, {
      expectedSubject: 'alice',
      dpop: rotated,
    })
    assert.equal(claims.sub, 'alice')
    // bound to the new key now: the next request does not refresh again
    for (const c of session!.setCookie) browser.jar.set(c)
    await auth.getSession(browser.request('/'))
    assert.equal(requestsTo(f, 'token').length, 1)
  })

  test('twin: an instance with the same key does not refresh a session that is not due', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await createWebFixture({
      web: { dpop },
      op: { dpop: {}, accessTokenTtlInSeconds: 3600 },
    })
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const session = await f.another({ dpop }).getSession(browser.request('/'))
    assert.equal(session?.accessToken?.type, 'DPoP')
    assert.equal(requestsTo(f, 'token').length, 0)
  })

  test("twin: instances whose handles are made from one stored private key refresh each other's sessions", async () => {
    const jwk = await storedPrivateJwk()
    const first = await handleOfStoredKey(jwk)
    const second = await handleOfStoredKey(jwk)
    assert.equal(second.thumbprint, first.thumbprint)
    const f = await dpopFixture(first)
    const browser = f.browser()
    await browser.signIn()
    f.op.clearRequests()
    const refreshed = await f.another({ dpop: second }).getSession(browser.request('/'))
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
    // the second handle has no nonce yet: the OP asks for one, the retry is accepted
    assert.equal(requestsTo(f, 'token').at(-1)?.dpopJkt, first.thumbprint)
  })

  test("sessionData 'store': the key's thumbprint is kept with the tokens, and a refresh needs the key", async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await createWebFixture({
      web: { dpop, sessionData: 'store' },
      op: { dpop: {}, accessTokenTtlInSeconds: 30 },
    })
    const browser = f.browser()
    await browser.signIn()
    await expectCode(
      f.another({ dpop: undefined }).getSession(browser.request('/')),
      'DPOP_KEY_MISMATCH',
    )
    const refreshed = await f.auth.getSession(browser.request('/'))
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
  })

  test('a Bearer session (signed in before DPoP was configured) is refreshed into a DPoP one', async () => {
    const f = await createWebFixture({ op: { dpop: {}, accessTokenTtlInSeconds: 30 } })
    const browser = f.browser()
    await browser.signIn()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const upgraded = f.another({ dpop })
    const refreshed = await upgraded.getSession(browser.request('/'))
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
    for (const c of refreshed!.setCookie) browser.jar.set(c)
    // now bound: an instance without the key refuses to refresh it
    f.clock.now += 31_000
    await expectCode(
      f.another({ dpop: undefined }).getSession(browser.request('/')),
      'DPOP_KEY_MISMATCH',
    )
  })

  test("logout revokes a DPoP session's tokens without a proof (RFC 7009 has none)", async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await dpopFixture(dpop)
    const browser = f.browser()
    await browser.signIn()
    const session = await f.auth.getSession(browser.request('/'), { refresh: false })
    f.op.clearRequests()
    const form = new URLSearchParams({ csrf: session!.csrfToken, returnTo: '/' })
    await browser.send('/auth/logout', {
      method: 'POST',
      headers: { ...FORM, origin: APP },
      body: form.toString(),
    })
    const revocations = requestsTo(f, 'revocation')
    assert.equal(revocations.length, 2)
    assert.ok(revocations.every((r) => r.headers.dpop === undefined))
  })
})

describe('createWebAuth: refresh refused for another reason than the refresh token', () => {
  test('a DPoP proof the OP refuses (use_dpop_nonce without a nonce) keeps the session: the valid token serves, then the error is thrown, then a refresh works', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await createWebFixture({
      web: { dpop },
      op: { dpop: {}, accessTokenTtlInSeconds: 30 },
    })
    const browser = f.browser()
    await browser.signIn()
    const before = await f.auth.getSession(browser.request('/'), { refresh: false })
    f.op.misbehave({ dpop: 'nonce-without-header' })
    const served = await f.auth.getSession(browser.request('/'))
    assert.equal(served?.accessToken?.value, before?.accessToken?.value)
    f.clock.now += 31_000
    const err = await expectCode<{ error?: string }>(
      f.auth.getSession(browser.request('/')),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'use_dpop_nonce')
    // past the minute a failed refresh's outcome is shared, the next request refreshes anew
    f.clock.now += 61_000
    const refreshed = await f.auth.getSession(browser.request('/'))
    assert.equal(refreshed?.accessToken?.type, 'DPoP')
    assert.notEqual(refreshed?.accessToken?.value, before?.accessToken?.value)
  })

  test('twin: invalid_grant (a refresh token the OP no longer honours) ends the session', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const f = await createWebFixture({
      web: { dpop },
      op: { dpop: {}, accessTokenTtlInSeconds: 30, rotateRefreshTokens: true },
    })
    const browser = f.browser()
    await browser.signIn()
    const stale = browser.request('/')
    const fresh = await f.auth.getSession(browser.request('/'))
    for (const c of fresh!.setCookie) browser.jar.set(c)
    // another instance (no shared flight) presents the used refresh token: invalid_grant
    assert.equal(await f.another({}).getSession(stale), undefined)
    assert.equal(await f.auth.getSession(browser.request('/')), undefined)
  })
})

describe('createWebAuth: the FAPI 2.0 profile (securityProfile fapi2)', () => {
  /** A FAPI 2.0 client (private_key_jwt, ES256) at https://rp.example, its callback /cb. */
  const fapiFixture = () =>
    createFixture({
      authMethod: 'private_key_jwt',
      client: {
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
        grant_types: ['authorization_code', 'refresh_token'],
      },
      clientInput: { id_token_signed_response_alg: 'ES256' },
      config: { securityProfile: 'fapi2' },
    })

  test('without the dpop option createWebAuth is refused: SECURITY_PROFILE_VIOLATION naming dpop, before any sign-in', async () => {
    const f = await fapiFixture()
    const err = await expectCode<UsageError>(
      () => createWebAuth(f.config, { secrets: [newSecret()] }),
      'SECURITY_PROFILE_VIOLATION',
    )
    assert.equal(err.parameter, 'dpop')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'par').length, 0)
  })

  test('twin: with the dpop option a sign-in through the routes keeps to the profile (PAR with a proof, DPoP tokens)', async () => {
    const f = await fapiFixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const auth = createWebAuth(f.config, { secrets: [newSecret()], dpop })
    const origin = new URL(REDIRECT_URI).origin
    const jar = new CookieJar()
    const send = async (url: string) => {
      const headers = new Headers()
      if (jar.header() !== '') headers.set('cookie', jar.header())
      const response = (await auth.handle(new Request(new URL(url, origin), { headers })))!
      for (const line of response.headers.getSetCookie()) jar.set(line)
      return response
    }
    const login = await send('/auth/login?returnTo=/home')
    assert.equal(login.status, 302)
    const answer = await f.op.authorize(login.headers.get('location')!, { user: 'alice' })
    registerSecret(answer.params.get('code') ?? undefined)
    const done = await send(answer.url)
    assert.equal(done.headers.get('location'), '/home')
    const [par] = f.op.requests.filter((r) => r.endpoint === 'par')
    assert.equal(par?.dpopJkt, dpop.thumbprint)
    const headers = new Headers({ cookie: jar.header() })
    const session = await auth.getSession(new Request(`${origin}/`, { headers }))
    assert.equal(session?.sub, 'alice')
    assert.equal(session?.accessToken?.type, 'DPoP')
  })
})
