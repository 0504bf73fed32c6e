/**
 * The configuration value: one connection to one OP, as plain data an administrator can store,
 * plus the injected dependencies and credentials behind a hidden symbol key (never serialised,
 * never printed).
 * @module
 */

import { UsageError, ValidationError } from '../errors.js'
import type { ClientKey } from '../lib/client-keys.js'
import { isLoopback } from '../lib/http.js'
import {
  cloneJson,
  deepFreeze,
  describe,
  isPlainObject,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
} from '../lib/json.js'
import type { TransactionStore } from '../storage.js'
import { createMemoryTransactionStore } from '../stores/memory.js'
import { type AttributeContract, buildContract } from './contract.js'
import { type AttributeMapping, normalizeMapping } from './mapping.js'
import { normalizePolicy, type RequestPolicy, type RequestPolicyInput } from './policy.js'
import { createRuntime, credentialsOf, RUNTIME, type Runtime } from './runtime.js'
import { type Settings, validateSettings } from './settings.js'

export type { ClientCryptoKey, ClientKey } from '../lib/client-keys.js'
export type {
  ClientAssertionAudience,
  OpEndpoint,
  Settings,
  UserInfoMode,
} from './settings.js'

/**
 * How the client authenticates at the token and PAR endpoints (OIDC Core §9).
 * @group Configuration
 */
export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none'

/**
 * The OP's metadata (OIDC Discovery §3, RFC 8414, RFC 9126, RFC 9207, logout specs). Members not
 * listed are kept as they came.
 * @group Configuration
 */
export interface ProviderMetadata {
  readonly issuer: string
  readonly authorization_endpoint: string
  readonly token_endpoint?: string
  readonly userinfo_endpoint?: string
  readonly jwks_uri: string
  readonly registration_endpoint?: string
  readonly end_session_endpoint?: string
  readonly pushed_authorization_request_endpoint?: string
  readonly revocation_endpoint?: string
  readonly introspection_endpoint?: string
  readonly scopes_supported?: readonly string[]
  readonly response_types_supported: readonly string[]
  readonly response_modes_supported?: readonly string[]
  readonly grant_types_supported?: readonly string[]
  readonly acr_values_supported?: readonly string[]
  readonly subject_types_supported: readonly string[]
  readonly id_token_signing_alg_values_supported: readonly string[]
  readonly id_token_encryption_alg_values_supported?: readonly string[]
  readonly id_token_encryption_enc_values_supported?: readonly string[]
  readonly userinfo_signing_alg_values_supported?: readonly string[]
  readonly userinfo_encryption_alg_values_supported?: readonly string[]
  readonly userinfo_encryption_enc_values_supported?: readonly string[]
  readonly request_object_signing_alg_values_supported?: readonly string[]
  readonly request_object_encryption_alg_values_supported?: readonly string[]
  readonly request_object_encryption_enc_values_supported?: readonly string[]
  readonly token_endpoint_auth_methods_supported?: readonly string[]
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[]
  readonly claims_supported?: readonly string[]
  readonly code_challenge_methods_supported?: readonly string[]
  readonly prompt_values_supported?: readonly string[]
  readonly claims_parameter_supported?: boolean
  readonly request_parameter_supported?: boolean
  readonly request_uri_parameter_supported?: boolean
  readonly require_pushed_authorization_requests?: boolean
  readonly authorization_response_iss_parameter_supported?: boolean
  readonly backchannel_logout_supported?: boolean
  readonly backchannel_logout_session_supported?: boolean
  readonly frontchannel_logout_supported?: boolean
  readonly frontchannel_logout_session_supported?: boolean
  readonly [member: string]: unknown
}

const URL_MEMBERS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'check_session_iframe',
] as const
const REQUIRED_ARRAYS = [
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
] as const
const BOOLEAN_MEMBERS = [
  'claims_parameter_supported',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'require_request_uri_registration',
  'require_pushed_authorization_requests',
  'authorization_response_iss_parameter_supported',
  'backchannel_logout_supported',
  'backchannel_logout_session_supported',
  'frontchannel_logout_supported',
  'frontchannel_logout_session_supported',
] as const

/**
 * The client's registration at the OP (OIDC Dynamic Client Registration §2 names), without secrets.
 * @group Configuration
 */
export interface ClientMetadata {
  readonly client_id: string
  /** Registered redirect URIs; the first is the default. */
  readonly redirect_uris: readonly string[]
  readonly post_logout_redirect_uris?: readonly string[]
  /** Default `client_secret_basic`. */
  readonly token_endpoint_auth_method: TokenEndpointAuthMethod
  readonly token_endpoint_auth_signing_alg?: string
  /**
   * The ID token signing alg registered. When absent, any alg the OP advertises in
   * `id_token_signing_alg_values_supported` is accepted, except `none`.
   */
  readonly id_token_signed_response_alg?: string
  readonly id_token_encrypted_response_alg?: string
  readonly id_token_encrypted_response_enc?: string
  readonly userinfo_signed_response_alg?: string
  readonly userinfo_encrypted_response_alg?: string
  readonly userinfo_encrypted_response_enc?: string
  readonly request_object_signing_alg?: string
  readonly request_object_encryption_alg?: string
  readonly request_object_encryption_enc?: string
  /** Default `max_age` in seconds for every authorization request. */
  readonly default_max_age?: number
  /** Always require `auth_time` in ID tokens. */
  readonly require_auth_time?: boolean
  /**
   * Audiences besides the client_id that ID tokens may also name (OIDC Core §3.1.3.7 step 3). An ID
   * token with any other extra audience is refused. Not a registration parameter: a local setting.
   */
  readonly trusted_audiences?: readonly string[]
}

/**
 * The client as the application gives it: its metadata plus its secret and private keys.
 * @group Configuration
 */
export type ClientInput = Omit<ClientMetadata, 'token_endpoint_auth_method'> & {
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod
  /** The client secret (`client_secret_*` methods, HS* ID tokens and request objects). Never serialised. */
  readonly client_secret?: string
  /** The client's private keys (`private_key_jwt`, request objects, decryption). Never serialised. */
  readonly keys?: readonly ClientKey[]
}

/**
 * An immutable connection to one OP. `JSON.stringify(config)` gives its data (metadata, client
 * metadata, contract, settings), without the secret, keys or dependencies; {@link restoreConfiguration}
 * reads it back. Printing it (`console.log`, `util.inspect` at any depth, `Deno.inspect`,
 * `Bun.inspect`) shows the same data: the secret, keys and dependencies are unreachable from it.
 * @group Configuration
 */
export interface Configuration {
  readonly issuer: string
  readonly provider: ProviderMetadata
  readonly client: ClientMetadata
  readonly contract: AttributeContract
  /** The administrator's request policy: profile, scopes, extra parameters, protected parameters. */
  readonly policy: RequestPolicy
  /** How contract claims become the application's attributes. */
  readonly attributeMapping: AttributeMapping
  readonly settings: Settings
  /** @internal */
  readonly [RUNTIME]: Runtime
}

/**
 * Injected dependencies and settings for a configuration.
 * @group Configuration
 */
export interface ConfigurationOptions extends Partial<Settings> {
  /** The `fetch` every request goes through. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /** Where pending sign-ins wait. Default an in-memory store (one process). */
  readonly store?: TransactionStore
  /** The administrator's request policy (plain data, saved with the configuration). */
  readonly policy?: RequestPolicyInput
  /** The attribute mapping (plain data, saved with the configuration). */
  readonly attributeMapping?: readonly AttributeMappingInput[]
}

/** One attribute mapping rule as written. */
type AttributeMappingInput = AttributeMapping[number]

/**
 * Builds a configuration from metadata an administrator typed by hand (no discovery), with the same
 * validation as {@link discover}.
 * @param provider - the OP's metadata
 * @param client - the client's metadata, secret and keys
 * @param options - dependencies and settings
 * @returns the configuration, with a contract built from `claims_supported`
 * @throws {@link ValidationError} `DISCOVERY_INVALID_METADATA`, `DISCOVERY_INSECURE_ENDPOINT`,
 * `DISCOVERY_LOOPBACK_ENDPOINT`
 * @throws {@link UsageError} `INVALID_CONFIGURATION`, `MISSING_CREDENTIALS`
 * @group Configuration
 */
export function createConfiguration(
  provider: Record<string, unknown>,
  client: ClientInput,
  options: ConfigurationOptions = {},
): Configuration {
  const settings = validateSettings(options)
  const metadata = validateProviderMetadata(provider, settings.allowInsecureRequests)
  return assemble(metadata, client, buildContract(metadata.claims_supported), settings, options)
}

/**
 * Reads back a configuration saved with `JSON.stringify(config)`, validating it again. The secret,
 * keys and dependencies are given anew.
 * @param data - the parsed JSON (or the JSON text)
 * @param credentials - `client_secret` and `keys`, which are never serialised
 * @param options - dependencies; settings here override the saved ones
 * @returns the configuration
 * @throws {@link UsageError} `INVALID_CONFIGURATION`, `MISSING_CREDENTIALS`
 * @throws {@link ValidationError} `DISCOVERY_INVALID_METADATA`, `DISCOVERY_INSECURE_ENDPOINT`,
 * `DISCOVERY_LOOPBACK_ENDPOINT`
 * @group Configuration
 */
export function restoreConfiguration(
  data: unknown,
  credentials: { readonly client_secret?: string; readonly keys?: readonly ClientKey[] },
  options: ConfigurationOptions = {},
): Configuration {
  const value = typeof data === 'string' ? parseSaved(data) : data
  if (!isPlainObject(value) || !isPlainObject(value.provider) || !isPlainObject(value.client)) {
    throw invalidConfiguration('saved configuration', 'an object with provider and client members')
  }
  const saved = isPlainObject(value.settings) ? value.settings : {}
  const settings = validateSettings({ ...saved, ...stripUndefined(options) })
  const metadata = validateProviderMetadata(value.provider, settings.allowInsecureRequests)
  const contract = validateContract(value.contract)
  const adminData = {
    policy: value.policy,
    attributeMapping: value.attributeMapping,
  } as ConfigurationOptions
  return assemble(
    metadata,
    { ...(value.client as unknown as ClientInput), ...credentials },
    contract,
    settings,
    { ...adminData, ...stripUndefined(options) },
  )
}

/**
 * Puts a configuration together from validated parts. Used by discovery, manual configuration,
 * restore and reload.
 * @internal
 */
export function assemble(
  provider: ProviderMetadata,
  client: ClientInput,
  contract: AttributeContract,
  settings: Settings,
  options: ConfigurationOptions,
  runtime?: Runtime,
): Configuration {
  const clientMetadata = validateClient(client)
  const carried = runtime === undefined ? undefined : credentialsOf({ [RUNTIME]: runtime })
  const keys = client.keys ?? carried?.keys ?? []
  const clientSecret = client.client_secret ?? carried?.clientSecret
  checkCredentials(clientMetadata, clientSecret, keys)
  const now = options.now ?? runtime?.now ?? Date.now
  const config = {
    issuer: provider.issuer,
    provider,
    client: clientMetadata,
    contract,
    policy: normalizePolicy(options.policy, clientMetadata),
    attributeMapping: normalizeMapping(options.attributeMapping),
    settings,
  }
  // Not enumerable, and an opaque handle: no printer, clone or serialiser reaches the credentials.
  Object.defineProperty(config, RUNTIME, {
    value:
      runtime ??
      createRuntime({
        fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
        now,
        credentials: { clientSecret, keys: Object.freeze([...keys]) },
        store: options.store ?? createMemoryTransactionStore({ now }),
      }),
  })
  return Object.freeze(config as Configuration)
}

/**
 * Validates OP metadata members and types; the issuer comparison is discovery's.
 * @internal
 */
export function validateProviderMetadata(
  value: unknown,
  allowInsecureRequests: boolean,
): ProviderMetadata {
  if (!isPlainObject(value)) throw invalidMetadata('metadata', 'a JSON object', typeof value)
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw invalidMetadata('metadata', `nested at most ${MAX_JSON_DEPTH} levels deep`, 'deeper')
  }
  const issuer = value.issuer
  if (typeof issuer !== 'string' || !isAbsoluteUrl(issuer)) {
    throw invalidMetadata('issuer', 'an absolute URL', issuer)
  }
  const issuerUrl = new URL(issuer)
  if (issuerUrl.search !== '' || issuerUrl.hash !== '') {
    throw invalidMetadata('issuer', 'a URL without query or fragment', issuer)
  }
  requireSecure('issuer', issuerUrl, allowInsecureRequests)
  for (const member of URL_MEMBERS) {
    const url = value[member]
    if (url === undefined) continue
    if (typeof url !== 'string' || !isAbsoluteUrl(url))
      throw invalidMetadata(member, 'an absolute URL', url)
    const endpoint = new URL(url)
    requireSecure(member, endpoint, allowInsecureRequests)
    if (!allowInsecureRequests) requireLoopbackIssuer(member, endpoint, issuerUrl)
  }
  for (const member of ['authorization_endpoint', 'jwks_uri', ...REQUIRED_ARRAYS] as const) {
    if (value[member] === undefined) throw invalidMetadata(member, 'present', undefined)
  }
  for (const [member, entry] of Object.entries(value)) {
    if (member.endsWith('_supported') && !(BOOLEAN_MEMBERS as readonly string[]).includes(member)) {
      if (!Array.isArray(entry) || !entry.every((item) => typeof item === 'string')) {
        throw invalidMetadata(member, 'an array of strings', entry)
      }
    }
  }
  for (const member of BOOLEAN_MEMBERS) {
    if (value[member] !== undefined && typeof value[member] !== 'boolean') {
      throw invalidMetadata(member, 'a boolean', value[member])
    }
  }
  const responseTypes = value.response_types_supported as string[]
  if (
    value.token_endpoint === undefined &&
    responseTypes.some((type) => type.split(' ').includes('code'))
  ) {
    throw invalidMetadata('token_endpoint', 'present (the OP supports the code flow)', undefined)
  }
  return deepFreeze(cloneJson(value)) as ProviderMetadata
}

function requireSecure(member: string, url: URL, allowInsecureRequests: boolean): void {
  if (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (allowInsecureRequests || isLoopback(url.hostname)))
  ) {
    return
  }
  throw new ValidationError(
    'DISCOVERY_INSECURE_ENDPOINT',
    `the OP metadata member ${member} must be an https URL, got ${url.protocol}//${url.host}`,
    { claim: member, expected: 'https:', actual: url.protocol },
  )
}

/**
 * A loopback endpoint is the development exception of a loopback issuer. A remote OP publishes its
 * metadata for every client, so a loopback endpoint in it can only mean the RP's own host: the RP
 * would send its credentials, codes and tokens to whatever listens there (in clear over http, and
 * to any local service its trust store vouches for over https). Refused whatever the scheme.
 */
function requireLoopbackIssuer(member: string, url: URL, issuer: URL): void {
  if (!isLoopback(url.hostname) || isLoopback(issuer.hostname)) return
  throw new ValidationError(
    'DISCOVERY_LOOPBACK_ENDPOINT',
    `the OP metadata member ${member} points at loopback (${url.protocol}//${url.host}) while the issuer ${issuer.origin} is not on loopback`,
    {
      claim: member,
      expected: `an endpoint off loopback, as the issuer ${issuer.origin}`,
      actual: `${url.protocol}//${url.host}`,
    },
  )
}

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]
const CLIENT_STRINGS = [
  'token_endpoint_auth_signing_alg',
  'id_token_signed_response_alg',
  'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc',
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'request_object_signing_alg',
  'request_object_encryption_alg',
  'request_object_encryption_enc',
] as const

function validateClient(client: ClientInput): ClientMetadata {
  if (!isPlainObject(client)) throw invalidConfiguration('client', 'an object')
  if (typeof client.client_id !== 'string' || client.client_id === '') {
    throw invalidConfiguration('client_id', 'a non-empty string')
  }
  const redirectUris = client.redirect_uris
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw invalidConfiguration('redirect_uris', 'a non-empty array of absolute URLs')
  }
  for (const member of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    for (const uri of client[member] ?? []) {
      if (typeof uri !== 'string' || !isAbsoluteUrl(uri) || uri.includes('#')) {
        throw invalidConfiguration(member, 'absolute URLs without fragment')
      }
    }
  }
  const method = client.token_endpoint_auth_method ?? 'client_secret_basic'
  if (!AUTH_METHODS.includes(method)) {
    throw invalidConfiguration('token_endpoint_auth_method', `one of ${AUTH_METHODS.join(', ')}`)
  }
  for (const member of CLIENT_STRINGS) {
    if (
      client[member] !== undefined &&
      (typeof client[member] !== 'string' || client[member] === '')
    ) {
      throw invalidConfiguration(member, 'a non-empty string')
    }
  }
  if (
    client.default_max_age !== undefined &&
    !(Number.isSafeInteger(client.default_max_age) && client.default_max_age >= 0)
  ) {
    throw invalidConfiguration('default_max_age', 'a non-negative integer')
  }
  if (client.require_auth_time !== undefined && typeof client.require_auth_time !== 'boolean') {
    throw invalidConfiguration('require_auth_time', 'a boolean')
  }
  const trusted = client.trusted_audiences
  if (
    trusted !== undefined &&
    !(Array.isArray(trusted) && trusted.every((aud) => typeof aud === 'string' && aud !== ''))
  ) {
    throw invalidConfiguration('trusted_audiences', 'an array of non-empty strings')
  }
  const { client_secret: _secret, keys: _keys, ...metadata } = client
  return deepFreeze(
    cloneJson({ ...metadata, token_endpoint_auth_method: method }),
  ) as ClientMetadata
}

function checkCredentials(
  client: ClientMetadata,
  secret: string | undefined,
  keys: readonly ClientKey[],
): void {
  const method = client.token_endpoint_auth_method
  if (method.startsWith('client_secret_') && (typeof secret !== 'string' || secret === '')) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `token_endpoint_auth_method ${method} needs client_secret`,
      {
        parameter: 'client_secret',
      },
    )
  }
  if (method === 'private_key_jwt' && !keys.some((key) => key.use !== 'enc')) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      'token_endpoint_auth_method private_key_jwt needs a signing key in keys',
      {
        parameter: 'keys',
      },
    )
  }
}

function validateContract(value: unknown): AttributeContract {
  if (
    !Array.isArray(value) ||
    !value.every(
      (a) =>
        isPlainObject(a) &&
        typeof a.name === 'string' &&
        (a.origin === 'op' || a.origin === 'admin') &&
        typeof a.advertised === 'boolean',
    )
  ) {
    throw invalidConfiguration('contract', 'an array of { name, origin, advertised }')
  }
  return deepFreeze(cloneJson(value)) as AttributeContract
}

function parseSaved(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw invalidConfiguration('saved configuration', 'valid JSON')
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Tells whether a string parses as an absolute URL.
 * @internal
 */
export function isAbsoluteUrl(value: string): boolean {
  return URL.canParse(value)
}

function invalidMetadata(member: string, expected: string, actual: unknown): ValidationError {
  return new ValidationError(
    'DISCOVERY_INVALID_METADATA',
    `the OP metadata member ${member} must be ${expected}, got ${describe(actual)}`,
    { claim: member, expected, actual: describe(actual) },
  )
}

function invalidConfiguration(member: string, expected: string): UsageError {
  return new UsageError('INVALID_CONFIGURATION', `${member} must be ${expected}`, {
    parameter: member,
  })
}
