/**
 * The storage contracts (types only).
 *
 * What the RP remembers between the authorization request and the callback ({@link
 * TransactionStore}), the sessions it keeps after a sign-in ({@link SessionStore}), and the states
 * and logout tokens it accepts once ({@link ReplayGuard}). The stores that implement them are in
 * `stores/`.
 *
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
  /**
   * The `nonce` sent.
   *
   * Required for every response type that returns an ID token from the front channel.
   */
  readonly nonce?: string
  /** The PKCE `code_verifier`, when PKCE was used. */
  readonly codeVerifier?: string
  /** The `redirect_uri` sent; repeated in the token request. */
  readonly redirectUri: string
  /**
   * The `response_type` sent.
   *
   * `code`, `id_token`, `id_token token`, `code id_token`, `code token` or `code id_token token`.
   */
  readonly responseType: string
  /** The `response_mode` sent, when one was. */
  readonly responseMode?: string
  /** The scopes sent, space-separated. */
  readonly scope: string
  /** The `max_age` sent, in seconds: `auth_time` is then required and checked. */
  readonly maxAgeInSeconds?: number
  /**
   * True when `auth_time` was requested as essential (claims parameter) or by `require_auth_time`.
   */
  readonly requireAuthTime?: boolean
  /**
   * The `acr` values the ID token's `acr` must be one of.
   *
   * Locked by the administrator or requested as essential.
   */
  readonly requiredAcr?: readonly string[]
  /**
   * The local acr values the application asked for, before the connection's acr mapping.
   *
   * The ID token's `acr`, mapped back, must be one of them.
   */
  readonly localAcr?: readonly string[]
  /** When the request was built, in seconds since the epoch. */
  readonly createdAt: number
  /** When the transaction expires, in seconds since the epoch. */
  readonly expiresAt: number
  /**
   * Application data carried through the sign-in (e.g. the page to return to).
   *
   * Must be JSON-serialisable.
   */
  readonly appState?: unknown
  /**
   * The SHA-256 (base64url) of the browser-binding cookie's value.
   *
   * The callback must present the value. Only the hash is kept, so whoever reads the store cannot
   * finish the sign-in. Absent when the store binds by itself (sealed, in-browser) or the binding
   * was waived.
   */
  readonly browserBindingHash?: string
  /**
   * True when the application waived the browser binding for this sign-in.
   *
   * Through `dangerouslySkipBrowserBinding`: its callback is accepted from any browser.
   */
  readonly browserBindingWaived?: true
  /**
   * The JWK thumbprint of the DPoP key sent as `dpop_jkt` (RFC 9449 §10).
   *
   * The code is bound to that key: the callback must present the same one.
   */
  readonly dpopJkt?: string
  /**
   * The id of the registry connection that started the sign-in.
   *
   * Set by a connection registry (`oidc-rp/registry`): its one callback picks the connection from
   * the transaction, never from anything the callback request carries.
   */
  readonly connection?: string
}

/**
 * Where transactions wait for their callback.
 *
 * `take` must be atomic: a `state` is taken at most once, even when two callbacks race (on one
 * machine or many).
 *
 * Four stores ship: `createMemoryTransactionStore` (the default), `createSealedTransactionStore`
 * (a stateless encrypted value for a cookie), `createWebStorageTransactionStore` (a page's
 * `sessionStorage` or `localStorage`) and `createRedisTransactionStore` from `oidc-rp/redis`.
 * Another shared database store follows the model of Redis `SET key value EX ttl` and `GETDEL key`.
 * @group Transactions
 */
export interface TransactionStore {
  /**
   * How this store ties a transaction to the browser that started the sign-in.
   *
   * So the callback is refused in any other browser (login CSRF, RFC 9700 §4.7.1):
   *
   * - absent (memory, Redis, a database: stores every browser's requests reach): the SDK adds a
   *   secret browser-binding cookie to each sign-in and keeps only its hash in the transaction;
   * - `'handle'`: `set` returns a secret value that alone opens the transaction (the sealed store):
   *   that value is the browser-binding cookie;
   * - `'in-browser'`: the store lives in one browser (web storage), which is the binding itself.
   *
   * Declare `'handle'` or `'in-browser'` only when it is true: a wrong declaration reopens login
   * CSRF.
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

/**
 * One signed-in session at the RP, keyed by its {@link Session.id}.
 * @group Sessions
 */
export interface Session {
  /**
   * The session id: 256 bits from the CSPRNG, base64url. What the application's cookie refers to.
   */
  readonly id: string
  /** The OP's issuer. */
  readonly iss: string
  /** The end-user's `sub` at the OP. */
  readonly sub: string
  /** The OP's session id (`sid` of the ID token), when the OP sent one. */
  readonly sid?: string
  /** The client the session belongs to. */
  readonly clientId: string
  /** The raw ID token, for `id_token_hint` at RP-initiated logout. Never log it. */
  readonly idToken: string
  /** When the session was recorded, in seconds since the epoch. */
  readonly createdAt: number
  /** When the session expires, in seconds since the epoch. */
  readonly expiresAt: number
  /**
   * What the application keeps with the session (JSON-serialisable).
   *
   * `oidc-rp/web` keeps the user, the attributes and the tokens here when its sessions live in the
   * store rather than in the sealed cookie. Never log it: it may hold tokens.
   */
  readonly data?: Readonly<Record<string, unknown>>
}

/**
 * Where sessions live, indexed for logout.
 *
 * By id, and by `sid` or `sub` for an issuer. Two stores ship: {@link createMemorySessionStore}
 * (one process) and `createRedisSessionStore` from `oidc-rp/redis` (many machines).
 *
 * @group Sessions
 */
export interface SessionStore {
  /**
   * Saves a session for `ttlInSeconds` (replacing one with the same id).
   * @param session - the session
   * @param ttlInSeconds - how long to keep it
   */
  set(session: Session, ttlInSeconds: number): Promise<void>
  /**
   * Reads a session.
   * @param sessionId - its id
   * @returns the session, or `undefined` when unknown or expired
   */
  get(sessionId: string): Promise<Session | undefined>
  /**
   * Deletes a session, atomically: of two racing deletes, one returns true.
   * @param sessionId - its id
   * @returns true when this call removed it
   */
  delete(sessionId: string): Promise<boolean>
  /**
   * Lists the unexpired sessions of an OP session.
   * @param iss - the issuer
   * @param sid - the OP's session id
   * @returns the sessions (possibly several clients or devices)
   */
  findBySid(iss: string, sid: string): Promise<Session[]>
  /**
   * Lists the unexpired sessions of an end-user at an issuer.
   * @param iss - the issuer
   * @param sub - the end-user's `sub`
   * @returns the sessions
   */
  findBySub(iss: string, sub: string): Promise<Session[]>
  /**
   * Runs `fn` while holding the session's lock, so one caller at a time updates the session.
   *
   * Optional. The memory store locks within its process; the Redis store locks across every
   * machine that shares the database (`SET … NX PX`, released only by its holder). `oidc-rp/web`
   * refreshes a session's tokens under it, so refresh-token rotation never runs twice at once.
   * @param sessionId - the session
   * @param fn - the work to do while holding the lock
   * @returns what `fn` returned
   */
  withLock?<T>(sessionId: string, fn: () => Promise<T>): Promise<T>
}

/**
 * Where request objects passed by reference wait for the OP to fetch them (RFC 9101 §5.2).
 *
 * Each is kept under a random id until fetched once or expired. The default keeps them in this
 * process's memory: behind a load balancer, give a shared store (the OP's fetch may reach any
 * machine), e.g. over Redis `SET id jwt EX ttl` and `GETDEL id`.
 * @group Authorization
 */
export interface RequestObjectStore {
  /**
   * Keeps a request object for `ttlInSeconds`.
   * @param id - the random id in its URL
   * @param jwt - the request object
   * @param ttlInSeconds - how long the OP has to fetch it
   */
  set(id: string, jwt: string, ttlInSeconds: number): Promise<void>
  /**
   * Takes a request object and forgets it, atomically.
   * @returns the request object, or `undefined` when unknown, already fetched or expired
   */
  take(id: string): Promise<string | undefined>
}

/**
 * One connection of a registry: a saved configuration and how the registry offers it.
 *
 * Plain data, JSON as it is. Never holds credentials: a client secret or private key stays with
 * the application's credential source.
 * @group Connections
 */
export interface ConnectionRecord {
  /** The connection's id: 1–64 of `A-Z a-z 0-9 . _ -`. */
  readonly id: string
  /** Incremented by every change; a store refuses a write made from an older revision. */
  readonly revision: number
  /** A disabled connection is kept but cannot start or finish a sign-in. */
  readonly enabled: boolean
  /** What a sign-in page shows for it. */
  readonly label?: string
  /** E-mail domains whose users sign in through it (lower case, IDN as punycode). */
  readonly domains?: readonly string[]
  /** The saved configuration (`JSON.stringify(config)`): metadata, client, contract, policy… */
  readonly configuration: Readonly<Record<string, unknown>>
}

/**
 * Where a connection registry keeps its connections.
 *
 * Three stores ship: `createMemoryConnectionStore`, `createJsonConnectionStore` (one JSON
 * document read and written through functions the application gives: a file, a KV entry) and
 * `createRedisConnectionStore` from `oidc-rp/redis`. Another database implements these four
 * methods; `put` must compare the revision and write in one atomic step.
 * @group Connections
 */
export interface ConnectionStore {
  /** Every connection, enabled or not. */
  list(): Promise<readonly ConnectionRecord[]>
  /**
   * One connection.
   * @returns the record, or `undefined` when there is none with that id
   */
  get(id: string): Promise<ConnectionRecord | undefined>
  /**
   * Writes a connection if the stored one is the revision before it (none, for revision 1).
   * @returns false, writing nothing, when another write came first
   */
  put(record: ConnectionRecord): Promise<boolean>
  /**
   * Removes a connection.
   * @returns true when this call removed it
   */
  delete(id: string): Promise<boolean>
}

/**
 * Remembers which states were taken, so a sealed value opens once.
 * @group Transactions
 */
export interface ReplayGuard {
  /**
   * Records a state as taken until it expires, atomically.
   * @param state - the transaction's state
   * @param expiresAt - when the sealed value expires, in seconds since the epoch
   * @returns true the first time, false when the state was already taken
   */
  claim(state: string, expiresAt: number): boolean | Promise<boolean>
}
