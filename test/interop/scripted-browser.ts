/**
 * What the scripted browsers of the interop suites (oidc-provider, Glewlwyd, LemonLDAP::NG) share:
 * a cookie jar, one request with it (redirects not followed), the redirect target of a response,
 * and the form_post page read instead of submitted.
 * @module
 */

/** The OP's cookies of one browser (name to value). */
export type CookieJar = Map<string, string>

/** Where the OP sends the browser back to the RP. */
export interface LoginResult {
  /** The redirect URI with the response in the query or fragment, or the form_post action. */
  readonly url: URL
  /** `GET` for a redirect, `POST` for form_post. */
  readonly method: 'GET' | 'POST'
  /** The form_post fields. */
  readonly body?: URLSearchParams
}

/**
 * One request with the jar's cookies; the response's cookies go into the jar (an empty or expired
 * one deletes its name).
 * @param jar - the browser's cookies
 * @param url - where to go
 * @param init - the method (default POST with a body, else GET) and the form or JSON body
 * @returns the response, redirects not followed
 */
export async function send(
  jar: CookieJar,
  url: URL,
  init: { method?: string; form?: URLSearchParams; json?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  }
  if (init.json !== undefined) headers['content-type'] = 'application/json'
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.form
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    redirect: 'manual',
    headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(10_000),
  })
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const at = pair.indexOf('=')
    const value = pair.slice(at + 1)
    const expires = /;\s*expires=([^;]+)/i.exec(line)?.[1]
    if (value === '' || (expires !== undefined && Date.parse(expires) < Date.now())) {
      jar.delete(pair.slice(0, at))
    } else jar.set(pair.slice(0, at), value)
  }
  return response
}

/**
 * The redirect target of a 3xx response (its body discarded), or undefined.
 * @param response - the response
 * @param base - the URL it answered
 */
export async function redirectOf(response: Response, base: URL): Promise<URL | undefined> {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || location === null) return undefined
  await response.body?.cancel()
  return new URL(location, base)
}

/**
 * Reads a form_post page (`<form method="post" action="…">` with hidden inputs), as oidc-provider
 * and Glewlwyd write it.
 * @param html - the page
 * @returns the form's action and fields, or undefined when the page has no such form
 */
export function formPostOf(html: string): LoginResult | undefined {
  const form = /<form method="post" action="([^"]+)">/.exec(html)
  if (form === null) return undefined
  const fields = new URLSearchParams()
  for (const [, name, value] of html.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g,
  )) {
    fields.append(unescapeHtml(name!), unescapeHtml(value!))
  }
  return { url: new URL(unescapeHtml(form[1]!)), method: 'POST', body: fields }
}

/**
 * Undoes the HTML escapes an OP's pages use in attribute values.
 * @param value - an attribute value as written in the page
 */
export function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )
}
