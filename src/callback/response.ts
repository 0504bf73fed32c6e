/**
 * The authorization response, read with the configuration.
 *
 * Its parameters read from whatever the HTTP framework hands over, a JARM response opened,
 * `state` → the pending sign-in (consumed) and the browser binding, then the checks of
 * response-checks.ts: RFC 9207 `iss`, an `error`, the response mode and the parameters the
 * response type returns.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { tenantsFeature } from '../config/features.js'
import { isJwtResponseMode } from '../config/policy.js'
import { runtimeOf } from '../config/runtime.js'
import { installedFeature, need } from '../lib/features.js'
import { lazy } from '../lib/lazy.js'
import { type CallbackInput, type Delivery, readRequestInput } from '../lib/request-input.js'
import { callStore } from '../lib/store-call.js'
import type { Transaction } from '../storage.js'
import type * as Jarm from './jarm.js'
import {
  type CallbackParameters,
  callbackParameters,
  callbackReadRules,
  checkCallbackIssuer,
  checkFrontChannelToken,
  checkPendingSignIn,
  checkResponse,
  issuerRequiredBy,
  jarmUnexpected,
  requireState,
  type Shape,
  shapeOf,
} from './response-checks.js'

/**
 * Reads the authorization response parameters from any callback input, and tells how they came.
 *
 * Repeated parameters and oversized input are refused.
 *
 * @param input - the callback input: a `Request`, a `URL`, a string or `URLSearchParams`
 * @param settings - the settings `maxCallbackParameters` and `maxCallbackBytes`
 * @returns the parameters (one value per name, empty values left out) and how they came
 * @throws {@link ValidationError} `CALLBACK_DUPLICATE_PARAMETER`, `CALLBACK_INVALID_INPUT`
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an input of another type
 * @internal
 */
export async function readCallbackParameters(
  input: CallbackInput,
  settings: Parameters<typeof callbackReadRules>[0],
): Promise<{ params: CallbackParameters; delivery: Delivery }> {
  return callbackParameters(await readRequestInput(input, callbackReadRules(settings)))
}

/**
 * The browser-binding cookie, loaded with the first callback whose store needs one.
 *
 * A page whose store binds by its nature (web storage) never loads it.
 */
const loadBrowserBinding = /* @__PURE__ */ lazy(() => import('../browser-binding.js'))

/**
 * A checked successful authorization response and the pending sign-in it completes.
 * @internal
 */
export interface AuthorizationResponse {
  /** The pending sign-in, taken (consumed) from the store. */
  readonly transaction: Transaction
  /** What the transaction's response type returns. */
  readonly shape: Shape
  /** The parameters, checked against the shape. */
  readonly params: CallbackParameters
  /** The `Set-Cookie` value that deletes the browser-binding cookie, when one was presented. */
  readonly clearBinding: string | undefined
}

/**
 * Where the browser-binding value comes from: the option, or the callback's `Cookie` header.
 * @internal
 */
export interface PresentedBinding {
  /** The value the application read itself. */
  readonly browserBinding?: string | undefined
  /** The callback request's `Cookie` header. */
  readonly cookie?: string | undefined
}

/**
 * Reads and checks the authorization response (steps 1–7 of `handleCallback`, docs/callback.md).
 *
 * Parameters, state → transaction (consumed), browser binding, `iss`, `error`, response mode,
 * shape.
 *
 * @param config - the configuration (store, clock, issuer, client, callback limits)
 * @param input - the callback request, URL, fragment or form body
 * @param presented - the browser-binding option and Cookie header
 * @param signal - aborts a JWKS fetch for a JARM response
 * @returns the transaction and the checked parameters
 * @throws {@link ValidationError} `CALLBACK_*`, `JARM_*` (a JARM `response` is unwrapped first,
 * see `unwrapJarmResponse` in jarm.ts)
 * @throws {@link OAuthResponseError} `AUTHORIZATION_ERROR_RESPONSE`
 * @throws {@link TransportError} `STORE_ERROR`
 * @throws {@link UsageError} `INVALID_ARGUMENT` (an input of another type, an unsupported
 * transaction)
 * @internal
 */
export async function readAuthorizationResponse(
  config: Configuration,
  input: CallbackInput,
  presented: PresentedBinding,
  signal?: AbortSignal,
): Promise<AuthorizationResponse> {
  const cookieHeader =
    presented.cookie ?? (input instanceof Request ? input.headers.get('cookie') : null)
  const read = await readCallbackParameters(input, config.settings)
  const { delivery } = read
  // JARM §4.4: the `response` JWT is verified before anything in the callback is used, state too.
  const wrapped = read.params.response !== undefined
  const params = wrapped ? await unwrapJarm(config, read.params, signal) : read.params
  const { transaction, clearBinding } = await takeTransaction(
    config,
    params.state,
    presented.browserBinding,
    cookieHeader,
  )
  const shape = shapeOf(transaction)
  // A JARM mode asked for, or a JARM response: the JARM feature checks that they go together.
  const jarm =
    wrapped || isJwtResponseMode(transaction.responseMode)
      ? need<typeof Jarm>('jarm', 'a JARM response')
      : undefined
  jarm?.checkJarmMode(transaction, wrapped)
  // RFC 9207: `iss` may be left out only where the transaction's response type brings a
  // front-channel
  // ID token (validated later, its signed `iss` names the OP): never for an error response, and
  // never because of what the callback happens to carry.
  const { tenants } = config
  checkCallbackIssuer(transaction, params.iss, {
    issuer: config.issuer,
    requiredBy: issuerRequiredBy(
      config.securityProfile,
      config.provider,
      shape.idToken && params.error === undefined,
    ),
    isTenantIssuer:
      tenants === undefined
        ? undefined
        : (iss) => tenantsFeature().isAllowedTenantIssuer(config, iss),
  })
  checkResponse(transaction, shape, params, delivery, jarm)
  if (shape.token) checkFrontChannelToken(transaction.responseType, params)
  return { transaction, shape, params, clearBinding }
}

/**
 * A JARM response verified and opened, by the JARM feature; without it no sign-in asked for one.
 * @throws {@link ValidationError} `JARM_RESPONSE_UNEXPECTED` without the feature
 */
function unwrapJarm(
  config: Configuration,
  params: CallbackParameters,
  signal: AbortSignal | undefined,
): Promise<CallbackParameters> {
  const jarm = installedFeature<typeof Jarm>('jarm')
  if (jarm !== undefined) return jarm.unwrapJarmResponse(config, params, signal)
  throw jarmUnexpected()
}

/** Takes the transaction of `state` and checks the browser binding. */
async function takeTransaction(
  config: Configuration,
  state: string | undefined,
  option: string | undefined,
  cookieHeader: string | null,
): Promise<{ transaction: Transaction; clearBinding: string | undefined }> {
  requireState(state)
  const runtime = runtimeOf(config)
  // Loaded before the transaction is consumed, so a failed load leaves it in the store.
  const cookies =
    runtime.store.browserBinding === 'in-browser' ? undefined : await loadBrowserBinding()
  // A 'handle' store (sealed) needs the cookie to open the transaction; other stores need it after.
  const handle =
    runtime.store.browserBinding === 'handle'
      ? cookies!.requireHandle(cookies!.presentedBinding(option, cookieHeader, state))
      : undefined
  const transaction = checkPendingSignIn(
    await callStore('transaction store take', () => runtime.store.take(state, handle)),
    state,
    {
      clientId: config.client.client_id,
      now: runtime.now(),
      hint: runtime.defaultStore && typeof document !== 'undefined' ? IN_PAGE_HINT : '',
    },
  )
  if (cookies === undefined) return { transaction, clearBinding: undefined }
  const binding = cookies.presentedBinding(option, cookieHeader, state, transaction.redirectUri)
  if (handle !== undefined && binding !== handle) throw cookies.misnamedHandle()
  await cookies.checkBrowserBinding(runtime.store, transaction, binding)
  return {
    transaction,
    clearBinding: binding === undefined ? undefined : cookies.clearBindingCookie(transaction),
  }
}

/** Why a page's callback finds no transaction in the default store, and the fix. */
const IN_PAGE_HINT =
  ". This runs in a page with the default in-memory transaction store, which does not survive the page's redirect to the OP and back (the page reloads): give discover a store in the browser's storage, discover(issuer, client, { store: createWebStorageTransactionStore() }) (from oidc-rp/browser)"
