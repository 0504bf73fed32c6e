/**
 * Reading a registration or client configuration response (RFC 7591 §3.2, RFC 7592 §3).
 *
 * Strictly: the members' types, the client as a configuration would take it, and what the OP may
 * not decide for the RP (URIs the RP hosts, unsigned ID tokens).
 *
 * @module
 */
import type { ClientMetadata, TokenEndpointAuthMethod } from '../config/client.js'
import { validateClient } from '../config/client.js'
import { type OidcRpError, UsageError, ValidationError } from '../errors.js'
import { type HttpResponse, parseJsonObject } from '../lib/http.js'
import { describe, isPlainObject, shown } from '../lib/json.js'
import { oauthError } from '../lib/oauth-error.js'
import {
  type ClientRegistration,
  checkClientUri,
  isTime,
  makeRegistration,
  type RegisteredClient,
  type RegistrationAdjustment,
  type RegistrationSecrets,
} from './client-registration.js'

/** URIs the RP hosts: the OP may drop them, never add or change one (codes and tokens go there). */
const RP_URI_LISTS = ['redirect_uris', 'post_logout_redirect_uris', 'request_uris'] as const
const RP_URIS = [
  'backchannel_logout_uri',
  'frontchannel_logout_uri',
  'initiate_login_uri',
  'jwks_uri',
] as const

const SECRET_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]

/**
 * What {@link readRegistrationResponse} checks the answer against.
 * @internal
 */
export interface RegistrationContext {
  readonly issuer: string
  readonly registrationEndpoint: string
  /** The metadata asked for (register, update), or known before (read). */
  readonly requested: Readonly<Record<string, unknown>>
  /** The client_id being managed (read, update). */
  readonly clientId?: string
  /** The secrets held so far: kept when the answer does not renew them. */
  readonly previous?: RegistrationSecrets
  /** The client configuration endpoint known so far: kept when the answer does not repeat it. */
  readonly previousClientUri?: string | undefined
  readonly allowInsecureRequests: boolean | undefined
}

/**
 * Reads a registration or client configuration response (RFC 7591 §3.2, RFC 7592 §3).
 *
 * @param response - the response
 * @param expected - 201 for a registration, 200 for read and update
 * @param context - what was asked, by whom
 * @returns the registration
 * @throws {@link OAuthResponseError} `REGISTRATION_ERROR_RESPONSE`
 * @throws {@link ValidationError} `REGISTRATION_RESPONSE_INVALID`,
 * `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @throws {@link TransportError} `HTTP_*`
 * @internal
 */
export async function readRegistrationResponse(
  response: HttpResponse,
  expected: 200 | 201,
  context: RegistrationContext,
): Promise<ClientRegistration> {
  if (response.status !== expected)
    throw await oauthError(response, 'REGISTRATION_ERROR_RESPONSE', expected)
  const body = parseJsonObject(response)
  const {
    client_id: clientId,
    client_secret: clientSecret,
    client_id_issued_at: issuedAt,
    client_secret_expires_at: expiresAt,
    registration_access_token: accessToken,
    registration_client_uri: clientUri,
    ...rest
  } = body
  if (typeof clientId !== 'string' || clientId === '') {
    throw invalidResponse('client_id', 'a non-empty string', clientId)
  }
  if (context.clientId !== undefined && clientId !== context.clientId) {
    throw invalidResponse(
      'client_id',
      `the managed client_id ${describe(context.clientId)}`,
      clientId,
    )
  }
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw invalidResponse('client_secret', 'a non-empty string', typeof clientSecret)
  }
  if (clientSecret !== undefined && !isTime(expiresAt)) {
    throw invalidResponse(
      'client_secret_expires_at',
      'a number of seconds (0: never) beside the client_secret',
      expiresAt,
    )
  }
  if (expiresAt !== undefined && !isTime(expiresAt)) {
    throw invalidResponse('client_secret_expires_at', 'a non-negative integer', expiresAt)
  }
  if (issuedAt !== undefined && !isTime(issuedAt)) {
    throw invalidResponse('client_id_issued_at', 'a non-negative integer', issuedAt)
  }
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) {
    throw invalidResponse('registration_access_token', 'a non-empty string', typeof accessToken)
  }
  if (clientUri !== undefined && typeof clientUri !== 'string') {
    throw invalidResponse('registration_client_uri', 'a URL', clientUri)
  }
  if ((accessToken === undefined) !== (clientUri === undefined) && context.previous === undefined) {
    throw invalidResponse(
      'registration_client_uri',
      'present with registration_access_token, or both absent (RFC 7592 §3)',
      clientUri,
    )
  }
  if (clientUri !== undefined) checkClientUri(clientUri, context)
  const client = registeredClient({ ...rest, client_id: clientId })
  checkAgainstRequest(client, context.requested)
  const secret = (clientSecret as string | undefined) ?? context.previous?.clientSecret()
  if (SECRET_METHODS.includes(client.token_endpoint_auth_method) && secret === undefined) {
    throw invalidResponse(
      'client_secret',
      `a client secret for ${client.token_endpoint_auth_method}`,
      undefined,
    )
  }
  return makeRegistration(
    {
      issuer: context.issuer,
      registrationEndpoint: context.registrationEndpoint,
      client,
      registrationClientUri: (clientUri as string | undefined) ?? context.previousClientUri,
      clientIdIssuedAt: issuedAt as number | undefined,
      clientSecretExpiresAt: expiresAt as number | undefined,
      adjustments: adjustmentsOf(client, context.requested),
    },
    {
      clientSecret: secret,
      registrationAccessToken:
        (accessToken as string | undefined) ?? context.previous?.registrationAccessToken(),
    },
  )
}

/** The registered client's metadata, validated as a client configuration is. */
function registeredClient(metadata: Record<string, unknown>): RegisteredClient {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  try {
    const valid = validateClient({
      ...(metadata as unknown as ClientMetadata),
      token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    })
    return valid as RegisteredClient
  } catch (error) {
    if (error instanceof UsageError) {
      throw invalidResponse(error.parameter ?? 'metadata', error.message, undefined, error)
    }
    throw error
  }
}

/** Refuses what the OP must not decide for the RP: URIs the RP hosts, unsigned ID tokens. */
function checkAgainstRequest(
  client: RegisteredClient,
  requested: Readonly<Record<string, unknown>>,
): void {
  for (const member of RP_URI_LISTS) {
    const asked = Array.isArray(requested[member]) ? (requested[member] as unknown[]) : []
    const got = client[member]
    if (got === undefined) continue
    if (!Array.isArray(got) || !got.every((uri) => asked.includes(uri))) {
      throw invalidResponse(
        member,
        `only URIs the RP asked for: ${JSON.stringify(shown(asked))}`,
        got,
      )
    }
  }
  for (const member of RP_URIS) {
    const got = client[member]
    if (got !== undefined && got !== requested[member]) {
      throw invalidResponse(member, `the URI the RP asked for, or none`, got)
    }
  }
  if (
    client.id_token_signed_response_alg === 'none' &&
    requested.id_token_signed_response_alg !== 'none'
  ) {
    throw invalidResponse(
      'id_token_signed_response_alg',
      `${describe(requested.id_token_signed_response_alg ?? 'RS256')}, not none`,
      'none',
    )
  }
}

/** The requested members the OP registered otherwise. */
function adjustmentsOf(
  client: RegisteredClient,
  requested: Readonly<Record<string, unknown>>,
): RegistrationAdjustment[] {
  const adjustments: RegistrationAdjustment[] = []
  for (const [member, asked] of Object.entries(requested)) {
    if (member === 'client_id') continue
    const registered = client[member]
    if (canonical(asked) !== canonical(registered)) {
      adjustments.push({ member, requested: asked, registered })
    }
  }
  return adjustments
}

/** JSON with object members sorted, for comparing metadata values. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  )
}

function invalidResponse(
  member: string,
  expected: string,
  actual: unknown,
  cause?: OidcRpError,
): ValidationError {
  return new ValidationError(
    'REGISTRATION_RESPONSE_INVALID',
    `the registration response's ${member} is not ${expected}`,
    { claim: member, expected, actual: shown(actual), cause },
  )
}
