import type { JWK } from 'jose'
import type { TransactionStore } from '../transaction.js'

/**
 * The key under which a {@link Configuration} keeps what is not data: injected dependencies,
 * credentials and caches. A symbol key keeps them out of `JSON.stringify` and out of sight.
 * @internal
 */
export const RUNTIME: unique symbol = Symbol('oidc-rp.runtime')

/** A client key as the application gives it: a private JWK, or a WebCrypto private key with its metadata. */
export type ClientKey = JWK | ClientCryptoKey

/** A WebCrypto private key with the metadata a JWK would carry. */
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

/** Everything secret a client holds. Never serialised. */
export interface Credentials {
  readonly clientSecret: string | undefined
  readonly keys: readonly ClientKey[]
}

/** The dependencies and state behind a configuration. */
export interface Runtime {
  readonly fetch: typeof fetch
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly credentials: Credentials
  readonly store: TransactionStore
  /** Mutable caches keyed by their module (JWKS, imported keys). Shared by configurations derived by reload. */
  readonly caches: Map<string, unknown>
}
