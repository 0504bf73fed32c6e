/**
 * A page's authorization request: the code flow with PKCE, its pending sign-in in the page's store.
 *
 * @module
 */

import { openParameters } from '../authorization/application-parameters.js'
import type { AuthorizationParameters } from '../authorization/request.js'
import { SPACE_SEPARATED } from '../config/parameter-forms.js'
import { invalidArgument } from '../lib/checks.js'
import { sha256Text } from '../lib/hash.js'
import { isPlainObject } from '../lib/json.js'
import { randomBase64urls } from '../lib/random.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction } from '../storage.js'
import { type PageConfiguration, pageRuntimeOf } from './configuration.js'

/**
 * A page's authorization request.
 * @group Page sign-in
 */
export interface PageAuthorizationRequest {
  /** The URL to send the browser to. */
  readonly url: URL
  /** The `state` sent, the key of the pending sign-in. */
  readonly state: string
}

/**
 * What a page's authorization request carries besides its parameters.
 * @group Page sign-in
 */
export interface PageAuthorizationOptions {
  /** Which registered redirect URI the OP answers at. Default: the first. */
  readonly redirectUri?: string
  /** What the application wants back with the sign-in (`result.transaction.appState`). */
  readonly appState?: unknown
}

/**
 * Builds a page's authorization request and saves its pending sign-in.
 *
 * The code flow with PKCE (S256), a fresh `state` and `nonce`, the application's parameters (any
 * but those the SDK sets, each checked for its format), the pending sign-in saved in the page's
 * store. Nothing is saved when a step fails.
 *
 * @param config - the configuration made by `discover`
 * @param parameters - the application's parameters (`scope`, `prompt`, `max_age`, `login_hint`…);
 * `scope` is `openid` by default, and always has `openid`
 * @param options - the redirect URI and the application state
 * @returns the URL to send the browser to, and the state
 * @throws `UsageError` `POLICY_PARAMETER_RESERVED` for a parameter the SDK sets,
 * `INVALID_ARGUMENT` for a value at fault or an unregistered redirect URI
 * @throws `TransportError` `STORE_ERROR` when the store fails
 * @example
 * ```ts
 * const { url } = await createAuthorizationRequest(config, { scope: 'openid profile' })
 * location.assign(url)
 * ```
 * @group Page sign-in
 */
export async function createAuthorizationRequest(
  config: PageConfiguration,
  parameters?: AuthorizationParameters,
  options: PageAuthorizationOptions = {},
): Promise<PageAuthorizationRequest> {
  const { client, settings } = config
  const runtime = pageRuntimeOf(config)
  if (parameters !== undefined && !isPlainObject(parameters)) {
    throw invalidArgument('parameters', 'an object')
  }
  const redirectUri = options.redirectUri ?? client.redirect_uris[0]!
  if (!client.redirect_uris.includes(redirectUri)) {
    throw invalidArgument('redirectUri', 'one of the client redirect_uris')
  }
  const [state, nonce, codeVerifier] = randomBase64urls(3) as [string, string, string]
  const challenge = sha256Text(codeVerifier)
  // the claims request's essential acr and auth_time, when the application gave one
  const { scopes, values, claims } = await openParameters(parameters ?? {})
  const maxAgeValue = values.get('max_age')?.[0]
  const maxAge = maxAgeValue === undefined ? client.default_max_age : Number(maxAgeValue)
  const scope = scopes.join(' ')
  const search = new URLSearchParams(new URL(config.provider.authorization_endpoint).search)
  for (const [name, value] of [
    ['response_type', 'code'],
    ['client_id', client.client_id],
    ['redirect_uri', redirectUri],
    ['scope', scope],
    ['state', state],
    ['nonce', nonce],
    ['code_challenge', await challenge],
    ['code_challenge_method', 'S256'],
  ] as const) {
    search.set(name, value)
  }
  for (const [name, list] of values) {
    search.delete(name)
    if (SPACE_SEPARATED.has(name)) search.append(name, list.join(' '))
    else for (const value of list) search.append(name, value)
  }
  if (maxAgeValue === undefined && maxAge !== undefined) search.set('max_age', String(maxAge))
  const url = new URL(config.provider.authorization_endpoint)
  url.search = search.toString()

  const now = Math.floor(runtime.now() / 1000)
  const ttl = settings.transactionTtlInSeconds
  const transaction: Transaction = {
    state,
    issuer: config.issuer,
    clientId: client.client_id,
    nonce,
    codeVerifier,
    redirectUri,
    responseType: 'code',
    scope,
    ...(maxAge === undefined ? {} : { maxAgeInSeconds: maxAge }),
    ...(client.require_auth_time === true || claims?.authTime ? { requireAuthTime: true } : {}),
    ...(claims?.acr === undefined ? {} : { requiredAcr: claims.acr }),
    createdAt: now,
    expiresAt: now + ttl,
    ...(options.appState === undefined ? {} : { appState: options.appState }),
  }
  await callStore('transaction store set', () => runtime.store.set(transaction, ttl))
  return { url, state }
}
