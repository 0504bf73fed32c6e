/**
 * Mutual TLS at the mock OP (RFC 8705).
 *
 * The certificate a request's "connection" presented, the two TLS client authentication methods,
 * and certificate-bound access tokens.
 *
 * The mock has no TLS: `MockOPOptions.clientCertificate` tells it which certificate the test's
 * fetch presented, and it reads one only at the `mtls_endpoint_aliases` (as an OP that asks for
 * certificates on its mutual-TLS host only).
 *
 * @module
 */

import { base64url } from 'jose'
import { takeFault } from './faults.js'
import { OAuthFailure, randomToken } from './http.js'
import type { OpState, RequestContext } from './state.js'
import type { ClientAuthMethod, MockClient } from './types.js'

/** The two mutual-TLS client authentication methods (RFC 8705 §2.1, §2.2). */
export const MTLS_METHODS: readonly ClientAuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
]

/** The endpoints with a mutual-TLS alias. */
export type AliasedEndpoint = 'token' | 'par' | 'userinfo'

/**
 * The SHA-256 thumbprint of a certificate (RFC 8705 §3.1 `x5t#S256`), base64url.
 * @param certificate - a PEM certificate, or already its thumbprint (returned as it is)
 * @returns the thumbprint
 */
export async function certificateThumbprint(certificate: string): Promise<string> {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(certificate)
  if (pem === null) return certificate.trim()
  const der = Uint8Array.from(atob((pem[1] as string).replace(/\s+/g, '')), (c) => c.charCodeAt(0))
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', der)))
}

/**
 * The thumbprint of the certificate a request to a mutual-TLS alias presented.
 *
 * The `{ mtls: 'aliases-ignored' }` fault reads none.
 *
 * @param ctx - the request (to an alias: the router asks nowhere else)
 * @param clientId - the client the request names, to scope the fault
 * @returns the thumbprint, or undefined
 */
export async function presentedCertificate(
  ctx: RequestContext,
  clientId: string | undefined,
): Promise<string | undefined> {
  const { state } = ctx
  if (state.clientCertificate === undefined) return undefined
  const ignored = takeFault(state.faults, clientId, (f) =>
    'mtls' in f && f.mtls === 'aliases-ignored' ? true : undefined,
  )
  if (ignored) return undefined
  const presented = await state.clientCertificate(ctx.request)
  return presented === undefined ? undefined : certificateThumbprint(presented)
}

/**
 * Checks a TLS client authentication (RFC 8705 §2).
 *
 * A certificate was presented, and it is one registered for the client
 * (`MockClient.tls_client_certificates`).
 * @param ctx - the request
 * @param client - the client the request names
 */
export async function verifyTlsClient(ctx: RequestContext, client: MockClient): Promise<void> {
  const invalid = (description: string) => new OAuthFailure('invalid_client', description, 401)
  if (ctx.certificate === undefined) {
    throw invalid('no client certificate was presented (use the mtls_endpoint_aliases)')
  }
  const registered = await Promise.all(
    (client.tls_client_certificates ?? []).map(certificateThumbprint),
  )
  if (!registered.includes(ctx.certificate)) {
    throw invalid('the client certificate is not the one registered for this client')
  }
}

/**
 * The certificate an access token issued now is bound to (RFC 8705 §3).
 *
 * The presented one when the client asked for bound tokens, another under the
 * `bound-to-other-certificate` fault.
 * @param ctx - the token request
 * @param client - the authenticated client
 * @returns the `x5t#S256` thumbprint, or undefined for an unbound token
 */
export function accessTokenBinding(ctx: RequestContext, client: MockClient): string | undefined {
  if (client.tls_client_certificate_bound_access_tokens !== true) return undefined
  if (ctx.certificate === undefined) {
    throw new OAuthFailure(
      'invalid_grant',
      'certificate-bound tokens need a client certificate (use the mtls_endpoint_aliases)',
    )
  }
  const other = takeFault(ctx.state.faults, client.client_id, (f) =>
    'mtls' in f && f.mtls === 'bound-to-other-certificate' ? true : undefined,
  )
  return other ? randomToken() : ctx.certificate
}

/**
 * The mutual-TLS aliases of the OP's endpoints, as the metadata lists them.
 * @param state - the OP state
 * @returns `mtls_endpoint_aliases`
 */
export function aliasMetadata(state: OpState): Record<string, string> {
  const aliases = state.mtlsEndpoints
  return {
    token_endpoint: aliases.token,
    pushed_authorization_request_endpoint: aliases.par,
    userinfo_endpoint: aliases.userinfo,
  }
}
