/**
 * A page's sign-in configuration: the OP's metadata, a public client, the page's transaction store.
 *
 * The lean counterpart of `oidc-rp/core`'s configuration for a single-page application. It has no
 * request policy, attribute contract or optional feature. Its checks are the core's own: the OP's
 * metadata, the client's, the limits (docs/browser.md).
 *
 * @module
 */
import { type ClientInput, checkClientBasics } from '../config/client.js'
import { createJwksCache } from '../config/jwks.js'
import { checkMetadata, type MetadataMembers, type ProviderMetadata } from '../config/provider.js'
import { responseLimit, type Settings, validateSettings } from '../config/settings.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from '../discovery-document.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { HttpOptions } from '../lib/http.js'
import { cloneJson, deepFreeze } from '../lib/json.js'
import type { JwksCache } from '../lib/jwks-cache.js'
import type { TransactionStore } from '../storage.js'
import { createWebStorageTransactionStore } from '../stores/web-storage.js'

/**
 * A public client, as a page registers it (OIDC Registration §2): no secret, no keys.
 * @group Page sign-in
 */
export interface PageClient {
  /** The client's id at the OP. */
  readonly client_id: string
  /** The page's redirect URIs; the first is the default. */
  readonly redirect_uris: readonly string[]
  /** Where the OP may send the browser after sign-out; the first is the default. */
  readonly post_logout_redirect_uris?: readonly string[]
  /** `none`, the only method of a public client; the default here. */
  readonly token_endpoint_auth_method?: 'none'
  /** The ID token's signing alg, when registered; else any the OP advertises that verifies. */
  readonly id_token_signed_response_alg?: string
  /** The `max_age` of every sign-in, in seconds, unless the request gives its own. */
  readonly default_max_age?: number
  /** Require `auth_time` in every ID token. */
  readonly require_auth_time?: boolean
  /** Audiences besides the client_id an ID token may name. */
  readonly trusted_audiences?: readonly string[]
}

/**
 * How a page's sign-in runs.
 * @group Page sign-in
 */
export interface PageOptions {
  /**
   * Where a pending sign-in waits for the redirect back.
   *
   * Default `createWebStorageTransactionStore()` (`sessionStorage`). It must be bound to the
   * browser by its nature (`browserBinding: 'in-browser'`): a page sets no cookie.
   */
  readonly store?: TransactionStore
  /** The `fetch` every request goes through. Default: the page's. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /** The limits and tolerances of the core's settings (timeouts, sizes, clock tolerance, TTLs). */
  readonly settings?: Partial<Settings>
  /** Aborts the discovery request. */
  readonly signal?: AbortSignal
}

/**
 * The members of the OP's metadata a page's sign-in reads.
 * @group Page sign-in
 */
export type PageProviderMetadata = Pick<
  ProviderMetadata,
  | 'issuer'
  | 'authorization_endpoint'
  | 'token_endpoint'
  | 'userinfo_endpoint'
  | 'jwks_uri'
  | 'end_session_endpoint'
  | 'response_types_supported'
  | 'subject_types_supported'
  | 'id_token_signing_alg_values_supported'
  | 'authorization_response_iss_parameter_supported'
>

/** The endpoints a page calls (or sends the browser to), and the boolean it reads. */
const PAGE_METADATA: MetadataMembers = {
  endpoints: [
    'authorization_endpoint',
    'token_endpoint',
    'userinfo_endpoint',
    'jwks_uri',
    'end_session_endpoint',
  ],
  booleans: ['authorization_response_iss_parameter_supported'],
}

/** Every member of {@link PageProviderMetadata}. */
const PAGE_MEMBERS = [
  'issuer',
  ...PAGE_METADATA.endpoints,
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
  ...PAGE_METADATA.booleans,
]

/**
 * A page's sign-in configuration, made by {@link discover}.
 * @group Page sign-in
 */
export interface PageConfiguration {
  /** The OP's issuer. */
  readonly issuer: string
  /** The OP's metadata a page reads, validated; the others are left out. */
  readonly provider: PageProviderMetadata
  /** The client, validated. */
  readonly client: PageClient
  /** The limits and tolerances. */
  readonly settings: Settings
}

/** What a configuration uses at run time, out of its printable members. @internal */
export interface PageRuntime {
  readonly store: TransactionStore
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly jwks: JwksCache
}

const runtimes = new WeakMap<PageConfiguration, PageRuntime>()

/**
 * What a configuration uses at run time.
 * @param config - a configuration made by {@link discover}
 * @returns its store, fetch, clock and the OP's keys
 * @throws `UsageError` `INVALID_ARGUMENT` for any other object
 * @internal
 */
export function pageRuntimeOf(config: PageConfiguration): PageRuntime {
  const runtime = runtimes.get(config)
  if (runtime === undefined) {
    throw invalidArgument('config', 'a configuration made by discover from oidc-rp/browser')
  }
  return runtime
}

/**
 * Whether a configuration was made by this entry's {@link discover}.
 * @param config - any configuration
 * @returns true for a page's configuration
 * @internal
 */
export function isPageConfiguration(config: object): config is PageConfiguration {
  return runtimes.has(config as PageConfiguration)
}

/**
 * The HTTP options of a request to one of the OP's endpoints.
 * @internal
 */
export function httpOptionsOf(
  config: PageConfiguration,
  endpoint: 'token' | 'userinfo',
  signal: AbortSignal | undefined,
): HttpOptions {
  const { settings } = config
  return {
    ...settings,
    maxResponseBytes: responseLimit(settings, endpoint),
    fetch: pageRuntimeOf(config).fetch,
    ...(signal === undefined ? {} : { signal }),
  }
}

/** Members a page's lean sign-in does not honour: a page asking for them needs `oidc-rp/core`. */
const CORE_ONLY = [
  'client_secret',
  'keys',
  'id_token_encrypted_response_alg',
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'request_object_signing_alg',
  'authorization_signed_response_alg',
  'tls_client_certificate_bound_access_tokens',
  'dpop_bound_access_tokens',
] as const

/**
 * Discovers the OP and makes a page's sign-in configuration.
 *
 * Fetches the OP's metadata (its issuer must be the one asked for) and validates it, and the
 * client, as the core's `discover` does.
 *
 * @param issuer - the OP's issuer
 * @param client - the page's public client
 * @param options - the store, fetch, clock and limits
 * @returns the configuration
 * @throws `UsageError` `INVALID_CONFIGURATION` for a client or settings at fault, or a member
 * only `oidc-rp/core` honours; `INVALID_ARGUMENT` for a store not bound to the browser
 * @throws `ValidationError` `DISCOVERY_ISSUER_MISMATCH`, `DISCOVERY_INVALID_METADATA`,
 * `DISCOVERY_INSECURE_ENDPOINT`, `DISCOVERY_LOOPBACK_ENDPOINT`
 * @throws `TransportError` `HTTP_*` when the metadata cannot be fetched
 * @example
 * ```ts
 * const config = await discover('https://op.example.com', {
 *   client_id: 'my-spa',
 *   redirect_uris: [`${location.origin}/`],
 * })
 * ```
 * @group Page sign-in
 */
export async function discover(
  issuer: string,
  client: PageClient,
  options: PageOptions = {},
): Promise<PageConfiguration> {
  const settings = validateSettings(options.settings ?? {})
  const validClient = validatePageClient(client)
  const store = options.store ?? createWebStorageTransactionStore()
  if (store.browserBinding !== 'in-browser') {
    throw invalidArgument('store', "a store bound to the browser (browserBinding: 'in-browser')")
  }
  // late-bound, so a page (or a test) that replaces the global fetch is heard
  const fetch: typeof globalThis.fetch =
    options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const http = {
    ...settings,
    fetch,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
  const metadata = readDiscoveryResponse(await sendDiscoveryRequest(issuer, http), issuer)
  const provider: PageProviderMetadata = checkMetadata(
    picked(metadata, PAGE_MEMBERS),
    settings.allowInsecureRequests,
    PAGE_METADATA,
  )
  const now = options.now ?? Date.now
  const config: PageConfiguration = Object.freeze({
    issuer: provider.issuer,
    provider,
    client: validClient,
    settings,
  })
  runtimes.set(config, {
    store,
    fetch,
    now,
    jwks: createJwksCache(provider.jwks_uri, settings, fetch, now),
  })
  return config
}

function validatePageClient(client: PageClient): PageClient {
  const given = client as ClientInput & Readonly<Record<string, unknown>>
  for (const member of CORE_ONLY) {
    if (given?.[member] !== undefined) {
      throw new UsageError(
        'INVALID_CONFIGURATION',
        `${member} is not for a page's public client: use oidc-rp/core`,
        { parameter: member },
      )
    }
  }
  const method = given?.token_endpoint_auth_method
  if (method !== undefined && method !== 'none') {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      "token_endpoint_auth_method must be none: a page's client is public (it keeps no secret)",
      { parameter: 'token_endpoint_auth_method' },
    )
  }
  checkClientBasics(given)
  const members = picked(given as Readonly<Record<string, unknown>>, PAGE_CLIENT_MEMBERS)
  return deepFreeze(cloneJson({ ...members, token_endpoint_auth_method: 'none' })) as PageClient
}

/** Every member of {@link PageClient}: the others are the core's, or registration's. */
const PAGE_CLIENT_MEMBERS = [
  'client_id',
  'redirect_uris',
  'post_logout_redirect_uris',
  'id_token_signed_response_alg',
  'default_max_age',
  'require_auth_time',
  'trusted_audiences',
]

/** The members named that a value has. */
function picked(
  value: Readonly<Record<string, unknown>>,
  members: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(
    members.filter((member) => value[member] !== undefined).map((m) => [m, value[m]]),
  )
}
