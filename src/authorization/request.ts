/**
 * The first leg of sign-in.
 *
 * The authorization request, built from the administrator's request policy and the application's
 * runtime parameters, sent as query parameters, a request object or a pushed authorization request,
 * with its transaction saved for the callback.
 *
 * @module
 */

import type { BrowserBindingCookie } from '../browser-binding.js'
import { claimsRequirements } from '../config/claims-parameter.js'
import type { Configuration } from '../config/configuration.js'
import { acrMappingFeature, securityProfileFeature } from '../config/features.js'
import { SPACE_SEPARATED } from '../config/parameter-forms.js'
import { runtimeOf } from '../config/runtime.js'
import { UsageError } from '../errors.js'
import { invalidArgument, unsupportedError } from '../lib/checks.js'
import type { DPoPHandle } from '../lib/dpop.js'
import { sha256Text } from '../lib/hash.js'
import { isPlainObject } from '../lib/json.js'
import { lazy } from '../lib/lazy.js'
import { randomBase64urls } from '../lib/random.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction } from '../storage.js'
import type { ClaimsRequest } from './claims-request.js'
import { parFeature, requestObjectsFeature } from './features.js'
import type { IgnoredParameter } from './merge.js'
import { type Prepared, prepareRequest } from './plan.js'

/**
 * The browser-binding cookie, loaded with the first request whose store needs one.
 *
 * A page whose store binds by its nature (web storage) never loads it.
 */
const loadBrowserBinding = /* @__PURE__ */ lazy(() => import('../browser-binding.js'))

/**
 * The merge of the application's runtime parameters, loaded with the first request that has any.
 *
 * A page that passes none never loads it.
 */
const loadMerge = /* @__PURE__ */ lazy(() => import('./merge.js'))

/**
 * A value of an application parameter.
 *
 * A string, several (a list, or space-separated for `scope`, `acr_values`, `prompt`, `ui_locales`),
 * a number (`max_age`), a claims request (`claims`), or `null` to drop an overridable default.
 *
 * @group Authorization
 */
export type AuthorizationParameterValue =
  | string
  | number
  | readonly string[]
  | ClaimsRequest
  | null
  | undefined

/**
 * The application's runtime parameters.
 *
 * Each must be allowed by the policy; `undefined` members are skipped.
 *
 * @group Authorization
 */
export interface AuthorizationParameters {
  /** Scopes (`openid` is always added), when the policy's scope rule allows. */
  readonly scope?: string | readonly string[]
  /** Requested authentication context classes, unless protected. */
  readonly acr_values?: string | readonly string[] | null
  /** `login`, `consent`, `select_account`, or `none` alone, unless protected. */
  readonly prompt?: string | readonly string[] | null
  /** Maximum authentication age in seconds. */
  readonly max_age?: number | string | null
  /** A hint of the end-user's identifier. */
  readonly login_hint?: string | null
  /** Preferred UI languages. */
  readonly ui_locales?: string | readonly string[] | null
  /** A claims request, e.g. from {@link createClaimsRequest}. */
  readonly claims?: string | ClaimsRequest | null
  /** Any other parameter the policy names. */
  readonly [name: string]: AuthorizationParameterValue
}

/**
 * Options of {@link createAuthorizationRequest}.
 * @group Authorization
 */
export interface AuthorizationRequestOptions {
  /**
   * What to do with an application value the policy forbids.
   *
   * `reject` (default) throws; `ignore` leaves it out and lists it in `ignored`. Reserved and
   * protected parameters are always refused.
   */
  readonly onDisallowed?: 'reject' | 'ignore'
  /** Application data carried to the callback in the transaction (JSON-serialisable). */
  readonly appState?: unknown
  /** Aborts the PAR request or the OP JWKS fetch. */
  readonly signal?: AbortSignal
  /**
   * The DPoP key the sign-in's tokens are to be bound to (RFC 9449 §10).
   *
   * Its thumbprint goes as `dpop_jkt`, binding the authorization code to it, and is remembered in
   * the transaction: {@link handleCallback} must be given the same handle. A pushed request
   * carries a proof too.
   */
  readonly dpop?: DPoPHandle
  /**
   * **Dangerous.
   *
   * Reopens login CSRF.** Makes this sign-in's callback acceptable from any browser: no
   * browser-binding cookie is made and {@link handleCallback} asks for none. An attacker can then
   * send a victim the callback URL of a sign-in the attacker started, and the victim is signed in
   * as the attacker (RFC 9700 §4.7.1). Use it only where the callback provably reaches the same
   * user agent by other means (e.g. a native app's claimed HTTPS redirect with its own binding),
   * never in a web application.
   */
  readonly dangerouslySkipBrowserBinding?: boolean
}

/**
 * The authorization request: where to send the browser, and what was remembered.
 * @group Authorization
 */
export interface AuthorizationRequest {
  /** The URL to redirect the browser to. */
  readonly url: URL
  /** The `state` sent, the key of the transaction. */
  readonly state: string
  /**
   * The cookie to set in the browser with the redirect (`Set-Cookie: ${browserBinding.setCookie}`).
   *
   * {@link handleCallback} refuses the callback in any browser without it, so a callback URL sent
   * to someone else cannot sign them in (login CSRF). `undefined` only for a store that lives in
   * the browser itself or when the binding was dangerously skipped.
   */
  readonly browserBinding: BrowserBindingCookie | undefined
  /** Application parameters left out (only in `ignore` mode). */
  readonly ignored: readonly IgnoredParameter[]
  /** The transaction saved. */
  readonly transaction: Transaction
}

/**
 * Builds the authorization request; saves the transaction, and may POST to the PAR endpoint.
 *
 * Merges the application's parameters with the policy (refusing, or in `ignore` mode leaving out,
 * what it forbids), checks the result against the OP's metadata, generates `state`, `nonce` and the
 * PKCE verifier, encodes the request for the policy's transport (query, signed/encrypted request
 * object, or PAR), and saves the transaction in the configuration's store. Nothing is saved when
 * any step fails.
 *
 * Set the returned `browserBinding.setCookie` on the response that redirects to the OP: the
 * callback is refused in any browser without that cookie, so a sign-in finishes only in the
 * browser that started it (login CSRF, RFC 9700 §4.7.1).
 * @param config - the configuration (its `policy` is the administrator's)
 * @param appParams - the application's runtime parameters
 * @param options - ignore mode, application state, abort signal, DPoP key
 * @returns the URL to send the browser to, the browser-binding cookie to set with the redirect,
 * the state and the transaction
 * @throws {@link UsageError} `POLICY_PARAMETER_RESERVED`, `POLICY_PARAMETER_PROTECTED`,
 * `POLICY_PARAMETER_UNKNOWN`, `POLICY_PARAMETER_FIXED`, `POLICY_VALUE_NOT_ALLOWED`,
 * `POLICY_SCOPE_NOT_ALLOWED`, `INVALID_ARGUMENT`
 * @throws {@link UsageError} `OP_UNSUPPORTED_RESPONSE_TYPE`, `OP_UNSUPPORTED_RESPONSE_MODE`,
 * `OP_UNSUPPORTED_REQUEST_OBJECT`, `OP_UNSUPPORTED_REQUEST_URI`,
 * `OP_UNSUPPORTED_REQUEST_OBJECT_ALG`,
 * `OP_UNSUPPORTED_PKCE_METHOD`, `OP_UNSUPPORTED_PROMPT` (unless `enforceProviderSupport` is off)
 * @throws {@link UsageError} `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`, `INVALID_CONFIGURATION`
 * @throws {@link OAuthResponseError} `PAR_ERROR_RESPONSE`
 * @throws {@link ValidationError} `PAR_RESPONSE_INVALID`, `JWKS_NO_MATCHING_KEY` (encryption)
 * @throws {@link TransportError} `HTTP_*` (PAR, OP JWKS), `STORE_ERROR` (the transaction store
 * failed)
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest | OIDC Core §3.1.2.1}
 * @example The simple case
 * ```ts
 * const config = await discover(issuer, { client_id, client_secret, redirect_uris: [callbackUrl] })
 * const { url, browserBinding } = await createAuthorizationRequest(config)
 * return new Response(null, {
 *   status: 302,
 *   headers: { location: url.href, 'set-cookie': browserBinding.setCookie },
 * })
 * ```
 * @example With runtime parameters the policy allows
 * ```ts
 * const { url, ignored } = await createAuthorizationRequest(
 *   config,
 *   { login_hint: 'alice@example.com', ui_locales: 'fr', scope: 'openid phone' },
 *   { onDisallowed: 'ignore', appState: { returnTo: '/account' } },
 * )
 * ```
 * @group Everyday use
 */
export async function createAuthorizationRequest(
  config: Configuration,
  appParams?: AuthorizationParameters,
  options: AuthorizationRequestOptions = {},
): Promise<AuthorizationRequest> {
  const p = await prepareRequest(config)
  const { policy } = p
  const client = config.client
  if (appParams !== undefined && !isPlainObject(appParams)) {
    throw invalidArgument('appParams', 'an object')
  }
  const skipBinding = options.dangerouslySkipBrowserBinding ?? false
  if (typeof skipBinding !== 'boolean') {
    throw invalidArgument('dangerouslySkipBrowserBinding', 'a boolean')
  }
  const { dpop } = options
  if (dpop !== undefined && typeof dpop?.thumbprint !== 'string') {
    throw invalidArgument('dpop', 'a handle from createDPoPHandle')
  }
  if (config.securityProfile !== undefined) {
    securityProfileFeature().requireSenderConstraint(
      config.securityProfile,
      client,
      dpop !== undefined,
      'the authorization request',
    )
  }
  const onDisallowed = options.onDisallowed ?? 'reject'
  if (onDisallowed !== 'reject' && onDisallowed !== 'ignore') {
    throw invalidArgument('onDisallowed', 'reject or ignore')
  }
  // The CSPRNG values and the PKCE digest (synchronous where the runtime allows, else started
  // first to overlap the merge).
  const store = runtimeOf(config).store
  // A store that binds by its nature (`browserBinding: 'in-browser'`) needs no cookie.
  const storeNeedsCookie = store.browserBinding === undefined
  const cookieBinding = storeNeedsCookie && !skipBinding
  // Loaded before anything is saved, so a failed load leaves no transaction behind.
  const cookies =
    cookieBinding || store.browserBinding === 'handle' ? await loadBrowserBinding() : undefined
  const [state, nonce, binding, codeVerifier] = randomBase64urls(p.pkce ? 4 : 3) as [
    string,
    string,
    string,
    string?,
  ]
  const challenge = codeVerifier === undefined ? undefined : sha256Text(codeVerifier)
  const acr = mapAcrValues(config, appParams)
  const params = acr?.params ?? appParams
  const merged =
    params === undefined
      ? { scopes: policy.scopes, values: p.defaults, ignored: [] }
      : (await loadMerge()).mergeParameters(
          policy,
          p.rules,
          p.defaults,
          params,
          onDisallowed === 'ignore',
        )
  const { values } = merged
  const prompt = values.get('prompt')
  const supportedPrompts = config.provider.prompt_values_supported
  if (policy.enforceProviderSupport && prompt !== undefined && supportedPrompts !== undefined) {
    const unsupported = prompt.find((v) => !supportedPrompts.includes(v))
    if (unsupported !== undefined) {
      throw unsupportedError(
        'OP_UNSUPPORTED_PROMPT',
        'prompt',
        `prompt ${JSON.stringify(unsupported.slice(0, 40))}`,
      )
    }
  }
  const maxAgeValue = values.get('max_age')?.[0]
  const maxAge = maxAgeValue === undefined ? client.default_max_age : Number(maxAgeValue)
  const claimsValue = values.get('claims')?.[0]
  const claims = claimsRequirements(claimsValue === undefined ? undefined : JSON.parse(claimsValue))
  const requiredAcr = policy.enforceAcr ? acrRequirement(p.lockedAcr, claims.acr) : undefined

  const scope = merged.scopes.join(' ')
  const pairs: [string, string][] = [
    ['response_type', policy.responseType],
    ['client_id', client.client_id],
    ['redirect_uri', p.redirectUri],
    ['scope', scope],
    ['state', state],
    ['nonce', nonce],
  ]
  if (challenge !== undefined) {
    pairs.push(['code_challenge', await challenge])
    pairs.push(['code_challenge_method', 'S256'])
  }
  if (policy.responseMode !== undefined) pairs.push(['response_mode', policy.responseMode])
  for (const [name, list] of values) {
    if (SPACE_SEPARATED.has(name)) pairs.push([name, list.join(' ')])
    else for (const value of list) pairs.push([name, value])
  }
  if (maxAgeValue === undefined && maxAge !== undefined) pairs.push(['max_age', String(maxAge)])
  if (dpop !== undefined) pairs.push(['dpop_jkt', dpop.thumbprint])

  let front: [string, string][] = pairs
  if (p.requestObject !== undefined) {
    const requestObjects = requestObjectsFeature('a request object')
    const jwt = await requestObjects.createRequestObject(config, requestObjectClaims(pairs), {
      ...p.requestObject,
      signal: options.signal,
    })
    front = [
      ['client_id', client.client_id],
      ['response_type', policy.responseType],
      ['scope', scope],
      p.transport === 'request-uri'
        ? [
            'request_uri',
            await requestObjects.keepRequestObject(
              config,
              jwt,
              config.settings.transactionTtlInSeconds,
            ),
          ]
        : ['request', jwt],
    ]
  }
  if (p.transport === 'par') {
    const body = p.requestObject === undefined ? pairs : [front[0]!, front[3]!]
    const pushed = await parFeature().pushAuthorizationRequest(
      config,
      new URLSearchParams(body),
      options.signal,
      dpop,
    )
    front = [
      ['client_id', client.client_id],
      ['request_uri', pushed.requestUri],
    ]
  }

  const now = Math.floor(runtimeOf(config).now() / 1000)
  const ttl = config.settings.transactionTtlInSeconds
  const transaction: Transaction = {
    state,
    issuer: config.issuer,
    clientId: client.client_id,
    nonce,
    ...(codeVerifier === undefined ? {} : { codeVerifier }),
    redirectUri: p.redirectUri,
    responseType: policy.responseType,
    ...(policy.responseMode === undefined ? {} : { responseMode: policy.responseMode }),
    scope,
    ...(maxAge === undefined ? {} : { maxAgeInSeconds: maxAge }),
    ...(client.require_auth_time === true || claims.authTime ? { requireAuthTime: true } : {}),
    ...(requiredAcr === undefined ? {} : { requiredAcr }),
    ...(acr === undefined || acr.local.length === 0 ? {} : { localAcr: acr.local }),
    createdAt: now,
    expiresAt: now + ttl,
    ...(options.appState === undefined ? {} : { appState: options.appState }),
    ...(dpop === undefined ? {} : { dpopJkt: dpop.thumbprint }),
    ...(cookieBinding ? { browserBindingHash: await cookies!.bindingHash(binding) } : {}),
    ...(skipBinding && storeNeedsCookie ? { browserBindingWaived: true as const } : {}),
  }
  const url = buildUrl(p, front)
  const handle = await callStore('transaction store set', () => store.set(transaction, ttl))
  const value = store.browserBinding === 'handle' ? handle : cookieBinding ? binding : undefined
  if (store.browserBinding === 'handle' && (typeof handle !== 'string' || handle === '')) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      "the transaction store declares browserBinding 'handle' but its set returned no handle",
      { parameter: 'store' },
    )
  }
  const browserBinding =
    value === undefined ? undefined : cookies!.bindingCookie(transaction, value, ttl)
  return { url, state, browserBinding, ignored: merged.ignored, transaction }
}

/**
 * The authorization parameters as request-object claims.
 *
 * `max_age` a number, `claims` an object, repeated names a list.
 */
function requestObjectClaims(pairs: readonly [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of pairs) {
    const json = name === 'max_age' ? Number(value) : name === 'claims' ? JSON.parse(value) : value
    const previous = out[name]
    if (previous === undefined) out[name] = json
    else out[name] = Array.isArray(previous) ? [...previous, json] : [previous, json]
  }
  return out
}

/**
 * The application's `acr_values` through the connection's acr mapping: local names → the OP's.
 *
 * Without a locked `acr_values`, blank-local rows give the values sent when the application asks
 * for none.
 * @returns the parameters to merge and the local values asked for; `undefined` without a mapping
 * @throws {@link UsageError} `ACR_NOT_MAPPED` for a local acr without a row
 */
function mapAcrValues(
  config: Configuration,
  appParams: AuthorizationParameters | undefined,
): { params: AuthorizationParameters | undefined; local: readonly string[] } | undefined {
  const rows = config.acrMapping?.request
  if (rows === undefined) return undefined
  const asked = appParams?.acr_values
  if ((asked === undefined || asked === null) && config.policy.protect.acr_values) {
    return { params: appParams, local: [] }
  }
  const local =
    asked === undefined || asked === null
      ? []
      : (typeof asked === 'string' ? asked.split(' ') : [...asked]).filter((v) => v !== '')
  const mapped = acrMappingFeature().toRemoteAcr(rows, local)
  if ('unmapped' in mapped) {
    throw new UsageError(
      'ACR_NOT_MAPPED',
      `the acr ${JSON.stringify(mapped.unmapped.slice(0, 64))} has no row in the connection's acrMapping.request`,
      { parameter: 'acr_values' },
    )
  }
  const { acr_values: _, ...rest } = appParams ?? {}
  return {
    params: mapped.remote.length === 0 ? rest : { ...rest, acr_values: mapped.remote },
    // a local acr mapped to no remote one asks for nothing: any acr that comes back satisfies it
    local: mapped.open ? [] : local,
  }
}

/**
 * The acr values the ID token must satisfy: locked ones, essential ones, or both (intersection).
 */
function acrRequirement(
  locked: readonly string[] | undefined,
  essential: readonly string[] | undefined,
): readonly string[] | undefined {
  if (locked === undefined) return essential
  if (essential === undefined) return locked
  const both = essential.filter((v) => locked.includes(v))
  if (both.length === 0) {
    throw new UsageError(
      'POLICY_VALUE_NOT_ALLOWED',
      'the essential acr values of claims are none of the acr_values locked by the policy',
      { parameter: 'claims' },
    )
  }
  return both
}

function buildUrl(p: Prepared, pairs: readonly [string, string][]): URL {
  const search = new URLSearchParams()
  if (p.endpointQuery.length > 0) {
    const ours = new Set(pairs.map(([name]) => name))
    for (const [name, value] of p.endpointQuery) if (!ours.has(name)) search.append(name, value)
  }
  for (const [name, value] of pairs) search.append(name, value)
  return new URL(`${p.endpointBase}?${search}`)
}
