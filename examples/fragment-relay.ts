/**
 * How a server receives an implicit (fragment) response: the browser never sends the fragment to
 * the server, so the redirect URI answers a GET with a tiny page whose script posts the fragment's
 * parameters back to the same URL as a form, and the POST goes to `handleCallback`.
 *
 * ```ts
 * // GET /cb   → fragmentRelayPage('/cb')            (the browser arrives with #id_token=…)
 * // POST /cb  → handleCallback(config, request)     (the relayed parameters)
 * ```
 *
 * A browser application needs no relay: `handleCallback(config, location.href)` reads the fragment.
 * See docs/implicit.md.
 * @module
 */
import { type Configuration, handleCallback, type SignInResult } from '../src/index.js'

/**
 * The relay page. Its script drops the fragment from the address bar and history (tokens must not
 * linger there), then submits the parameters as an `application/x-www-form-urlencoded` POST.
 * @param action - where to post: the redirect URI's path (same origin)
 * @param cspNonce - the nonce of your `Content-Security-Policy: script-src 'nonce-…'`, if any
 * @returns the HTML page
 */
export function fragmentRelayPage(action: string, cspNonce?: string): string {
  const nonce = cspNonce === undefined ? '' : ` nonce="${escapeHtml(cspNonce)}"`
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Signing in</title></head>
<body><form method="post" action="${escapeHtml(action)}"></form>
<noscript>JavaScript is needed to finish signing in.</noscript>
<script${nonce}>
(function () {
  var params = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, '', location.pathname + location.search);
  var form = document.forms[0];
  params.forEach(function (value, name) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  });
  form.submit();
})();
</script></body></html>`
}

/**
 * The redirect URI's handler on a server: the relay page for the browser's GET, the sign-in for
 * the relayed POST.
 * @param config - the configuration
 * @param request - the request to the redirect URI
 * @returns the page to send, or the sign-in result (the relayed POST carries the browser-binding
 * cookie, which `handleCallback` reads from the request)
 */
export async function redirectUriHandler(
  config: Configuration,
  request: Request,
): Promise<Response | SignInResult> {
  if (request.method === 'GET') {
    return new Response(fragmentRelayPage(new URL(request.url).pathname), {
      headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store' },
    })
  }
  return handleCallback(config, request)
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll("'", '&#39;')
}
