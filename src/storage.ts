/**
 * What the RP remembers between the authorization request and the callback, and where it keeps it.
 * @module
 */

/**
 * One pending sign-in, keyed by its `state`. Everything the callback needs to check the answer.
 * @group Transactions
 */
export interface Transaction {
  /** The `state` sent (CSPRNG, base64url, at least 128 bits); the key of the transaction. */
  readonly state: string
  /** The issuer the request went to; the callback must come from the same OP (mix-up defence). */
  readonly issuer: string
  /** The client_id the request was made for. */
  readonly clientId: string
  /** The `nonce` sent; required for every response type that returns an ID token from the front channel. */
  readonly nonce?: string
  /** The PKCE `code_verifier`, when PKCE was used. */
  readonly codeVerifier?: string
  /** The `redirect_uri` sent; repeated in the token request. */
  readonly redirectUri: string
  /** The `response_type` sent (`code`, `id_token`, `id_token token`, `code id_token`). */
  readonly responseType: string
  /** The `response_mode` sent, when one was. */
  readonly responseMode?: string
  /** The scopes sent, space-separated. */
  readonly scope: string
  /** The `max_age` sent, in seconds: `auth_time` is then required and checked. */
  readonly maxAgeInSeconds?: number
  /** True when `auth_time` was requested as essential (claims parameter) or by `require_auth_time`. */
  readonly requireAuthTime?: boolean
  /** The `acr` values the ID token's `acr` must be one of (locked by the administrator or requested as essential). */
  readonly requiredAcr?: readonly string[]
  /** When the request was built, in seconds since the epoch. */
  readonly createdAt: number
  /** When the transaction expires, in seconds since the epoch. */
  readonly expiresAt: number
  /** Application data carried through the sign-in (e.g. the page to return to). Must be JSON-serialisable. */
  readonly appState?: unknown
  /**
   * The SHA-256 (base64url) of the browser-binding cookie's value: the callback must present the
   * value. Only the hash is kept, so whoever reads the store cannot finish the sign-in. Absent when
   * the store binds by itself (sealed, in-browser) or the binding was waived.
   */
  readonly browserBindingHash?: string
  /**
   * True when the application waived the browser binding for this sign-in
   * (`dangerouslySkipBrowserBinding`): its callback is accepted from any browser.
   */
  readonly browserBindingWaived?: true
}

/**
 * Where transactions wait for their callback. `take` must be atomic: a `state` is taken at most once,
 * even when two callbacks race (on one machine or many).
 *
 * Three stores ship: `createMemoryTransactionStore` (the default), `createSealedTransactionStore`
 * (a stateless encrypted value for a cookie) and `createRedisTransactionStore` from `oidc-rp/redis`.
 * Another shared database store follows the model of Redis `SET key value EX ttl` and `GETDEL key`.
 * @group Transactions
 */
export interface TransactionStore {
  /**
   * How this store ties a transaction to the browser that started the sign-in, so the callback is
   * refused in any other browser (login CSRF, RFC 9700 §4.7.1):
   *
   * - absent (memory, Redis, a database: stores every browser's requests reach): the SDK adds a
   *   secret browser-binding cookie to each sign-in and keeps only its hash in the transaction;
   * - `'handle'`: `set` returns a secret value that alone opens the transaction (the sealed store):
   *   that value is the browser-binding cookie;
   * - `'in-browser'`: the store lives in one browser (web storage), which is the binding itself.
   *
   * Declare `'handle'` or `'in-browser'` only when it is true: a wrong declaration reopens login CSRF.
   */
  readonly browserBinding?: 'handle' | 'in-browser'
  /**
   * Saves a transaction under its `state` for `ttlInSeconds`.
   * @returns for a `'handle'` store, the secret value that opens the transaction (it becomes the
   * browser-binding cookie); `undefined` when the store keeps the transaction itself
   */
  set(transaction: Transaction, ttlInSeconds: number): Promise<string | undefined>
  /**
   * Takes the transaction saved under `state` and removes it, atomically.
   * @param handle - for a `'handle'` store, what `set` returned (read back from the cookie)
   * @returns the transaction, or `undefined` when unknown, already taken or expired
   */
  take(state: string, handle?: string): Promise<Transaction | undefined>
}
