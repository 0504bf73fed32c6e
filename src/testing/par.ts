/**
 * The pushed authorization request endpoint (RFC 9126).
 *
 * Client authentication as at the token endpoint, the authorization checks, and a one-time
 * `request_uri`.
 *
 * @module
 */

import { checkAuthorizationParams, isRegisteredRedirect } from './authorization-checks.js'
import { REQUEST_URI_PREFIX } from './authorize.js'
import { authenticateClient } from './client-auth.js'
import { checkDPoPProof, DPoPFailure, nonceHeaders } from './dpop.js'
import { checkProfileAuthorization } from './fapi.js'
import {
  isForm,
  methodNotAllowed,
  noStoreJson,
  OAuthFailure,
  oauthErrorResponse,
  randomToken,
  repeatedParameter,
} from './http.js'
import { mergeRequestObject, readRequestObject } from './request-object.js'
import type { RequestContext } from './state.js'

/** Lifetime of a pushed request in seconds. */
const PAR_TTL_SECONDS = 60

/** Client authentication parameters, not stored with the request. */
const AUTH_PARAMS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type']

/**
 * `POST /par`.
 * @param ctx - the request
 * @returns 201 with `request_uri` and `expires_in`, or an OAuth error
 */
export async function handlePar(ctx: RequestContext): Promise<Response> {
  if (ctx.request.method !== 'POST') return methodNotAllowed(['POST'])
  const { state } = ctx
  try {
    if (!isForm(ctx.request)) {
      throw new OAuthFailure(
        'invalid_request',
        'the body must be application/x-www-form-urlencoded',
      )
    }
    const repeated = repeatedParameter(ctx.form)
    if (repeated !== undefined) throw new OAuthFailure('invalid_request', `${repeated} is repeated`)
    const audiences = state.strictAssertionAudience
      ? [state.endpoints.par]
      : [state.endpoints.token, state.issuer, state.endpoints.par]
    const auth = await authenticateClient(ctx, audiences)
    if ('response' in auth) return auth.response
    const { client } = auth
    const params = Object.fromEntries(ctx.form)
    for (const name of AUTH_PARAMS) delete params[name]
    if (params.request_uri !== undefined) {
      throw new OAuthFailure('invalid_request', 'request_uri is not allowed at the PAR endpoint')
    }
    let effective = params
    if (params.request !== undefined) {
      const object = await readRequestObject(state, client, params.request)
      ctx.record.requestObject = object.record
      effective = mergeRequestObject(params, object.params)
    }
    if (!isRegisteredRedirect(client, effective.redirect_uri)) {
      throw new OAuthFailure('invalid_request', 'redirect_uri is not registered for this client')
    }
    // RFC 9449 §10.1: a proof at PAR binds the code to its key, as dpop_jkt does
    const jkt = await checkDPoPProof(ctx, { clientId: client.client_id })
    if (jkt !== undefined) {
      ctx.record.dpopJkt = jkt
      if (effective.dpop_jkt !== undefined && effective.dpop_jkt !== jkt) {
        throw new OAuthFailure('invalid_request', 'dpop_jkt is not the DPoP proof key')
      }
      effective = { ...effective, dpop_jkt: jkt }
    }
    checkAuthorizationParams(client, effective)
    checkProfileAuthorization(state.securityProfile, effective, {
      at: 'par',
      signed: ctx.record.requestObject !== undefined && ctx.record.requestObject.alg !== 'none',
    })
    const requestUri = `${REQUEST_URI_PREFIX}${randomToken()}`
    state.pushed.set(requestUri, {
      clientId: client.client_id,
      params: effective,
      expiresAt: state.now() + PAR_TTL_SECONDS * 1000,
    })
    const response = noStoreJson({ request_uri: requestUri, expires_in: PAR_TTL_SECONDS }, 201)
    for (const [name, value] of Object.entries(nonceHeaders(state)))
      response.headers.set(name, value)
    return response
  } catch (error) {
    if (error instanceof OAuthFailure) return oauthErrorResponse(error, nonceHeaders(state))
    if (error instanceof DPoPFailure) {
      return oauthErrorResponse(
        new OAuthFailure(error.error, error.message),
        error.sendNonce ? nonceHeaders(state, error.error === 'use_dpop_nonce') : {},
      )
    }
    throw error
  }
}
