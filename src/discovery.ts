/**
 * OpenID Connect Discovery.
 *
 * Load and validate `/.well-known/openid-configuration`, and reload it later with a diff that says
 * what changed.
 *
 * @module
 */

import type { ClientInput } from './config/client.js'
import {
  assemble,
  type Configuration,
  type ConfigurationOptions,
  createConfiguration,
} from './config/configuration.js'
import { type ContractChanges, mergeContract } from './config/contract.js'
import { tenantsFeature } from './config/features.js'
import { type ProviderMetadata, validateProviderMetadata } from './config/provider.js'
import { runtimeOf } from './config/runtime.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from './discovery-document.js'
import { UsageError, ValidationError } from './errors.js'

/**
 * Options of {@link discover}: dependencies and settings of the configuration, plus a signal.
 * @group Configuration
 */
export interface DiscoverOptions extends ConfigurationOptions {
  /** Aborts the discovery request. */
  readonly signal?: AbortSignal
}

/**
 * Loads and validates the OP's metadata, and returns a configuration.
 *
 * The metadata comes from `{issuer}/.well-known/openid-configuration`; the attribute contract is
 * built from its `claims_supported`.
 *
 * @param issuer - the issuer identifier, exactly as the OP states it
 * @param client - the client's metadata, secret and keys
 * @param options - dependencies (fetch, clock, store) and settings
 * @returns the configuration
 * @throws {@link ValidationError} `DISCOVERY_ISSUER_MISMATCH`, `DISCOVERY_INVALID_METADATA`,
 * `DISCOVERY_INSECURE_ENDPOINT`,
 * `DISCOVERY_LOOPBACK_ENDPOINT`
 * @throws {@link TransportError} `HTTP_*` when the metadata cannot be fetched or is not a JSON
 * object
 * @throws {@link UsageError} `INVALID_ARGUMENT`, `INSECURE_URL`, `INVALID_CONFIGURATION`,
 * `MISSING_CREDENTIALS`
 * @see {@link https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig | Discovery §4}
 * @example
 * ```ts
 * const config = await discover('https://op.example.com', {
 *   client_id: 'my-app',
 *   client_secret: process.env.CLIENT_SECRET,
 *   redirect_uris: ['https://app.example.com/callback'],
 * })
 * ```
 * @group Everyday use
 */
export async function discover(
  issuer: string | URL,
  client: ClientInput,
  options: DiscoverOptions = {},
): Promise<Configuration> {
  const asked = String(issuer)
  const metadata = await fetchMetadata(asked, options)
  // A multi-tenant OP is asked at one of its endpoints (`…/organizations/v2.0`): reload asks there.
  const { tenants } = options
  const discovered =
    tenants === undefined
      ? options
      : { ...options, tenants: { ...tenants, discoveryIssuer: asked } }
  return createConfiguration(metadata, client, discovered)
}

/**
 * What a metadata reload changed.
 * @group Configuration
 */
export interface MetadataDiff {
  /**
   * Claims added to the contract, claims no longer advertised, claims advertised again.
   *
   * Kept, marked.
   */
  readonly claims: ContractChanges
  /** Endpoints (and `jwks_uri`) whose URL changed, appeared or disappeared. */
  readonly endpoints: readonly {
    member: string
    before: string | undefined
    after: string | undefined
  }[]
  /** Whether `jwks_uri` changed: keys are then fetched from the new location. */
  readonly jwksUriChanged: boolean
  /**
   * `*_supported` lists (algorithms, response types, scopes…) with the values added and removed.
   */
  readonly supported: readonly {
    member: string
    added: readonly string[]
    removed: readonly string[]
  }[]
  /**
   * Other members whose value changed.
   *
   * Booleans such as `authorization_response_iss_parameter_supported`.
   */
  readonly other: readonly string[]
  /** True when anything above changed. */
  readonly changed: boolean
}

/**
 * Fetches the OP's metadata again: a new configuration with the contract merged, and a diff.
 *
 * Claims the OP dropped stay, marked as no longer advertised; administrator attributes survive.
 * Credentials, dependencies and runtime caches carry over.
 *
 * @param config - the current configuration
 * @param options - a signal
 * @returns the new configuration and what changed
 * @throws {@link ValidationError} `DISCOVERY_ISSUER_MISMATCH`, `DISCOVERY_INVALID_METADATA`,
 * `DISCOVERY_INSECURE_ENDPOINT`,
 * `DISCOVERY_LOOPBACK_ENDPOINT`
 * @throws {@link TransportError} `HTTP_*`
 * @group Configuration
 */
export async function reloadMetadata(
  config: Configuration,
  options: { readonly signal?: AbortSignal } = {},
): Promise<{ config: Configuration; diff: MetadataDiff }> {
  const runtime = runtimeOf(config)
  const raw = await fetchMetadata(config.tenants?.discoveryIssuer ?? config.issuer, {
    ...config.settings,
    ...(config.tenants === undefined ? {} : { tenants: config.tenants }),
    fetch: runtime.fetch,
    ...options,
  })
  const provider = validateProviderMetadata(raw, config.settings.allowInsecureRequests)
  const merged = mergeContract(config.contract, provider.claims_supported, runtime.now)
  const next = assemble(provider, config.client, merged.contract, config.settings, config, runtime)
  return { config: next, diff: diffMetadata(config.provider, provider, merged.changes) }
}

async function fetchMetadata(
  issuer: string,
  options: DiscoverOptions,
): Promise<Record<string, unknown>> {
  return readDiscoveryResponse(
    await sendDiscoveryRequest(issuer, options),
    issuer,
    options.tenants === undefined ? undefined : (t, i) => tenantsFeature().fills(t, i),
  )
}

function diffMetadata(
  before: ProviderMetadata,
  after: ProviderMetadata,
  claims: ContractChanges,
): MetadataDiff {
  const endpoints: { member: string; before: string | undefined; after: string | undefined }[] = []
  const supported: { member: string; added: string[]; removed: string[] }[] = []
  const other: string[] = []
  const members = new Set([...Object.keys(before), ...Object.keys(after)])
  for (const member of members) {
    const a = before[member]
    const b = after[member]
    if (
      member.endsWith('_endpoint') ||
      member === 'jwks_uri' ||
      member === 'check_session_iframe'
    ) {
      if (a !== b)
        endpoints.push({ member, before: a as string | undefined, after: b as string | undefined })
    } else if (Array.isArray(a) || Array.isArray(b)) {
      if (member === 'claims_supported') continue
      const old = new Set((a as string[] | undefined) ?? [])
      const now = new Set((b as string[] | undefined) ?? [])
      const added = [...now].filter((v) => !old.has(v))
      const removed = [...old].filter((v) => !now.has(v))
      if (added.length > 0 || removed.length > 0) supported.push({ member, added, removed })
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      other.push(member)
    }
  }
  const claimsChanged =
    claims.added.length + claims.noLongerAdvertised.length + claims.nowAdvertised.length > 0
  return {
    claims,
    endpoints,
    jwksUriChanged: before.jwks_uri !== after.jwks_uri,
    supported,
    other,
    changed: claimsChanged || endpoints.length > 0 || supported.length > 0 || other.length > 0,
  }
}
