/**
 * The end-to-end cases of issue 15, the same for every framework recipe: the recipe runs as a child
 * process, Debian's Chromium drives it against oidc-provider, each case in a fresh browser context.
 *
 * A recipe's test file is one call:
 * ```ts
 * import { describeRecipe } from './cases.js'
 * describeRecipe('express', { command: ['node', '--import', 'tsx', 'examples/express/app.ts'] })
 * ```
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import {
  answersHeldUntilAllSent,
  type CaseBrowser,
  fetchFromPage,
  flipOneCharacter,
  inContext,
  landedAt,
  launchChromium,
  logInAtOp,
  navigationsTo,
  type PageFetch,
  SESSION_COOKIE,
  sessionCookies,
  setCookies,
} from './browser.js'
import { type EvilSite, startEvilSite } from './evil-site.js'
import {
  CLIENT_SECRET,
  freePort,
  LARGE_NAME,
  newSessionSecret,
  type RecipeEnv,
  type RecipeLaunch,
  type RecipeOp,
  type RunningRecipe,
  startRecipe,
  startRecipeOp,
} from './harness.js'

export type { RecipeEnv, RecipeLaunch } from './harness.js'

/** What `GET /protected` answers with a session (WEB-SPEC.md). */
interface ProtectedJson {
  readonly sub: string
  readonly name?: string
  readonly accessTokenExpiresAt?: number
}

/** The open `returnTo` values a recipe must refuse (absolute, scheme-relative, backslash). */
const OPEN_RETURN_TO = ['https://evil.example/', '//evil.example/', '/\\evil.example/']

/** The recipe's environment for one instance. */
function recipeEnv(issuer: string, clientId: string, port: number): RecipeEnv {
  return {
    ISSUER: issuer,
    CLIENT_ID: clientId,
    CLIENT_SECRET,
    APP_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    SESSION_SECRET: newSessionSecret(),
  }
}

/**
 * Registers the end-to-end suite of one recipe (node:test): starts the OP, the recipe (and, for the
 * foreign-cookie case, a second instance of it with another `SESSION_SECRET`), an evil site and
 * Chromium; runs every case of issue 15 in a fresh browser context; stops everything.
 * @param name - the recipe's name (suite title, client ids, screenshot names)
 * @param launch - how to start it; see {@link RecipeLaunch}
 */
export function describeRecipe(name: string, launch: RecipeLaunch): void {
  let op: RecipeOp | undefined
  let app: RunningRecipe | undefined
  let foreignEnv: RecipeEnv | undefined
  let evil: EvilSite | undefined
  let browser: Browser | undefined

  /** The running pieces (the `before` hook started them). */
  const rig = () => {
    assert.ok(op && app && foreignEnv && evil && browser, 'the suite did not start')
    return { op, app, url: app.url, issuer: op.issuer, foreignEnv, evil, browser }
  }
  /** What the recipe printed last, for a failure's message. */
  const recipeOutput = () =>
    app === undefined ? '' : `--- the recipe printed (last 4 KB) ---\n${app.output().slice(-4096)}`
  /** Runs a case in a fresh context. */
  const run = (title: string, fn: (b: CaseBrowser) => Promise<void>) =>
    inContext(rig().browser, `recipe-${name}-${title}`, fn, recipeOutput)

  /** Signs in from `/auth/login?returnTo=…` as `user`, and waits to be back at `returnTo`. */
  async function signIn(page: Page, user = 'alice', returnTo = '/', url = rig().url) {
    await page.goto(`${url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`)
    await logInAtOp(page, rig().issuer, user)
    await landedAt(page, url, returnTo)
  }

  /** Asserts `/` shows `sub` signed in (or, with undefined, the sign-in link and no user). */
  async function assertHome(page: Page, sub: string | undefined, url = rig().url) {
    await page.goto(`${url}/`)
    if (sub === undefined) {
      assert.equal(await page.locator('#user').count(), 0, '`/` shows no user')
      assert.equal(await page.locator('a#login').getAttribute('href'), '/auth/login?returnTo=/')
    } else {
      assert.equal(await page.locator('#user').textContent(), sub, '`/` shows the signed-in user')
      assert.equal(await page.locator('a#login').count(), 0, '`/` shows no sign-in link')
    }
  }

  /** `GET /protected` from the page (same origin, its cookies), redirects not followed. */
  async function fetchProtected(page: Page): Promise<PageFetch<ProtectedJson>> {
    const [fetched] = await fetchFromPage<ProtectedJson>(page, ['/protected'])
    return fetched!
  }

  /** Waits for the next document response of `pathname` at the recipe, while `action` runs. */
  async function documentJson(page: Page, pathname: string, action: () => Promise<void>) {
    const response = page.waitForResponse(
      (r) =>
        r.request().isNavigationRequest() &&
        new URL(r.url()).pathname === pathname &&
        (r.status() < 300 || r.status() >= 400), // the document, not a redirect on the way
    )
    await action()
    const landed = await response
    assert.equal(landed.status(), 200, `${pathname} answers 200`)
    return (await landed.json()) as ProtectedJson
  }

  describe(`recipe ${name}: Chromium against oidc-provider`, {
    timeout: launch.suiteTimeoutInMs ?? 120_000,
  }, () => {
    before(async () => {
      await launch.prepare?.()
      const port = await freePort()
      let foreignPort = await freePort()
      while (foreignPort === port) foreignPort = await freePort()
      const clients = [
        { clientId: `${name}-app`, appUrl: `http://127.0.0.1:${port}` },
        { clientId: `${name}-foreign`, appUrl: `http://127.0.0.1:${foreignPort}` },
      ]
      op = await startRecipeOp(clients)
      foreignEnv = recipeEnv(op.issuer, `${name}-foreign`, foreignPort)
      app = await startRecipe(launch, recipeEnv(op.issuer, `${name}-app`, port))
      evil = await startEvilSite()
      browser = await launchChromium()
    })

    after(async () => {
      await browser?.close().catch(() => undefined)
      await app?.stop()
      await evil?.close()
      await op?.close()
    })

    test('sign in: back on `/` with #user = sub, no code or state left in the URL, one session cookie', async () => {
      await run('sign-in', async ({ context, page, navigations }) => {
        const { url } = rig()
        await assertHome(page, undefined)
        await page.locator('a#login').click()
        await logInAtOp(page, rig().issuer, 'alice')
        await landedAt(page, url, '/')
        const landed = new URL(page.url())
        assert.equal(landed.search, '', 'no query (code, state) left in the address bar')
        assert.equal(landed.hash, '', 'no fragment left in the address bar')
        assert.equal(await page.locator('#user').textContent(), 'alice')
        assert.equal(await page.locator('#name').textContent(), 'Alice Liddell')
        const [callback] = navigationsTo(navigations, url, '/auth/callback')
        assert.ok(callback?.url.searchParams.has('code'), 'the OP sent the code to the callback')
        assert.equal(callback?.status, 303, 'the callback redirects to a clean URL')
        const cookies = await sessionCookies(context, url)
        assert.deepEqual(
          cookies.map((c) => c.name),
          ['oidc-rp.session'],
          'a small session is one cookie, not split (the twin of the large session case)',
        )
        assert.equal(cookies[0]!.httpOnly, true)
        assert.equal(cookies[0]!.sameSite, 'Lax')
        assert.equal(cookies[0]!.path, '/')
        const leftover = (await context.cookies(url)).filter(
          (c) => c.name.includes('oidc-rp') && !SESSION_COOKIE.test(c.name),
        )
        assert.deepEqual(
          leftover.map((c) => c.name),
          [],
          'the sign-in binding cookie was cleared',
        )
      })
    })

    test('two tabs sign in at once: both reach the OP before either finishes, both end signed in where they asked', async () => {
      await run('two-tabs', async ({ page, newTab }) => {
        const { url, issuer } = rig()
        const second = await newTab()
        await page.goto(`${url}/auth/login?returnTo=%2F`)
        await second.page.goto(`${url}/auth/login?returnTo=%2Fprotected`)
        for (const tab of [page, second.page]) {
          const at = new URL(tab.url())
          assert.equal(at.origin, issuer)
          assert.match(at.pathname, /^\/interaction\//, 'each tab waits at the OP login page')
        }
        await logInAtOp(page, issuer, 'alice')
        await landedAt(page, url, '/')
        assert.equal(await page.locator('#user').textContent(), 'alice')
        const json = await documentJson(second.page, '/protected', () =>
          logInAtOp(second.page, issuer, 'alice'),
        )
        await landedAt(second.page, url, '/protected')
        assert.equal(json.sub, 'alice', 'the second tab finished its own sign-in')
        await assertHome(page, 'alice')
      })
    })

    test('protected page: without a session it goes through the login and comes back with the JSON', async () => {
      await run('protected', async ({ page, navigations }) => {
        const { url, issuer } = rig()
        const json = await documentJson(page, '/protected', async () => {
          await page.goto(`${url}/protected`)
          await logInAtOp(page, issuer, 'alice')
        })
        await landedAt(page, url, '/protected')
        assert.equal(json.sub, 'alice')
        assert.equal(json.name, 'Alice Liddell')
        assert.equal(typeof json.accessTokenExpiresAt, 'number')
        const [first] = navigationsTo(navigations, url, '/protected')
        assert.equal(first?.status, 302, 'the first visit, signed out, redirects')
        const [login] = navigationsTo(navigations, url, '/auth/login')
        assert.equal(login?.url.searchParams.get('returnTo'), '/protected')
        const again = await fetchProtected(page)
        assert.equal(again.status, 200, 'signed in, /protected answers at once')
        assert.equal(again.body?.sub, 'alice')
      })
    })

    test('open returnTo refused: the browser never leaves for another site', async () => {
      for (const returnTo of OPEN_RETURN_TO) {
        await run(`open-return-to-${returnTo}`, async ({ context, page }) => {
          const { url, issuer } = rig()
          let offSite = 0
          await context.route(/^https?:\/\/evil\.example\//, (route) => {
            offSite++
            return route.fulfill({ status: 200, contentType: 'text/html', body: 'evil' })
          })
          await page.goto(`${url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`)
          if (new URL(page.url()).origin === issuer) {
            await logInAtOp(page, issuer, 'alice')
            await page.waitForURL((u) => u.origin !== issuer)
            await page.waitForLoadState('load')
          }
          assert.equal(new URL(page.url()).origin, url, `returnTo=${returnTo} keeps the user here`)
          assert.equal(offSite, 0, `returnTo=${returnTo} never sent the browser to evil.example`)
        })
      }
    })

    test('returnTo=/protected (the twin of the open returnTo): lands there after sign-in', async () => {
      await run('return-to-path', async ({ page }) => {
        const json = await documentJson(page, '/protected', () =>
          signIn(page, 'alice', '/protected'),
        )
        assert.equal(json.sub, 'alice')
      })
    })

    test('refresh with short-lived access tokens and rotation, two concurrent requests refreshing once', async () => {
      const { counters } = rig().op
      rig().op.shortAccessTokens(true)
      try {
        await run('refresh', async ({ page }) => {
          await signIn(page)
          const start = counters.refreshGrants
          const first = await fetchProtected(page)
          assert.equal(first.status, 200)
          assert.equal(counters.refreshGrants, start + 1, 'one refresh grant for the first request')
          const second = await fetchProtected(page)
          assert.equal(second.status, 200)
          assert.equal(
            counters.refreshGrants,
            start + 2,
            'one refresh grant for the second request',
          )
          assert.ok(
            second.body!.accessTokenExpiresAt! > first.body!.accessTokenExpiresAt!,
            'the refreshed access token expires later',
          )

          // the pair's answers wait until both requests are on the wire, so the second carries
          // the cookie the first one's refresh replaces, however loaded the machine is
          const beforePair = { ...counters }
          const { sent } = await answersHeldUntilAllSent(page, '/protected', 2)
          const pair = await fetchFromPage<ProtectedJson>(page, ['/protected', '/protected'])
          const pairCookies = await sent
          assert.match(pairCookies[0] ?? '', /oidc-rp\.session/, 'the first request had a session')
          assert.equal(
            pairCookies[1],
            pairCookies[0],
            `both requests carried the same session (sent: ${pairCookies.join(' | ')})`,
          )
          for (const [i, fetched] of pair.entries()) {
            assert.equal(fetched.status, 200, `concurrent request ${i + 1} answered with a session`)
            assert.equal(fetched.body?.sub, 'alice')
          }
          assert.equal(
            counters.refreshGrants,
            beforePair.refreshGrants + 1,
            'one refresh grant for the pair',
          )
          assert.equal(
            counters.reuseDetections,
            beforePair.reuseDetections,
            'no refresh token reused',
          )
          assert.equal(counters.refreshFailures, beforePair.refreshFailures, 'no refresh refused')
          assert.equal(
            pair[0]?.body?.accessTokenExpiresAt,
            pair[1]?.body?.accessTokenExpiresAt,
            'both requests use the one refreshed access token',
          )

          const further = await fetchProtected(page)
          assert.equal(further.status, 200, 'the session goes on after the concurrent refresh')
          assert.equal(counters.refreshGrants, beforePair.refreshGrants + 2)
          assert.equal(counters.reuseDetections, 0, 'no refresh token was ever reused')
        })
      } finally {
        rig().op.shortAccessTokens(false)
      }
    })

    test('back-channel logout: the OP session ended at the OP alone ends the session on the next request', async () => {
      await run('back-channel-logout', async ({ page }) => {
        const { op, issuer } = rig()
        await signIn(page)
        await assertHome(page, 'alice') // the twin: signed in before the OP's logout
        const before = { ...op.counters }
        const discovery = await fetch(`${issuer}/.well-known/openid-configuration`)
        const endSession = ((await discovery.json()) as { end_session_endpoint: string })
          .end_session_endpoint
        await page.goto(endSession)
        await page.getByRole('button', { name: 'Sign out' }).click()
        await page.getByText('Signed out of the demo OP').waitFor()
        assert.equal(
          op.counters.backChannelLogouts,
          before.backChannelLogouts + 1,
          'the RP accepted the logout token',
        )
        assert.equal(op.counters.backChannelFailures, before.backChannelFailures)
        await assertHome(page, undefined)
        assert.notEqual((await fetchProtected(page)).status, 200, '/protected needs a new sign-in')
      })
    })

    test('RP-initiated logout: Sign out, confirmed at the OP, back on `/` signed out, session cookie gone', async () => {
      await run('rp-initiated-logout', async ({ context, page, navigations }) => {
        const { url, issuer } = rig()
        await signIn(page)
        await page.getByRole('button', { name: 'Sign out' }).click()
        await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/session/end'))
        const [end] = navigationsTo(navigations, issuer, '/session/end')
        assert.ok(end?.url.searchParams.get('id_token_hint'), 'the RP sent the ID token hint')
        assert.equal(
          end?.url.searchParams.get('post_logout_redirect_uri'),
          `${url}/auth/signed-out`,
        )
        assert.ok(end?.url.searchParams.get('state'), 'the RP sent a state')
        await page.getByRole('button', { name: 'Sign out' }).click()
        await landedAt(page, url, '/')
        const [posted] = navigationsTo(navigations, url, '/auth/logout').filter(
          (n) => n.method === 'POST',
        )
        assert.equal(posted?.status, 303, 'the logout POST was accepted')
        const [signedOut] = navigationsTo(navigations, url, '/auth/signed-out')
        assert.equal(signedOut?.status, 303, 'the post-logout return (its state) was accepted')
        assert.equal(await page.locator('#user').count(), 0)
        assert.equal(await page.locator('a#login').count(), 1, '`/` shows the sign-in link')
        assert.deepEqual(await sessionCookies(context, url), [], 'no session cookie left')
      })
    })

    test('forged logout POST from another origin without the CSRF token: 403, the session intact', async () => {
      await run('forged-logout', async ({ page, navigations }) => {
        const { url, issuer, evil } = rig()
        await signIn(page)
        await page.goto(evil.forgedPost(`${url}/auth/logout`, { returnTo: '/' }))
        await landedAt(page, url, '/auth/logout')
        const [posted] = navigationsTo(navigations, url, '/auth/logout')
        assert.equal(posted?.method, 'POST')
        assert.equal(posted?.status, 403, 'the forged POST is refused')
        assert.ok(
          navigations.every(
            (n) => n.url.origin !== issuer || !n.url.pathname.startsWith('/session'),
          ),
          'the browser never went to the OP to sign out',
        )
        await assertHome(page, 'alice')
        assert.equal((await fetchProtected(page)).status, 200, 'the session still works')
      })
    })

    test('forged logout POST from another origin carrying the real CSRF token: 403, the session intact', async () => {
      await run('forged-logout-with-token', async ({ page, navigations }) => {
        const { url, evil } = rig()
        await signIn(page)
        const csrf = await page.locator('form[action="/auth/logout"] input[name=csrf]').inputValue()
        assert.ok(csrf, 'the logout form carries a CSRF token')
        await page.goto(evil.forgedPost(`${url}/auth/logout`, { csrf, returnTo: '/' }))
        await landedAt(page, url, '/auth/logout')
        const [posted] = navigationsTo(navigations, url, '/auth/logout')
        assert.equal(posted?.status, 403, 'a cross-origin POST is refused even with the token')
        await assertHome(page, 'alice')
      })
    })

    test('tampered session cookie reads as signed out; the untampered one (twin) as signed in', async () => {
      await run('tampered-cookie', async ({ context, page }) => {
        const { url } = rig()
        await signIn(page)
        const original = await context.cookies()
        const [session] = await sessionCookies(context, url)
        assert.ok(session, 'signed in with a session cookie')
        await setCookies(
          context,
          original.map((c) =>
            c.name === session.name ? { ...c, value: flipOneCharacter(c.value) } : c,
          ),
        )
        await assertHome(page, undefined)
        assert.notEqual((await fetchProtected(page)).status, 200)
        await setCookies(context, original)
        await assertHome(page, 'alice')
      })
    })

    test('foreign session cookie (another instance, another SESSION_SECRET) reads as signed out; valid at its own instance', async () => {
      const { foreignEnv } = rig()
      const foreign = await startRecipe(launch, foreignEnv)
      try {
        await run('foreign-cookie', async ({ context, page }) => {
          const { url } = rig()
          await signIn(page) // the twin: this instance's own cookie is signed in
          await assertHome(page, 'alice')
          await signIn(page, 'bob', '/', foreign.url)
          await assertHome(page, 'bob', foreign.url) // the foreign cookie is valid where it was made
          assert.ok(
            (await sessionCookies(context, url)).length > 0,
            'the browser sends it here too',
          )
          await assertHome(page, undefined)
          assert.notEqual((await fetchProtected(page)).status, 200)
        })
      } finally {
        await foreign.stop()
      }
    })

    test('large session: split into oidc-rp.session.0, .1… and reassembled intact', async () => {
      await run('large-session', async ({ context, page }) => {
        const { url } = rig()
        await signIn(page, 'large')
        assert.equal(await page.locator('#user').textContent(), 'large')
        assert.equal(await page.locator('#name').textContent(), LARGE_NAME, 'the claim is intact')
        const cookies = await sessionCookies(context, url)
        assert.ok(cookies.length >= 2, `split into several cookies (${cookies.length})`)
        assert.deepEqual(
          cookies.map((c) => c.name),
          cookies.map((_, i) => `oidc-rp.session.${i}`),
          'chunks .0, .1… and no unsplit cookie',
        )
        for (const c of cookies) {
          assert.ok(c.name.length + c.value.length <= 4096, `${c.name} fits one cookie`)
        }
        const fetched = await fetchProtected(page)
        assert.equal(fetched.body?.name, LARGE_NAME, '/protected reads the reassembled session')
      })
    })

    test('the recipe printed no token, authorization code or secret', () => {
      const { op, app } = rig()
      const issued = op.issuedSecrets()
      assert.ok(issued.length > 0, 'the OP issued tokens for the cases above')
      const printed = app.output()
      const leaked = [...issued, app.env.SESSION_SECRET, app.env.CLIENT_SECRET].filter((s) =>
        printed.includes(s),
      )
      assert.equal(leaked.length, 0, `${leaked.length} secret(s) in the recipe's output`)
    })
  })
}
