/**
 * The few pages `oidc-rp/web` answers with itself.
 *
 * The sign-in error, the logout confirmation, the fragment relay. Plain, unstyled, and never
 * showing anything of the request but an error code.
 *
 * @module
 */
import { randomBase64url } from '../lib/random.js'

/** Headers of every page: no caching, no referrer, nothing loaded from anywhere. */
function pageHeaders(scriptNonce?: string): Headers {
  const script = scriptNonce === undefined ? '' : `; script-src 'nonce-${scriptNonce}'`
  return new Headers({
    'content-type': 'text/html;charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'${script}`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  })
}

/**
 * A small HTML page.
 * @param title - the title (plain text)
 * @param body - the body (HTML, already escaped)
 * @param status - the HTTP status
 * @param scriptNonce - the CSP nonce of the page's one script, if it has one
 * @returns the response
 * @internal
 */
export function page(title: string, body: string, status: number, scriptNonce?: string): Response {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`
  return new Response(html, { status, headers: pageHeaders(scriptNonce) })
}

/**
 * The sign-in error page: a stable error code (only `A-Z` and `_`), never the code or state.
 * @param code - the error code from the query (anything else is not shown)
 * @param loginPath - where to try again
 * @returns the page (400)
 * @internal
 */
export function errorPage(code: string | null, loginPath: string): Response {
  const shown = code !== null && /^[A-Z_]{1,64}$/.test(code) ? code : 'UNKNOWN'
  return page(
    'Sign-in failed',
    `<h1>Sign-in failed</h1><p>The sign-in could not be completed (<code>${shown}</code>).</p><p><a href="${escapeHtml(loginPath)}">Try again</a></p>`,
    400,
  )
}

/**
 * The sign-out form: a `POST` with the session's CSRF token.
 * @param action - the logout route
 * @param csrfToken - the session's CSRF token
 * @param returnTo - where to go after logout, if not `/`
 * @returns the HTML of the form
 * @internal
 */
export function logoutFormHtml(action: string, csrfToken: string, returnTo?: string): string {
  const back =
    returnTo === undefined
      ? ''
      : `<input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}">`
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">${back}<button type="submit">Sign out</button></form>`
}

/**
 * The page that relays a fragment response to the server.
 *
 * A browser never sends a URL's fragment to a server, so an implicit sign-in answered in the
 * fragment (`#id_token=…&state=…`) reaches the callback as a bare `GET`. This page's one script
 * drops the fragment from the address bar and history, then posts its parameters back to
 * `action` as a form, which `handleCallback` accepts for a fragment transaction. The callback route
 * of {@link createWebAuth} answers with it already; serve it yourself only on the core API.
 *
 * The response is `no-store`, `no-referrer`, and its Content-Security-Policy allows that script
 * alone (by its nonce) and a form to this origin only.
 *
 * @param action - the callback's path, e.g. `/callback`
 * @param nonce - the script's CSP nonce; default a fresh random one
 * @returns the page
 * @example
 * ```ts
 * if (request.method === 'GET' && new URL(request.url).search === '') {
 *   return fragmentRelayPage('/callback') // no query: the answer is in the fragment
 * }
 * const result = await handleCallback(config, request) // the relayed POST
 * ```
 * @group Web
 */
export function fragmentRelayPage(action: string, nonce = randomBase64url(16)): Response {
  const script = `var p=new URLSearchParams(location.hash.slice(1));history.replaceState(null,'',location.pathname);var f=document.forms[0];p.forEach(function(v,n){var i=document.createElement('input');i.type='hidden';i.name=n;i.value=v;f.appendChild(i)});f.submit()`
  return page(
    'Signing in',
    `<form method="post" action="${escapeHtml(action)}"></form><noscript>JavaScript is needed to finish signing in.</noscript><script nonce="${nonce}">${script}</script>`,
    200,
    nonce,
  )
}

/**
 * Escapes text for HTML content and quoted attribute values.
 * @param value - the text
 * @returns the escaped text
 */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll("'", '&#39;')
}
