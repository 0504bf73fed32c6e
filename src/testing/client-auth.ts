/**
 * Client authentication at the token and PAR endpoints.
 *
 * The five methods of OIDC Core §9 and the two of RFC 8705 §2, each checked as a real OP checks it.
 *
 * @module
 */

import { decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose'
import { isForm, OAuthFailure, oauthErrorResponse } from './http.js'
import { ASYMMETRIC_ALGS, HMAC_ALGS, verifyWithClientKeys } from './jwt.js'
import { MTLS_METHODS, verifyTlsClient } from './mtls.js'
import { nowSeconds, type RequestContext } from './state.js'
import type { ClientAuthMethod, MockClient } from './types.js'

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** The result of client authentication: the client, or the error response to send. */
export type ClientAuthResult =
  | { client: MockClient; method: ClientAuthMethod }
  | { response: Response }

/** A method the request used and the client_id it names. */
interface Attempt {
  method: ClientAuthMethod
  clientId: string | undefined
  secret?: string
  assertion?: string
}

/**
 * Authenticates the client of a token or PAR request.
 * @param ctx - the request
 * @param audiences - the `aud` values a client assertion may carry
 * @returns the authenticated client, or a 400/401 error response
 */
export async function authenticateClient(
  ctx: RequestContext,
  audiences: string[],
): Promise<ClientAuthResult> {
  const attempts = detect(ctx)
  const first = attempts[0]
  if (first) ctx.record.clientAuthMethod = first.method
  const basic = first?.method === 'client_secret_basic'
  try {
    if (!first) throw new OAuthFailure('invalid_client', 'no client authentication', 401)
    if (attempts.length > 1) {
      throw new OAuthFailure('invalid_request', 'more than one client authentication method used')
    }
    const { client, method } = await verify(ctx, first, audiences)
    ctx.record.clientAuthMethod = method
    return { client, method }
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error
    const challenge: Record<string, string> =
      basic && error.status === 401
        ? { 'www-authenticate': `Basic realm="${ctx.state.issuer}"` }
        : {}
    return { response: oauthErrorResponse(error, challenge) }
  }
}

/**
 * The client_id a token or PAR request names, without verifying anything (to scope faults).
 * @param ctx - the request
 * @returns the client_id, if one is named
 */
export function namedClientId(ctx: RequestContext): string | undefined {
  return detect(ctx)[0]?.clientId ?? ctx.form.get('client_id') ?? undefined
}

/** The authentication methods a request used. */
function detect(ctx: RequestContext): Attempt[] {
  const { form } = ctx
  const attempts: Attempt[] = []
  const authorization = ctx.request.headers.get('authorization') ?? ''
  if (/^basic /i.test(authorization)) attempts.push(parseBasic(authorization.slice(6).trim()))
  const assertion = form.get('client_assertion')
  if (assertion !== null || form.has('client_assertion_type')) {
    attempts.push(assertionAttempt(assertion ?? '', form.get('client_id')))
  }
  const secret = form.get('client_secret')
  if (secret !== null) {
    attempts.push({
      method: 'client_secret_post',
      clientId: form.get('client_id') ?? undefined,
      secret,
    })
  }
  if (attempts.length === 0 && form.has('client_id') && isForm(ctx.request)) {
    attempts.push({ method: 'none', clientId: form.get('client_id') ?? undefined })
  }
  return attempts
}

/** Reads `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function parseBasic(credentials: string): Attempt {
  try {
    const bytes = Uint8Array.from(atob(credentials), (c) => c.charCodeAt(0))
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    const colon = text.indexOf(':')
    if (colon < 0) return { method: 'client_secret_basic', clientId: undefined }
    const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))
    return {
      method: 'client_secret_basic',
      clientId: decode(text.slice(0, colon)),
      secret: decode(text.slice(colon + 1)),
    }
  } catch {
    return { method: 'client_secret_basic', clientId: undefined }
  }
}

/** A JWT client assertion: HS* means client_secret_jwt, anything else private_key_jwt. */
function assertionAttempt(assertion: string, bodyClientId: string | null): Attempt {
  let alg = ''
  let claimed: string | undefined
  try {
    alg = decodeProtectedHeader(assertion).alg ?? ''
    const payload = decodeJwt(assertion)
    claimed = typeof payload.sub === 'string' ? payload.sub : undefined
  } catch {}
  const method = HMAC_ALGS.includes(alg) ? 'client_secret_jwt' : 'private_key_jwt'
  return { method, clientId: claimed ?? bodyClientId ?? undefined, assertion }
}

/**
 * Verifies one attempt against the registered client.
 *
 * A form with only `client_id` is `none`, or TLS client authentication for a client registered
 * for it (RFC 8705 §2: the certificate authenticates).
 */
async function verify(
  ctx: RequestContext,
  attempt: Attempt,
  audiences: string[],
): Promise<{ client: MockClient; method: ClientAuthMethod }> {
  const { state, form } = ctx
  const invalid = (description: string) => new OAuthFailure('invalid_client', description, 401)
  const client = attempt.clientId === undefined ? undefined : state.clients.get(attempt.clientId)
  if (!client) throw invalid('unknown client or malformed credentials')
  const registered = client.token_endpoint_auth_method ?? 'client_secret_basic'
  const method =
    attempt.method === 'none' && MTLS_METHODS.includes(registered) ? registered : attempt.method
  if (registered !== method) {
    throw invalid(`client is registered for ${registered}, not ${method}`)
  }
  const bodyClientId = form.get('client_id')
  if (bodyClientId !== null && bodyClientId !== client.client_id)
    throw invalid('client_id mismatch')
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (client.client_secret === undefined || attempt.secret !== client.client_secret) {
        throw invalid('wrong client secret')
      }
      break
    case 'client_secret_jwt':
    case 'private_key_jwt':
      if (form.get('client_assertion_type') !== JWT_BEARER)
        throw invalid('wrong client_assertion_type')
      await verifyAssertion(ctx, client, attempt, audiences)
      break
    case 'none':
      break
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      await verifyTlsClient(ctx, client)
      break
  }
  return { client, method }
}

/** Checks a client assertion (RFC 7523 §3): signature, iss, sub, aud, exp, jti not replayed. */
async function verifyAssertion(
  ctx: RequestContext,
  client: MockClient,
  attempt: Attempt,
  audiences: string[],
): Promise<void> {
  const { state } = ctx
  const invalid = (description: string) => new OAuthFailure('invalid_client', description, 401)
  const options = { currentDate: new Date(state.now()), clockTolerance: 5 }
  let payload: JWTPayload
  try {
    if (attempt.method === 'client_secret_jwt') {
      if (client.client_secret === undefined) throw invalid('client has no secret')
      const secret = new TextEncoder().encode(client.client_secret)
      payload = (
        await jwtVerify(attempt.assertion ?? '', secret, { ...options, algorithms: HMAC_ALGS })
      ).payload
    } else {
      const verifyOptions = { ...options, algorithms: ASYMMETRIC_ALGS }
      payload = await verifyWithClientKeys(attempt.assertion ?? '', client, verifyOptions)
    }
  } catch (error) {
    if (error instanceof OAuthFailure) throw error
    throw invalid(`client assertion rejected: ${(error as Error).message}`)
  }
  if (payload.iss !== client.client_id || payload.sub !== client.client_id) {
    throw invalid('client assertion iss and sub must be the client_id')
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  if (!aud.some((value) => typeof value === 'string' && audiences.includes(value))) {
    throw invalid(`client assertion aud must be one of ${audiences.join(', ')}`)
  }
  if (typeof payload.exp !== 'number') throw invalid('client assertion has no exp')
  if (typeof payload.jti !== 'string' || payload.jti === '')
    throw invalid('client assertion has no jti')
  const jtiKey = `${client.client_id} ${payload.jti}`
  if (state.jtis.has(jtiKey)) throw invalid('client assertion jti was already used')
  state.jtis.set(jtiKey, payload.exp)
  for (const [key, exp] of state.jtis) if (exp < nowSeconds(state) - 60) state.jtis.delete(key)
}
