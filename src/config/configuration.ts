/**
 * The configuration value.
 *
 * One connection to one OP, as plain data an administrator can store, plus the injected
 * dependencies and credentials behind a hidden symbol key (never serialised, never printed).
 *
 * @module
 */

import { UsageError, ValidationError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import type { ClientKey } from '../lib/client-keys.js'
import { isPlainObject } from '../lib/json.js'
import type { RequestObjectStore, TransactionStore } from '../storage.js'
import { createMemoryTransactionStore } from '../stores/memory.js'
import type { AcrMapping } from './acr-mapping.js'
import type { AttributeLookup } from './attribute-lookup.js'
import type { ClaimSources, ClaimSourcesInput } from './claim-sources.js'
import {
  type ClientInput,
  type ClientMetadata,
  checkCredentials,
  validateClient,
} from './client.js'
import { type AttributeContract, buildContract, validateContract } from './contract.js'
import {
  acrMappingFeature,
  attributeLookupFeature,
  checkClientFeatures,
  checkPolicyFeatures,
  claimSourcesFeature,
  issuanceCriteriaFeature,
  requestPolicyFeature,
  securityProfileFeature,
  tenantsFeature,
  tokenParametersFeature,
} from './features.js'
import type { IssuanceCriteria } from './issuance-criteria.js'
import { type AttributeMapping, normalizeMapping } from './mapping.js'
import {
  defaultPolicy,
  type OPEN_PARAMETERS,
  type RequestPolicy,
  type RequestPolicyInput,
} from './policy.js'
import { type ProviderMetadata, validateProviderMetadata } from './provider.js'
import { checkedClock, createRuntime, credentialsOf, RUNTIME, type Runtime } from './runtime.js'
import type { SecurityProfile } from './security-profile.js'
import { type Settings, validateSettings } from './settings.js'
import type { Tenants } from './tenants.js'

/**
 * An immutable connection to one OP.
 *
 * `JSON.stringify(config)` gives its data (metadata, client metadata, contract, settings), without
 * the secret, keys or dependencies; {@link restoreConfiguration} reads it back. Printing it
 * (`console.log`, `util.inspect` at any depth, `Deno.inspect`, `Bun.inspect`) shows the same data:
 * the secret, keys and dependencies are unreachable from it.
 *
 * @group Configuration
 */
export interface Configuration {
  readonly issuer: string
  readonly provider: ProviderMetadata
  readonly client: ClientMetadata
  readonly contract: AttributeContract
  /**
   * The administrator's request policy: profile, scopes, extra parameters, protected parameters.
   */
  readonly policy: RequestPolicy
  /** How contract claims become the application's attributes. */
  readonly attributeMapping: AttributeMapping
  readonly settings: Settings
  /** The security profile the connection keeps to (absent: none). */
  readonly securityProfile?: SecurityProfile
  /** The aggregated and distributed claims resolved (absent: left unresolved; docs/claims.md). */
  readonly claimSources?: ClaimSources
  /** The tenants accepted, for a multi-tenant OP (its issuer a `{tenantid}` template). */
  readonly tenants?: Tenants
  /** Extra parameters every token request carries (a per-OP quirk). */
  readonly tokenParameters?: Readonly<Record<string, string>>
  /** Local ↔ remote acr values (docs/registry.md). */
  readonly acrMapping?: AcrMapping
  /** Rules a sign-in must meet (docs/registry.md). */
  readonly issuanceCriteria?: IssuanceCriteria
  /** @internal */
  readonly [RUNTIME]: Runtime
}

/**
 * Injected dependencies and settings for a configuration.
 * @group Configuration
 */
export interface ConfigurationOptions extends Partial<Settings> {
  /**
   * The `fetch` every request goes through. Default `globalThis.fetch`.
   *
   * A mutual-TLS client (`tls_client_auth`, `self_signed_tls_client_auth` or
   * `tls_client_certificate_bound_access_tokens`, RFC 8705) must give one that presents its client
   * certificate (docs/mtls.md): without it the configuration is refused with
   * `MISSING_CREDENTIALS`.
   */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /**
   * Where pending sign-ins wait. Default an in-memory store (one process).
   *
   * In a page the default does not survive the redirect to the OP (the page reloads): give
   * `createWebStorageTransactionStore()`.
   */
  readonly store?: TransactionStore
  /**
   * The administrator's request policy (plain data, saved with the configuration).
   *
   * Default: none, so `scope` and the {@link OPEN_PARAMETERS} are the application's to set per
   * request; a policy tightens them (fixed values, allowed lists, locked `acr_values`/`prompt`).
   */
  readonly policy?: RequestPolicyInput
  /** The attribute mapping (plain data, saved with the configuration). */
  readonly attributeMapping?: readonly AttributeMappingInput[]
  /**
   * A security profile to keep to, saved with the configuration (docs/fapi.md).
   *
   * `fapi2` or `fapi2-message-signing`. The configuration is refused when the OP, the client or
   * the policy cannot keep to it (`SECURITY_PROFILE_VIOLATION`); the policy's defaults become the
   * profile's (pushed requests; with Message Signing, signed request objects and JARM), the clock
   * tolerance 10 s; token requests then need a `dpop` handle unless the client has
   * certificate-bound tokens, and every authorization response must carry `iss`.
   */
  readonly securityProfile?: SecurityProfile
  /**
   * Resolve aggregated and distributed claims (OIDC Core §5.6.2), saved with the configuration.
   *
   * Default none: `_claim_names` / `_claim_sources` stay unresolved, as the OP sent them
   * (docs/claims.md).
   */
  readonly claimSources?: ClaimSourcesInput
  /**
   * For a multi-tenant OP (Microsoft Entra's `common` or `organizations`), the tenants accepted.
   *
   * The OP's issuer is then a template, `https://login.microsoftonline.com/{tenantid}/v2.0`: each
   * token's `iss` must be it filled with the token's `tid`, and `tid` must be in `allowed`.
   * Required for such an issuer, refused for another. Saved with the configuration.
   */
  readonly tenants?: Tenants
  /**
   * Extra parameters every token request of this connection carries, for an OP that wants its own.
   *
   * For example `{ audience: 'https://api.example' }`. Never a name the SDK sets itself
   * (`grant_type`, `code`, `client_assertion`…, in any case); saved with the configuration.
   */
  readonly tokenParameters?: Readonly<Record<string, string>>
  /**
   * The acr mapping table: the application's acr names ↔ the OP's.
   *
   * PingFederate's authentication context mapping (docs/registry.md). Saved with the configuration.
   */
  readonly acrMapping?: AcrMapping
  /**
   * Rules a sign-in must meet, on the validated claims and mapped attributes.
   *
   * A sign-in that does not is refused (`ISSUANCE_CRITERIA_UNMET`) before anything is stored.
   * Saved with the configuration.
   */
  readonly issuanceCriteria?: IssuanceCriteria
  /**
   * More claims from the application's own data, added before the mapping.
   *
   * Looked up after the tokens are validated, within `attributeLookupTimeoutInSeconds`. Never
   * saved.
   */
  readonly attributeLookup?: AttributeLookup
  /**
   * Where request objects passed by reference (`policy.transport: 'request-uri'`) wait for the OP.
   *
   * Default: one in this process's memory, made on first use; behind a load balancer give a
   * shared one (the OP's fetch may reach any machine).
   */
  readonly requestObjectStore?: RequestObjectStore
}

/** One attribute mapping rule as written. */
type AttributeMappingInput = AttributeMapping[number]

/**
 * Builds a configuration from metadata an administrator typed by hand (no discovery).
 *
 * The validation is the same as {@link discover}'s.
 *
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
 * Reads back a configuration saved with `JSON.stringify(config)`, validating it again.
 *
 * The secret, keys and dependencies are given anew.
 *
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
    securityProfile: value.securityProfile,
    claimSources: value.claimSources,
    tenants: value.tenants,
    tokenParameters: value.tokenParameters,
    acrMapping: value.acrMapping,
    issuanceCriteria: value.issuanceCriteria,
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
 * Puts a configuration together from validated parts.
 *
 * Used by discovery, manual configuration, restore and reload.
 *
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
  const fetchGiven = runtime === undefined ? options.fetch !== undefined : !runtime.defaultFetch
  checkCredentials(clientMetadata, clientSecret, keys, fetchGiven)
  checkClientFeatures(clientMetadata)
  const now = checkedClock(options.now ?? runtime?.now ?? Date.now)
  const profiles = options.securityProfile === undefined ? undefined : securityProfileFeature()
  const securityProfile = profiles?.validateSecurityProfile(options.securityProfile)
  const policy =
    profiles === undefined && isNoPolicy(options.policy)
      ? defaultPolicy()
      : requestPolicyFeature().normalizePolicy(
          options.policy,
          clientMetadata,
          profiles?.profilePolicyDefaults(securityProfile) ?? {},
        )
  profiles?.checkSecurityProfile(securityProfile, provider, clientMetadata, policy)
  checkPolicyFeatures(policy)
  const claimSources: ClaimSources | undefined = optionally(options.claimSources, () =>
    claimSourcesFeature().validateClaimSources(
      options.claimSources,
      settings.allowInsecureRequests,
    ),
  )
  // an issuer template (`{tenantid}`) needs the multi-tenant feature (which refuses it without
  // tenants)
  const tenants =
    options.tenants === undefined && !provider.issuer.includes('{tenantid}')
      ? undefined
      : tenantsFeature().validateTenants(options.tenants, provider.issuer)
  const tokenParameters = optionally(options.tokenParameters, () =>
    tokenParametersFeature().validateTokenParameters(options.tokenParameters),
  )
  const acrMapping = optionally(options.acrMapping, () =>
    acrMappingFeature().validateAcrMapping(options.acrMapping),
  )
  const issuanceCriteria = optionally(options.issuanceCriteria, () =>
    issuanceCriteriaFeature().validateIssuanceCriteria(options.issuanceCriteria),
  )
  if (options.attributeLookup !== undefined) {
    attributeLookupFeature()
    if (typeof options.attributeLookup !== 'function') {
      throw invalidConfiguration('attributeLookup', 'a function')
    }
  }
  const requestObjects = options.requestObjectStore
  if (
    requestObjects !== undefined &&
    (typeof requestObjects?.set !== 'function' || typeof requestObjects.take !== 'function')
  ) {
    throw invalidConfiguration('requestObjectStore', 'a RequestObjectStore { set, take }')
  }
  const config = {
    issuer: provider.issuer,
    provider,
    client: clientMetadata,
    contract,
    policy,
    attributeMapping: normalizeMapping(options.attributeMapping),
    settings:
      profiles?.profileSettings(
        settings,
        securityProfile,
        options.clockToleranceInSeconds !== undefined,
      ) ?? settings,
    ...(securityProfile === undefined ? {} : { securityProfile }),
    ...(claimSources === undefined ? {} : { claimSources }),
    ...(tenants === undefined ? {} : { tenants }),
    ...(tokenParameters === undefined ? {} : { tokenParameters }),
    ...(acrMapping === undefined ? {} : { acrMapping }),
    ...(issuanceCriteria === undefined ? {} : { issuanceCriteria }),
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
        defaultStore: options.store === undefined,
        defaultFetch: options.fetch === undefined,
        attributeLookup: options.attributeLookup,
        requestObjects,
      }),
  })
  return Object.freeze(config as Configuration)
}

/**
 * Whether a policy member asks for nothing beyond the default: absent, or the default as saved.
 *
 * A saved configuration always holds its policy; one without an administrator's policy restores
 * without the request-policy feature.
 */
function isNoPolicy(input: unknown): boolean {
  return input === undefined || JSON.stringify(input) === JSON.stringify(defaultPolicy())
}

/** An optional member's validation (by its feature, which must then be installed), if given. */
function optionally<T>(input: unknown, validate: () => T | undefined): T | undefined {
  return input === undefined ? undefined : validate()
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
