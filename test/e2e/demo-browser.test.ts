/**
 * The demo in a real browser: Debian's Chromium, driven by playwright-core, clicks through the demo
 * RP and the demo OP's login page (both on 127.0.0.1, in this process) and reads what the RP shows.
 * On a failure the page is saved to `test-results/e2e-<test name>.png`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { type RunningDemo, startDemo } from '../../examples/demo-server.js'
import { inContext, launchChromium, type Navigation, navigationsTo } from './recipes/browser.js'

const SILVER = 'urn:mace:incommon:iap:silver'
const BRONZE = 'urn:mace:incommon:iap:bronze'

let demo: RunningDemo | undefined
let browser: Browser | undefined

/** The demo's URLs once it runs. */
function urls() {
  assert.ok(demo, 'the demo did not start')
  return { rp: demo.rpUrl, op: demo.op.issuer }
}

/**
 * Runs `fn` in a fresh browser context (no cookies: a new end-user), recording the navigations;
 * on failure saves a screenshot; always closes the context.
 */
async function inBrowser(
  name: string,
  fn: (page: Page, navigations: Navigation[]) => Promise<void>,
): Promise<void> {
  assert.ok(browser, 'Chromium did not start')
  await inContext(browser, name, ({ page, navigations }) => fn(page, navigations))
}

/** At the OP's login page: picks the user and the authentication context, submits. */
async function logInAtOp(page: Page, user: string, acr: string): Promise<void> {
  const { op } = urls()
  await page.waitForURL((url) => url.origin === op && url.pathname.startsWith('/interaction/'))
  assert.equal(await page.title(), 'Sign in to the demo OP')
  await page.locator('select[name=user]').selectOption(user)
  await page.locator('select[name=acr]').selectOption(acr)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** Waits until the browser is back on the RP's home page (or any RP page, with `path`). */
async function backAtRp(page: Page, path = '/'): Promise<void> {
  const { rp } = urls()
  await page.waitForURL((url) => url.origin === rp && url.pathname === path)
  await page.waitForLoadState('load')
}

/** The text of the page (what it shows, markup removed). */
async function pageText(page: Page): Promise<string> {
  return (await page.locator('body').textContent()) ?? ''
}

/** The name/value table shown under a heading of the RP's home page, as text. */
async function shownTable(page: Page, heading: string): Promise<Record<string, string>> {
  const rows = page
    .locator('h2', { hasText: heading })
    .locator('xpath=following-sibling::*[1][self::table]/tbody/tr')
  const out: Record<string, string> = {}
  for (const row of await rows.all()) {
    const [name = '', value = ''] = await row.locator('td').allTextContents()
    out[name] = value
  }
  return out
}

/** The RP's session as its JSON endpoint returns it, in this browser (its cookies). */
async function sessionJson(page: Page): Promise<unknown> {
  const response = await page.request.get(`${urls().rp}/session.json`)
  assert.equal(response.status(), 200)
  return response.json()
}

/** What a signed-in alice shows: claims, UserInfo, attributes, for the client `clientId`. */
async function assertAliceShown(page: Page, flow: string, clientId: string): Promise<void> {
  const { op } = urls()
  await assert.doesNotReject(
    page.getByText('Signed in as Alice Liddell').waitFor(),
    'the home page shows the signed-in user',
  )
  assert.equal(await page.locator('p code').first().textContent(), flow)
  const claims = await shownTable(page, 'Validated ID token claims')
  assert.equal(claims.iss, op)
  assert.equal(claims.aud, clientId)
  assert.equal(claims.sub, 'alice')
  assert.equal(claims.acr, SILVER, 'the locked acr_values were satisfied')
  assert.match(claims.nonce ?? '', /^[\w-]{22,}$/)
  // times as a person reads them
  assert.match(claims.exp ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d+ (s|min)\)$/)
  const userinfo = await shownTable(page, 'UserInfo claims')
  assert.equal(userinfo.sub, 'alice')
  assert.equal(userinfo.name, 'Alice Liddell')
  assert.equal(userinfo.email, 'alice@example.test')
  assert.deepEqual(await shownTable(page, 'Attributes (mapped from the claims)'), {
    displayName: 'Alice Liddell',
    mail: 'alice@example.test',
    mailVerified: 'true',
    department: 'Engineering',
  })
  assert.match(await pageText(page), /Missing attributes: phone/)
}

/**
 * What a refusal shows: the error page with the code alone in its address, no claims, and
 * afterwards no session at the RP.
 */
async function assertRefused(page: Page, code: string): Promise<void> {
  const address = new URL(page.url())
  assert.equal(address.pathname, '/error')
  assert.deepEqual([...address.searchParams], [['code', code]], 'no code or state in the address')
  assert.equal(await page.title(), 'Refused')
  assert.equal(await page.locator('code').first().textContent(), code)
  const text = await pageText(page)
  assert.doesNotMatch(text, /Validated ID token claims|Signed in as|Alice Liddell/)
  assert.equal(await sessionJson(page), null, 'a refused sign-in leaves no RP session')
}

describe('demo in Chromium', { timeout: 60_000 }, () => {
  before(async () => {
    demo = await startDemo()
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close().catch(() => undefined)
    await demo?.close()
  })

  test('code flow: sign in at the OP with the locked acr, the claims and attributes shown', async () => {
    await inBrowser('code-flow', async (page, navigations) => {
      const { rp, op } = urls()
      await page.goto(`${rp}/`)
      assert.match(await pageText(page), /Not signed in\./)
      await page.getByRole('link', { name: 'Sign in', exact: true }).click()
      await logInAtOp(page, 'alice', SILVER)
      await backAtRp(page)
      await assertAliceShown(page, 'code', 'demo-rp')

      // the authorization request carried the administrator's locked parameters and PKCE
      const [auth] = navigationsTo(navigations, op, '/auth')
      assert.ok(auth, 'the browser went to the OP authorization endpoint')
      assert.equal(auth.url.searchParams.get('response_type'), 'code')
      assert.equal(auth.url.searchParams.get('acr_values'), SILVER)
      assert.equal(auth.url.searchParams.get('prompt'), 'login')
      assert.equal(auth.url.searchParams.get('code_challenge_method'), 'S256')
      // the OP redirected back with the code and its issuer (RFC 9207); the RP answered 303
      const callbacks = navigationsTo(navigations, rp, '/auth/code/callback')
      assert.equal(callbacks.length, 1)
      assert.equal(callbacks[0]!.method, 'GET')
      assert.equal(callbacks[0]!.status, 303)
      assert.ok(callbacks[0]!.url.searchParams.has('code'))
      assert.equal(callbacks[0]!.url.searchParams.get('iss'), op)
      const session = (await sessionJson(page)) as { flow: string } | null
      assert.equal(session?.flow, 'code')
    })
  })

  test('implicit form_post: the OP page posts the response to the RP, the claims shown', async () => {
    await inBrowser('implicit-form-post', async (page, navigations) => {
      const { rp, op } = urls()
      await page.goto(`${rp}/`)
      await page.getByRole('link', { name: 'Sign in (implicit, form_post)' }).click()
      await logInAtOp(page, 'alice', SILVER)
      await backAtRp(page)
      await assertAliceShown(page, 'implicit', 'demo-implicit')

      const [auth] = navigationsTo(navigations, op, '/auth')
      assert.equal(auth?.url.searchParams.get('response_type'), 'id_token token')
      assert.equal(auth?.url.searchParams.get('response_mode'), 'form_post')
      // the OP's auto-submitting form POSTed the response (not in any URL) to the callback
      const callbacks = navigationsTo(navigations, rp, '/auth/implicit/callback')
      assert.equal(callbacks.length, 1)
      assert.equal(callbacks[0]!.method, 'POST')
      assert.equal(callbacks[0]!.status, 303)
      assert.equal(callbacks[0]!.url.search, '')
      const posted = new URLSearchParams(callbacks[0]!.request.postData() ?? '')
      assert.deepEqual([...posted.keys()].sort(), [
        'access_token',
        'expires_in',
        'id_token',
        'scope',
        'state',
        'token_type',
      ])
      // the page shows the access token's metadata only, never a token
      const html = await page.content()
      assert.ok(!html.includes(posted.get('id_token')!), 'the ID token is not on the page')
      assert.ok(!html.includes(posted.get('access_token')!), 'the access token is not on the page')
      assert.match(await pageText(page), /Refresh token: none/)
    })
  })

  test('locked acr_values: an application override is refused before the OP (POLICY_PARAMETER_PROTECTED)', async () => {
    await inBrowser('acr-override-refused', async (page, navigations) => {
      const { rp, op } = urls()
      await page.goto(`${rp}/`)
      await page.getByRole('link', { name: 'asking for another acr' }).click()
      await backAtRp(page, '/error')
      const [start] = navigationsTo(navigations, rp, '/auth/code/login')
      assert.equal(start?.url.searchParams.get('acr_values'), BRONZE)
      assert.equal(start?.status, 303, 'the refusal redirects to the error page')
      await assertRefused(page, 'POLICY_PARAMETER_PROTECTED')
      assert.ok(
        navigations.every((n) => n.url.origin !== op),
        'the browser never went to the OP',
      )
    })
  })

  test('locked acr_values: an OP that authenticated with another acr is refused (ID_TOKEN_ACR_NOT_SATISFIED)', async () => {
    await inBrowser('acr-not-satisfied', async (page, navigations) => {
      const { rp } = urls()
      await page.goto(`${rp}/`)
      await page.getByRole('link', { name: 'Sign in', exact: true }).click()
      await logInAtOp(page, 'alice', BRONZE) // the twin of the code flow test, which picks silver
      await backAtRp(page, '/error')
      const callbacks = navigationsTo(navigations, rp, '/auth/code/callback')
      assert.equal(callbacks.length, 1)
      assert.equal(callbacks[0]!.status, 303, 'the refusal redirects to the error page')
      await assertRefused(page, 'ID_TOKEN_ACR_NOT_SATISFIED')
      await page.goto(`${rp}/`)
      assert.match(await pageText(page), /Not signed in\./)
    })
  })

  test('signed request object: sign in, then sign out at the RP and at the OP', async () => {
    await inBrowser('request-object-and-sign-out', async (page, navigations) => {
      const { rp, op } = urls()
      await page.goto(`${rp}/`)
      await page.getByRole('link', { name: 'Sign in with a signed request object' }).click()
      await logInAtOp(page, 'alice', SILVER)
      await backAtRp(page)
      await assertAliceShown(page, 'jar', 'demo-jar')
      const [auth] = navigationsTo(navigations, op, '/auth')
      assert.ok(auth?.url.searchParams.has('request'), 'the request parameters travel in a JWT')
      assert.equal(auth?.url.searchParams.get('acr_values'), null)

      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL((url) => url.origin === op && url.pathname.startsWith('/session/end'))
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL((url) => url.origin === rp && url.search === '?signed-out')
      assert.match(await pageText(page), /Signed out, here and at the OP\./)
      assert.equal(await sessionJson(page), null)
      const [signedOut] = navigationsTo(navigations, rp, '/auth/jar/signed-out')
      assert.equal(signedOut?.status, 303, 'the post-logout redirect (and its state) was accepted')
    })
  })

  test('metadata reload: the signed-in session survives the reloaded connections', async () => {
    await inBrowser('reload-keeps-session', async (page) => {
      const { rp } = urls()
      await page.goto(`${rp}/`)
      await page.getByRole('link', { name: 'Sign in', exact: true }).click()
      await logInAtOp(page, 'alice', SILVER)
      await backAtRp(page)
      await page.goto(`${rp}/admin`)
      await page.getByRole('button', { name: 'Reload metadata' }).click()
      await backAtRp(page, '/admin/reload')
      assert.match(await pageText(page), /Reload: /, 'the reload ran')
      await page.goto(`${rp}/`)
      await assertAliceShown(page, 'code', 'demo-rp')
    })
  })
})
