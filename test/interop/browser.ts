/**
 * A scripted browser at the interop OP: fetch with manual redirects and a cookie jar, the OP's
 * login form posted like a person would, the form_post page read instead of auto-submitted, and
 * the end-session confirmation clicked.
 * @module
 */

/** The OP's cookies of one browser (name to value). */
export type CookieJar = Map<string, string>

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

/** Where the OP sends the browser back to the RP. */
export interface LoginResult {
  /** The redirect URI with the response in the query or fragment, or the form_post action. */
  readonly url: URL
  /** `GET` for a redirect, `POST` for form_post. */
  readonly method: 'GET' | 'POST'
  /** The form_post fields. */
  readonly body?: URLSearchParams
}

/** How the browser goes through the OP's logout. */
export interface LogoutOptions {
  /** The browser's cookies (the OP session to end). Default a fresh jar (no OP session). */
  readonly jar?: CookieJar
}

/** One request with the jar's cookies; the response's cookies go into the jar. */
async function send(jar: CookieJar, url: URL, body?: URLSearchParams): Promise<Response> {
  const response = await fetch(url, {
    method: body ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    ...(body ? { body } : {}),
  })
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const at = pair.indexOf('=')
    const value = pair.slice(at + 1)
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair.slice(0, at))
    else jar.set(pair.slice(0, at), value)
  }
  return response
}

/** The redirect target of a 3xx response, or undefined. */
async function redirectOf(response: Response, base: URL): Promise<URL | undefined> {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || location === null) return undefined
  await response.body?.cancel()
  return new URL(location, base)
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
    const response = await send(jar, url, body)
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
    const form = /<form method="post" action="([^"]+)">/.exec(html)
    if (form === null) throw new Error(`the OP answered ${response.status}: ${html.slice(0, 200)}`)
    const fields = new URLSearchParams()
    for (const [, name, value] of html.matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g,
    )) {
      fields.append(unescapeHtml(name!), unescapeHtml(value!))
    }
    return { url: new URL(unescapeHtml(form[1]!)), method: 'POST', body: fields }
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
  const confirm = await send(jar, action, new URLSearchParams({ xsrf: xsrf[1]!, logout: 'yes' }))
  const next = await redirectOf(confirm, action)
  if (next === undefined) throw new Error(`the OP answered ${confirm.status} to the logout`)
  return next
}

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )
}
