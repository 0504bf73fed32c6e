/**
 * `oidc-rp/browser`.
 *
 * Single-page applications: a lean sign-in for a public client (the code flow with PKCE, every
 * check of the core's), pending sign-ins kept in the tab's web storage (which binds them to the
 * browser), and the tokens of a signed-in page, refreshed one tab at a time, signed out in every
 * tab.
 *
 * Start with {@link discover}, {@link createAuthorizationRequest} and {@link handleCallback}, then
 * {@link createBrowserSession}; sign out with {@link createEndSessionRequest}.
 * @module
 */

export {
  createEndSessionRequest,
  type EndSessionConfiguration,
  type EndSessionOptions,
  type EndSessionRequest,
} from '../logout/end-session-request.js'
export {
  createWebStorageTransactionStore,
  type WebStorageTransactionStoreOptions,
} from '../stores/web-storage.js'
export {
  createAuthorizationRequest,
  type PageAuthorizationOptions,
  type PageAuthorizationRequest,
} from './authorization.js'
export { handleCallback, type PageCallbackOptions, type PageSignInResult } from './callback.js'
export type { BrowserSessionChannel } from './channel.js'
export {
  discover,
  type PageClient,
  type PageConfiguration,
  type PageOptions,
  type PageProviderMetadata,
} from './configuration.js'
export type { BrowserSessionLocks } from './locks.js'
export type { BrowserSessionOptions, BrowserSessionStorage } from './options.js'
export { type PageRefreshOptions, refreshTokens } from './refresh.js'
export { type BrowserSession, createBrowserSession, type SessionChange } from './session.js'
export { fetchUserInfo, type PageUserInfoOptions } from './userinfo.js'
