import type { JWK } from 'jose'
import type { TransactionStore } from '../storage.js'

/**
 * The key under which a {@link Configuration} keeps what is not data: the handle of its injected
 * dependencies, credentials and caches ({@link createRuntime}). The property is not enumerable,
 * and the credentials and caches are not in the handle, so neither `JSON.stringify`,
 * `structuredClone` nor any printer reaches the client secret or keys.
 * @internal
 */
export const RUNTIME: unique symbol = Symbol('oidc-rp.runtime')

/**
 * A client key as the application gives it: a private JWK, or a WebCrypto private key with its
 * metadata.
 * @group Configuration
 */
export type ClientKey = JWK | ClientCryptoKey

/**
 * A WebCrypto private key with the metadata a JWK would carry.
 * @group Configuration
 */
export interface ClientCryptoKey {
  /** The private key (non-extractable is fine). */
  readonly privateKey: CryptoKey
  /** The public key, needed only to publish it with `publicJwks`. */
  readonly publicKey?: CryptoKey
  /** Key id, sent as `kid` in JWS headers. */
  readonly kid?: string
  /** JWS or JWE algorithm for this key (e.g. `RS256`, `ES256`, `RSA-OAEP-256`). */
  readonly alg?: string
  /** `sig` (default) or `enc` (decryption of ID tokens and UserInfo). */
  readonly use?: 'sig' | 'enc'
}

/** Everything secret a client holds. Never serialised, never printed. */
export interface Credentials {
  readonly clientSecret: string | undefined
  readonly keys: readonly ClientKey[]
}

/**
 * The dependencies behind a configuration, readable through its handle. The credentials and the
 * caches (which hold keys made from the client secret) are not members: only
 * {@link credentialsOf} and {@link cachesOf} reach them.
 */
export interface Runtime {
  readonly fetch: typeof fetch
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly store: TransactionStore
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
 * The secret part of each handle: its credentials and its caches (JWKS, imported keys, keys made
 * from the client secret). Reachable only through this module, never by enumerating, cloning or
 * printing a configuration or its handle.
 */
const hidden = new WeakMap<Runtime, { credentials: Credentials; caches: Map<string, unknown> }>()

/** A runtime handle: the dependencies as own properties, a redacted text for every printer. */
class RuntimeHandle implements Runtime {
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly store: TransactionStore

  constructor(parts: Runtime) {
    this.fetch = parts.fetch
    this.now = parts.now
    this.store = parts.store
  }
  /** What `String(handle)` and template literals show. */
  toString(): string {
    return SHOWN
  }
  /** What `JSON.stringify` shows, should the handle itself be given to it. */
  toJSON(): string {
    return SHOWN
  }
  /** Node's `util.inspect` (`console.log`, `util.format`); Bun's and Deno's inspect read it too. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return SHOWN
  }
  /** Deno's `Deno.inspect` and `console.log`. */
  [Symbol.for('Deno.customInspect')](): string {
    return SHOWN
  }
}

/**
 * Makes the runtime handle of a configuration: its dependencies stay readable members, its
 * credentials and a fresh cache map go where no printer (`util.inspect` at any depth, with
 * `showHidden`, `getters` or `customInspect: false`, `Deno.inspect`, `Bun.inspect`), clone or
 * serialiser can reach them.
 * @param parts - fetch, clock, store and credentials
 * @returns the handle, frozen
 * @internal
 */
export function createRuntime(parts: RuntimeParts): Runtime {
  const handle = Object.freeze(new RuntimeHandle(parts))
  hidden.set(handle, { credentials: Object.freeze({ ...parts.credentials }), caches: new Map() })
  return handle
}

function hiddenOf(config: HasRuntime): { credentials: Credentials; caches: Map<string, unknown> } {
  const found = hidden.get(config[RUNTIME])
  if (found === undefined) {
    throw new TypeError(
      'not an oidc-rp configuration (a spread copy has no runtime: pass the original)',
    )
  }
  return found
}

/**
 * The client secret and private keys of a configuration.
 * @param config - the configuration
 * @returns its credentials
 * @internal
 */
export function credentialsOf(config: HasRuntime): Credentials {
  return hiddenOf(config).credentials
}

/**
 * The mutable caches of a configuration, keyed by their module (JWKS, imported keys, keys made
 * from the client secret). Shared by the configurations a reload derives from it.
 * @param config - the configuration
 * @returns its caches
 * @internal
 */
export function cachesOf(config: HasRuntime): Map<string, unknown> {
  return hiddenOf(config).caches
}
