/**
 * `createWebAuth` over a connection registry: two mock OPs behind one application, one callback,
 * the login choosing the connection, and each session refreshed and logged out with its own.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { discover } from '../../src/discovery.js'
import { createConnectionRegistry } from '../../src/registry/index.js'
import { createMemorySessionStore } from '../../src/stores/memory.js'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import { createWebAuth, type WebAuth } from '../../src/web/index.js'
import { CookieJar } from '../support/cookie-jar.js'
import { registerSecret } from '../support/helpers.js'
import { APP, newSecret } from '../support/web.js'

const CALLBACK = `${APP}/auth/callback`
const SIGNED_OUT = `${APP}/auth/signed-out`
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REQUEST_BASE = `${APP}/auth/request/`
const SECRET = {
  a: 'web-registry-secret-a-0123456789-abcdefghijkl',
  b: 'web-registry-secret-b-0123456789-abcdefghijkl',
}
registerSecret(SECRET.a, SECRET.b)

interface App {
  readonly auth: WebAuth
  readonly ops: { readonly a: MockOP; readonly b: MockOP }
  readonly registry: ReturnType<typeof createConnectionRegistry>
  readonly clock: { now: number }
}

async function createApp(): Promise<App> {
  const clock = { now: Date.now() }
  let auth: WebAuth | undefined
  const rpFetch = async (input: RequestInfo | URL, init?: RequestInit) =>
    (await auth!.handle(new Request(input, init))) ?? new Response(null, { status: 404 })
  const op = (issuer: string, secret: string) =>
    createMockOP({
      issuer,
      clients: [
        {
          client_id: 'web-app',
          client_secret: secret,
          redirect_uris: [CALLBACK],
          post_logout_redirect_uris: [SIGNED_OUT],
          backchannel_logout_uri: `${APP}/auth/backchannel-logout`,
          backchannel_logout_session_required: true,
          frontchannel_logout_uri: `${APP}/auth/frontchannel-logout`,
          frontchannel_logout_session_required: true,
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      users: { alice: { email: 'alice@corp.example' } },
      webfinger: { resources: [`acct:alice@${new URL(issuer).host}`] },
      now: () => clock.now,
      rpFetch,
      accessTokenTtlInSeconds: 60,
    })
  const a = await op('https://op-a.example', SECRET.a)
  const b = await op('https://op-b.example', SECRET.b)
  const network: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    return (url.startsWith(a.issuer) ? a : b).fetch(input, init)
  }
  const client = {
    client_id: 'web-app',
    redirect_uris: [CALLBACK],
    post_logout_redirect_uris: [SIGNED_OUT],
  }
  const registry = createConnectionRegistry({
    credentials: { a: { client_secret: SECRET.a }, b: { client_secret: SECRET.b } },
    fetch: network,
    now: () => clock.now,
  })
  const options = { fetch: network, now: () => clock.now }
  const scopes = { policy: { scopes: ['openid', 'email'] } }
  await registry.add(
    'a',
    await discover(a.issuer, { ...client, client_secret: SECRET.a }, { ...options, ...scopes }),
    {
      label: 'Corp <SSO>',
      domains: ['corp.example'],
    },
  )
  await registry.add(
    'b',
    await discover(b.issuer, { ...client, client_secret: SECRET.b }, { ...options, ...scopes }),
    {
      label: 'Partner',
    },
  )
  auth = createWebAuth(registry, {
    secrets: [newSecret()],
    sessionStore: createMemorySessionStore(),
    redirectUri: CALLBACK,
    postLogoutRedirectUri: SIGNED_OUT,
    requestUriBase: REQUEST_BASE,
  })
  return { auth, ops: { a, b }, registry, clock }
}

/** A browser at the application: its cookies, and requests through `auth.handle`. */
function browserOf(app: App) {
  const jar = new CookieJar()
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (jar.header() !== '') headers.set('cookie', jar.header())
    return new Request(new URL(path, APP), { ...init, headers })
  }
  const send = async (path: string, init: RequestInit = {}) => {
    const response = (await app.auth.handle(request(path, init)))!
    for (const line of response.headers.getSetCookie()) jar.set(line)
    return response
  }
  const signIn = async (login: string, sid?: string) => {
    const redirect = await send(login)
    assert.equal(redirect.status, 302)
    const location = redirect.headers.get('location')!
    const op = location.startsWith(app.ops.a.issuer) ? app.ops.a : app.ops.b
    const answer = await op.authorize(location, { user: 'alice', ...(sid ? { sid } : {}) })
    registerSecret(answer.params.get('code') ?? undefined)
    return send(answer.url)
  }
  return { jar, request, send, signIn }
}

describe('createWebAuth with a connection registry', async () => {
  const app = await createApp()

  test('the login route lists the enabled connections when none is chosen, labels escaped', async () => {
    const page = await browserOf(app).send('/auth/login?returnTo=%2Fhome')
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /href="\/auth\/login\?connection=a&amp;returnTo=%2Fhome">Corp &lt;SSO&gt;</)
    assert.match(html, /href="\/auth\/login\?connection=b&amp;returnTo=%2Fhome">Partner</)
  })

  test('each connection signs in through the one callback; the session names its connection', async () => {
    for (const id of ['a', 'b'] as const) {
      const browser = browserOf(app)
      const done = await browser.signIn(`/auth/login?connection=${id}&returnTo=%2Fhome`)
      assert.equal(done.status, 303)
      assert.equal(done.headers.get('location'), '/home')
      const session = await app.auth.getSession(browser.request('/'))
      assert.equal(session?.connection, id)
      assert.equal(session?.issuer, app.ops[id].issuer)
    }
  })

  test('the e-mail domain chooses the connection', async () => {
    const browser = browserOf(app)
    const redirect = await browser.send('/auth/login?email=alice%40corp.example')
    assert.ok(redirect.headers.get('location')!.startsWith(app.ops.a.issuer))
  })

  test('WebFinger on what the user typed chooses the connection; a host without WebFinger goes to the error page', async () => {
    const browser = browserOf(app)
    const redirect = await browser.send('/auth/login?identifier=alice%40op-b.example')
    assert.ok(redirect.headers.get('location')!.startsWith(app.ops.b.issuer))
    const refused = await browser.send('/auth/login?identifier=alice%40nowhere.example')
    assert.equal(refused.headers.get('location'), '/auth/error?code=HTTP_UNEXPECTED_STATUS')
  })

  test('an unknown connection at login goes to the error page; a known one to its OP', async () => {
    const browser = browserOf(app)
    const refused = await browser.send('/auth/login?connection=nope')
    assert.equal(refused.headers.get('location'), '/auth/error?code=CONNECTION_UNAVAILABLE')
    const twin = await browser.send('/auth/login?connection=b')
    assert.ok(twin.headers.get('location')!.startsWith(app.ops.b.issuer))
  })

  test("a session's refresh goes to its own connection's OP", async () => {
    const browser = browserOf(app)
    await browser.signIn('/auth/login?connection=b')
    const before = await app.auth.getSession(browser.request('/'), { refresh: false })
    app.clock.now += 55_000
    const after = await app.auth.getSession(browser.request('/'))
    assert.equal(after?.connection, 'b')
    assert.notEqual(after?.accessToken?.value, before?.accessToken?.value)
    assert.ok(after!.accessToken!.expiresAt! > before!.accessToken!.expiresAt!)
  })

  test('a session whose connection was disabled is no session; enabled again, it is', async () => {
    const browser = browserOf(app)
    await browser.signIn('/auth/login?connection=a')
    await app.registry.update('a', { enabled: false })
    assert.equal(await app.auth.getSession(browser.request('/')), undefined)
    await app.registry.update('a', { enabled: true })
    assert.equal((await app.auth.getSession(browser.request('/')))?.connection, 'a')
  })

  test("logout goes to the session's OP and the return checks its state", async () => {
    const browser = browserOf(app)
    await browser.signIn('/auth/login?connection=b')
    const session = await app.auth.getSession(browser.request('/'))
    const out = await browser.send('/auth/logout', {
      method: 'POST',
      headers: FORM,
      body: `csrf=${session!.csrfToken}&returnTo=%2Fbye`,
    })
    const end = new URL(out.headers.get('location')!)
    assert.equal(end.origin, app.ops.b.issuer)
    const forged = await browserOf(app).send(
      `/auth/signed-out?state=${end.searchParams.get('state')}`,
    )
    assert.equal(forged.headers.get('location'), '/auth/error?code=LOGOUT_STATE_MISMATCH')
    const back = await browser.send(`/auth/signed-out?state=${end.searchParams.get('state')}`)
    assert.equal(back.headers.get('location'), '/bye')
  })

  test("back-channel logout from B ends B's session of that sid; A's stays", async () => {
    const atA = browserOf(app)
    const atB = browserOf(app)
    await atA.signIn('/auth/login?connection=a', 'shared-sid')
    await atB.signIn('/auth/login?connection=b', 'shared-sid')
    const delivery = await app.ops.b.backChannelLogout({ clientId: 'web-app', sid: 'shared-sid' })
    assert.equal(delivery.response?.status, 200)
    assert.equal(await app.auth.getSession(atB.request('/')), undefined)
    assert.equal((await app.auth.getSession(atA.request('/')))?.connection, 'a')
  })

  test('a back-channel logout token from an issuer the registry does not hold gets 400', async () => {
    const stranger = await createMockOP({
      issuer: 'https://stranger.example',
      clients: [
        {
          client_id: 'web-app',
          client_secret: SECRET.a,
          redirect_uris: [CALLBACK],
          backchannel_logout_uri: `${APP}/auth/backchannel-logout`,
          response_types: ['code'],
        },
      ],
      users: {},
      rpFetch: async (input, init) => (await app.auth.handle(new Request(input, init)))!,
    })
    const refused = await stranger.backChannelLogout({ clientId: 'web-app', user: 'alice' })
    assert.equal(refused.response?.status, 400)
    const twin = await app.ops.a.backChannelLogout({ clientId: 'web-app', user: 'alice' })
    assert.equal(twin.response?.status, 200)
  })

  test("front-channel logout from B (iss and sid) ends B's session; A's of the same sid stays", async () => {
    const atA = browserOf(app)
    const atB = browserOf(app)
    await atA.signIn('/auth/login?connection=a', 'fc-sid')
    await atB.signIn('/auth/login?connection=b', 'fc-sid')
    const delivery = await app.ops.b.frontChannelLogout({ clientId: 'web-app', sid: 'fc-sid' })
    assert.equal(delivery.response?.status, 200)
    assert.equal(await app.auth.getSession(atB.request('/')), undefined)
    assert.equal((await app.auth.getSession(atA.request('/')))?.connection, 'a')
  })

  test('a front-channel logout naming no issuer of the registry gets 400', async () => {
    const browser = browserOf(app)
    await browser.signIn('/auth/login?connection=a', 'fc-2')
    const refused = await browser.send(
      '/auth/frontchannel-logout?iss=https%3A%2F%2Fstranger.example&sid=fc-2',
    )
    assert.equal(refused.status, 400)
    assert.equal((await app.auth.getSession(browser.request('/')))?.connection, 'a')
  })

  test('a connection passing request objects by reference is served to its OP; a stranger id is 404', async () => {
    const policy = {
      scopes: ['openid', 'email'],
      transport: 'request-uri',
      requestUriBase: REQUEST_BASE,
      requestObject: { alg: 'HS256' },
    }
    await app.registry.update('b', { configuration: { policy } })
    try {
      const browser = browserOf(app)
      const done = await browser.signIn('/auth/login?connection=b')
      assert.equal(done.status, 303)
      const fetched = app.ops.b.requests.filter((r) => r.endpoint === 'authorization').at(-1)
      assert.ok(fetched?.requestUriFetched?.startsWith(REQUEST_BASE))
      const again = await app.auth.handle(new Request(fetched!.requestUriFetched!))
      assert.equal(again?.status, 404)
    } finally {
      await app.registry.update('b', { configuration: { policy: { scopes: ['openid', 'email'] } } })
    }
  })
})
