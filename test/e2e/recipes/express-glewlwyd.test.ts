/**
 * The Express recipe (examples/express/app.ts) in Chromium against a certified OP nobody here
 * wrote: Glewlwyd 2.7 (Debian's package). Sign-in, the protected page with Glewlwyd's claims, a
 * forged logout refused, and RP-initiated logout through Glewlwyd's end-session prompt.
 *
 * Glewlwyd's login web application is not served here; at its URL, Chromium makes the API calls
 * that application's script makes for a person (sign in with the password, grant the scopes,
 * continue, and at logout end the sessions), from a page on Glewlwyd's origin, with its cookies.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import {
  ALICE,
  type GlewlwydSuite,
  SECRET,
  startGlewlwydSuite,
} from '../../interop/glewlwyd/setup.js'
import { inContext, launchChromium, sessionCookies } from './browser.js'
import { freePort, newSessionSecret, type RunningRecipe, startRecipe } from './harness.js'

const CLIENT = 'express-recipe'
const RECIPE = { command: ['node', '--import', 'tsx', 'examples/express/app.ts'] }

let glewlwyd: GlewlwydSuite | undefined
let app: RunningRecipe | undefined
let browser: Browser | undefined

/** The running pieces. */
function rig() {
  assert.ok(glewlwyd && app && browser, 'the suite did not start')
  return { url: app.url, issuer: glewlwyd.issuer(), browser }
}

/**
 * Signs in from the recipe's login route and waits to be back on `returnTo`.
 *
 * Glewlwyd's login web application is not installed with the server here, so its page cannot load:
 * the browser's redirects up to it are made with the context's request API (same cookie store),
 * then, on a page of Glewlwyd's origin (its `/config`), Chromium makes the API calls that page's
 * script makes for a person, and goes on to the authorization as the script does.
 */
async function signIn(page: Page, returnTo = '/'): Promise<void> {
  const { url } = rig()
  const request = page.context().request
  const login = await request.get(`${url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, {
    maxRedirects: 0,
  })
  assert.equal(login.status(), 302, 'the login route sends the browser to Glewlwyd')
  const authorize = await request.get(login.headers().location!, { maxRedirects: 0 })
  const loginPage = new URL(authorize.headers().location!)
  assert.ok(loginPage.pathname.endsWith('/login.html'), 'Glewlwyd asks for its login page')
  await page.goto(new URL('/config', loginPage).href)
  const params = loginPage.searchParams
  const failed = await page.evaluate(
    async ({ user, password, clientId, scope }) => {
      const json = { 'content-type': 'application/json' }
      const auth = await fetch('/api/auth/', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: user, password }),
      })
      if (auth.status !== 200) return `auth ${auth.status}`
      const grant = await fetch(`/api/auth/grant/${encodeURIComponent(clientId)}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ scope }),
      })
      return grant.status === 200 ? undefined : `grant ${grant.status}`
    },
    {
      user: ALICE.username,
      password: ALICE.password,
      clientId: params.get('client_id')!,
      scope: params.get('scope') ?? 'openid',
    },
  )
  assert.equal(failed, undefined, 'Glewlwyd accepted the password and the grant')
  const back = new URL(params.get('callback_url')!)
  back.search += `${back.search === '' ? '?' : '&'}g_continue`
  await page.goto(back.href)
  await page.waitForURL((at) => at.origin === url && at.pathname === returnTo)
}

describe('recipe express: Chromium against Glewlwyd', { timeout: 180_000 }, () => {
  before(async () => {
    const port = await freePort()
    const appUrl = `http://127.0.0.1:${port}`
    glewlwyd = await startGlewlwydSuite([
      {
        client_id: CLIENT,
        confidential: true,
        client_secret: SECRET,
        redirect_uri: [`${appUrl}/auth/callback`],
        authorization_type: ['code', 'refresh_token'],
        token_endpoint_auth_method: ['client_secret_basic'],
        post_logout_redirect_uris: [`${appUrl}/auth/signed-out`],
        backchannel_logout_uri: `${appUrl}/auth/backchannel-logout`,
        backchannel_logout_session_required: '1',
      },
    ])
    app = await startRecipe(RECIPE, {
      ISSUER: glewlwyd.issuer(),
      CLIENT_ID: CLIENT,
      CLIENT_SECRET: SECRET,
      APP_URL: appUrl,
      PORT: String(port),
      SESSION_SECRET: newSessionSecret(),
    })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close().catch(() => undefined)
    await app?.stop()
    await glewlwyd?.server.close()
  })

  test('sign in, then the protected page with the claims Glewlwyd released', async () => {
    await inContext(rig().browser, 'glewlwyd-sign-in', async ({ page }) => {
      await signIn(page, '/protected')
      const json = JSON.parse((await page.locator('body').textContent()) ?? '{}')
      assert.match(json.sub, /^\S+$/)
      assert.equal(json.name, ALICE.name)
      assert.equal(typeof json.accessTokenExpiresAt, 'number')
      await page.goto(`${rig().url}/`)
      assert.equal(await page.locator('#name').textContent(), ALICE.name)
      assert.equal(new URL(page.url()).search, '', 'no code or state left in the address bar')
    })
  })

  test('a forged logout POST is refused (403) and the session stays; the real form signs out at Glewlwyd too', async () => {
    await inContext(rig().browser, 'glewlwyd-logout', async ({ context, page }) => {
      const { url } = rig()
      await signIn(page)
      const forged = await page.evaluate(
        (action) =>
          fetch(action, { method: 'POST', body: new URLSearchParams({ csrf: 'forged' }) }).then(
            (r) => r.status,
          ),
        `${url}/auth/logout`,
      )
      assert.equal(forged, 403)
      await page.goto(`${url}/`)
      assert.ok(await page.locator('#user').count(), 'still signed in after the forged POST')
      // the form's POST, then Glewlwyd's end-session prompt: what its "sign out" button does
      const endSession = page.waitForResponse((r) => r.url().includes('/login.html'))
      await page.getByRole('button', { name: 'Sign out' }).click()
      const promptUrl = (await endSession).url()
      const prompt = new URL(promptUrl).searchParams
      assert.equal(prompt.get('prompt'), 'end_session')
      // the prompt's page is not installed (see signIn): let its failed load settle, then go on
      await page.waitForURL((at) => !at.href.startsWith(url), { waitUntil: 'commit' })
      await page.goto(new URL('/config', promptUrl).href)
      const ended = await page.evaluate(
        async ({ plugin, sid }) => {
          const a = await fetch(`/api/${plugin}/session/${encodeURIComponent(sid)}`, {
            method: 'DELETE',
          })
          const b = await fetch('/api/auth/', { method: 'DELETE' })
          return [a.status, b.status]
        },
        { plugin: prompt.get('plugin')!, sid: prompt.get('sid')! },
      )
      assert.deepEqual(ended, [200, 200])
      await page.goto(prompt.get('callback_url')!)
      await page.waitForURL((at) => at.origin === url && at.pathname === '/')
      assert.equal(await page.locator('#user').count(), 0, 'signed out at the RP')
      assert.deepEqual(await sessionCookies(context, url), [], 'the session cookie is gone')
    })
  })
})
