/**
 * What the portable cases share: the library and its testing entry (given as arguments, never
 * imported, so each runtime can hand over its own build), mock OPs created once per run, client
 * keys made with WebCrypto, and the whole sign-in through the public API.
 */
import type * as LibModule from '../../src/index.js'
import type * as TestingModule from '../../src/testing/index.js'
import { assertNoSecrets, equal, ok, registerSecret, thrown } from './assert.js'

/** What `import * as lib from 'oidc-rp'` gives. */
export type Lib = typeof LibModule
/** What `import * as testing from 'oidc-rp/testing'` gives. */
export type Testing = typeof TestingModule
type MockOP = TestingModule.MockOP
type MockClient = TestingModule.MockClient
type Configuration = LibModule.Configuration

export const SECRET = 'portable-client-secret-0123456789-abcdefghijklmnop'
export const REDIRECT = 'https://rp.example/cb'
export const USERS = {
  alice: {
    name: 'Alice Example',
    given_name: 'Alice',
    email: 'alice@example.com',
    email_verified: true,
  },
  bob: { name: 'Bob Example', email: 'bob@example.com' },
}
const ALL_RESPONSE_TYPES = [
  'code',
  'id_token',
  'id_token token',
  'code id_token',
  'code token',
  'code id_token token',
]
registerSecret(SECRET)

/** A client key pair: what the RP holds and what the OP has registered. */
export interface ClientKeyPair {
  readonly key: LibModule.ClientCryptoKey
  readonly publicJwk: Record<string, unknown>
}

/** The shared OP and the keys its clients registered. */
export interface SharedOp {
  readonly op: MockOP
  readonly keys: Readonly<Record<'RS256' | 'ES256', ClientKeyPair>>
}

/** Which client of the shared OP a case signs in as. */
export type SharedClient =
  | 'basic'
  | 'post'
  | 'secret-jwt'
  | 'pk-jwt'
  | 'public'
  | 'hs256'
  | 'signed-userinfo'

/** An RP at the shared OP. */
export interface Rp {
  readonly op: MockOP
  readonly config: Configuration
}

/** Options of {@link Env.signIn}. */
export interface SignInOptions {
  readonly appParams?: LibModule.AuthorizationParameters
  readonly request?: LibModule.AuthorizationRequestOptions
  readonly authorize?: Partial<TestingModule.AuthorizeOptions>
  readonly callback?: LibModule.CallbackOptions
}

/** A sign-in up to the browser's return to the RP. */
export interface Returned {
  readonly request: LibModule.AuthorizationRequest
  readonly response: TestingModule.AuthorizationResponse
  /** What reaches the RP: a Request (query, form_post) or the URL a browser app reads (fragment). */
  readonly input: Request | string
}

/** The environment every case gets. */
export interface Env {
  readonly lib: Lib
  readonly testing: Testing
  /** The shared OP (created on first use), its faults and requests cleared. */
  sharedOp(): Promise<SharedOp>
  /** A configuration for one client of the shared OP. */
  rp(
    client?: SharedClient,
    options?: LibModule.ConfigurationOptions,
    extra?: Partial<LibModule.ClientInput>,
  ): Promise<Rp>
  /** A new OP with one client `solo` (secret, every response type) for cases that change the OP. */
  soloOp(
    client?: Partial<MockClient>,
    options?: Partial<TestingModule.MockOPOptions>,
  ): Promise<MockOP>
  /** A configuration of client `solo` at an OP made by {@link Env.soloOp}. */
  soloConfig(
    op: MockOP,
    client?: Partial<LibModule.ClientInput>,
    options?: LibModule.ConfigurationOptions,
  ): Configuration
  /** A WebCrypto key pair for a JWS algorithm. */
  keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<ClientKeyPair>
  /** createAuthorizationRequest → op.authorize (alice) → what the browser brings back. */
  authorize(config: Configuration, op: MockOP, options?: SignInOptions): Promise<Returned>
  /** The whole sign-in: {@link Env.authorize}, then handleCallback. */
  signIn(
    config: Configuration,
    op: MockOP,
    options?: SignInOptions,
  ): Promise<LibModule.SignInResult>
  /**
   * handleCallback as the test browser sends the callback: with the browser-binding cookies of the
   * sign-ins {@link Env.authorize} started.
   */
  callback(
    config: Configuration,
    input: LibModule.CallbackInput,
    options?: LibModule.CallbackOptions,
  ): Promise<LibModule.SignInResult>
  /** Fails unless the action throws an oidc-rp error with this code that leaks no secret. */
  expectCode<E = LibModule.AnyOidcRpError>(
    action: Promise<unknown> | (() => unknown),
    code: LibModule.ErrorCode,
  ): Promise<E>
}

/**
 * Builds the environment for one run.
 * @param lib - the SDK's public entry
 * @param testing - the SDK's testing entry
 * @returns the environment
 */
export function createEnv(lib: Lib, testing: Testing): Env {
  let shared: Promise<SharedOp> | undefined
  /** The test browser's cookies: each sign-in's browser-binding cookie, by name. */
  const cookies = new Map<string, string>()
  const env: Env = {
    lib,
    testing,
    async sharedOp() {
      shared ??= createSharedOp(env)
      const value = await shared
      value.op.clearMisbehaviour()
      value.op.clearRequests()
      return value
    },
    async rp(client = 'basic', options = {}, extra = {}) {
      const { op, keys } = await env.sharedOp()
      const input: LibModule.ClientInput = {
        client_id: client,
        redirect_uris: [REDIRECT],
        ...(client === 'pk-jwt'
          ? { token_endpoint_auth_method: 'private_key_jwt', keys: [keys.ES256.key] }
          : client === 'public'
            ? { token_endpoint_auth_method: 'none' }
            : { client_secret: SECRET }),
        ...(client === 'post' ? { token_endpoint_auth_method: 'client_secret_post' } : {}),
        ...(client === 'secret-jwt' ? { token_endpoint_auth_method: 'client_secret_jwt' } : {}),
        ...(client === 'hs256' ? { id_token_signed_response_alg: 'HS256' } : {}),
        ...(client === 'signed-userinfo' ? { userinfo_signed_response_alg: 'RS256' } : {}),
        ...extra,
      }
      const config = lib.createConfiguration(op.metadata(), input, { fetch: op.fetch, ...options })
      return { op, config }
    },
    soloOp(client = {}, options = {}) {
      return testing.createMockOP({
        clients: [
          {
            client_id: 'solo',
            client_secret: SECRET,
            redirect_uris: [REDIRECT],
            response_types: ALL_RESPONSE_TYPES,
            ...client,
          },
        ],
        users: USERS,
        ...options,
      })
    },
    soloConfig(op, client = {}, options = {}) {
      return lib.createConfiguration(
        op.metadata(),
        { client_id: 'solo', client_secret: SECRET, redirect_uris: [REDIRECT], ...client },
        { fetch: op.fetch, ...options },
      )
    },
    keyPair,
    async authorize(config, op, options = {}) {
      const request = await lib.createAuthorizationRequest(
        config,
        options.appParams,
        options.request,
      )
      registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
      const response = await op.authorize(request.url, { user: 'alice', ...options.authorize })
      for (const name of ['code', 'access_token', 'id_token'])
        registerSecret(response.params.get(name))
      if (request.browserBinding)
        cookies.set(request.browserBinding.name, request.browserBinding.value)
      return { request, response, input: browserInput(response) }
    },
    callback(config, input, options = {}) {
      const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      return lib.handleCallback(config, input, { cookie, ...options })
    },
    async signIn(config, op, options = {}) {
      const { input } = await env.authorize(config, op, options)
      const result = await env.callback(config, input, options.callback)
      registerSecret(result.refreshToken, result.accessToken?.value)
      return result
    },
    async expectCode<E>(action: Promise<unknown> | (() => unknown), code: LibModule.ErrorCode) {
      const err = await thrown(action, code)
      ok(lib.isOidcRpError(err), `expected an OidcRpError ${code}, got ${String(err)}`)
      equal(err.code, code, `error code (${err.message})`)
      assertNoSecrets(err)
      return err as E
    },
  }
  return env
}

/**
 * What reaches the RP after the OP: the browser's GET (query) or POST (form_post), or for a
 * fragment the URL a browser application reads from `location.href`.
 * @param response - what op.authorize returned
 * @returns the callback input
 */
export function browserInput(response: TestingModule.AuthorizationResponse): Request | string {
  if (response.method === 'POST') {
    return new Request(response.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: response.body ?? '',
    })
  }
  return response.responseMode.startsWith('fragment') ? response.url : new Request(response.url)
}

const ALGORITHMS = {
  RS256: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
} as const

async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<ClientKeyPair> {
  const pair = (await crypto.subtle.generateKey(ALGORITHMS[alg], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return {
    key: { privateKey: pair.privateKey, publicKey: pair.publicKey, kid, alg, use: 'sig' },
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
  }
}

/**
 * A WebCrypto key pair to receive encrypted ID tokens or UserInfo responses.
 * @param alg - RSA-OAEP-256 or ECDH-ES (P-256)
 * @param kid - the key id
 * @returns the private key for the RP and the public JWK for the OP
 */
export async function encryptionKeyPair(
  alg: 'RSA-OAEP-256' | 'ECDH-ES',
  kid: string,
): Promise<ClientKeyPair> {
  const algorithm =
    alg === 'ECDH-ES'
      ? { name: 'ECDH', namedCurve: 'P-256' }
      : { ...ALGORITHMS.RS256, name: 'RSA-OAEP', hash: 'SHA-256' }
  const usages: KeyUsage[] = alg === 'ECDH-ES' ? ['deriveBits'] : ['encrypt', 'decrypt']
  const pair = (await crypto.subtle.generateKey(algorithm, true, usages)) as CryptoKeyPair
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return {
    key: { privateKey: pair.privateKey, kid, alg, use: 'enc' },
    publicJwk: { ...jwk, kid, alg, use: 'enc' },
  }
}

async function createSharedOp(env: Env): Promise<SharedOp> {
  const [rs, es] = await Promise.all([keyPair('RS256', 'rp-rs'), keyPair('ES256', 'rp-es')])
  const jwks = { keys: [rs.publicJwk, es.publicJwk] }
  const base = { redirect_uris: [REDIRECT], response_types: ALL_RESPONSE_TYPES }
  const clients: MockClient[] = [
    { ...base, client_id: 'basic', client_secret: SECRET, jwks },
    {
      ...base,
      client_id: 'post',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      ...base,
      client_id: 'secret-jwt',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    { ...base, client_id: 'pk-jwt', jwks, token_endpoint_auth_method: 'private_key_jwt' },
    { ...base, client_id: 'public', token_endpoint_auth_method: 'none' },
    { ...base, client_id: 'hs256', client_secret: SECRET, id_token_signed_response_alg: 'HS256' },
    {
      ...base,
      client_id: 'signed-userinfo',
      client_secret: SECRET,
      userinfo_signed_response_alg: 'RS256',
    },
  ]
  const op = await env.testing.createMockOP({ clients, users: USERS })
  return { op, keys: { RS256: rs, ES256: es } }
}

/**
 * A memory store that counts what was saved, to prove a failed request saved nothing.
 * @param lib - the SDK
 * @returns the store and its count of saved transactions
 */
export function countingStore(lib: Lib): {
  store: LibModule.TransactionStore
  saved: () => number
} {
  const inner = lib.createMemoryTransactionStore()
  let count = 0
  return {
    store: {
      set(transaction, ttl) {
        count++
        return inner.set(transaction, ttl)
      },
      take: (state, handle) => inner.take(state, handle),
    },
    saved: () => count,
  }
}
