/**
 * The single-page application (examples/spa/) in Debian's Chromium against oidc-provider: a
 * public client signing in with the code flow and PKCE, the callback handled in the page, tokens
 * kept by `createBrowserSession` (refresh with rotation, one refresh across two tabs, sign-out in
 * every tab), and the web-storage transaction store (reloads, a sign-in finished in another tab,
 * storage blocked or full).
 *
 * The page is bundled by esbuild (examples/spa/serve.ts, from `dist/`) into a temporary directory
 * before the suite, and served by the same script.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import type { Metafile } from 'esbuild'
import type { Browser, BrowserContext, Page, Request, Route } from 'playwright-core'
import { bundleSpa } from '../../examples/spa/serve.js'
import { type RunningOp, startOp } from '../interop/op-server.js'
import { type CaseBrowser, inContext, launchChromium, logInAtOp } from './recipes/browser.js'
import { freePort, type RunningRecipe, startRecipe } from './recipes/harness.js'

const CLIENT_ID = 'spa'
/** Each case's limit: a hang fails the case instead of stalling the suite. */
const CASE = { timeout: 40_000 }
/** The page's refresh leeway (createBrowserSession's default). */
const LEEWAY_IN_SECONDS = 60
/**
 * jose's lazily loaded chunks the sign-in path of a public client needs: none (the OP's keys are
 * imported with WebCrypto directly; a public client has no keys of its own).
 */
const LAZY_CHUNKS_NEEDED: readonly string[] = []

/**
 * The lifetime of the access tokens the OP issues from now on:
 * - `due`: 30 s plus the number issued since (30, 31…): within the page's 60 s leeway, so every
 *   "Call API" refreshes, and each refresh visibly moves the expiry;
 * - `soon`: the leeway plus 5 s: not due when issued, due 5 s later;
 * - `long`: 600 s.
 */
type Lifetime = 'due' | 'soon' | 'long'

let dir: string | undefined
let metafile: Metafile | undefined
let op: RunningOp | undefined
let app: RunningRecipe | undefined
let browser: Browser | undefined
let appUrl = ''
let tokenEndpoint = ''
let lifetime: Lifetime = 'long'
let issuedSinceSwitch = 0

/** What the OP saw of each refresh grant, in order, and every token it issued (for the "never shown" checks). */
const refreshes: { presented: string; issued: string }[] = []
let reuseDetections = 0
const issued: string[] = []

function setLifetime(next: Lifetime): void {
  lifetime = next
  issuedSinceSwitch = 0
}

function accessTokenTtl(): number {
  if (lifetime === 'due') return 30 + issuedSinceSwitch++
  return lifetime === 'soon' ? LEEWAY_IN_SECONDS + 5 : 600
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oidc-rp-spa-test-'))
  metafile = await bundleSpa(dir)
  const port = await freePort()
  appUrl = `http://127.0.0.1:${port}`
  op = await startOp({
    rotateRefreshTokens: true,
    accessTokenTtl,
    corsOrigins: [appUrl],
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${appUrl}/`, `${appUrl}/?store=local`],
        post_logout_redirect_uris: [`${appUrl}/`],
      },
    ],
  })
  tokenEndpoint = `${op.issuer}/token`
  op.provider.on('grant.success', (ctx) => {
    const { oidc, body } = ctx as unknown as OpContext
    for (const key of ['access_token', 'refresh_token', 'id_token'] as const) {
      const value = body?.[key]
      if (typeof value === 'string') issued.push(value)
    }
    if (oidc.params.grant_type === 'refresh_token') {
      refreshes.push({
        presented: String(oidc.params.refresh_token),
        issued: String(body?.refresh_token),
      })
    }
  })
  op.provider.on('grant.error', (_ctx, error) => {
    if ((error as { error_detail?: unknown }).error_detail === 'refresh token already used') {
      reuseDetections++
    }
  })
  app = await startRecipe(
    { command: ['node', '--import', 'tsx', 'examples/spa/serve.ts', dir] },
    {
      ISSUER: op.issuer,
      CLIENT_ID,
      CLIENT_SECRET: '',
      APP_URL: appUrl,
      PORT: String(port),
      SESSION_SECRET: '',
    },
  )
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await app?.stop()
  await op?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** The parts of oidc-provider's Koa context read here. */
interface OpContext {
  readonly oidc: { readonly params: Readonly<Record<string, unknown>> }
  readonly body?: Readonly<Record<string, unknown>>
}

/** Runs a case in a fresh browser context (a new end-user); the app's output on failure. */
function inBrowser(name: string, fn: (b: CaseBrowser) => Promise<void>): Promise<void> {
  assert.ok(browser, 'Chromium did not start')
  return inContext(browser, `spa-${name}`, fn, () => `the app printed:\n${app?.output() ?? ''}`)
}

/** Waits until the page finished what it was doing (loading, or the step a click started). */
async function idle(page: Page): Promise<void> {
  await page.waitForSelector('body[aria-busy="false"]', { state: 'attached' })
}

/** Opens the page (`path`, e.g. `/?store=local`) and waits until it is ready. */
async function open(page: Page, path = '/'): Promise<void> {
  await page.goto(appUrl + path)
  await idle(page)
}

/** Clicks a button of the page and waits for the step it starts. */
async function press(page: Page, id: 'login' | 'logout' | 'refresh'): Promise<void> {
  await page.click(`#${id}`)
  await idle(page)
}

/** What the page shows. */
async function shown(page: Page) {
  const text = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? ''
  return {
    user: await text('user'),
    name: await text('name'),
    expires: await text('expires'),
    error: (await page.locator('#error').isVisible()) ? await text('error') : '',
    signedIn: await page.locator('#signed-in').isVisible(),
    login: await page.locator('#login').isVisible(),
  }
}

/** Waits until the tab is back on the page from the OP and done with the callback. */
async function backAtPage(page: Page): Promise<void> {
  await page.waitForURL((url) => url.origin === appUrl && url.pathname === '/')
  await idle(page)
}

/** Signs alice in from the page at `path` and waits until the page is done with the callback. */
async function signIn(page: Page, path = '/'): Promise<void> {
  await open(page, path)
  await page.click('#login')
  await logInAtOp(page, op!.issuer, 'alice')
  await backAtPage(page)
}

/** The expiry the page shows, in seconds since the epoch. */
function seconds(expires: string): number {
  const ms = Date.parse(expires)
  assert.ok(Number.isFinite(ms), `the page shows no expiry (${JSON.stringify(expires)})`)
  return ms / 1000
}

/** Counts the refresh grants the context's pages send to the token endpoint (the browser's own network events). */
function countRefreshRequests(context: BrowserContext): { readonly count: number } {
  const counter = { count: 0 }
  context.on('request', (request: Request) => {
    if (request.method() !== 'POST' || request.url() !== tokenEndpoint) return
    if (new URLSearchParams(request.postData() ?? '').get('grant_type') === 'refresh_token') {
      counter.count++
    }
  })
  return counter
}

/** Asserts the page shows none of the tokens the OP issued, in its text or its address. */
async function assertNoTokenShown(page: Page): Promise<void> {
  const html = await page.content()
  const url = page.url()
  for (const secret of issued) {
    assert.ok(!html.includes(secret), 'the page shows a token')
    assert.ok(!url.includes(secret), 'the address bar holds a token')
  }
}

describe('single-page application (examples/spa) in Chromium against oidc-provider', () => {
  test(
    'signs in: to the OP and back, the callback handled in the page, the code gone from the address bar, sub and UserInfo name shown',
    CASE,
    async () => {
      setLifetime('long')
      await inBrowser('sign-in', async ({ page, navigations }) => {
        const problems: string[] = []
        page.on('pageerror', (error) => problems.push(error.message))
        page.on('console', (m) => {
          // the page's own (the OP's pages are not under test here)
          const where = m.location().url
          if (m.type() === 'error' && where.startsWith(appUrl))
            problems.push(`${where}: ${m.text()}`)
        })
        await signIn(page)
        const toOp = navigations.find(
          (n) => n.url.origin === op!.issuer && n.url.pathname === '/auth',
        )
        assert.ok(toOp, 'the page sent the browser to the authorization endpoint')
        assert.equal(toOp.url.searchParams.get('code_challenge_method'), 'S256')
        assert.equal(toOp.url.searchParams.get('redirect_uri'), `${appUrl}/`)
        const back = navigations.at(-1)!
        assert.equal(back.url.origin, appUrl)
        assert.ok(back.url.searchParams.has('code'), 'the OP sent the code back to the page')
        assert.equal(page.url(), `${appUrl}/`, 'nothing of the callback left in the address bar')
        const seen = await shown(page)
        assert.deepEqual(
          { user: seen.user, name: seen.name, error: seen.error, signedIn: seen.signedIn },
          { user: 'alice', name: 'Alice Liddell', error: '', signedIn: true },
        )
        assert.ok(seconds(seen.expires) > Date.now() / 1000, 'the access token expiry is shown')
        await assertNoTokenShown(page)
        assert.equal(await transactionsIn(page), 0, 'the sign-in was taken from the store')
        // under the page's Content-Security-Policy, with nothing refused or thrown
        const csp = (await page.request.get(`${appUrl}/`)).headers()['content-security-policy']
        assert.match(csp ?? '', /(^|; )script-src 'self'(;|$)/)
        assert.match(csp ?? '', new RegExp(`(^|; )connect-src 'self' ${op!.issuer}(;|$)`))
        assert.deepEqual(problems, [])
      })
    },
  )

  test(
    'the sign-in loads none of jose’s lazy chunks (the JS files it loaded are printed)',
    CASE,
    async (t) => {
      setLifetime('long')
      assert.ok(metafile && dir)
      const { initial, lazyJose } = chunksOf(metafile)
      await inBrowser('chunks', async ({ page }) => {
        const loaded = new Set<string>()
        page.on('request', (request) => {
          const url = new URL(request.url())
          if (url.origin === appUrl && url.pathname.endsWith('.js'))
            loaded.add(url.pathname.slice(1))
        })
        await signIn(page)
        assert.equal((await shown(page)).user, 'alice')
        const files = [...loaded].sort()
        const sizes = files.map((file) => {
          const bytes = readFileSync(join(dir!, file))
          return { file, bytes: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength }
        })
        const total = sizes.reduce((sum, s) => sum + s.gzip, 0)
        t.diagnostic(
          `JS loaded on sign-in: ${sizes.map((s) => `${s.file} (${s.bytes} B, ${s.gzip} B gzip -9)`).join(', ')}; total ${total} B gzip -9`,
        )
        t.diagnostic(
          `jose's lazy chunks in the bundle: ${[...lazyJose].sort().join(', ') || 'none'}`,
        )
        for (const file of initial) assert.ok(loaded.has(file), `the page loaded ${file}`)
        const unneeded = files.filter((f) => lazyJose.has(f) && !LAZY_CHUNKS_NEEDED.includes(f))
        assert.deepEqual(unneeded, [], 'lazy jose chunks the sign-in path does not need')
      })
    },
  )

  test(
    'refreshes a due access token with rotation: a new expiry each time, the rotated refresh token presented next',
    CASE,
    async () => {
      setLifetime('due')
      await inBrowser('refresh', async ({ page }) => {
        await signIn(page)
        const first = seconds((await shown(page)).expires)
        const before = refreshes.length
        await press(page, 'refresh')
        const second = await shown(page)
        assert.equal(second.error, '')
        assert.ok(seconds(second.expires) > first, 'the refreshed token expires later')
        assert.equal(second.name, 'Alice Liddell', 'UserInfo answered with the refreshed token')
        await press(page, 'refresh')
        const third = await shown(page)
        assert.equal(third.error, '')
        assert.ok(seconds(third.expires) > seconds(second.expires))
        const [one, two] = refreshes.slice(before)
        assert.equal(refreshes.length - before, 2, 'two refresh grants')
        assert.notEqual(one!.issued, one!.presented, 'the OP rotated the refresh token')
        assert.equal(two!.presented, one!.issued, 'the page presented the rotated refresh token')
        assert.equal(reuseDetections, 0)
        await assertNoTokenShown(page)
      })
    },
  )

  test(
    'two tabs refreshing at once: one refresh grant reaches the OP, both get the new token, a later refresh works',
    CASE,
    async () => {
      await inBrowser('two-tabs-refresh', async ({ context, page: a, newTab }) => {
        setLifetime('due')
        await signIn(a)
        const signedIn = seconds((await shown(a)).expires)
        const { page: b } = await newTab()
        await open(b)
        assert.equal(
          (await shown(b)).user,
          'alice',
          'the second tab got the session from the first',
        )

        setLifetime('soon')
        const requests = countRefreshRequests(context)
        const before = refreshes.length
        const reusedBefore = reuseDetections
        // the first refresh to reach the OP waits until the other tab is queued for the lock too
        let bothWaiting = false
        await context.route(
          (url) => url.href === tokenEndpoint,
          async (route: Route) => {
            if (route.request().method() === 'POST' && !bothWaiting) {
              bothWaiting = await lockQueued(a)
            }
            await route.continue()
          },
        )
        await Promise.all([press(a, 'refresh'), press(b, 'refresh')])
        await context.unroute((url) => url.href === tokenEndpoint)
        assert.ok(bothWaiting, 'one tab held the refresh lock while the other waited for it')
        const [inA, inB] = [await shown(a), await shown(b)]
        assert.deepEqual([inA.error, inB.error], ['', ''])
        assert.equal(inA.expires, inB.expires, 'both tabs use the one new token')
        assert.ok(seconds(inA.expires) > signedIn)
        assert.equal(requests.count, 1, 'one refresh grant left the browser')
        assert.equal(refreshes.length - before, 1, 'one refresh grant reached the OP')
        assert.equal(reuseDetections, reusedBefore, 'no refresh token presented twice')

        // later: due again, the second tab refreshes with the token the first one got
        const refreshed = seconds(inB.expires)
        await b.waitForFunction(
          ({ at, leeway }) => Date.now() / 1000 > at - leeway + 1,
          { at: refreshed, leeway: LEEWAY_IN_SECONDS },
          { timeout: 15_000 },
        )
        setLifetime('long')
        await press(b, 'refresh')
        const later = await shown(b)
        assert.equal(later.error, '')
        assert.ok(seconds(later.expires) > refreshed, 'the later refresh worked')
        assert.equal(requests.count, 2)
        const [first, second] = refreshes.slice(before)
        assert.equal(second!.presented, first!.issued, 'with the refresh token the other tab got')
        assert.equal(reuseDetections, reusedBefore)
      })
    },
  )

  test(
    'sign-out in one tab reaches the other without a reload, then ends the session at the OP',
    CASE,
    async () => {
      setLifetime('long')
      await inBrowser('sign-out', async ({ page: a, newTab }) => {
        await signIn(a)
        const { page: b, navigations: navigationsOfB } = await newTab()
        await open(b)
        assert.equal((await shown(b)).signedIn, true)
        const loadsOfB = navigationsOfB.length

        await a.click('#logout')
        await b.locator('#login').waitFor({ state: 'visible' })
        const inB = await shown(b)
        assert.deepEqual(
          { user: inB.user, signedIn: inB.signedIn, login: inB.login },
          { user: '', signedIn: false, login: true },
        )
        assert.equal(navigationsOfB.length, loadsOfB, 'the other tab was not reloaded')

        // the first tab went to the OP's end-session endpoint with the ID token as hint
        await a.waitForURL((url) => url.origin === op!.issuer)
        await a.getByRole('button', { name: 'Sign out' }).click()
        await backAtPage(a)
        assert.deepEqual((await shown(a)).login, true)
        // the OP's session is gone: signing in asks for the login again
        await a.click('#login')
        await a.waitForURL(
          (url) => url.origin === op!.issuer && url.pathname.startsWith('/interaction/'),
        )
      })
    },
  )

  test(
    'cancelled at the OP: the page shows AUTHORIZATION_ERROR_RESPONSE, the error gone from the address bar',
    CASE,
    async () => {
      await inBrowser('cancelled', async ({ page, navigations }) => {
        await open(page)
        await page.click('#login')
        await page.waitForURL(
          (url) => url.origin === op!.issuer && url.pathname.startsWith('/interaction/'),
        )
        await page.getByRole('button', { name: 'Cancel', exact: true }).click()
        await backAtPage(page)
        assert.equal(navigations.at(-1)?.url.searchParams.get('error'), 'access_denied')
        assert.equal(page.url(), `${appUrl}/`)
        const seen = await shown(page)
        assert.deepEqual([seen.error, seen.login], ['AUTHORIZATION_ERROR_RESPONSE', true])
      })
    },
  )

  test(
    'a reload mid-sign-in (back to the page, reloaded, forward to the OP, the OP page reloaded) still signs in',
    CASE,
    async () => {
      setLifetime('long')
      await inBrowser('reload-mid-sign-in', async ({ page }) => {
        await open(page)
        await page.click('#login')
        await page.waitForURL(
          (url) => url.origin === op!.issuer && url.pathname.startsWith('/interaction/'),
        )
        await page.goBack()
        await idle(page)
        await page.reload()
        await idle(page)
        assert.deepEqual([(await shown(page)).login, (await shown(page)).error], [true, ''])
        await page.goForward()
        await page.reload()
        await logInAtOp(page, op!.issuer, 'alice')
        await backAtPage(page)
        const seen = await shown(page)
        assert.deepEqual([seen.user, seen.error], ['alice', ''])
      })
    },
  )

  for (const store of ['local', 'session'] as const) {
    const title =
      store === 'local'
        ? "a sign-in started in one tab finishes in another with storage 'local' (and only once)"
        : "a sign-in started in one tab does not finish in another with the default 'session' store: CALLBACK_STATE_UNKNOWN"
    test(title, CASE, async () => {
      setLifetime('long')
      await inBrowser(`other-tab-${store}`, async ({ page: a, newTab }) => {
        const path = store === 'local' ? '/?store=local' : '/'
        // this tab comes back from the OP without the page's script: the callback is opened in another
        await open(a, path)
        await a.click('#login')
        await a.route(
          (url) => url.origin === appUrl && url.pathname === '/app.js',
          (route) => route.abort(),
        )
        await logInAtOp(a, op!.issuer, 'alice')
        await a.waitForURL((url) => url.origin === appUrl && url.searchParams.has('code'))
        const callback = a.url()

        const { page: b } = await newTab()
        await b.goto(callback)
        await idle(b)
        const inB = await shown(b)
        assert.ok(!new URL(b.url()).searchParams.has('code'), 'the code left the address bar')
        if (store === 'local') {
          assert.deepEqual([inB.user, inB.error], ['alice', ''])
          // the first tab cannot take the same sign-in again
          await a.unrouteAll()
          await a.goto(callback)
          await idle(a)
          assert.equal((await shown(a)).error, 'CALLBACK_STATE_UNKNOWN')
        } else {
          assert.deepEqual([inB.user, inB.error, inB.login], ['', 'CALLBACK_STATE_UNKNOWN', true])
        }
      })
    })
  }

  test(
    'storage blocked (sessionStorage throws SecurityError): Sign in shows STORE_UNAVAILABLE and stays',
    CASE,
    async () => {
      await inBrowser('storage-blocked', async ({ context, page, navigations }) => {
        await context.addInitScript(() => {
          Object.defineProperty(window, 'sessionStorage', {
            get() {
              throw new DOMException('Access is denied for this document.', 'SecurityError')
            },
          })
        })
        await open(page)
        await press(page, 'login')
        const seen = await shown(page)
        assert.deepEqual([seen.error, seen.login], ['STORE_UNAVAILABLE', true])
        assert.ok(!navigations.some((n) => n.url.origin === op!.issuer), 'the page stayed')
      })
    },
  )

  test(
    'storage full (sessionStorage filled to its quota): Sign in shows STORE_QUOTA_EXCEEDED and stays',
    CASE,
    async () => {
      await inBrowser('storage-full', async ({ page, navigations }) => {
        await open(page)
        await fillSessionStorage(page)
        await press(page, 'login')
        const seen = await shown(page)
        assert.deepEqual([seen.error, seen.login], ['STORE_QUOTA_EXCEEDED', true])
        assert.ok(!navigations.some((n) => n.url.origin === op!.issuer), 'the page stayed')
        assert.equal(await transactionsIn(page), 0, 'nothing half-written')
      })
    },
  )

  test(
    'storage full but for an expired sign-in (twin of storage full): the store removes it and the sign-in goes through',
    CASE,
    async () => {
      setLifetime('long')
      await inBrowser('storage-full-expired', async ({ page }) => {
        await open(page)
        await page.evaluate(() => {
          const expired = { transaction: { state: 'old' }, expiresAtMs: Date.now() - 1000 }
          const padding = 'x'.repeat(4096)
          sessionStorage.setItem('oidc-rp.transaction.old', JSON.stringify({ ...expired, padding }))
        })
        await fillSessionStorage(page)
        await page.click('#login')
        await logInAtOp(page, op!.issuer, 'alice')
        await backAtPage(page)
        const seen = await shown(page)
        assert.deepEqual([seen.user, seen.error], ['alice', ''])
      })
    },
  )

  test('storage working (twin of storage blocked): the same steps sign in', CASE, async () => {
    setLifetime('long')
    await inBrowser('storage-working', async ({ page }) => {
      await open(page)
      await page.click('#login')
      await logInAtOp(page, op!.issuer, 'alice')
      await backAtPage(page)
      const seen = await shown(page)
      assert.deepEqual([seen.user, seen.error], ['alice', ''])
    })
  })
})

/**
 * Whether the page's origin has one Web Lock held and another request waiting (checked for up
 * to 5 s).
 */
async function lockQueued(page: Page): Promise<boolean> {
  return page
    .waitForFunction(
      async () => {
        const { held = [], pending = [] } = await navigator.locks.query()
        return held.length === 1 && pending.length >= 1
      },
      undefined,
      { timeout: 5_000, polling: 20 },
    )
    .then(
      () => true,
      () => false,
    )
}

/** Fills the tab's sessionStorage until not one more character fits (the browser's real quota). */
async function fillSessionStorage(page: Page): Promise<void> {
  const filled = await page.evaluate(() => {
    let n = 0
    for (let size = 1 << 20; size >= 1; size = Math.floor(size / 2)) {
      const value = 'x'.repeat(size)
      for (;;) {
        try {
          sessionStorage.setItem(`filler-${n}`, value)
          n++
        } catch {
          break
        }
      }
    }
    return n
  })
  assert.ok(filled > 0)
}

/** How many transactions of the store the tab's sessionStorage holds. */
function transactionsIn(page: Page): Promise<number> {
  return page.evaluate(
    () => Object.keys(sessionStorage).filter((k) => k.startsWith('oidc-rp.transaction.')).length,
  )
}

/**
 * The bundle's files: those the page loads at once (the entry and its static imports), and jose's
 * lazy chunks (loaded by a dynamic `import()` only, holding jose's code).
 */
function chunksOf(meta: Metafile): { initial: Set<string>; lazyJose: Set<string> } {
  const outputs = Object.entries(meta.outputs)
  const entry = outputs.find(([, o]) => o.entryPoint === 'examples/spa/app.ts')
  assert.ok(entry, 'the bundle has the app as entry')
  const initial = new Set<string>()
  const visit = (path: string) => {
    const name = basename(path)
    if (initial.has(name)) return
    initial.add(name)
    for (const i of meta.outputs[path]?.imports ?? []) {
      if (i.kind === 'import-statement') visit(i.path)
    }
  }
  visit(entry[0])
  const lazyJose = new Set(
    outputs
      .filter(
        ([path, o]) =>
          !initial.has(basename(path)) &&
          Object.keys(o.inputs).some((i) => i.includes('node_modules/jose/')),
      )
      .map(([path]) => basename(path)),
  )
  return { initial, lazyJose }
}
