/**
 * Debian's Chromium for the recipe suites (playwright-core): the launch, one fresh context per case
 * with its navigations recorded and a screenshot on failure, the OP's login form, and the session
 * cookies of WEB-SPEC.md.
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import {
  type Browser,
  type BrowserContext,
  type Cookie,
  chromium,
  type Page,
  type Request,
} from 'playwright-core'

const RESULTS = new URL('../../../test-results/', import.meta.url)

/** A session cookie of the recipe: `oidc-rp.session` on http, `__Host-` on https, `.<n>` when split. */
export const SESSION_COOKIE = /^(__Host-)?oidc-rp\.session(\.\d+)?$/

/**
 * Starts headless Chromium (`/usr/bin/chromium`).
 * @returns the browser
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** One document request of a page's main frame, with its response's status. */
export interface Navigation {
  readonly request: Request
  readonly url: URL
  readonly method: string
  status?: number
}

/** What a case gets: a fresh context (a new end-user), its first page, and that page's navigations. */
export interface CaseBrowser {
  readonly context: BrowserContext
  readonly page: Page
  readonly navigations: Navigation[]
  /**
   * Opens another tab in the same context, its navigations recorded in its own list.
   * @returns the tab and its navigations
   */
  newTab(): Promise<{ page: Page; navigations: Navigation[] }>
}

/**
 * Runs `fn` in a fresh browser context; on failure saves a screenshot of each tab to
 * `test-results/e2e-<name>-<n>.png` and rethrows with `describeFailure`'s text appended to the stack;
 * always
 * closes the context.
 * @param browser - the browser
 * @param name - the file name's stem
 * @param fn - the case
 * @param describeFailure - more to say on failure (e.g. what the recipe printed)
 */
export async function inContext(
  browser: Browser,
  name: string,
  fn: (b: CaseBrowser) => Promise<void>,
  describeFailure: () => string = () => '',
): Promise<void> {
  const context = await browser.newContext()
  context.setDefaultTimeout(10_000)
  const tabs: Page[] = []
  const newTab = async () => {
    const page = await context.newPage()
    tabs.push(page)
    return { page, navigations: recordNavigations(page) }
  }
  try {
    const first = await newTab()
    await fn({ context, page: first.page, navigations: first.navigations, newTab })
  } catch (error) {
    const stem = `e2e-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`
    await mkdir(RESULTS, { recursive: true })
    for (const [i, page] of tabs.entries()) {
      const file = new URL(`${stem}-${i + 1}.png`, RESULTS)
      await page.screenshot({ path: file.pathname, fullPage: true }).catch(() => undefined)
    }
    const more = describeFailure()
    // the reporters print the stack, which holds the message as it was when thrown
    if (more !== '' && error instanceof Error)
      error.stack = `${error.stack ?? error.message}\n${more}`
    throw error
  } finally {
    await context.close()
  }
}

/** Records the main frame's document requests of a page and their statuses. */
function recordNavigations(page: Page): Navigation[] {
  const navigations: Navigation[] = []
  const byRequest = new Map<Request, Navigation>()
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      const nav = { request, url: new URL(request.url()), method: request.method() }
      navigations.push(nav)
      byRequest.set(request, nav)
    }
  })
  page.on('response', (response) => {
    const nav = byRequest.get(response.request())
    if (nav) nav.status = response.status()
  })
  return navigations
}

/**
 * The navigations to one path of one origin.
 * @param navigations - the recorded navigations
 * @param origin - e.g. the recipe's APP_URL
 * @param pathname - e.g. `/auth/callback`
 * @returns those navigations, in order
 */
export function navigationsTo(
  navigations: readonly Navigation[],
  origin: string,
  pathname: string,
): Navigation[] {
  return navigations.filter((n) => n.url.origin === origin && n.url.pathname === pathname)
}

/**
 * At the OP's login page: waits for it, picks the user, submits.
 * @param page - the tab
 * @param issuer - the OP
 * @param user - the account id
 */
export async function logInAtOp(page: Page, issuer: string, user: string): Promise<void> {
  await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/interaction/'))
  await page.locator('select[name=user]').selectOption(user)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/**
 * Waits until the tab shows `pathname` of `origin`, loaded.
 * @param page - the tab
 * @param origin - the recipe's APP_URL
 * @param pathname - the path
 */
export async function landedAt(page: Page, origin: string, pathname: string): Promise<void> {
  try {
    await page.waitForURL((url) => url.origin === origin && url.pathname === pathname)
  } catch (error) {
    // where the tab stopped instead (no query: it may hold a code), and what the page says
    const at = new URL(page.url())
    const body = await page
      .locator('body')
      .textContent({ timeout: 1000 })
      .catch(() => null)
    const text = (body ?? '').trim()
    throw new Error(
      `not at ${origin}${pathname} but at ${at.origin}${at.pathname}: ${text.slice(0, 300)}`,
      { cause: error },
    )
  }
  await page.waitForLoadState('load')
}

/**
 * The recipe's session cookies in the context, sorted by name.
 * @param context - the browser context
 * @param appUrl - the recipe's APP_URL
 * @returns the cookies
 */
export async function sessionCookies(context: BrowserContext, appUrl: string): Promise<Cookie[]> {
  const cookies = await context.cookies(appUrl)
  return cookies
    .filter((c) => SESSION_COOKIE.test(c.name))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
}

/**
 * Replaces every cookie of the context with `cookies`.
 * @param context - the browser context
 * @param cookies - the cookies to put back
 */
export async function setCookies(
  context: BrowserContext,
  cookies: readonly Cookie[],
): Promise<void> {
  await context.clearCookies()
  await context.addCookies([...cookies])
}

/**
 * The value with one character flipped in the middle of a run of base64url characters (not the
 * last of a run, whose low bits may be padding).
 * @param value - a cookie value
 * @returns the tampered value
 */
export function flipOneCharacter(value: string): string {
  const b64 = /[A-Za-z0-9_-]/
  for (let i = Math.floor(value.length / 2); i < value.length - 1; i++) {
    if (b64.test(value[i]!) && b64.test(value[i + 1]!)) {
      const flipped = value[i] === 'A' ? 'B' : 'A'
      return value.slice(0, i) + flipped + value.slice(i + 1)
    }
  }
  throw new Error('no character to flip in the cookie value')
}

/** A `fetch` made by the page: the status (0 for a redirect, which is not followed) and the JSON of a 200. */
export interface PageFetch<T> {
  readonly status: number
  readonly body: T | null
}

/**
 * Fetches `paths` from the page, all at once (same origin: the page's cookies go along, and its
 * `Set-Cookie` answers are kept), redirects not followed.
 * @param page - the tab, on the recipe's origin
 * @param paths - the paths, e.g. `['/protected', '/protected']`
 * @returns each answer, in the order of `paths`
 */
export function fetchFromPage<T>(page: Page, paths: readonly string[]): Promise<PageFetch<T>[]> {
  // no named function inside: the browser has none of the transpiler's helpers (tsx's keepNames)
  return page.evaluate(
    (all) =>
      Promise.all(
        all.map((path) =>
          fetch(path, { redirect: 'manual' }).then(async (r) => ({
            status: r.status,
            body: r.status === 200 ? await r.json() : null,
          })),
        ),
      ),
    [...paths],
  )
}

/**
 * The session cookies a `Cookie` header carries, comparable and printable: each name with a short
 * hash of its value (never the value), sorted by name, so two headers that order the same cookies
 * differently compare equal.
 * @param header - a `Cookie` header, or `''` when the request carried none
 * @returns e.g. `oidc-rp.session=3f2a9c01`, or `(no session cookie)`
 */
export function sessionCookiesOf(header: string): string {
  const named = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => SESSION_COOKIE.test(pair.slice(0, pair.indexOf('='))))
    .map((pair) => {
      const at = pair.indexOf('=')
      const hash = createHash('sha256')
        .update(pair.slice(at + 1))
        .digest('hex')
        .slice(0, 8)
      return `${pair.slice(0, at)}=${hash}`
    })
    .sort()
  return named.length === 0 ? '(no session cookie)' : named.join('; ')
}

/** CDP's `Fetch.requestPaused`, the members read here. */
interface PausedResponse {
  readonly requestId: string
  readonly networkId?: string
}

/**
 * Holds the answers to the page's next `count` requests to `pathname` until all of them are on the
 * wire, then lets them through together: each request's cookies are fixed before the browser sees
 * any answer's `Set-Cookie`, however slowly the machine sends them. Chromium attaches cookies when
 * a request really leaves (after `page.on('request')` and after a routed request continues), so the
 * answers, not the requests, are held (CDP `Fetch` at the response stage), and the cookies read are
 * those of `Network.requestWillBeSentExtraInfo`, the headers as sent.
 * @param page - the tab
 * @param pathname - e.g. `/protected`
 * @param count - how many requests
 * @param timeoutInMs - when to give up (the promise then rejects and the answers go through)
 * @returns once the hold is in place: the session cookies each request carried
 *   ({@link sessionCookiesOf}, in the order they were answered), settled when all were answered
 */
export async function answersHeldUntilAllSent(
  page: Page,
  pathname: string,
  count: number,
  timeoutInMs = 30_000,
): Promise<{ readonly sent: Promise<string[]> }> {
  const cdp = await page.context().newCDPSession(page)
  const sentHeaders = new Map<string, Record<string, string>>()
  cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
    sentHeaders.set(event.requestId, event.headers as Record<string, string>)
  })
  await cdp.send('Network.enable')
  await cdp.send('Fetch.enable', {
    patterns: [{ urlPattern: `*${pathname}`, requestStage: 'Response' }],
  })
  const paused: PausedResponse[] = []
  const letThrough = async (): Promise<void> => {
    await Promise.all(
      paused.map(({ requestId }) => cdp.send('Fetch.continueRequest', { requestId })),
    )
    await cdp.detach()
  }
  const sent = new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      letThrough().finally(() => {
        reject(new Error(`the page sent ${paused.length} of ${count} requests to ${pathname}`))
      })
    }, timeoutInMs)
    cdp.on('Fetch.requestPaused', (event: PausedResponse) => {
      paused.push(event)
      if (paused.length < count) return
      clearTimeout(timer)
      const cookies = paused.map(({ networkId }) => {
        const headers = sentHeaders.get(networkId ?? '') ?? {}
        const name = Object.keys(headers).find((key) => key.toLowerCase() === 'cookie')
        return sessionCookiesOf(name === undefined ? '' : (headers[name] ?? ''))
      })
      letThrough().then(() => resolve(cookies), reject)
    })
  })
  return { sent }
}
