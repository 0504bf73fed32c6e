/**
 * Routing a `Request` to an endpoint.
 *
 * Recording it, applying HTTP-level and custom faults, and the browser-facing `GET /authorize`.
 *
 * @module
 */

import { decodeJwt } from 'jose'
import { toHttpResponse } from './authorization-response.js'
import { runAuthorization } from './authorize.js'
import { namedClientId } from './client-auth.js'
import { handleEndSession } from './end-session.js'
import { takeFault } from './faults.js'
import { httpFaultResponse, isForm, jsonResponse, textResponse } from './http.js'
import { handleIntrospection } from './introspection.js'
import { handleDiscovery, handleJwks } from './metadata.js'
import { MockOPError } from './mock-op-error.js'
import { type AliasedEndpoint, presentedCertificate } from './mtls.js'
import { handlePar } from './par.js'
import { handleRegistration, handleWebFinger, managedClientId } from './registration.js'
import { handleRevocation } from './revocation.js'
import type { OpState, RequestContext } from './state.js'
import { handleToken } from './token.js'
import type { RecordedEndpoint, RecordedRequest } from './types.js'
import { bearerTokens, handleUserinfo, tokenClientId } from './userinfo.js'

/** The handlers of the machine-facing endpoints. */
const HANDLERS = {
  discovery: handleDiscovery,
  jwks: handleJwks,
  token: handleToken,
  par: handlePar,
  userinfo: handleUserinfo,
  end_session: handleEndSession,
  revocation: handleRevocation,
  introspection: handleIntrospection,
  registration: handleRegistration,
  webfinger: handleWebFinger,
} satisfies Record<string, (ctx: RequestContext) => Promise<Response>>

/**
 * Handles one HTTP request to the OP.
 * @param state - the OP state
 * @param request - the request
 * @param signal - aborts a `slow` fault's wait
 * @returns the response (404 for unknown URLs)
 */
export async function handleRequest(
  state: OpState,
  request: Request,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const url = new URL(request.url)
  const alias = aliasOf(state, url)
  const endpoint = alias ?? endpointOf(state, url)
  const rawBody =
    request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text()
  const form =
    rawBody !== undefined && isForm(request) ? new URLSearchParams(rawBody) : new URLSearchParams()
  const record = recordOf(request, url, endpoint, form, rawBody)
  state.requests.push(record)
  const ctx: RequestContext = { state, request, url, form, record, signal }
  if (endpoint === 'unknown') return textResponse('not found', 404)
  const clientId = clientIdOf(ctx, endpoint)
  if (alias !== undefined) {
    record.mtlsAlias = true
    const certificate = await presentedCertificate(ctx, clientId)
    if (certificate !== undefined) ctx.certificate = certificate
  }
  const own = takeFault(state.faults, clientId, (f) =>
    'respond' in f && f.respond.endpoint === endpoint ? f.respond : undefined,
  )
  if (own) {
    const init: RequestInit = { method: request.method, headers: request.headers }
    if (rawBody !== undefined) init.body = rawBody
    return own.response(new Request(request.url, init))
  }
  if (endpoint === 'authorization') return browserAuthorization(ctx)
  const http = takeFault(state.faults, clientId, (f) =>
    'http' in f && f.http.endpoint === endpoint ? f.http : undefined,
  )
  const real = () => realResponse(ctx, endpoint, clientId)
  return http ? httpFaultResponse(http, real, signal) : real()
}

/** The endpoint's response, or a scripted OAuth error for the back-channel endpoints. */
async function realResponse(
  ctx: RequestContext,
  endpoint: keyof typeof HANDLERS,
  clientId: string | undefined,
): Promise<Response> {
  if (
    endpoint === 'token' ||
    endpoint === 'par' ||
    endpoint === 'revocation' ||
    endpoint === 'introspection' ||
    endpoint === 'registration'
  ) {
    const fault = takeFault(ctx.state.faults, clientId, (f) =>
      'oauthError' in f && f.oauthError.endpoint === endpoint ? f.oauthError : undefined,
    )
    if (fault) {
      const { endpoint: _endpoint, status, ...body } = fault
      return jsonResponse(body, status ?? 400, { 'cache-control': 'no-store' })
    }
  }
  return HANDLERS[endpoint](ctx)
}

/** A browser at the authorization endpoint: completes as `autoLogin`, or explains how to test. */
async function browserAuthorization(ctx: RequestContext): Promise<Response> {
  const { state, request } = ctx
  if (request.method !== 'GET' && request.method !== 'POST') {
    return textResponse('method not allowed', 405, { allow: 'GET, POST' })
  }
  if (state.autoLogin === undefined) {
    return textResponse(
      'The mock OP has no login page: complete authorization requests with ' +
        'op.authorize(url, { user }), or create it with the autoLogin option.',
      400,
    )
  }
  const url = new URL(ctx.url)
  if (request.method === 'POST') url.search = ctx.form.toString()
  try {
    return toHttpResponse(await runAuthorization(state, url, { user: state.autoLogin }, ctx.record))
  } catch (error) {
    if (error instanceof MockOPError)
      return textResponse(`authorization refused: ${error.message}`, 400)
    throw error
  }
}

/** Which endpoint a URL is (origin and path must match exactly). */
function endpointOf(state: OpState, url: URL): RecordedEndpoint {
  const target = `${url.origin}${url.pathname}`
  for (const [name, endpointUrl] of Object.entries(state.endpoints)) {
    if (endpointUrl === target) return name as RecordedEndpoint
  }
  if (managedClientId(state, url) !== undefined) return 'registration'
  return 'unknown'
}

/** Which endpoint a mutual-TLS alias URL is, if it is one. */
function aliasOf(state: OpState, url: URL): AliasedEndpoint | undefined {
  const target = `${url.origin}${url.pathname}`
  for (const [name, endpointUrl] of Object.entries(state.mtlsEndpoints)) {
    if (endpointUrl === target) return name as AliasedEndpoint
  }
  return undefined
}

/** The client a request is for, as far as it can be told before processing (to scope faults). */
function clientIdOf(ctx: RequestContext, endpoint: RecordedEndpoint): string | undefined {
  switch (endpoint) {
    case 'authorization':
      return ctx.url.searchParams.get('client_id') ?? ctx.form.get('client_id') ?? undefined
    case 'token':
    case 'par':
    case 'revocation':
    case 'introspection':
      return namedClientId(ctx)
    case 'userinfo': {
      const found = bearerTokens(ctx)
      return tokenClientId(ctx.state, found.header ?? found.body)
    }
    case 'end_session':
      return endSessionClientId(ctx)
    case 'registration':
      return managedClientId(ctx.state, ctx.url)
    default:
      return undefined
  }
}

/** The client of an end_session request: `client_id`, else the hint's audience. */
function endSessionClientId(ctx: RequestContext): string | undefined {
  const get = (name: string) => ctx.url.searchParams.get(name) ?? ctx.form.get(name)
  const clientId = get('client_id')
  if (clientId !== null) return clientId
  const hint = get('id_token_hint')
  if (hint === null) return undefined
  try {
    const aud = decodeJwt(hint).aud
    return Array.isArray(aud) ? aud[0] : aud
  } catch {
    return undefined
  }
}

/** The record of a request. */
function recordOf(
  request: Request,
  url: URL,
  endpoint: RecordedEndpoint,
  form: URLSearchParams,
  rawBody: string | undefined,
): RecordedRequest {
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value
  })
  const params = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(form) }
  const record: RecordedRequest = {
    endpoint,
    method: request.method,
    url: url.href,
    headers,
    params,
  }
  if (rawBody !== undefined) record.rawBody = rawBody
  return record
}
