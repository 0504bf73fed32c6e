/**
 * The authorization endpoint (OIDC Core §3.1.2, §3.2.2, §3.3.2).
 *
 * Resolves request objects (by value or by reference) and pushed requests, checks the request, and
 * issues code, ID token and access token.
 *
 * @module
 */

import {
  checkAuthorizationParams,
  isRegisteredRedirect,
  normalizeResponseType,
} from './authorization-checks.js'
import { deliver, isJarmMode, responseModeOf } from './authorization-response.js'
import { parseClaimsParameter, requestedAcrClaim } from './claims.js'
import { checkProfileAuthorization } from './fapi.js'
import { type AuthorizationResponseFault, takeFault } from './faults.js'
import { OAuthFailure, randomToken, repeatedParameter } from './http.js'
import { jarmParameters } from './jarm.js'
import { trackSession } from './logout.js'
import { advertisesIssParameter } from './metadata.js'
import { MockOPError } from './mock-op-error.js'
import { mergeRequestObject, readRequestObject } from './request-object.js'
import { fetchRequestUri } from './request-uri.js'
import { type Grant, nowSeconds, type OpState, requireClient } from './state.js'
import { issueAccessToken, issueIdToken } from './tokens.js'
import type {
  AuthorizationResponse,
  AuthorizeOptions,
  MockClient,
  RecordedRequest,
} from './types.js'

/** The prefix of request_uri values the PAR endpoint issues (RFC 9126 §2.2). */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:'

/** Lifetime of authorization codes in milliseconds. */
const CODE_TTL_MS = 60_000

/**
 * Runs an authorization request as a user, like the OP's login and consent pages would.
 * @param state - the OP state
 * @param url - the authorization URL
 * @param options - the user and how they authenticate
 * @param record - the recorded request (gets the request object)
 * @returns what the browser does next
 * @throws MockOPError where a real OP shows an error page
 */
export async function runAuthorization(
  state: OpState,
  url: URL,
  options: AuthorizeOptions,
  record: RecordedRequest,
): Promise<AuthorizationResponse> {
  const query = Object.fromEntries(url.searchParams)
  const client = requireClient(state, query.client_id)
  let params: Record<string, string>
  try {
    checkProfileAuthorization(state.securityProfile, Object.fromEntries(url.searchParams), {
      at: 'front',
    })
    params = await resolveParams(state, client, url.searchParams, record)
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error
    const fallback = query.redirect_uri
    if (fallback === undefined || !isRegisteredRedirect(client, fallback)) {
      throw new MockOPError(`${error.error}: ${error.message}`)
    }
    return respond(state, client, fallback, query, errorParams(state, error, query.state))
  }
  const redirectUri = params.redirect_uri
  if (redirectUri === undefined || !isRegisteredRedirect(client, redirectUri)) {
    throw new MockOPError(
      `redirect_uri "${redirectUri ?? ''}" is not registered for ${client.client_id}`,
    )
  }
  const reply = (response: URLSearchParams) => respond(state, client, redirectUri, params, response)
  const fault = takeFault(state.faults, client.client_id, (f) =>
    'oauthError' in f && f.oauthError.endpoint === 'authorization' ? f.oauthError : undefined,
  )
  if (fault) return reply(errorParams(state, fault, params.state))
  try {
    checkAuthorizationParams(client, params)
    if (params.prompt?.split(' ').includes('none')) {
      throw new OAuthFailure('login_required', 'the end-user is not signed in at the OP')
    }
    if (options.deny) throw new OAuthFailure('access_denied', 'the end-user refused the request')
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error
    return reply(errorParams(state, error, params.state))
  }
  if (state.users[options.user] === undefined)
    throw new MockOPError(`unknown user "${options.user}"`)
  return reply(await issue(state, client, params, options))
}

/**
 * Delivers a response in the request's response mode, signed (and encrypted) in a JARM mode.
 * @param state - the OP state
 * @param client - the client
 * @param redirectUri - the registered redirect URI
 * @param request - the authorization request parameters (`response_mode`, `response_type`)
 * @param response - the response parameters
 * @returns what the browser does next
 */
async function respond(
  state: OpState,
  client: MockClient,
  redirectUri: string,
  request: Record<string, string>,
  response: URLSearchParams,
): Promise<AuthorizationResponse> {
  const mode = responseModeOf(request)
  const params = isJarmMode(mode) ? await jarmParameters(state, client, response) : response
  return deliver(redirectUri, mode, params)
}

/**
 * The error parameters of an authorization error response (RFC 6749 §4.1.2.1, RFC 9207).
 * @param state - the OP state
 * @param error - the error and its description and URI
 * @param stateValue - the request's `state`
 * @returns the response parameters
 */
export function errorParams(
  state: OpState,
  error: OAuthFailure | { error: string; error_description?: string; error_uri?: string },
  stateValue: string | undefined,
): URLSearchParams {
  const params = new URLSearchParams({ error: error.error })
  const description = error instanceof OAuthFailure ? error.message : error.error_description
  if (description !== undefined) params.set('error_description', description)
  if (!(error instanceof OAuthFailure) && error.error_uri !== undefined) {
    params.set('error_uri', error.error_uri)
  }
  if (stateValue !== undefined) params.set('state', stateValue)
  if (advertisesIssParameter(state)) params.set('iss', state.issuer)
  return params
}

/** The effective parameters: the query, a request object merged over it, or a pushed request. */
async function resolveParams(
  state: OpState,
  client: MockClient,
  query: URLSearchParams,
  record: RecordedRequest,
): Promise<Record<string, string>> {
  const repeated = repeatedParameter(query)
  if (repeated !== undefined) throw new OAuthFailure('invalid_request', `${repeated} is repeated`)
  const params = Object.fromEntries(query)
  if (params.request_uri !== undefined) {
    if (params.request !== undefined)
      throw new OAuthFailure('invalid_request', 'request and request_uri')
    if (params.request_uri.startsWith(REQUEST_URI_PREFIX)) {
      return takePushedRequest(state, client, params.request_uri)
    }
  }
  const request =
    params.request_uri === undefined
      ? params.request
      : await fetchRequestUri(state, client, params.request_uri, record)
  if (request === undefined) return params
  const object = await readRequestObject(state, client, request)
  record.requestObject = object.record
  return mergeRequestObject(params, object.params)
}

/** Takes a pushed request (one-time use, RFC 9126 §4). */
function takePushedRequest(
  state: OpState,
  client: MockClient,
  uri: string,
): Record<string, string> {
  const pushed = state.pushed.get(uri)
  if (!pushed || pushed.clientId !== client.client_id) {
    throw new OAuthFailure('invalid_request_uri', 'unknown or already used request_uri')
  }
  state.pushed.delete(uri)
  if (pushed.expiresAt <= state.now())
    throw new OAuthFailure('invalid_request_uri', 'request_uri expired')
  return { ...pushed.params, client_id: client.client_id }
}

/** Issues the code, access token and ID token the response type asks for. */
async function issue(
  state: OpState,
  client: MockClient,
  params: Record<string, string>,
  options: AuthorizeOptions,
): Promise<URLSearchParams> {
  const types = normalizeResponseType(params.response_type ?? '').split(' ')
  const grant = grantOf(state, client, params, options)
  if (grant.sid !== undefined) trackSession(state, grant.sid, grant.sub, client.client_id)
  const out = new URLSearchParams()
  let code: string | undefined
  let accessToken: string | undefined
  if (types.includes('code')) {
    code = randomToken()
    state.codes.set(code, {
      ...grant,
      redirectUri: params.redirect_uri ?? '',
      ...(params.code_challenge === undefined ? {} : { codeChallenge: params.code_challenge }),
      ...(params.dpop_jkt === undefined ? {} : { dpopJkt: params.dpop_jkt }),
      expiresAt: state.now() + CODE_TTL_MS,
      used: false,
      issued: [],
    })
    out.set('code', code)
  }
  if (types.includes('token')) {
    accessToken = issueAccessToken(state, grant)
    out.set('access_token', accessToken)
    out.set('token_type', 'Bearer')
    out.set('expires_in', String(state.accessTokenTtl))
  }
  if (types.includes('id_token')) {
    const idToken = await issueIdToken(state, {
      client,
      endpoint: 'authorization',
      grant,
      ...(accessToken === undefined ? {} : { accessToken }),
      ...(code === undefined ? {} : { code }),
      includeNonce: true,
      withScopeClaims: accessToken === undefined && code === undefined,
    })
    out.set('id_token', idToken)
  }
  if (accessToken !== undefined) {
    const fault = takeFault(state.faults, client.client_id, (f) =>
      'authorizationResponse' in f ? f.authorizationResponse : undefined,
    )
    if (fault !== undefined) spoilTokenParameters(out, fault)
  }
  if (params.state !== undefined) out.set('state', params.state)
  if (advertisesIssParameter(state)) out.set('iss', state.issuer)
  return out
}

/** An {@link AuthorizationResponseFault}: the access token's parameters, one part broken. */
function spoilTokenParameters(out: URLSearchParams, fault: AuthorizationResponseFault): void {
  if (fault === 'no-access_token') out.delete('access_token')
  else if (fault === 'no-token_type') out.delete('token_type')
  else out.set('token_type', 'mac')
}

/** What the user grants: scope, nonce, auth_time rule, acr, amr, sid, claims. */
function grantOf(
  state: OpState,
  client: MockClient,
  params: Record<string, string>,
  options: AuthorizeOptions,
): Grant {
  const claims = parseClaimsParameter(params.claims) ?? {}
  const requestedAcr = [
    ...(params.acr_values ?? '').split(' ').filter(Boolean),
    ...requestedAcrClaim(claims),
  ]
  const acr = options.acr ?? requestedAcr[0]
  const includeAuthTime =
    params.max_age !== undefined ||
    (claims.id_token !== undefined && 'auth_time' in claims.id_token) ||
    options.authTime !== undefined
  return {
    clientId: client.client_id,
    sub: options.user,
    scope: params.scope ?? 'openid',
    ...(params.nonce === undefined ? {} : { nonce: params.nonce }),
    authTime: options.authTime ?? nowSeconds(state),
    includeAuthTime,
    ...(acr === undefined ? {} : { acr }),
    ...(options.amr === undefined ? {} : { amr: options.amr }),
    ...(options.sid === undefined ? {} : { sid: options.sid }),
    claims,
  }
}
