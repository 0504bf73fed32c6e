/**
 * The hidden half of a configuration.
 *
 * The `RUNTIME` handle of its injected dependencies, and the credentials and typed caches no
 * printer, clone or serialiser reaches.
 *
 * Two kinds of cache, one rule: {@link RuntimeCaches} belong to the runtime handle, which
 * `reloadMetadata` carries over, so they survive a reload; {@link ConfigurationCaches} are derived
 * from one configuration's metadata, so the configuration a reload returns starts without them.
 * @module
 */

import { UsageError } from '../errors.js'
import { invalidArgument, invalidConfiguration } from '../lib/checks.js'
import type { Credentials } from '../lib/client-keys.js'
import { SecretKeys } from '../lib/client-keys.js'
import type { JwksCache } from '../lib/jwks-cache.js'
import { RedactedHandle } from '../lib/redacted-handle.js'
import type { ReplayGuard, RequestObjectStore, TransactionStore } from '../storage.js'
import type { AttributeLookup } from './attribute-lookup.js'

/**
 * The key under which a {@link Configuration} keeps what is not data.
 *
 * The handle of its injected dependencies, credentials and caches ({@link createRuntime}). The
 * property is not enumerable, and the credentials and caches are not in the handle, so neither
 * `JSON.stringify`, `structuredClone` nor any printer reaches the client secret or keys.
 *
 * @internal
 */
export const RUNTIME: unique symbol = Symbol('oidc-rp.runtime')

/**
 * The mutable caches of a runtime handle.
 *
 * The handle, and so these caches, carry over to the configuration `reloadMetadata` returns; caches
 * derived from the OP's or the client's metadata live elsewhere (per configuration) so that a
 * reload drops them.
 */
export interface RuntimeCaches {
  /**
   * The OP key sets, one per `jwks_uri`.
   *
   * Survives `reloadMetadata` (a changed `jwks_uri` gets its own entry).
   */
  readonly jwks: Map<string, JwksCache>
  /**
   * The keys made from the client secret. Survives `reloadMetadata` (the credentials carry over).
   */
  readonly secretKeys: SecretKeys
  /**
   * The default in-memory replay guard of logout tokens, made on first use.
   *
   * Survives `reloadMetadata`.
   */
  logoutReplayGuard: ReplayGuard | undefined
}

/**
 * The caches derived from one configuration's OP and client metadata, made on first use.
 *
 * A reload returns a new configuration, which starts without them. Each field is declared, by
 * declaration merging, in the protocol module that owns it (`requestPlan` in authorization/plan.ts,
 * `clientAuthentication` in client-auth.ts), so this layer names none of their types.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the owning modules add the fields (see above)
export interface ConfigurationCaches {}

/** The caches of each configuration, keyed by the configuration itself. */
const derived = new WeakMap<object, Partial<ConfigurationCaches>>()

/**
 * The caches derived from a configuration's metadata (not carried over by `reloadMetadata`).
 * @param config - the configuration
 * @returns its caches, empty at first
 * @internal
 */
export function configurationCachesOf(config: HasRuntime): Partial<ConfigurationCaches> {
  let found = derived.get(config)
  if (found === undefined) {
    found = {}
    derived.set(config, found)
  }
  return found
}

/** What {@link hidden} keeps per handle. */
interface Hidden {
  readonly credentials: Credentials
  readonly caches: RuntimeCaches
}

/**
 * The dependencies behind a configuration, readable through its handle.
 *
 * The credentials and the caches (which hold keys made from the client secret) are not members:
 * only {@link credentialsOf} and {@link cachesOf} reach them.
 */
export interface Runtime {
  readonly fetch: typeof fetch
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly store: TransactionStore
  /** True when `store` is the in-memory one the configuration made because none was given. */
  readonly defaultStore: boolean
  /**
   * True when `fetch` is the global one the configuration took because none was given.
   *
   * Such a `fetch` presents no client certificate (RFC 8705 clients need their own).
   */
  readonly defaultFetch: boolean
  /** The application's attribute lookup, when it gave one. */
  readonly attributeLookup?: AttributeLookup | undefined
  /** Where request objects passed by reference wait for the OP (made on first use if absent). */
  readonly requestObjects?: RequestObjectStore | undefined
}

/** What {@link createRuntime} wraps. */
export interface RuntimeParts extends Runtime {
  readonly credentials: Credentials
}

/** What a configuration holds its handle under. */
type HasRuntime = { readonly [RUNTIME]: Runtime }

/** What every printer shows for a runtime handle. */
const SHOWN = '[oidc-rp runtime: redacted]'

/**
 * The secret part of each handle.
 *
 * Its credentials and its caches (JWKS, imported keys, keys made from the client secret). Reachable
 * only through this module, never by enumerating, cloning or printing a configuration or its
 * handle.
 */
const hidden = new WeakMap<Runtime, Hidden>()

/** A runtime handle: the dependencies as own properties, a redacted text for every printer. */
class RuntimeHandle extends RedactedHandle implements Runtime {
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly store: TransactionStore
  readonly defaultStore: boolean
  readonly defaultFetch: boolean
  readonly attributeLookup: AttributeLookup | undefined
  readonly requestObjects: RequestObjectStore | undefined

  constructor(parts: Runtime) {
    super()
    this.fetch = parts.fetch
    this.now = parts.now
    this.store = parts.store
    this.defaultStore = parts.defaultStore
    this.defaultFetch = parts.defaultFetch
    this.attributeLookup = parts.attributeLookup
    this.requestObjects = parts.requestObjects
  }
  protected get shown(): string {
    return SHOWN
  }
}

/**
 * Makes the runtime handle of a configuration.
 *
 * Its dependencies stay readable members, its credentials and fresh caches go where no printer
 * (`util.inspect` at any depth, with `showHidden`, `getters` or `customInspect: false`,
 * `Deno.inspect`, `Bun.inspect`), clone or serialiser can reach them.
 *
 * @param parts - fetch, clock, store and credentials
 * @returns the handle, frozen
 * @internal
 */
export function createRuntime(parts: RuntimeParts): Runtime {
  const handle = Object.freeze(new RuntimeHandle(parts))
  const credentials = Object.freeze({ ...parts.credentials })
  hidden.set(handle, {
    credentials,
    caches: {
      jwks: new Map(),
      secretKeys: new SecretKeys(credentials),
      logoutReplayGuard: undefined,
    },
  })
  return handle
}

function hiddenOf(config: HasRuntime): Hidden {
  return hidden.get(runtimeOf(config)) as Hidden
}

/**
 * The runtime handle of a configuration: its `fetch`, clock and transaction store.
 *
 * A spread or JSON copy of a configuration has none (the handle is not enumerable): pass the
 * original, or `restoreConfiguration` the JSON.
 * @param config - the configuration
 * @returns its handle
 * @throws {@link UsageError} `INVALID_ARGUMENT` for anything that is not a configuration made by
 * oidc-rp
 * @internal
 */
export function runtimeOf(config: HasRuntime): Runtime {
  const runtime = (config as Partial<HasRuntime> | undefined)?.[RUNTIME]
  if (runtime === undefined || !hidden.has(runtime)) {
    throw invalidArgument(
      'config',
      'a configuration made by oidc-rp (a spread or JSON copy has no runtime: pass the original, or restoreConfiguration the JSON)',
    )
  }
  return runtime
}

/**
 * The client secret and private keys of a configuration.
 * @param config - the configuration (or what carries its runtime handle)
 * @returns its credentials
 * @internal
 */
export function credentialsOf(config: HasRuntime): Credentials {
  return hiddenOf(config).credentials
}

/**
 * The runtime caches of a configuration: JWKS, secret-derived keys, logout replay guard.
 *
 * Shared by the configurations a reload derives from it.
 *
 * @param config - the configuration (or what carries its runtime handle)
 * @returns its caches
 * @internal
 */
export function cachesOf(config: HasRuntime): RuntimeCaches {
  return hiddenOf(config).caches
}

/** Marks a clock {@link checkedClock} made. */
const CHECKED = new WeakSet<() => number>()

/**
 * A clock whose every reading is checked: a finite, non-negative number of milliseconds.
 *
 * A clock that returns `NaN`, `undefined` or `Infinity` would let every expiry check pass; each
 * reading that is not a time throws instead.
 * @param clock - the application's clock (or `Date.now`)
 * @returns the checked clock (the same one, if already checked)
 * @throws {@link UsageError} `CLOCK_INVALID` from the returned clock, for a reading that is not a
 * time; `INVALID_CONFIGURATION` here for a clock that is not a function
 * @internal
 */
export function checkedClock(clock: unknown): () => number {
  if (typeof clock !== 'function') throw invalidConfiguration('now', 'a function (the clock)')
  if (CHECKED.has(clock as () => number)) return clock as () => number
  const checked = (): number => {
    const time: unknown = clock()
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
      throw new UsageError(
        'CLOCK_INVALID',
        `the clock returned ${typeof time === 'number' ? String(time) : typeof time}, not a time in milliseconds`,
        { parameter: 'now' },
      )
    }
    return time
  }
  CHECKED.add(checked)
  return checked
}
