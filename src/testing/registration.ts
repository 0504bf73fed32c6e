/**
 * The mock OP's dynamic registration, client management and WebFinger responder.
 *
 * RFC 7591 and OIDC Registration 1.0, RFC 7592, and OIDC Discovery §2 over RFC 7033.
 *
 * A registered client joins the OP's clients at once, so it signs in like the static ones.
 *
 * @module
 */

import { checkClient } from './client-checks.js'
import { takeFault } from './faults.js'
import { jsonResponse, methodNotAllowed, noStoreJson, randomToken, textResponse } from './http.js'
import { MockOPError } from './mock-op-error.js'
import type { MockRegistrationOptions, RegistrationState } from './registration-types.js'
import { nowSeconds, type OpState, type RequestContext } from './state.js'
import type { MockClient } from './types.js'

/** The WebFinger link relation of an OpenID Provider issuer (OIDC Discovery §2). */
const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer'

/** Auth methods that authenticate with the client secret. */
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']

/**
 * The registration state for the options.
 * @param options - the registration options, when registration is on
 * @returns the state, or undefined when registration is off
 */
export function registrationStateOf(
  options: MockRegistrationOptions | undefined,
): RegistrationState | undefined {
  if (options === undefined) return undefined
  return {
    initialAccessToken: options.initialAccessToken,
    check: options.check,
    tokens: new Map(),
    metadata: new Map(),
  }
}

/**
 * The client_id of a client configuration endpoint URL (`/register/<client_id>`), if it is one.
 * @param state - the OP state
 * @param url - the request URL
 * @returns the client_id, or undefined
 */
export function managedClientId(state: OpState, url: URL): string | undefined {
  const prefix = `${state.endpoints.registration}/`
  const target = `${url.origin}${url.pathname}`
  if (!target.startsWith(prefix)) return undefined
  const rest = target.slice(prefix.length)
  return rest === '' || rest.includes('/') ? undefined : decodeURIComponent(rest)
}

/**
 * `POST /register` (RFC 7591 §3), and `GET`, `PUT`, `DELETE /register/<client_id>` (RFC 7592 §2).
 * @param ctx - the request
 * @returns the registration, the client's configuration, or an error
 */
export async function handleRegistration(ctx: RequestContext): Promise<Response> {
  const registration = ctx.state.registration
  if (registration === undefined) return textResponse('not found', 404)
  const clientId = managedClientId(ctx.state, ctx.url)
  if (clientId === undefined) {
    if (ctx.request.method !== 'POST') return methodNotAllowed(['POST'])
    return register(ctx, registration)
  }
  const token = bearer(ctx.request)
  if (token === undefined || registration.tokens.get(clientId) !== token) {
    return jsonResponse(
      { error: 'invalid_token', error_description: 'unknown registration access token' },
      401,
      {
        'www-authenticate': 'Bearer error="invalid_token"',
      },
    )
  }
  switch (ctx.request.method) {
    case 'GET':
      return answer(ctx, clientId, 200)
    case 'PUT':
      return update(ctx, registration, clientId)
    case 'DELETE':
      ctx.state.clients.delete(clientId)
      registration.tokens.delete(clientId)
      registration.metadata.delete(clientId)
      return new Response(null, { status: 204 })
    default:
      return methodNotAllowed(['GET', 'PUT', 'DELETE'])
  }
}

/** Registers a client. */
async function register(ctx: RequestContext, registration: RegistrationState): Promise<Response> {
  const required = registration.initialAccessToken
  if (required !== undefined && bearer(ctx.request) !== required) {
    return jsonResponse(
      { error: 'invalid_token', error_description: 'initial access token required' },
      401,
      {
        'www-authenticate': 'Bearer error="invalid_token"',
      },
    )
  }
  const body = jsonBody(ctx)
  if (body instanceof Response) return body
  const clientId = `dyn-${randomToken(12)}`
  const refused = accept(ctx.state, registration, clientId, body, undefined)
  if (refused) return refused
  registration.tokens.set(clientId, randomToken())
  return answer(ctx, clientId, 201)
}

/** Replaces a client's metadata (RFC 7592 §2.2). */
async function update(
  ctx: RequestContext,
  registration: RegistrationState,
  clientId: string,
): Promise<Response> {
  const body = jsonBody(ctx)
  if (body instanceof Response) return body
  if (body.client_id !== clientId) {
    return registrationError('invalid_request', 'client_id must be the managed client’s')
  }
  for (const member of [
    'registration_access_token',
    'registration_client_uri',
    'client_secret_expires_at',
    'client_id_issued_at',
  ]) {
    if (member in body) return registrationError('invalid_request', `${member} must not be sent`)
  }
  const old = ctx.state.clients.get(clientId)
  if (body.client_secret !== undefined && body.client_secret !== old?.client_secret) {
    return registrationError('invalid_request', 'client_secret does not match')
  }
  const refused = accept(ctx.state, registration, clientId, body, old?.client_secret)
  if (refused) return refused
  return answer(ctx, clientId, 200)
}

/** Validates metadata and stores the client, or answers the error. */
function accept(
  state: OpState,
  registration: RegistrationState,
  clientId: string,
  body: Record<string, unknown>,
  secret: string | undefined,
): Response | undefined {
  const uris = body.redirect_uris
  if (
    !Array.isArray(uris) ||
    uris.length === 0 ||
    !uris.every((uri) => typeof uri === 'string' && URL.canParse(uri) && !uri.includes('#'))
  ) {
    return registrationError(
      'invalid_redirect_uri',
      'redirect_uris must be absolute URLs without fragment',
    )
  }
  const requestUris = body.request_uris
  if (
    requestUris !== undefined &&
    !(
      Array.isArray(requestUris) &&
      requestUris.every((u) => typeof u === 'string' && URL.canParse(u))
    )
  ) {
    return registrationError('invalid_client_metadata', 'request_uris must be absolute URLs')
  }
  if (body.jwks !== undefined && body.jwks_uri !== undefined) {
    return registrationError('invalid_client_metadata', 'jwks and jwks_uri are exclusive')
  }
  if (body.jwks_uri !== undefined) {
    return registrationError('invalid_client_metadata', 'the mock OP takes jwks by value only')
  }
  const own = registration.check?.(body)
  if (own) return registrationError(own.error, own.error_description ?? own.error)
  const method =
    typeof body.token_endpoint_auth_method === 'string'
      ? body.token_endpoint_auth_method
      : 'client_secret_basic'
  const algs = [body.id_token_signed_response_alg, body.userinfo_signed_response_alg]
  const needsSecret =
    SECRET_METHODS.includes(method) ||
    algs.some((alg) => typeof alg === 'string' && alg.startsWith('HS'))
  const { software_statement: _statement, client_secret: _secret, ...metadata } = body
  const client = {
    ...metadata,
    client_id: clientId,
    token_endpoint_auth_method: method,
    ...(needsSecret ? { client_secret: secret ?? randomToken() } : {}),
  } as unknown as MockClient
  try {
    checkClient(client, state.signingAlgs)
  } catch (error) {
    if (error instanceof MockOPError)
      return registrationError('invalid_client_metadata', error.message)
    throw error
  }
  state.clients.set(clientId, client)
  registration.metadata.set(clientId, {
    ...metadata,
    token_endpoint_auth_method: method,
    client_id_issued_at: nowSeconds(state),
  })
  return undefined
}

/** The client's registration, as RFC 7591 §3.2.1 and RFC 7592 §3 describe it, faults applied. */
function answer(ctx: RequestContext, clientId: string, status: number): Response {
  const { state } = ctx
  const registration = state.registration!
  const client = state.clients.get(clientId)!
  const body: Record<string, unknown> = {
    ...registration.metadata.get(clientId),
    client_id: clientId,
    registration_access_token: registration.tokens.get(clientId),
    registration_client_uri: `${state.endpoints.registration}/${encodeURIComponent(clientId)}`,
  }
  if (client.client_secret !== undefined) {
    body.client_secret = client.client_secret
    body.client_secret_expires_at = 0
  }
  const fault = takeFault(state.faults, clientId, (f) =>
    'registration' in f ? f.registration : undefined,
  )
  switch (fault) {
    case 'no-client_id':
      delete body.client_id
      break
    case 'other-client_id':
      body.client_id = 'another-client'
      break
    case 'other-redirect_uris':
      body.redirect_uris = ['https://attacker.example/callback']
      break
    case 'changed-metadata':
      body.client_name = 'Renamed by the OP'
      body.default_max_age = 3600
      break
    case 'id_token-alg-none':
      body.id_token_signed_response_alg = 'none'
      break
    case 'client-uri-elsewhere':
      body.registration_client_uri = `https://elsewhere.example/register/${clientId}`
      break
    case 'no-secret-expiry':
      delete body.client_secret_expires_at
      break
    case 'no-secret':
      delete body.client_secret
      delete body.client_secret_expires_at
      break
  }
  return noStoreJson(body, status)
}

/**
 * `GET /.well-known/webfinger` (RFC 7033 §4): the issuer link for the configured resources.
 * @param ctx - the request
 * @returns the JSON Resource Descriptor, 400 without `resource`, 404 for an unknown resource
 */
export async function handleWebFinger(ctx: RequestContext): Promise<Response> {
  const options = ctx.state.webfinger
  if (options === undefined) return textResponse('not found', 404)
  if (ctx.request.method !== 'GET') return methodNotAllowed(['GET'])
  const resources = ctx.url.searchParams.getAll('resource')
  const resource = resources[0]
  if (resources.length !== 1 || resource === undefined || resource === '') {
    return textResponse('one resource parameter is required', 400)
  }
  const known = Array.isArray(options.resources)
    ? options.resources.includes(resource)
    : options.resources(resource)
  if (!known) return textResponse('unknown resource', 404)
  const rels = ctx.url.searchParams.getAll('rel')
  const jrd: Record<string, unknown> = { subject: resource, links: [] as unknown[] }
  let link: Record<string, unknown> = { rel: ISSUER_REL, href: ctx.state.issuer }
  let type = 'application/jrd+json'
  const fault = takeFault(ctx.state.faults, undefined, (f) =>
    'webfinger' in f ? f.webfinger : undefined,
  )
  switch (fault) {
    case 'http-issuer':
      link = { ...link, href: ctx.state.issuer.replace(/^https:/, 'http:') }
      break
    case 'wrong-rel':
      link = { ...link, rel: 'http://webfinger.net/rel/profile-page' }
      break
    case 'issuer-with-query':
      link = { ...link, href: `${ctx.state.issuer}?tenant=a` }
      break
    case 'issuer-with-fragment':
      link = { ...link, href: `${ctx.state.issuer}#top` }
      break
    case 'two-issuers':
      jrd.links = [{ rel: ISSUER_REL, href: 'https://other-op.example' }]
      break
    case 'links-not-array':
      jrd.links = { rel: ISSUER_REL, href: ctx.state.issuer }
      break
    case 'xrd-content-type':
      type = 'application/xrd+xml'
      break
  }
  // RFC 7033 §4.3: with rel parameters, only the links of those relations are answered
  if (Array.isArray(jrd.links) && (rels.length === 0 || rels.includes(String(link.rel)))) {
    jrd.links = [...(jrd.links as unknown[]), link]
  }
  return new Response(JSON.stringify(jrd), {
    headers: { 'content-type': type, 'access-control-allow-origin': '*' },
  })
}

/** The Bearer token of a request's Authorization header. */
function bearer(request: Request): string | undefined {
  const match = /^Bearer +([^ ]+)$/i.exec(request.headers.get('authorization') ?? '')
  return match?.[1]
}

/** The JSON object body of a request, or the error to answer. */
function jsonBody(ctx: RequestContext): Record<string, unknown> | Response {
  const type = (ctx.request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json')
    return registrationError('invalid_request', 'the body must be application/json')
  let body: unknown
  try {
    body = JSON.parse(ctx.record.rawBody ?? '')
  } catch {
    return registrationError('invalid_request', 'the body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return registrationError('invalid_client_metadata', 'the body is not a JSON object')
  }
  return body as Record<string, unknown>
}

/** An RFC 7591 §3.2.2 error response. */
function registrationError(error: string, description: string): Response {
  return noStoreJson({ error, error_description: description }, 400)
}
