/**
 * The connection registry: many OPs side by side, one callback for all.
 *
 * Each connection is a configuration kept as plain data in a {@link ConnectionStore}; its
 * credentials come from the application's credential source and are never stored with it. Every
 * connection saves its pending sign-ins in one shared transaction store, stamped with its id, so
 * one callback URL finds the connection from the transaction.
 *
 * @module
 */
import {
  type AuthorizationParameters,
  type AuthorizationRequest,
  type AuthorizationRequestOptions,
  createAuthorizationRequest,
} from '../authorization/request.js'
import type { SignInResult } from '../callback/result.js'
import { type CallbackOptions, handleCallback } from '../callback/sign-in.js'
import {
  type Configuration,
  type ConfigurationOptions,
  restoreConfiguration,
} from '../config/configuration.js'
import { RUNTIME } from '../config/runtime.js'
import { validateSettings } from '../config/settings.js'
import { type MetadataDiff, reloadMetadata } from '../discovery.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import type { ClientKey } from '../lib/client-keys.js'
import { cloneJson, isPlainObject } from '../lib/json.js'
import type { CallbackInput } from '../lib/request-input.js'
import { callStore } from '../lib/store-call.js'
import type { ConnectionRecord, ConnectionStore, TransactionStore } from '../storage.js'
import { createMemoryConnectionStore } from '../stores/connections.js'
import { createMemoryTransactionStore } from '../stores/memory.js'
import { discoverIssuer, type WebFingerOptions } from '../webfinger.js'
import { type RoutingLimits, takeRoutedTransaction } from './callback.js'
import { type RoutingStore, routingStore } from './routing-store.js'

/**
 * A connection's credentials: what `restoreConfiguration` takes beside the saved data.
 * @group Connections
 */
export interface ConnectionCredentials {
  /** The client secret (`client_secret_*` authentication, HS* ID tokens). */
  readonly client_secret?: string
  /** The client's private keys (`private_key_jwt`, request objects, decryption). */
  readonly keys?: readonly ClientKey[]
}

/**
 * Where a registry finds each connection's credentials, by connection id.
 *
 * An object (read at each use, so entries added later count) or a function, for example over a
 * secret manager.
 * @group Connections
 */
export type CredentialSource =
  | Readonly<Record<string, ConnectionCredentials>>
  | ((id: string) => ConnectionCredentials | undefined | Promise<ConnectionCredentials | undefined>)

/**
 * Options of {@link createConnectionRegistry}.
 * @group Connections
 */
export interface ConnectionRegistryOptions {
  /** Where the connections are kept. Default {@link createMemoryConnectionStore}. */
  readonly store?: ConnectionStore
  /** The credentials of each connection. Default none (public clients only). */
  readonly credentials?: CredentialSource
  /**
   * Where every connection's pending sign-ins wait. Default an in-memory store (one process).
   *
   * Each transaction records its connection; the registry's one callback reads it from there.
   */
  readonly transactions?: TransactionStore
  /** The `fetch` of every connection, and of WebFinger. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
  /**
   * Runtime options of one connection, beside the saved data (never stored).
   *
   * For example a `fetch` presenting a client certificate for an mTLS connection.
   */
  readonly connectionOptions?: (id: string) => ConfigurationOptions | undefined
  /**
   * Callback limits applied before the connection is known.
   *
   * `maxCallbackParameters`, `maxCallbackBytes`, `maxJwtLength`; default the settings' defaults.
   */
  readonly limits?: {
    readonly maxCallbackParameters?: number
    readonly maxCallbackBytes?: number
    readonly maxJwtLength?: number
  }
}

/**
 * How a registry offers a connection (plain data, saved with it).
 * @group Connections
 */
export interface ConnectionDetails {
  /** What a sign-in page shows. */
  readonly label?: string
  /** E-mail domains whose users this connection signs in; each belongs to one connection. */
  readonly domains?: readonly string[]
  /** Whether sign-ins may use it. Default true. */
  readonly enabled?: boolean
}

/**
 * A change to a connection.
 *
 * `configuration` is either a whole new configuration (`restoreConfiguration`, `discover`…) or a
 * patch of the saved data: each member given replaces the saved one (`policy`,
 * `attributeMapping`, `settings`, `client`…), `null` removes it. The result is validated as a
 * whole before anything is written.
 * @group Connections
 */
export interface ConnectionChange extends ConnectionDetails {
  readonly configuration?: Configuration | Readonly<Record<string, unknown>>
}

/**
 * How a sign-in picks its connection.
 *
 * By id (a list the user chose from), by the user's e-mail domain, or by WebFinger on what the
 * user typed (only the registry's own connections can be chosen: an issuer it does not hold is
 * refused, never added).
 * @group Connections
 */
export type ConnectionChoice =
  | { readonly id: string }
  | { readonly email: string }
  | { readonly identifier: string; readonly webfinger?: WebFingerOptions }

/**
 * The outcome of reloading one connection's metadata.
 * @group Connections
 */
export type ReloadOutcome =
  | { readonly id: string; readonly diff: MetadataDiff }
  | { readonly id: string; readonly error: unknown }

/**
 * A sign-in completed by the registry's callback.
 * @group Connections
 */
export interface ConnectionSignIn {
  /** The id of the connection that started and finished the sign-in. */
  readonly connection: string
  /** That connection's configuration (for UserInfo, refresh, logout). */
  readonly config: Configuration
  /** The sign-in result, as `handleCallback` returns it. */
  readonly result: SignInResult
}

/**
 * Many connections, managed as data, with one callback for all.
 * @group Connections
 */
export interface ConnectionRegistry {
  /** The registry's clock, in milliseconds since the epoch (`now` option, default `Date.now`). */
  readonly now: () => number
  /**
   * Adds a connection from a configuration; its credentials must be in the credential source.
   * @throws `UsageError` `CONNECTION_CONFLICT` (id or domain taken), `INVALID_ARGUMENT`,
   * `MISSING_CREDENTIALS`, `INVALID_CONFIGURATION`
   */
  add(id: string, config: Configuration, details?: ConnectionDetails): Promise<ConnectionRecord>
  /**
   * Changes a connection: details, or its configuration (validated whole before it is written).
   * @throws `UsageError` `CONNECTION_UNAVAILABLE` (no such id), `CONNECTION_CONFLICT`,
   * `INVALID_CONFIGURATION`, `MISSING_CREDENTIALS`
   */
  update(id: string, change: ConnectionChange): Promise<ConnectionRecord>
  /**
   * Removes a connection; its pending sign-ins are then refused at the callback.
   * @returns true when this call removed it
   */
  remove(id: string): Promise<boolean>
  /**
   * Fetches one connection's metadata again and saves the result (contract merged).
   * @throws `UsageError` `CONNECTION_UNAVAILABLE`; what `reloadMetadata` throws
   */
  reload(
    id: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ record: ConnectionRecord; diff: MetadataDiff }>
  /** Reloads every enabled connection, one at a time; a failure is reported, not thrown. */
  reloadAll(options?: { readonly signal?: AbortSignal }): Promise<readonly ReloadOutcome[]>
  /** Every connection (enabled or not), as stored. */
  list(): Promise<readonly ConnectionRecord[]>
  /**
   * The configuration of an enabled connection.
   * @throws `UsageError` `CONNECTION_UNAVAILABLE`
   */
  configuration(id: string): Promise<Configuration>
  /**
   * Picks the enabled connection for a sign-in.
   * @returns its id
   * @throws `UsageError` `CONNECTION_UNAVAILABLE` (id), `CONNECTION_NOT_CHOSEN` (none or
   * several for the domain or issuer), `WEBFINGER_IDENTIFIER_INVALID`
   */
  choose(choice: ConnectionChoice): Promise<string>
  /**
   * `createAuthorizationRequest` with a connection: its transaction records the connection.
   * @throws `UsageError` `CONNECTION_UNAVAILABLE`; what `createAuthorizationRequest` throws
   */
  createAuthorizationRequest(
    id: string,
    appParams?: AuthorizationParameters,
    options?: AuthorizationRequestOptions,
  ): Promise<AuthorizationRequest>
  /**
   * The one callback of every connection: `handleCallback` with the transaction's connection.
   *
   * A response delivered to another connection's sign-in is checked against the transaction's
   * connection, so it is refused (RFC 9207 `iss`, the token endpoint, the ID token's `iss`).
   * @throws `ValidationError` `CALLBACK_STATE_UNKNOWN` (also for a transaction no
   * connection of this registry saved); what `handleCallback` throws
   * @throws `UsageError` `CONNECTION_UNAVAILABLE` (removed or disabled since the sign-in
   * started)
   */
  handleCallback(input: CallbackInput, options?: CallbackOptions): Promise<ConnectionSignIn>
}

/** 1–64 of `A-Z a-z 0-9 . _ -`: safe in URLs, cookie values and store keys. */
const CONNECTION_ID = /^[\w.-]{1,64}$/
/** Saved members a patch may replace but never remove (`null`). */
const SAVED_MEMBERS_REQUIRED = ['provider', 'client'] as const

/**
 * Makes a connection registry.
 *
 * @param options - the connection store, the credential source, the shared transaction store,
 * `fetch`, the clock, per-connection runtime options and the callback limits
 * @returns the registry
 * @throws `UsageError` `INVALID_ARGUMENT` for options of the wrong type
 * @example
 * ```ts
 * const registry = createConnectionRegistry({
 *   credentials: { corp: { client_secret: process.env.CORP_SECRET } },
 *   transactions: createRedisTransactionStore(redis),
 * })
 * await registry.add('corp', await discover(corpIssuer, corpClient), { domains: ['corp.example'] })
 * await registry.add('partner', await discover(partnerIssuer, partnerClient))
 *
 * // login: pick the connection, then redirect
 * const id = await registry.choose({ email: form.email })
 * const { url } = await registry.createAuthorizationRequest(id)
 *
 * // the one callback of every connection
 * const { connection, result } = await registry.handleCallback(request)
 * ```
 * @group Connections
 */
export function createConnectionRegistry(
  options: ConnectionRegistryOptions = {},
): ConnectionRegistry {
  if (!isPlainObject(options as unknown)) throw invalidArgument('options', 'an object')
  const store = options.store ?? createMemoryConnectionStore()
  const shared = options.transactions ?? createMemoryTransactionStore()
  const limits: RoutingLimits = { ...validateSettings(options.limits ?? {}) }
  const routing = new Map<string, RoutingStore>()
  const built = new Map<string, { revision: number; config: Configuration }>()

  const storeOf = (id: string): RoutingStore => {
    const found = routing.get(id) ?? routingStore(shared, id)
    routing.set(id, found)
    return found
  }

  const credentialsOf = async (id: string): Promise<ConnectionCredentials> => {
    const source = options.credentials
    const found = typeof source === 'function' ? await source(id) : source?.[id]
    return found ?? {}
  }

  /** The record's configuration with its credentials and runtime: the validation of a record. */
  const restore = async (record: ConnectionRecord): Promise<Configuration> =>
    restoreConfiguration(record.configuration, await credentialsOf(record.id), {
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.now === undefined ? {} : { now: options.now }),
      // a connection's own runtime options (an mTLS fetch) win over the registry's
      ...options.connectionOptions?.(record.id),
      store: storeOf(record.id),
    })

  /** The configuration of a stored record, made once per revision. */
  const build = async (record: ConnectionRecord): Promise<Configuration> => {
    const cached = built.get(record.id)
    if (cached?.revision === record.revision) return cached.config
    const config = await restore(record)
    built.set(record.id, { revision: record.revision, config })
    return config
  }

  const read = async (id: string): Promise<ConnectionRecord> => {
    checkId(id)
    const record = await callStore('connection store get', () => store.get(id))
    if (record === undefined) throw unavailable(id, 'there is no connection with this id')
    return record
  }

  const enabledConfig = async (id: string): Promise<Configuration> => {
    const record = await read(id)
    if (!record.enabled) throw unavailable(id, 'the connection is disabled')
    return build(record)
  }

  /** Validates a record (domains free, configuration buildable), then writes it. */
  const write = async (record: ConnectionRecord): Promise<ConnectionRecord> => {
    checkDomains(record, await callStore('connection store list', () => store.list()))
    const config = await restore(record)
    const written = await callStore('connection store put', () => store.put(record))
    if (written) built.set(record.id, { revision: record.revision, config })
    else {
      throw conflict(
        record.revision === 1
          ? `a connection with the id ${record.id} exists`
          : `the connection ${record.id} was changed by another write: read it again`,
      )
    }
    return cloneJson(record)
  }

  /** The one enabled connection the saved data matches (no configuration is built). */
  const firstOf = async (
    matches: (record: ConnectionRecord) => boolean,
    what: string,
  ): Promise<string> => {
    const records = await callStore('connection store list', () => store.list())
    const found = records.filter((record) => record.enabled && matches(record)).map((r) => r.id)
    if (found.length !== 1) {
      throw new UsageError(
        'CONNECTION_NOT_CHOSEN',
        found.length === 0
          ? `no enabled connection serves ${what}`
          : `${found.length} enabled connections serve ${what}: choose one by id`,
      )
    }
    return found[0]!
  }

  const reload = async (
    id: string,
    reloadOptions: { readonly signal?: AbortSignal } = {},
  ): Promise<{ record: ConnectionRecord; diff: MetadataDiff }> => {
    const record = await read(id)
    const { config, diff } = await reloadMetadata(await build(record), reloadOptions)
    const next = { ...record, revision: record.revision + 1, configuration: savedForm(config) }
    return { record: await write(next), diff }
  }

  return {
    now: options.now ?? Date.now,
    async add(id, config, details = {}) {
      checkId(id)
      return write({
        id,
        revision: 1,
        ...detailsOf(details, true),
        configuration: savedForm(config),
      } as ConnectionRecord)
    },

    async update(id, change) {
      if (!isPlainObject(change as unknown)) throw invalidArgument('change', 'an object')
      const record = await read(id)
      const configuration =
        change.configuration === undefined
          ? record.configuration
          : isConfiguration(change.configuration)
            ? savedForm(change.configuration)
            : patch(record.configuration, change.configuration)
      return write({
        ...record,
        ...detailsOf({ ...record, ...change }, record.enabled),
        revision: record.revision + 1,
        configuration,
      })
    },

    async remove(id) {
      checkId(id)
      built.delete(id)
      return callStore('connection store delete', () => store.delete(id))
    },

    reload,

    async reloadAll(reloadOptions = {}) {
      const outcomes: ReloadOutcome[] = []
      for (const record of await callStore('connection store list', () => store.list())) {
        if (!record.enabled) continue
        try {
          outcomes.push({ id: record.id, diff: (await reload(record.id, reloadOptions)).diff })
        } catch (error) {
          outcomes.push({ id: record.id, error })
        }
      }
      return outcomes
    },

    list: () => callStore('connection store list', () => store.list()),

    configuration: enabledConfig,

    async choose(choice) {
      if (!isPlainObject(choice as unknown)) throw invalidArgument('choice', 'an object')
      if ('id' in choice) {
        await enabledConfig(choice.id)
        return choice.id
      }
      if ('email' in choice) {
        const domain = emailDomain(choice.email)
        return firstOf((record) => record.domains?.includes(domain) === true, `${domain} users`)
      }
      if ('identifier' in choice) {
        const { issuer } = await discoverIssuer(choice.identifier, {
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...choice.webfinger,
        })
        return firstOf((record) => record.configuration.issuer === issuer, `the issuer ${issuer}`)
      }
      throw invalidArgument('choice', 'one of { id }, { email } or { identifier }')
    },

    async createAuthorizationRequest(id, appParams, requestOptions) {
      return createAuthorizationRequest(await enabledConfig(id), appParams, requestOptions)
    },

    async handleCallback(input, callbackOptions = {}) {
      const transaction = await takeRoutedTransaction(shared, input, callbackOptions, limits)
      const id = transaction.connection
      const config = await enabledConfig(id)
      const result = await storeOf(id).lend(transaction, () =>
        handleCallback(config, input, callbackOptions),
      )
      return { connection: id, config, result }
    },
  }
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !CONNECTION_ID.test(id)) {
    throw invalidArgument('id', '1 to 64 of A-Z a-z 0-9 . _ -')
  }
}

function isConfiguration(value: unknown): value is Configuration {
  return isPlainObject(value) && RUNTIME in value
}

/** The data of a configuration, as JSON has it: credentials and runtime are not members. */
function savedForm(config: unknown): Record<string, unknown> {
  if (!isConfiguration(config)) {
    throw invalidArgument('config', 'a configuration (discover, createConfiguration, restore…)')
  }
  return JSON.parse(JSON.stringify(config))
}

function patch(
  saved: Readonly<Record<string, unknown>>,
  change: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...saved }
  for (const [member, value] of Object.entries(change)) {
    if (value === null) delete next[member]
    else if (value !== undefined) next[member] = cloneJson(value)
  }
  for (const member of SAVED_MEMBERS_REQUIRED) {
    if (!isPlainObject(next[member])) throw invalidArgument(`configuration.${member}`, 'kept')
  }
  return next
}

function detailsOf(
  details: ConnectionDetails,
  enabledByDefault: boolean,
): Pick<ConnectionRecord, 'enabled' | 'label' | 'domains'> {
  if (!isPlainObject(details as unknown)) throw invalidArgument('details', 'an object')
  const { label, domains, enabled = enabledByDefault } = details
  if (typeof enabled !== 'boolean') throw invalidArgument('enabled', 'a boolean')
  if (label !== undefined && (typeof label !== 'string' || label.length > 200)) {
    throw invalidArgument('label', 'a string of at most 200 characters')
  }
  if (domains !== undefined && !Array.isArray(domains)) {
    throw invalidArgument('domains', 'a list of e-mail domains')
  }
  const normalized = domains?.map((domain) => normalizeDomain(domain, 'domains'))
  if (normalized !== undefined && new Set(normalized).size !== normalized.length) {
    throw invalidArgument('domains', 'a list without repeats')
  }
  return {
    enabled,
    ...(label === undefined ? {} : { label }),
    ...(normalized === undefined ? {} : { domains: normalized }),
  }
}

function checkDomains(record: ConnectionRecord, others: readonly ConnectionRecord[]): void {
  for (const other of others) {
    if (other.id === record.id) continue
    const taken = record.domains?.find((domain) => other.domains?.includes(domain))
    if (taken !== undefined) throw conflict(`the domain ${taken} belongs to ${other.id}`)
  }
}

/** The domain of an e-mail address, normalised as {@link normalizeDomain}. */
function emailDomain(email: unknown): string {
  if (typeof email !== 'string') throw invalidArgument('email', 'an e-mail address')
  const at = email.lastIndexOf('@')
  if (at <= 0 || email.length > 320) throw invalidArgument('email', 'an e-mail address')
  return normalizeDomain(email.slice(at + 1), 'email')
}

/** A host name in lower case, IDN as punycode (as the URL parser does); nothing else. */
function normalizeDomain(value: unknown, name: string): string {
  const text = typeof value === 'string' ? value.trim() : ''
  const url = `https://${text}`
  const host =
    /^[^\s/:?#@[\]\\%]{1,253}$/.test(text) && URL.canParse(url) ? new URL(url).hostname : ''
  if (!host || host.endsWith('.') || !host.includes('.')) {
    throw invalidArgument(name, 'an e-mail domain such as example.com')
  }
  return host
}

function unavailable(id: string, why: string): UsageError {
  return new UsageError('CONNECTION_UNAVAILABLE', `connection ${id}: ${why}`, { parameter: 'id' })
}

function conflict(message: string): UsageError {
  return new UsageError('CONNECTION_CONFLICT', message, { parameter: 'id' })
}
