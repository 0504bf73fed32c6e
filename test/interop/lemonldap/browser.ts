/**
 * A scripted browser at LemonLDAP::NG's portal: fetch with manual redirects and a cookie jar; it
 * submits the portal's forms like a person would (the login form with the user's password, the
 * consent and logout confirmations with accept or refuse) and stops where the portal sends the
 * browser back to the RP: a redirect, or the form_post page, whose fields it returns instead of
 * submitting them.
 * @module
 */

import {
  type CookieJar,
  type LoginResult,
  redirectOf,
  send,
  unescapeHtml,
} from '../scripted-browser.js'

export type { CookieJar } from '../scripted-browser.js'

/** How the browser answers the portal. */
export interface BrowseOptions {
  /** The Demo account (`dwho`, `rtyler`, `msmith`; each one's password is its name). Default dwho. */
  readonly user?: string
  /** `false` refuses the consent or logout confirmation. Default true (accept). */
  readonly accept?: boolean
  /** The browser's cookies, to keep the portal session between calls. Default a fresh jar. */
  readonly jar?: CookieJar
}

/** Where the portal sends the browser back to the RP. */
export interface Arrival extends LoginResult {
  /** Whether the portal asked the user to log in (false: its SSO session was still there). */
  readonly loginPrompted: boolean
}

/** A form of the page: its target and its fields (the submit buttons' values left out). */
interface Form {
  readonly action: URL
  readonly fields: URLSearchParams
  /** The refuse button's value (`-` and the confirmation stamp), on confirmation pages. */
  readonly refuse: string | undefined
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const [, name, value] of tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) {
    found.set(name!.toLowerCase(), unescapeHtml(value ?? ''))
  }
  return found
}

/** The first POST form of the page, as the browser would submit it from `base`. */
function postForm(html: string, base: URL): Form | undefined {
  for (const [, open = '', inner = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const form = attributes(open)
    if ((form.get('method') ?? 'get').toLowerCase() !== 'post') continue
    const fields = new URLSearchParams()
    for (const [tag] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const input = attributes(tag)
      const name = input.get('name')
      const type = (input.get('type') ?? 'text').toLowerCase()
      if (name === undefined || ['submit', 'button', 'checkbox', 'radio'].includes(type)) continue
      fields.append(name, input.get('value') ?? '')
    }
    const refuse = /<button\b[^>]*id="refuse"[^>]*\bval="([^"]*)"/.exec(inner)?.[1]
    const target = form.get('action') ?? '#'
    const action = new URL(target === '#' || target === '' ? base.href : target, base)
    action.hash = ''
    return { action, fields, refuse: refuse === undefined ? undefined : unescapeHtml(refuse) }
  }
  return undefined
}

/** Names of the portal messages the suites meet (Lemonldap::NG::Portal::Main::Constants). */
const MESSAGES: Readonly<Record<string, string>> = {
  '5': 'PE_BADCREDENTIALS',
  '24': 'PE_ERROR',
  '47': 'PE_LOGOUT_OK',
  '107': 'PE_UNKNOWNPARTNER',
  '108': 'PE_UNAUTHORIZEDURL',
}

/** The portal stopped the browser on one of its own pages (an error, or "you are signed out"). */
export class PortalPageError extends Error {
  /** The portal's message number (`trmsg`), when the page shows one. */
  readonly portalMessage: number | undefined

  constructor(status: number, html: string) {
    const block = /<div class="message[^"]*"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1]
    const code = block === undefined ? undefined : /trmsg="(\d+)"/.exec(block)?.[1]
    const text = (block ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
    const title = /<title[^>]*>([^<]*)<\/title>/.exec(html)?.[1]?.trim() ?? 'no title'
    super(
      code === undefined
        ? `the portal answered ${status} with a page without a form or message (${title})`
        : `the portal answered ${status} with message ${code} (${MESSAGES[code] ?? 'see Lemonldap::NG::Portal::Main::Constants'})${text ? `: ${text}` : ''}`,
    )
    this.name = 'PortalPageError'
    this.portalMessage = code === undefined ? undefined : Number(code)
  }
}

/**
 * Plays the browser from `start` (an authorization or end-session URL) until the portal sends it
 * away from the portal: follows the portal's redirects, logs in on the login form, accepts (or
 * refuses) consent and logout confirmations, and returns the redirect or the form_post page's
 * fields.
 * @param start - where the browser goes first
 * @param options - the user, accept or refuse, the cookie jar
 * @returns where the browser goes next, outside the portal
 * @throws {@link PortalPageError} when the portal stops on its own page (an error, "signed out")
 */
export async function browse(start: URL | string, options: BrowseOptions = {}): Promise<Arrival> {
  const jar = options.jar ?? new Map()
  let url = new URL(start)
  let body: URLSearchParams | undefined
  let loginPrompted = false
  for (let hop = 0; hop < 12; hop++) {
    const response = await send(jar, url, { form: body })
    body = undefined
    const next = await redirectOf(response, url)
    if (next !== undefined) {
      if (next.origin !== url.origin) return { url: next, method: 'GET', loginPrompted }
      url = next
      continue
    }
    const html = await response.text()
    const form = postForm(html, url)
    if (form === undefined) throw new PortalPageError(response.status, html)
    if (form.action.origin !== url.origin) {
      return { url: form.action, method: 'POST', body: form.fields, loginPrompted }
    }
    if (form.fields.has('password')) {
      if (loginPrompted) throw new Error('the portal refused the login and asks again')
      loginPrompted = true
      form.fields.set('user', options.user ?? 'dwho')
      form.fields.set('password', options.user ?? 'dwho') // the Demo backend's password
    } else if (form.fields.has('confirm')) {
      if (options.accept === false) {
        if (form.refuse === undefined) throw new Error(`no refuse button at ${url.pathname}`)
        form.fields.set('confirm', form.refuse)
      }
    } else {
      throw new Error(`unexpected form at ${url.pathname}: ${[...form.fields.keys()].join(', ')}`)
    }
    url = form.action
    body = form.fields
  }
  throw new Error('too many steps at the portal')
}
