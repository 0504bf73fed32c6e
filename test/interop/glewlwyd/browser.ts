/**
 * A scripted browser at Glewlwyd: fetch with manual redirects and a cookie jar, and the calls its
 * login page (`login.html`, a script) makes for a person: sign in with the password, grant the
 * requested scopes, continue the authorization (`g_continue`). The form_post page is read instead
 * of submitted. At the end-session prompt it does what the page's "sign out" button does.
 * @module
 */

import {
  type CookieJar,
  formPostOf,
  type LoginResult,
  redirectOf,
  send,
} from '../scripted-browser.js'

export type { CookieJar, LoginResult } from '../scripted-browser.js'

/** Who signs in, and with which browser. */
export interface LoginOptions {
  /** The username. */
  readonly username: string
  /** The password. */
  readonly password: string
  /** The browser's cookies, to keep the Glewlwyd session (for a logout). Default a fresh jar. */
  readonly jar?: CookieJar
}

/** Sends a request to Glewlwyd's API and fails unless it answers 200. */
async function api(jar: CookieJar, url: URL, method: string, json?: unknown): Promise<void> {
  const response = await send(jar, url, { method, json })
  const text = await response.text()
  if (response.status !== 200) {
    throw new Error(`Glewlwyd answered ${response.status} to ${method} ${url.pathname}: ${text}`)
  }
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
  const formPost = formPostOf(html)
  if (formPost === undefined) {
    throw new Error(`Glewlwyd answered ${response.status}: ${html.slice(0, 300)}`)
  }
  return formPost
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
