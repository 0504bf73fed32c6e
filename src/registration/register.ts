/**
 * Dynamic client registration (RFC 7591, OpenID Connect Dynamic Client Registration 1.0).
 *
 * The RP sends its metadata to the OP's `registration_endpoint` and gets back its client: the
 * metadata as registered (plain data, fit for a configuration and for storage), and its secrets
 * (client secret, registration access token) behind a handle no printer or serialiser reaches.
 *
 * @module
 */

import type { ProviderMetadata } from '../config/provider.js'
import { validateProviderMetadata } from '../config/provider.js'
import { requestUriBaseOf } from '../config/request-uri-base.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from '../discovery-document.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { httpRequest } from '../lib/http.js'
import { cloneJson, isPlainObject } from '../lib/json.js'
import type { ClientRegistration, ClientRegistrationMetadata } from './client-registration.js'
import { readRegistrationResponse } from './response.js'

/**
 * Options of {@link registerClient}.
 * @group Registration
 */
export interface RegistrationOptions {
  /** The initial access token the OP requires for registration (RFC 7591 §3), sent as Bearer. */
  readonly initialAccessToken?: string
  /** A software statement (RFC 7591 §2.3): a JWT the OP trusts, sent as `software_statement`. */
  readonly softwareStatement?: string
  /**
   * Where the connection serves request objects by reference: its `policy.requestUriBase`.
   *
   * Registered in `request_uris` (OIDC Registration §2), beside any the metadata names, so an OP
   * that takes only pre-registered request URIs knows it. The one-time URLs are `<base><id>`: an
   * OP that matches them against the registered ones as prefixes accepts them, one that matches
   * whole URLs (oidc-provider) refuses them all once any is registered; leave it out there.
   */
  readonly requestUriBase?: string
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Aborts the requests. */
  readonly signal?: AbortSignal
  /** Abort each request after this many milliseconds. Default 10,000. */
  readonly timeoutInMs?: number
  /** Refuse response bodies larger than this many bytes. Default 1 MiB. */
  readonly maxResponseBytes?: number
  /**
   * Allow plain http outside loopback.
   *
   * > [!WARNING]
   * > For development only: the client secret and tokens then cross the network in the clear.
   */
  readonly allowInsecureRequests?: boolean
}

/** Members only the OP sets: the RP never sends them in its metadata. */
const RESPONSE_ONLY = [
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
  'software_statement',
] as const

/** JWK members of private or symmetric keys (RFC 7518 §6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/**
 * Registers a client at the OP (RFC 7591 §3, OIDC Registration §3).
 *
 * POSTs the metadata as JSON to the OP's `registration_endpoint` (with the initial access token as
 * Bearer, and the software statement, when given), and reads the answer strictly (RFC 7591
 * §3.2.1): a 201 with a JSON object, a `client_id`, a `client_secret_expires_at` beside any
 * secret, a secret when the auth method needs one, a `registration_client_uri` on the OP's origin.
 * The OP may register other values than asked: they are listed in `adjustments`, except that URIs
 * the RP hosts (`redirect_uris`, logout URIs, `request_uris`, `jwks_uri`…) may only be dropped,
 * never added or changed, and a signed ID token never becomes unsigned.
 *
 * Nothing secret is sent in the metadata: `jwks` must hold public keys only.
 *
 * @param provider - the OP's metadata (e.g. `config.provider`), or its issuer to discover
 * @param metadata - what to register: `redirect_uris` and the client's other members
 * @param options - initial access token, software statement, request URI base, fetch, limits
 * @returns the registration: plain data, with its secrets apart
 * @throws {@link OAuthResponseError} `REGISTRATION_ERROR_RESPONSE` (`invalid_redirect_uri`,
 * `invalid_client_metadata`, `invalid_software_statement`, `unapproved_software_statement`,
 * `invalid_token` for a missing or wrong initial access token)
 * @throws {@link ValidationError} `REGISTRATION_RESPONSE_INVALID`,
 * `REGISTRATION_CLIENT_URI_NOT_ALLOWED`, and the `DISCOVERY_*` codes when an issuer is discovered
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `REGISTRATION_UNAVAILABLE` (no `registration_endpoint`),
 * `INVALID_ARGUMENT` (metadata the RP must not send), `INSECURE_URL`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7591#section-3 | RFC 7591 §3}
 * @see {@link https://openid.net/specs/openid-connect-registration-1_0.html#ClientRegistration | OIDC Registration §3}
 * @example
 * ```ts
 * const registration = await registerClient('https://op.example.com', {
 *   redirect_uris: ['https://app.example.com/callback'],
 *   client_name: 'My app',
 * })
 * const config = await discover('https://op.example.com', {
 *   ...registration.client,
 *   client_secret: registration.secrets.clientSecret(),
 * })
 * ```
 * @group Registration
 */
export async function registerClient(
  provider: ProviderMetadata | Readonly<Record<string, unknown>> | string | URL,
  metadata: ClientRegistrationMetadata,
  options: RegistrationOptions = {},
): Promise<ClientRegistration> {
  const requested = withRequestUriBase(
    checkRegistrationMetadata(metadata, options.softwareStatement !== undefined),
    options.requestUriBase,
  )
  const initialAccessToken = optionalToken(options.initialAccessToken, 'initialAccessToken')
  const softwareStatement = optionalToken(options.softwareStatement, 'softwareStatement')
  const op = await providerOf(provider, options)
  const endpoint = op.registration_endpoint
  if (endpoint === undefined) {
    throw new UsageError(
      'REGISTRATION_UNAVAILABLE',
      `the OP ${op.issuer} advertises no registration_endpoint`,
      { parameter: 'registration_endpoint' },
    )
  }
  const body = {
    ...requested,
    ...(softwareStatement ? { software_statement: softwareStatement } : {}),
  }
  const response = await httpRequest(
    new URL(endpoint),
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}),
      },
      body: JSON.stringify(body),
    },
    options,
  )
  return readRegistrationResponse(response, 201, {
    issuer: op.issuer,
    registrationEndpoint: endpoint,
    requested,
    allowInsecureRequests: options.allowInsecureRequests,
  })
}

/**
 * Adds a request URI base to the metadata's `request_uris`, once.
 * @param metadata - the checked metadata
 * @param base - the connection's `policy.requestUriBase`, if it has one
 * @returns the metadata to send
 * @throws {@link UsageError} `INVALID_ARGUMENT` for a base that is not an https URL ending in `/`
 */
function withRequestUriBase(
  metadata: Record<string, unknown>,
  base: string | undefined,
): Record<string, unknown> {
  if (base === undefined) return metadata
  let checked: string
  try {
    checked = requestUriBaseOf(base, 'requestUriBase')
  } catch {
    throw invalidArgument(
      'requestUriBase',
      'an https URL (http only on loopback) ending in /, without query or fragment',
    )
  }
  const given = metadata.request_uris
  if (given !== undefined && !(Array.isArray(given) && given.every((u) => typeof u === 'string'))) {
    throw invalidArgument('metadata.request_uris', 'an array of URLs')
  }
  const uris = (given as string[] | undefined) ?? []
  return { ...metadata, request_uris: uris.includes(checked) ? uris : [...uris, checked] }
}

/**
 * Checks the metadata an RP asks to register, and copies it as plain JSON.
 * @param metadata - the metadata
 * @param hasStatement - a software statement comes too (it may carry the keys)
 * @returns the metadata to send
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function checkRegistrationMetadata(
  metadata: ClientRegistrationMetadata,
  hasStatement: boolean,
): Record<string, unknown> {
  if (!isPlainObject(metadata)) throw invalidArgument('metadata', 'an object')
  for (const member of RESPONSE_ONLY) {
    if (metadata[member] !== undefined) {
      throw invalidArgument(
        `metadata.${member}`,
        'absent: the OP sets it (a software statement goes in options.softwareStatement)',
      )
    }
  }
  const uris = metadata.redirect_uris
  if (
    !Array.isArray(uris) ||
    uris.length === 0 ||
    !uris.every((uri) => typeof uri === 'string' && URL.canParse(uri) && !uri.includes('#'))
  ) {
    throw invalidArgument(
      'metadata.redirect_uris',
      'a non-empty array of absolute URLs without fragment',
    )
  }
  if (metadata.jwks !== undefined && metadata.jwks_uri !== undefined) {
    throw invalidArgument('metadata.jwks', 'absent when jwks_uri is given (RFC 7591 §2)')
  }
  if (metadata.jwks !== undefined) {
    const keys = isPlainObject(metadata.jwks) ? metadata.jwks.keys : undefined
    if (!Array.isArray(keys) || !keys.every(isPlainObject)) {
      throw invalidArgument('metadata.jwks', 'a JWK Set: { keys: [...] }')
    }
    if (keys.some((key) => PRIVATE_JWK_MEMBERS.some((member) => key[member] !== undefined))) {
      throw invalidArgument(
        'metadata.jwks',
        'public keys only (a private or symmetric key was given)',
      )
    }
  }
  if (
    metadata.token_endpoint_auth_method === 'private_key_jwt' &&
    metadata.jwks === undefined &&
    metadata.jwks_uri === undefined &&
    !hasStatement
  ) {
    throw invalidArgument('metadata.jwks', 'given (or jwks_uri) for private_key_jwt')
  }
  const { trusted_audiences: _local, ...sent } = metadata
  const copy = cloneJson(sent) as Record<string, unknown>
  for (const [member, value] of Object.entries(copy)) if (value === undefined) delete copy[member]
  return copy
}

/** The provider metadata: given, or discovered from an issuer. */
async function providerOf(
  provider: ProviderMetadata | Readonly<Record<string, unknown>> | string | URL,
  options: RegistrationOptions,
): Promise<ProviderMetadata> {
  const allowInsecure = options.allowInsecureRequests === true
  if (typeof provider !== 'string' && !(provider instanceof URL)) {
    return validateProviderMetadata(provider, allowInsecure)
  }
  const issuer = String(provider)
  const raw = readDiscoveryResponse(await sendDiscoveryRequest(issuer, options), issuer)
  return validateProviderMetadata(raw, allowInsecure)
}

function optionalToken(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '' || /[\s]/.test(value)) {
    throw invalidArgument(name, 'a non-empty string without white space')
  }
  return value
}
