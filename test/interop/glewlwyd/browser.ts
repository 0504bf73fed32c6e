/**
 * A scripted browser at Glewlwyd: fetch with manual redirects and a cookie jar, and the calls its
 * login page (`login.html`, a script) makes for a person: sign in with the password, grant the
 * requested scopes, continue the authorization (`g_continue`). The form_post page is read instead
 * of submitted. At the end-session prompt it does what the page's "sign out" button does.
 * @module
 */

/** Glewlwyd's cookies of one browser (name to value). */
export type CookieJar = Map<string, string>

/** Who signs in, and with which browser. */
export interface LoginOptions {
  /** The username. */
  readonly username: string
  /** The password. */
  readonly password: string
  /** The browser's cookies, to keep the Glewlwyd session (for a logout). Default a fresh jar. */
  readonly jar?: CookieJar
}

/** Where Glewlwyd sends the browser back to the RP. */
export interface LoginResult {
  /** The redirect URI with the response in the query or fragment, or the form_post action. */
  readonly url: URL
  /** `GET` for a redirect, `POST` for form_post. */
  readonly method: 'GET' | 'POST'
  /** The form_post fields, as the page carries them. */
  readonly body?: URLSearchParams
}

/** One request with the jar's cookies; the response's cookies go into the jar. */
async function send(
  jar: CookieJar,
  url: URL,
  init: { method?: string; json?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  }
  if (init.json !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(10_000),
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

/** Sends a request to Glewlwyd's API and fails unless it answers 200. */
async function api(jar: CookieJar, url: URL, method: string, json?: unknown): Promise<void> {
  const response = await send(jar, url, { method, json })
  const text = await response.text()
  if (response.status !== 200) {
    throw new Error(`Glewlwyd answered ${response.status} to ${method} ${url.pathname}: ${text}`)
  }
}

/** The redirect target of a 3xx response, or undefined. */
async function redirectOf(response: Response, base: URL): Promise<URL | undefined> {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || location === null) return undefined
  await response.body?.cancel()
  return new URL(location, base)
}

function isLoginPage(url: URL): boolean {
  return url.pathname.endsWith('/login.html')
}

/**
 * Plays the browser from the authorization URL until Glewlwyd sends it to the RP: at the login
 * page, signs in with the password, grants the scopes the page asks for and continues.
 * @param start - the authorization URL
 * @param login - the user and the cookie jar
 * @returns where the browser goes next (a redirect, or the form_post page's form)
 */
export async function completeLogin(
  start: URL | string,
  login: LoginOptions,
): Promise<LoginResult> {
  const jar = login.jar ?? new Map()
  let url = new URL(start)
  for (let hop = 0; hop < 10; hop++) {
    const response = await send(jar, url)
    const next = await redirectOf(response, url)
    if (next === undefined) return formPost(response)
    if (next.origin !== url.origin) return { url: next, method: 'GET' }
    url = isLoginPage(next) ? await signInAndGrant(jar, next, login) : next
  }
  throw new Error('too many redirects at Glewlwyd')
}

/** What login.html does: password, consent to the scopes shown, back to the authorization. */
async function signInAndGrant(jar: CookieJar, page: URL, login: LoginOptions): Promise<URL> {
  const params = page.searchParams
  const clientId = params.get('client_id')
  const callback = params.get('callback_url')
  if (clientId === null || callback === null) {
    throw new Error(`Glewlwyd's login page has no client or callback: ${page}`)
  }
  const apiBase = new URL('/api/', page)
  await api(jar, new URL('auth/', apiBase), 'POST', {
    username: login.username,
    password: login.password,
  })
  await api(jar, new URL(`auth/grant/${encodeURIComponent(clientId)}`, apiBase), 'PUT', {
    scope: params.get('scope') ?? 'openid',
  })
  const back = new URL(callback)
  back.search += `${back.search === '' ? '?' : '&'}g_continue`
  return back
}

/** Reads the form_post page (`<form method="post" action="…">` with hidden inputs). */
async function formPost(response: Response): Promise<LoginResult> {
  const html = await response.text()
  const form = /<form method="post" action="([^"]+)">/.exec(html)
  if (form === null) throw new Error(`Glewlwyd answered ${response.status}: ${html.slice(0, 300)}`)
  const fields = new URLSearchParams()
  for (const [, name, value] of html.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g,
  )) {
    fields.append(unescapeHtml(name!), unescapeHtml(value!))
  }
  return { url: new URL(unescapeHtml(form[1]!)), method: 'POST', body: fields }
}

/**
 * Plays the browser at the end-session endpoint: Glewlwyd sends it to its end-session prompt, where
 * "sign out" ends the OIDC session (which sends the back-channel logout tokens) and the Glewlwyd
 * session, then goes to the post-logout redirect.
 * @param start - the end-session URL
 * @param jar - the browser's cookies (the Glewlwyd session to end)
 * @returns the post-logout redirect, or the prompt itself when there is none
 */
export async function completeLogout(start: URL | string, jar: CookieJar): Promise<URL> {
  const url = new URL(start)
  const prompt = await redirectOf(await send(jar, url), url)
  if (prompt === undefined || !isLoginPage(prompt)) {
    throw new Error(`Glewlwyd's end-session endpoint did not send the browser to its prompt`)
  }
  const params = prompt.searchParams
  const plugin = params.get('plugin')
  const sid = params.get('sid')
  if (params.get('prompt') !== 'end_session' || plugin === null || sid === null) {
    throw new Error(`Glewlwyd did not recognise the session to end: ${params.get('prompt')}`)
  }
  const apiBase = new URL('/api/', prompt)
  await api(jar, new URL(`${plugin}/session/${encodeURIComponent(sid)}`, apiBase), 'DELETE')
  await api(jar, new URL('auth/', apiBase), 'DELETE')
  const callback = params.get('callback_url')
  return callback === null ? prompt : new URL(callback)
}

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )
}
