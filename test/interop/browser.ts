/**
 * A scripted browser at the interop OP: fetch with manual redirects and a cookie jar, the OP's
 * login form posted like a person would, the form_post page read instead of auto-submitted, and
 * the end-session confirmation clicked.
 * @module
 */
import {
  type CookieJar,
  formPostOf,
  type LoginResult,
  redirectOf,
  send,
  unescapeHtml,
} from './scripted-browser.js'

export type { CookieJar, LoginResult } from './scripted-browser.js'

/** How the browser finishes the login. */
export interface LoginOptions {
  /** The account id (a key of the OP's users). */
  readonly user: string
  /** The `acr` to authenticate with; default the first requested `acr_values`, else bronze. */
  readonly acr?: string
  /** `false` makes the user cancel (the OP answers `access_denied`). Default true. */
  readonly consent?: boolean
  /** The browser's cookies, to keep the OP session for a later logout. Default a fresh jar. */
  readonly jar?: CookieJar
}

/** How the browser goes through the OP's logout. */
export interface LogoutOptions {
  /** The browser's cookies (the OP session to end). Default a fresh jar (no OP session). */
  readonly jar?: CookieJar
}

/**
 * Plays the browser: GET the authorization URL, POST the login form at the interaction, follow the
 * redirects back through the OP until it sends the browser to the RP (a redirect elsewhere, or a
 * form_post page, whose fields are returned instead of submitted).
 * @param start - the authorization URL
 * @param login - the user, the acr, whether to cancel, the cookie jar
 * @returns where the browser goes next
 */
export async function completeLogin(
  start: URL | string,
  login: LoginOptions,
): Promise<LoginResult> {
  const jar = login.jar ?? new Map()
  let url = new URL(start)
  let body: URLSearchParams | undefined
  for (let hop = 0; hop < 10; hop++) {
    const response = await send(jar, url, { form: body })
    body = undefined
    const next = await redirectOf(response, url)
    if (next !== undefined) {
      if (next.origin !== url.origin) return { url: next, method: 'GET' }
      url = next
      if (/^\/interaction\/[\w-]+$/.test(url.pathname)) {
        const decision = login.consent === false ? 'cancel' : 'login'
        body = new URLSearchParams({ user: login.user, acr: login.acr ?? '', decision })
      }
      continue
    }
    const html = await response.text()
    const formPost = formPostOf(html)
    if (formPost === undefined) {
      throw new Error(`the OP answered ${response.status}: ${html.slice(0, 200)}`)
    }
    return formPost
  }
  throw new Error('too many redirects at the OP')
}

/**
 * Plays the browser at the OP's end-session endpoint: GET it, click "Sign out" on the confirmation
 * page (posting its xsrf token with `logout=yes`), and return where the OP redirects.
 * @param start - the end-session URL
 * @param options - the cookie jar
 * @returns the post-logout redirect (or the OP's own "signed out" page)
 */
export async function completeLogout(
  start: URL | string,
  options: LogoutOptions = {},
): Promise<URL> {
  const jar = options.jar ?? new Map()
  const url = new URL(start)
  const page = await send(jar, url)
  const html = await page.text()
  const form = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)
  if (form === null || xsrf === null) {
    throw new Error(`the OP answered ${page.status}: ${html.slice(0, 200)}`)
  }
  const action = new URL(unescapeHtml(form[1]!), url)
  const confirm = await send(jar, action, {
    form: new URLSearchParams({ xsrf: xsrf[1]!, logout: 'yes' }),
  })
  const next = await redirectOf(confirm, action)
  if (next === undefined) throw new Error(`the OP answered ${confirm.status} to the logout`)
  return next
}
