/**
 * The token endpoint's grants without an authorization request.
 *
 * Client credentials (RFC 6749 §4.4), token exchange (RFC 8693 §2) and the JWT bearer grant
 * (RFC 7523 §2.1), each only for a client that registered it in `grant_types`, and the
 * {@link GrantResponseFault}s of their answers. The access tokens they issue are bound to the key
 * of the request's DPoP proof, when it had one (checked by ./token.ts), as the code grant's are.
 *
 * @module
 */

import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'
import { takeFault } from './faults.js'
import { noStoreJson, OAuthFailure } from './http.js'
import { currentKid, signCompact, signingMaterial } from './keys.js'
import { type Grant, nowSeconds, type OpState, type RequestContext } from './state.js'
import { accessTokenType, issueAccessToken, issueIdToken } from './tokens.js'
import type { MockClient } from './types.js'

/** The grant types of this module. */
export const CLIENT_CREDENTIALS = 'client_credentials'
/** RFC 8693 §2.1. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 7523 §2.1. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

const TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:'
const ACCESS_TOKEN_TYPE = `${TOKEN_TYPE}access_token`
const REFRESH_TOKEN_TYPE = `${TOKEN_TYPE}refresh_token`
const JWT_TOKEN_TYPE = `${TOKEN_TYPE}jwt`
/** The token type identifiers of RFC 8693 §3: any other is refused as malformed. */
const KNOWN_TOKEN_TYPES = new Set(
  ['access_token', 'refresh_token', 'id_token', 'jwt', 'saml1', 'saml2'].map((t) => TOKEN_TYPE + t),
)

/**
 * Answers one of this module's grants, or `undefined` when `grant_type` is none of them.
 * @param ctx - the request
 * @param client - the authenticated client
 * @param grantType - the request's `grant_type`
 * @param jkt - the thumbprint of the request's checked DPoP proof key, if it had a proof
 * @returns the token response
 */
export async function handleExtensionGrant(
  ctx: RequestContext,
  client: MockClient,
  grantType: string,
  jkt: string | undefined,
): Promise<Response | undefined> {
  const handler = HANDLERS[grantType]
  if (handler === undefined) return undefined
  if (!(client.grant_types ?? []).includes(grantType)) {
    throw new OAuthFailure('unauthorized_client', `the client may not use ${grantType}`)
  }
  const body = await handler(ctx, client, jkt)
  await applyFaults(ctx.state, client, body)
  return noStoreJson(body)
}

type GrantHandler = (
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
) => Promise<Record<string, unknown>>

const HANDLERS: Readonly<Record<string, GrantHandler>> = {
  [CLIENT_CREDENTIALS]: clientCredentials,
  [TOKEN_EXCHANGE]: tokenExchange,
  [JWT_BEARER]: jwtBearer,
}

/** RFC 6749 §4.4: confidential clients only; the token's subject is the client; no refresh. */
async function clientCredentials(
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
): Promise<Record<string, unknown>> {
  if (client.token_endpoint_auth_method === 'none') {
    throw new OAuthFailure('unauthorized_client', 'a public client cannot use client_credentials')
  }
  return accessTokenBody(ctx.state, grantFor(ctx, client, client.client_id, '', jkt))
}

/**
 * RFC 8693 §2.1-2.2: the subject (and actor) token must be one this OP issued, of the type named.
 *
 * Issues an access token (default; `Bearer`, or `DPoP` bound to the proof's key) or, for
 * `requested_token_type` jwt, a JWT signed by the OP with `token_type` `N_A` (with `act` for a
 * delegation; not an access token, so not bound, RFC 8693 §2.2.1).
 */
async function tokenExchange(
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
): Promise<Record<string, unknown>> {
  const { form, state } = ctx
  const subject = presentedToken(state, form, 'subject')
  if (subject === undefined) throw new OAuthFailure('invalid_request', 'subject_token is missing')
  const actor = presentedToken(state, form, 'actor')
  const asked = form.get('scope')
  if (asked !== null && !asked.split(' ').every((s) => subject.scope.split(' ').includes(s))) {
    throw new OAuthFailure('invalid_scope', 'scope exceeds the subject token’s')
  }
  const requested = form.get('requested_token_type') ?? ACCESS_TOKEN_TYPE
  const grant = grantFor(ctx, client, subject.sub, subject.scope, jkt)
  if (requested === ACCESS_TOKEN_TYPE) {
    return { ...accessTokenBody(state, grant), issued_token_type: ACCESS_TOKEN_TYPE }
  }
  if (requested !== JWT_TOKEN_TYPE) {
    throw new OAuthFailure(
      'invalid_request',
      `requested_token_type ${requested} is not issued here`,
    )
  }
  const now = nowSeconds(state)
  const audience = form.getAll('audience')
  const claims: Record<string, unknown> = {
    iss: state.issuer,
    sub: subject.sub,
    aud: audience.length === 0 ? client.client_id : audience.length === 1 ? audience[0] : audience,
    iat: now,
    exp: now + state.accessTokenTtl,
    scope: grant.scope,
    ...(actor === undefined ? {} : { act: { sub: actor.sub } }),
  }
  const alg = state.signingAlgs[0] ?? 'RS256'
  const kid = currentKid(state.keys, alg)
  const jwt = await signCompact(
    claims,
    { alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) },
    signingMaterial(state.keys, alg, undefined),
  )
  return {
    access_token: jwt,
    issued_token_type: JWT_TOKEN_TYPE,
    token_type: 'N_A',
    expires_in: state.accessTokenTtl,
    scope: grant.scope,
  }
}

/** The subject or actor token of an exchange: known type, issued here, unexpired. */
function presentedToken(
  state: OpState,
  form: URLSearchParams,
  role: 'subject' | 'actor',
): Grant | undefined {
  const value = form.get(`${role}_token`)
  const type = form.get(`${role}_token_type`)
  if (value === null) {
    if (type !== null)
      throw new OAuthFailure('invalid_request', `${role}_token_type without ${role}_token`)
    return undefined
  }
  if (type === null) throw new OAuthFailure('invalid_request', `${role}_token_type is missing`)
  if (!KNOWN_TOKEN_TYPES.has(type)) {
    throw new OAuthFailure('invalid_request', `${role}_token_type is not a token type of RFC 8693`)
  }
  let grant: Grant | undefined
  if (type === ACCESS_TOKEN_TYPE) {
    const found = state.accessTokens.get(value)
    grant = found !== undefined && found.expiresAt > state.now() ? found : undefined
  } else if (type === REFRESH_TOKEN_TYPE) {
    grant = state.refreshTokens.get(value)
  } else {
    throw new OAuthFailure('invalid_request', `${role}_token_type ${type} is not accepted here`)
  }
  if (grant === undefined) {
    throw new OAuthFailure('invalid_request', `${role}_token is not a valid token of its type`)
  }
  return grant
}

/**
 * RFC 7523 §2.1, §3: a JWT of a registered issuer, for this OP, unexpired, with a `sub`.
 *
 * The issuer is one of `jwtBearerIssuers`, `aud` the issuer or the token endpoint.
 */
async function jwtBearer(
  ctx: RequestContext,
  client: MockClient,
  jkt: string | undefined,
): Promise<Record<string, unknown>> {
  const { state, form } = ctx
  const assertion = form.get('assertion')
  if (assertion === null) throw new OAuthFailure('invalid_request', 'assertion is missing')
  const invalid = (why: string) => new OAuthFailure('invalid_grant', why)
  let issuer: unknown
  try {
    issuer = decodeJwt(assertion).iss
  } catch {
    throw invalid('the assertion is not a JWT')
  }
  const keys = typeof issuer === 'string' ? state.jwtBearerIssuers.get(issuer) : undefined
  if (keys === undefined) throw invalid('the assertion’s issuer is not trusted')
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys }), {
      issuer: issuer as string,
      audience: [state.issuer, state.endpoints.token],
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(state.now()),
    })
    return accessTokenBody(
      state,
      grantFor(ctx, client, String(payload.sub), form.get('scope') ?? '', jkt),
    )
  } catch (error) {
    if (!(error instanceof joseErrors.JOSEError)) throw error
    throw invalid(`the assertion is refused (${error.code})`)
  }
}

/**
 * A grant with no sign-in behind it: the scope asked for, else `scope`.
 *
 * Bound to the DPoP key `jkt` when the request had a proof (RFC 9449 §5).
 */
function grantFor(
  ctx: RequestContext,
  client: MockClient,
  sub: string,
  scope: string,
  jkt: string | undefined,
): Grant {
  return {
    clientId: client.client_id,
    sub,
    scope: ctx.form.get('scope') ?? scope,
    authTime: nowSeconds(ctx.state),
    includeAuthTime: false,
    claims: {},
    ...(jkt === undefined ? {} : { jkt }),
  }
}

/**
 * An access token response without refresh token or ID token (RFC 6749 §4.4.3, §5.1).
 *
 * `DPoP` for a token bound to a key (RFC 9449 §5), unless the `bearer-token-type` fault says
 * `Bearer`.
 */
function accessTokenBody(state: OpState, grant: Grant): Record<string, unknown> {
  return {
    access_token: issueAccessToken(state, grant),
    token_type: accessTokenType(state, grant),
    expires_in: state.accessTokenTtl,
    ...(grant.scope === '' ? {} : { scope: grant.scope }),
  }
}

/** The pending {@link GrantResponseFault} of the client, applied to its answer. */
async function applyFaults(
  state: OpState,
  client: MockClient,
  body: Record<string, unknown>,
): Promise<void> {
  const fault = takeFault(state.faults, client.client_id, (f) =>
    'grantResponse' in f ? f.grantResponse : undefined,
  )
  if (fault === 'no-issued_token_type') delete body.issued_token_type
  if (fault === 'access-token-as-N_A') {
    body.issued_token_type = ACCESS_TOKEN_TYPE
    body.token_type = 'N_A'
  }
  if (fault === 'with-id_token') {
    const grant: Grant = {
      clientId: client.client_id,
      sub: client.client_id,
      scope: '',
      authTime: nowSeconds(state),
      includeAuthTime: false,
      claims: {},
    }
    body.id_token = await issueIdToken(state, {
      client,
      endpoint: 'token',
      grant,
      includeNonce: false,
      withScopeClaims: false,
    })
  }
}
