/**
 * Delivering an authorization response to the redirect URI.
 *
 * Query, fragment or form_post (OAuth 2.0 Multiple Response Type Encoding Practices, Form Post
 * Response Mode), and their JWT Secured Authorization Response Modes (JARM §2.3).
 *
 * @module
 */

import { escapeHtml } from './http.js'
import type { AuthorizationResponse } from './types.js'

/** A response mode. */
export type ResponseMode = AuthorizationResponse['responseMode']

/** The response modes the OP supports, the JWT Secured Authorization Response Modes among them. */
export const RESPONSE_MODES: readonly string[] = [
  'query',
  'fragment',
  'form_post',
  'jwt',
  'query.jwt',
  'fragment.jwt',
  'form_post.jwt',
]

/**
 * The response mode of a request.
 *
 * The `response_mode` asked for, else query for `code` and fragment for anything carrying a token;
 * `jwt` is that default's JARM mode (JARM §2.3.4).
 *
 * @param params - the authorization parameters
 * @returns the response mode
 */
export function responseModeOf(params: Record<string, string>): ResponseMode {
  const asked = params.response_mode
  const types = (params.response_type ?? '').split(' ')
  const base = types.includes('id_token') || types.includes('token') ? 'fragment' : 'query'
  if (asked === 'jwt') return `${base}.jwt`
  if (asked !== undefined && RESPONSE_MODES.includes(asked)) return asked as ResponseMode
  return base
}

/**
 * Tells whether a response mode is a JWT Secured Authorization Response Mode.
 * @param mode - the response mode
 * @returns true for `query.jwt`, `fragment.jwt` and `form_post.jwt`
 */
export function isJarmMode(mode: ResponseMode): boolean {
  return mode.endsWith('.jwt')
}

/**
 * Builds what the browser does with the response parameters.
 * @param redirectUri - the registered redirect URI
 * @param mode - the response mode
 * @param params - the response parameters
 * @returns the redirect or the form post
 */
export function deliver(
  redirectUri: string,
  mode: ResponseMode,
  params: URLSearchParams,
): AuthorizationResponse {
  const carrier = mode.replace(/\.jwt$/, '')
  if (carrier === 'form_post') {
    return {
      method: 'POST',
      url: redirectUri,
      responseMode: mode,
      params,
      body: params.toString(),
      html: formPostPage(redirectUri, params),
    }
  }
  const url = new URL(redirectUri)
  if (carrier === 'query') {
    for (const [name, value] of params) url.searchParams.append(name, value)
  } else {
    url.hash = params.toString()
  }
  return { method: 'GET', url: url.href, responseMode: mode, params }
}

/**
 * The HTTP response a browser gets from the authorization endpoint: a 302 or the form_post page.
 * @param response - the authorization response
 * @returns the HTTP response
 */
export function toHttpResponse(response: AuthorizationResponse): Response {
  const headers = { 'cache-control': 'no-store' }
  if (response.method === 'GET') {
    return new Response(null, { status: 302, headers: { ...headers, location: response.url } })
  }
  return new Response(response.html, {
    status: 200,
    headers: { ...headers, 'content-type': 'text/html;charset=utf-8' },
  })
}

/** The auto-submitting HTML page of the form_post response mode. */
function formPostPage(action: string, params: URLSearchParams): string {
  const inputs = [...params]
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}"/>`,
    )
    .join('')
  return (
    '<!DOCTYPE html><html><head><title>Submit This Form</title></head>' +
    '<body onload="javascript:document.forms[0].submit()">' +
    `<form method="post" action="${escapeHtml(action)}">${inputs}` +
    '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
  )
}
