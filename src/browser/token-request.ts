/**
 * A page's requests to the token endpoint, and the ID tokens they bring.
 *
 * A public client's form (its `client_id` in it, no secret), the strict reading of the answer, and
 * the ID token verified and checked with the core's rules. The callback and the refresh use both.
 *
 * @module
 */

import { UsageError } from '../errors.js'
import {
  readTokenResponse,
  type TokenEndpointResponse,
  type TokenResponseExpectations,
} from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import { FORM_HEADERS, httpRequest } from '../lib/http.js'
import { checkIdTokenClaims, type IdTokenRules, verifyIdToken } from '../lib/id-token-checks.js'
import { httpOptionsOf, type PageConfiguration, pageRuntimeOf } from './configuration.js'

/**
 * Posts a grant's form to the token endpoint as a public client, and reads the answer.
 * @param config - the page's configuration
 * @param form - the grant's form
 * @param expect - what the grant expects of an ID token in the answer
 * @param signal - aborts the request
 * @returns the checked token response
 * @throws `UsageError` `ENDPOINT_MISSING`
 * @throws `OAuthResponseError` `TOKEN_ERROR_RESPONSE`
 * @throws `ValidationError` `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNEXPECTED`
 * @throws `TransportError` `HTTP_*`
 * @internal
 */
export async function sendTokenForm(
  config: PageConfiguration,
  form: URLSearchParams,
  expect: TokenResponseExpectations['idToken'],
  signal: AbortSignal | undefined,
): Promise<TokenEndpointResponse> {
  const endpoint = config.provider.token_endpoint
  if (endpoint === undefined) {
    throw new UsageError('ENDPOINT_MISSING', 'the OP has no token_endpoint', {
      parameter: 'token_endpoint',
    })
  }
  // a public client names itself in the form (RFC 6749 §2.3, §4.1.3, §6)
  form.set('client_id', config.client.client_id)
  const response = await httpRequest(
    new URL(endpoint),
    { method: 'POST', headers: FORM_HEADERS, body: form.toString() },
    httpOptionsOf(config, 'token', signal),
  )
  return readTokenResponse(response, { idToken: expect })
}

/**
 * What a page's ID token is checked against, besides the configuration.
 * @internal
 */
export type PageIdTokenRules = Pick<
  IdTokenRules,
  'source' | 'nonce' | 'maxAgeInSeconds' | 'requireAuthTime' | 'requiredAcr'
>

/**
 * Verifies an ID token from the token endpoint and checks its claims (OIDC Core §3.1.3.7, §12.2).
 * @param config - the page's configuration: the OP's keys, the client, the settings
 * @param idToken - the ID token
 * @param rules - the sign-in's nonce and requirements, or a refresh's
 * @param now - the time, in milliseconds since the epoch
 * @param signal - aborts a JWKS fetch
 * @returns its claims
 * @throws `ValidationError` `ID_TOKEN_*`, `JWT_*`, `JWKS_*`
 * @throws `UsageError` `MISSING_CREDENTIALS` for an HS* or encrypted ID token
 * @internal
 */
export async function validatePageIdToken(
  config: PageConfiguration,
  idToken: string,
  rules: PageIdTokenRules,
  now: number,
  signal: AbortSignal | undefined,
): Promise<IdTokenClaims> {
  const { client, settings, provider } = config
  const registered = client.id_token_signed_response_alg
  const decoded = await verifyIdToken(
    idToken,
    {
      maxJwtLength: settings.maxJwtLength,
      registeredAlg: registered,
      advertisedAlgs: provider.id_token_signing_alg_values_supported,
      allowNone: registered === 'none',
      hasSecret: false,
      opKeys: pageRuntimeOf(config).jwks,
      secret: { hmacKey: () => Promise.reject(noSecret()) },
      decrypt: undefined,
    },
    signal,
  )
  checkIdTokenClaims(decoded, {
    ...rules,
    issuer: config.issuer,
    client,
    now: now / 1000,
    tolerance: settings.clockToleranceInSeconds,
  })
  return decoded.claims as IdTokenClaims
}

function noSecret(): UsageError {
  return new UsageError(
    'MISSING_CREDENTIALS',
    "a page's public client has no secret: an HS* or encrypted ID token cannot be verified",
  )
}
