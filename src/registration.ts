/**
 * Dynamic client registration (RFC 7591, OpenID Connect Dynamic Client Registration 1.0).
 *
 * The RP sends its metadata to the OP's `registration_endpoint` and gets back its client: the
 * metadata as registered (plain data, fit for a configuration and for storage), and its secrets
 * (client secret, registration access token) behind a handle no printer or serialiser reaches.
 *
 * @module
 */
import type { JWK } from 'jose'
import type { ClientMetadata, TokenEndpointAuthMethod } from './config/client.js'
import { validateClient } from './config/client.js'
import { type ProviderMetadata, validateProviderMetadata } from './config/provider.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from './discovery.js'
import { type OidcRpError, UsageError, ValidationError } from './errors.js'
import { invalidArgument } from './lib/checks.js'
import { assertSecureUrl, type HttpResponse, httpRequest, parseJsonObject } from './lib/http.js'
import { cloneJson, deepFreeze, describe, isPlainObject, shown } from './lib/json.js'
import { oauthError } from './lib/oauth-error.js'

/** Registration members besides those of {@link ClientMetadata} (OIDC Registration §2). */
interface RegistrationMembers {
  /** The response types the client will use; default `['code']`. */
  readonly response_types?: readonly string[]
  /** The grant types the client will use; default `['authorization_code']`. */
  readonly grant_types?: readonly string[]
  /** `web` (default) or `native`. */
  readonly application_type?: 'web' | 'native'
  /** E-mail addresses of the people responsible for the client. */
  readonly contacts?: readonly string[]
  /** The name shown to end-users. */
  readonly client_name?: string
  readonly logo_uri?: string
  readonly client_uri?: string
  readonly policy_uri?: string
  readonly tos_uri?: string
  /** Where the OP fetches the client's public keys (exclusive with `jwks`). */
  readonly jwks_uri?: string
  /** The client's PUBLIC keys by value (exclusive with `jwks_uri`): never a private key. */
  readonly jwks?: { readonly keys: readonly JWK[] }
  readonly sector_identifier_uri?: string
  /** `public` or `pairwise` subject identifiers. */
  readonly subject_type?: 'public' | 'pairwise'
  readonly default_acr_values?: readonly string[]
  readonly initiate_login_uri?: string
  /** The `request_uri` values the client will use, pre-registered (OIDC Core §6.2). */
  readonly request_uris?: readonly string[]
  /** Where the OP posts logout tokens (Back-Channel Logout §2.2). */
  readonly backchannel_logout_uri?: string
  readonly backchannel_logout_session_required?: boolean
  /** The page the OP loads at logout (Front-Channel Logout §2). */
  readonly frontchannel_logout_uri?: string
  readonly frontchannel_logout_session_required?: boolean
  /** The scope values the client may ask for (RFC 7591 §2). */
  readonly scope?: string
  readonly software_id?: string
  readonly software_version?: string
}

/**
 * The metadata an RP asks to register (OIDC Registration §2, RFC 7591 §2).
 *
 * `redirect_uris` and whatever else the client needs. Members this type does not name are sent as
 * given.
 * @group Registration
 */
export interface ClientRegistrationMetadata
  extends Omit<ClientMetadata, 'client_id' | 'token_endpoint_auth_method' | 'trusted_audiences'>,
    RegistrationMembers {
  /** Default `client_secret_basic` (RFC 7591 §2). */
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod
  readonly [member: string]: unknown
}

/**
 * The client as the OP registered it: a `ClientInput` without its secret.
 *
 * Plus the registration members the OP answered. `{ ...client, client_secret:
 * secrets.clientSecret() }` configures it.
 * @group Registration
 */
export interface RegisteredClient extends ClientMetadata, RegistrationMembers {
  readonly [member: string]: unknown
}

/**
 * A member the OP registered otherwise than asked (RFC 7591 §3.2.1 lets it).
 *
 * Reported, not refused, unless it is a URI the RP hosts or a signature downgraded to `none`.
 * @group Registration
 */
export interface RegistrationAdjustment {
  /** The metadata member. */
  readonly member: string
  /** What the RP asked for. */
  readonly requested: unknown
  /** What the OP registered (`undefined`: it dropped the member). */
  readonly registered: unknown
}

/**
 * The secrets of a registration, behind a handle.
 *
 * `JSON.stringify`, `String` and every inspector show `[oidc-rp registration secrets: redacted]`;
 * only these methods give the values.
 * @group Registration
 */
export interface RegistrationSecrets {
  /** The client secret the OP issued, if any. */
  clientSecret(): string | undefined
  /** The registration access token of client management (RFC 7592 §3), if any. */
  registrationAccessToken(): string | undefined
}

/**
 * A registered client: plain data (`JSON.stringify` it to store it).
 *
 * Its {@link ClientRegistration.secrets | secrets} are kept apart, never serialised or printed.
 * @group Registration
 */
export interface ClientRegistration {
  /** The OP's issuer. */
  readonly issuer: string
  /** The registration endpoint the client was registered at. */
  readonly registrationEndpoint: string
  /** The client's metadata as registered, without its secret. */
  readonly client: RegisteredClient
  /** The client configuration endpoint of RFC 7592, if the OP manages clients. */
  readonly registrationClientUri: string | undefined
  /** When the client_id was issued, seconds since the epoch. */
  readonly clientIdIssuedAt: number | undefined
  /** When the client secret expires, seconds since the epoch; 0: never. */
  readonly clientSecretExpiresAt: number | undefined
  /** The members the OP registered otherwise than asked. */
  readonly adjustments: readonly RegistrationAdjustment[]
  /** The secrets: not enumerable, not serialised, not printed. */
  readonly secrets: RegistrationSecrets
}

/**
 * Options of {@link registerClient}.
 * @group Registration
 */
export interface RegistrationOptions {
  /** The initial access token the OP requires for registration (RFC 7591 §3), sent as Bearer. */
  readonly initialAccessToken?: string
  /** A software statement (RFC 7591 §2.3): a JWT the OP trusts, sent as `software_statement`. */
  readonly softwareStatement?: string
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
/** URIs the RP hosts: the OP may drop them, never add or change one (codes and tokens go there). */
const RP_URI_LISTS = ['redirect_uris', 'post_logout_redirect_uris', 'request_uris'] as const
const RP_URIS = [
  'backchannel_logout_uri',
  'frontchannel_logout_uri',
  'initiate_login_uri',
  'jwks_uri',
] as const
/** JWK members of private or symmetric keys (RFC 7518 §6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const SECRET_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]
const SHOWN = '[oidc-rp registration secrets: redacted]'

/** Where each secrets handle keeps its values: no printer, clone or serialiser reaches it. */
const hidden = new WeakMap<
  object,
  { clientSecret: string | undefined; registrationAccessToken: string | undefined }
>()

class SecretsHandle implements RegistrationSecrets {
  clientSecret(): string | undefined {
    return hidden.get(this)?.clientSecret
  }
  registrationAccessToken(): string | undefined {
    return hidden.get(this)?.registrationAccessToken
  }
  toString(): string {
    return SHOWN
  }
  toJSON(): string {
    return SHOWN
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return SHOWN
  }
  [Symbol.for('Deno.customInspect')](): string {
    return SHOWN
  }
}

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
 * @param options - initial access token, software statement, fetch, limits
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
  const requested = checkRegistrationMetadata(metadata, options.softwareStatement !== undefined)
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
 * Reads back a registration saved with `JSON.stringify(registration)`, its secrets given anew.
 *
 * The data is checked again, the `registration_client_uri` rule included.
 *
 * @param data - the parsed JSON (or the JSON text)
 * @param secrets - `client_secret` and `registration_access_token`, which are never serialised
 * @param options - `allowInsecureRequests`, as when it was registered
 * @returns the registration
 * @throws {@link UsageError} `INVALID_ARGUMENT` for data that is no saved registration
 * @throws {@link ValidationError} `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7592#section-3 | RFC 7592 §3}
 * @group Registration
 */
export function restoreClientRegistration(
  data: unknown,
  secrets: { readonly client_secret?: string; readonly registration_access_token?: string },
  options: Pick<RegistrationOptions, 'allowInsecureRequests'> = {},
): ClientRegistration {
  let value = data
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data)
    } catch {
      throw invalidArgument('data', 'a saved registration (valid JSON)')
    }
  }
  if (
    !isPlainObject(value) ||
    typeof value.issuer !== 'string' ||
    typeof value.registrationEndpoint !== 'string' ||
    !URL.canParse(value.registrationEndpoint) ||
    !isPlainObject(value.client) ||
    typeof value.client.client_id !== 'string' ||
    !(value.registrationClientUri === undefined || typeof value.registrationClientUri === 'string')
  ) {
    throw invalidArgument('data', 'a saved registration (issuer, registrationEndpoint, client)')
  }
  const context = {
    issuer: value.issuer,
    registrationEndpoint: value.registrationEndpoint,
    allowInsecureRequests: options.allowInsecureRequests,
  }
  if (value.registrationClientUri !== undefined) {
    checkClientUri(value.registrationClientUri, context)
  }
  const client = deepFreeze(cloneJson(value.client)) as RegisteredClient
  return makeRegistration(
    {
      issuer: value.issuer,
      registrationEndpoint: value.registrationEndpoint,
      client,
      registrationClientUri: value.registrationClientUri,
      clientIdIssuedAt: numberOrUndefined(value.clientIdIssuedAt),
      clientSecretExpiresAt: numberOrUndefined(value.clientSecretExpiresAt),
      adjustments: [],
    },
    {
      clientSecret: secrets.client_secret,
      registrationAccessToken: secrets.registration_access_token,
    },
  )
}

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
export function readRegistrationResponse(
  response: HttpResponse,
  expected: 200 | 201,
  context: RegistrationContext,
): ClientRegistration {
  if (response.status !== expected)
    throw oauthError(response, 'REGISTRATION_ERROR_RESPONSE', expected)
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
      registrationClientUri: clientUri as string | undefined,
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

/**
 * Checks the client configuration endpoint: on the OP's own origin, https, no fragment.
 *
 * The origin is the issuer's or the registration endpoint's: an OP cannot make the RP send its
 * registration access token, or any request, to another host.
 * @internal
 */
export function checkClientUri(
  uri: string,
  context: Pick<RegistrationContext, 'issuer' | 'registrationEndpoint' | 'allowInsecureRequests'>,
): void {
  if (!URL.canParse(uri) || uri.includes('#')) {
    throw invalidResponse('registration_client_uri', 'an absolute URL without fragment', uri)
  }
  const url = new URL(uri)
  const allowed = [context.issuer, context.registrationEndpoint]
    .filter((base) => URL.canParse(base))
    .map((base) => new URL(base).origin)
  if (!allowed.includes(url.origin)) {
    throw new ValidationError(
      'REGISTRATION_CLIENT_URI_NOT_ALLOWED',
      `the registration_client_uri's origin ${describe(url.origin)} is neither the issuer's nor the registration endpoint's`,
      { claim: 'registration_client_uri', expected: allowed, actual: url.origin },
    )
  }
  assertSecureUrl(url, context.allowInsecureRequests, 'registration_client_uri')
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

/**
 * Puts a registration together: its data frozen, its secrets behind a hidden handle.
 * @internal
 */
export function makeRegistration(
  data: Omit<ClientRegistration, 'secrets'>,
  secrets: { clientSecret: string | undefined; registrationAccessToken: string | undefined },
): ClientRegistration {
  const handle = Object.freeze(new SecretsHandle())
  hidden.set(handle, Object.freeze({ ...secrets }))
  const registration = {
    ...data,
    client: deepFreeze(cloneJson(data.client)),
    adjustments: deepFreeze(cloneJson(data.adjustments)),
  }
  Object.defineProperty(registration, 'secrets', { value: handle, enumerable: false })
  return Object.freeze(registration) as ClientRegistration
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

function optionalToken(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '' || /[\s]/.test(value)) {
    throw invalidArgument(name, 'a non-empty string without white space')
  }
  return value
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function numberOrUndefined(value: unknown): number | undefined {
  return isTime(value) ? value : undefined
}
