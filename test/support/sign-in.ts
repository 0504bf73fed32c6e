/**
 * A sign-in fixture for the callback, token, result and OIDF end-to-end tests: a mock OP, a
 * configuration found by discovery through the OP's fetch, and helpers that start a sign-in
 * (a transaction stored by hand and its authorization URL) and complete it through the OP.
 */

import { exportJWK, generateKeyPair } from 'jose'
import * as oauth from 'oauth4webapi'
import {
  type AuthorizationParameters,
  createAuthorizationRequest,
} from '../../src/authorization/request.js'
import { bindingCookie, bindingHash } from '../../src/browser-binding.js'
import type { SignInResult } from '../../src/callback/result.js'
import { type CallbackOptions, handleCallback } from '../../src/callback/sign-in.js'
import type { ClientInput } from '../../src/config/client.js'
import type { Configuration, ConfigurationOptions } from '../../src/config/configuration.js'
import { RESPONSE_TYPES } from '../../src/config/policy.js'
import { RUNTIME } from '../../src/config/runtime.js'
import { discover } from '../../src/discovery.js'
import type { CallbackInput } from '../../src/lib/request-input.js'
import type { Transaction } from '../../src/storage.js'
import {
  type AuthorizationResponse,
  type AuthorizeOptions,
  createMockOP,
  type MockClient,
  type MockOP,
  type MockOPOptions,
} from '../../src/testing/index.js'
import { CookieJar } from './cookie-jar.js'
import { registerSecret } from './helpers.js'

export const CLIENT_ID = 'rp-client'
export const CLIENT_SECRET = 'fixture-client-secret-0123456789-abcdefghij'
export const REDIRECT_URI = 'https://rp.example/cb'
registerSecret(CLIENT_SECRET)

/** What a sign-in asks for. */
export interface StartOptions {
  readonly responseType?: string
  readonly responseMode?: string
  readonly scope?: string
  readonly nonce?: string | null
  readonly pkce?: boolean
  readonly maxAge?: number
  readonly prompt?: string
  readonly appState?: unknown
  readonly extra?: Record<string, string>
}

/** A started sign-in. */
export interface Started {
  readonly url: URL
  readonly transaction: Transaction
  /** The browser-binding cookie's value: what the browser that started the sign-in holds. */
  readonly binding: string | undefined
}

/** The fixture. */
export interface Fixture {
  readonly op: MockOP
  readonly config: Configuration
  /** A controllable clock (ms) shared by the OP and the RP. */
  readonly clock: { now: number }
  /** The test browser: every sign-in `start` begins puts its browser-binding cookie here. */
  readonly browser: CookieJar
  /** handleCallback as the test browser sends the callback: with its cookies. */
  callback(input: CallbackInput, options?: CallbackOptions): Promise<SignInResult>
  start(options?: StartOptions): Promise<Started>
  authorize(started: Started, options?: Partial<AuthorizeOptions>): Promise<AuthorizationResponse>
  /** Starts a sign-in, authorizes as alice and hands the browser's request to handleCallback. */
  signIn(options?: StartOptions, callback?: CallbackOptions): Promise<SignInResult>
  /**
   * The whole sign-in through the SDK: createAuthorizationRequest (the configuration's policy),
   * op.authorize as alice, handleCallback with the transaction handle.
   */
  signInWithPolicy(
    config?: Configuration,
    appParams?: AuthorizationParameters,
    callback?: CallbackOptions,
  ): Promise<SignInResult>
  /** Discovers the OP again with other configuration options (e.g. another policy). */
  reconfigure(options: ConfigurationOptions): Promise<Configuration>
}

/** Options of {@link createFixture}. */
export interface FixtureOptions {
  readonly client?: Partial<MockClient>
  readonly clientInput?: Partial<ClientInput>
  readonly op?: Partial<MockOPOptions>
  /** The configuration options, or a function of the OP made (e.g. a fetch wrapping its own). */
  readonly config?: ConfigurationOptions | ((op: MockOP) => ConfigurationOptions)
  readonly authMethod?: MockClient['token_endpoint_auth_method']
}

/**
 * Builds a mock OP with one client and alice, and discovers it.
 * @param options - client, OP and configuration tweaks
 * @returns the fixture
 */
export async function createFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const clock = { now: Date.now() }
  const method = options.authMethod ?? 'client_secret_basic'
  let keys: ClientInput['keys'] | undefined
  let jwks: MockClient['jwks'] | undefined
  if (method === 'private_key_jwt') {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'rp-key-1', alg: 'ES256' }
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'rp-key-1', alg: 'ES256' }
    registerSecret(privateJwk.d)
    keys = [privateJwk]
    jwks = { keys: [publicJwk] }
  }
  const needsSecret = method.startsWith('client_secret_')
  const op = await createMockOP({
    clients: [
      {
        client_id: CLIENT_ID,
        ...(needsSecret || options.client?.id_token_signed_response_alg?.startsWith('HS')
          ? { client_secret: CLIENT_SECRET }
          : {}),
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: method,
        response_types: [...RESPONSE_TYPES],
        ...(jwks ? { jwks } : {}),
        ...options.client,
      },
    ],
    users: {
      alice: {
        name: 'Alice Example',
        given_name: 'Alice',
        family_name: 'Example',
        email: 'alice@example.com',
        email_verified: true,
      },
    },
    now: () => clock.now,
    ...options.op,
  })
  const client: ClientInput = {
    client_id: CLIENT_ID,
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: method,
    ...(needsSecret || options.client?.id_token_signed_response_alg?.startsWith('HS')
      ? { client_secret: CLIENT_SECRET }
      : {}),
    ...(keys ? { keys } : {}),
    ...(options.client?.id_token_signed_response_alg
      ? { id_token_signed_response_alg: options.client.id_token_signed_response_alg }
      : {}),
    ...(options.client?.userinfo_signed_response_alg
      ? { userinfo_signed_response_alg: options.client.userinfo_signed_response_alg }
      : {}),
    ...options.clientInput,
  }
  const reconfigure = (configOptions: ConfigurationOptions) =>
    discover(op.issuer, client, { fetch: op.fetch, now: () => clock.now, ...configOptions })
  const config = await reconfigure(
    typeof options.config === 'function' ? options.config(op) : (options.config ?? {}),
  )
  const browser = new CookieJar()
  const fixture: Fixture = {
    op,
    config,
    clock,
    browser,
    callback: (input, callbackOptions) =>
      handleCallback(config, input, { cookie: browser.header(), ...callbackOptions }),
    start: (startOptions) => startSignIn(config, startOptions, browser),
    authorize: async (started, authorizeOptions) => {
      const response = await op.authorize(started.url, { user: 'alice', ...authorizeOptions })
      for (const name of ['code', 'access_token', 'id_token']) {
        registerSecret(response.params.get(name) ?? undefined)
      }
      return response
    },
    signIn: async (startOptions, callback) => {
      const started = await fixture.start(startOptions)
      const response = await fixture.authorize(started)
      return fixture.callback(browserRequest(response), callback)
    },
    signInWithPolicy: async (other = config, appParams, callback) => {
      const request = await createAuthorizationRequest(other, appParams)
      registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
      const response = await fixture.authorize({
        url: request.url,
        transaction: request.transaction,
        binding: request.browserBinding?.value,
      })
      if (request.browserBinding) browser.set(request.browserBinding.setCookie)
      return handleCallback(other, browserRequest(response), {
        cookie: browser.header(),
        ...callback,
      })
    },
    reconfigure,
  }
  return fixture
}

/**
 * Stores a transaction by hand and builds its authorization URL.
 * @param config - the configuration
 * @param options - what the sign-in asks for
 * @param browser - the test browser, which gets the browser-binding cookie
 * @returns the URL, the transaction and the store's handle
 */
export async function startSignIn(
  config: Configuration,
  options: StartOptions = {},
  browser?: CookieJar,
): Promise<Started> {
  const responseType = options.responseType ?? 'code'
  const scope = options.scope ?? 'openid profile email'
  const state = oauth.generateRandomState()
  const nonce = options.nonce === null ? undefined : (options.nonce ?? oauth.generateRandomNonce())
  const pkce = options.pkce ?? responseType.includes('code')
  const codeVerifier = pkce ? oauth.generateRandomCodeVerifier() : undefined
  const now = Math.floor(config[RUNTIME].now() / 1000)
  let transaction: Transaction = {
    state,
    issuer: config.issuer,
    clientId: config.client.client_id,
    redirectUri: REDIRECT_URI,
    responseType,
    scope,
    createdAt: now,
    expiresAt: now + 600,
    ...(nonce === undefined ? {} : { nonce }),
    ...(codeVerifier === undefined ? {} : { codeVerifier }),
    ...(options.responseMode === undefined ? {} : { responseMode: options.responseMode }),
    ...(options.maxAge === undefined ? {} : { maxAgeInSeconds: options.maxAge }),
    ...(options.appState === undefined ? {} : { appState: options.appState }),
  }
  registerSecret(codeVerifier, nonce)
  const store = config[RUNTIME].store
  let binding: string | undefined
  if (store.browserBinding === undefined) {
    binding = oauth.generateRandomState()
    transaction = { ...transaction, browserBindingHash: await bindingHash(binding) }
  }
  const handle = await store.set(transaction, 600)
  if (store.browserBinding === 'handle') binding = handle
  if (binding !== undefined) browser?.set(bindingCookie(transaction, binding, 600).setCookie)
  const url = new URL(config.provider.authorization_endpoint)
  const params = url.searchParams
  params.set('client_id', config.client.client_id)
  params.set('response_type', responseType)
  params.set('redirect_uri', REDIRECT_URI)
  params.set('scope', scope)
  params.set('state', state)
  if (nonce !== undefined) params.set('nonce', nonce)
  if (codeVerifier !== undefined) {
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
    params.set('code_challenge_method', 'S256')
  }
  if (options.responseMode !== undefined) params.set('response_mode', options.responseMode)
  if (options.maxAge !== undefined) params.set('max_age', String(options.maxAge))
  if (options.prompt !== undefined) params.set('prompt', options.prompt)
  for (const [name, value] of Object.entries(options.extra ?? {})) params.set(name, value)
  return { url, transaction, binding }
}

/**
 * What reaches the RP after the OP: the browser's GET to the redirect (query) or POST (form_post),
 * or, for a fragment, the URL a browser application reads from `location.href`.
 * @param response - what op.authorize returned
 * @param setCookie - the browser-binding cookie the browser holds (a `Set-Cookie` value), if any
 * @returns a Request (query, form_post) or the URL string (fragment)
 */
export function browserRequest(
  response: AuthorizationResponse,
  setCookie?: string,
): Request | string {
  const cookie: Record<string, string> =
    setCookie === undefined ? {} : { cookie: setCookie.split(';')[0]! }
  if (response.method === 'POST') {
    return new Request(response.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...cookie },
      body: response.body ?? '',
    })
  }
  if (response.responseMode.startsWith('fragment')) return response.url
  return new Request(response.url, { headers: cookie })
}

const shared = new Map<string, Promise<Fixture>>()

/**
 * A fixture shared by the tests of one file that ask for the same options: the mock OP's key
 * generation is the slow part of a test. Its recorded requests and pending faults are cleared on
 * each call; tests that rotate keys or move the clock far must use {@link createFixture}.
 * @param options - as for {@link createFixture} (JSON-serialisable)
 * @returns the fixture
 */
export async function sharedFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const key = JSON.stringify(options)
  let fixture = shared.get(key)
  if (fixture === undefined) {
    fixture = createFixture(options)
    shared.set(key, fixture)
  }
  const ready = await fixture
  ready.op.clearRequests()
  ready.op.clearMisbehaviour()
  ready.browser.clear()
  return ready
}
