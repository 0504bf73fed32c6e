/**
 * `oidc-rp/browser`.
 *
 * Single-page applications: pending sign-ins kept in the tab's web storage (which binds them to
 * the browser), and the tokens of a signed-in page, refreshed one tab at a time, signed out in
 * every tab.
 *
 * Start with {@link createWebStorageTransactionStore} for `discover`, then
 * {@link createBrowserSession}.
 * @module
 */

export {
  createWebStorageTransactionStore,
  type WebStorageTransactionStoreOptions,
} from '../stores/web-storage.js'
export type { BrowserSessionChannel } from './channel.js'
export type { BrowserSessionLocks } from './locks.js'
export type { BrowserSessionOptions, BrowserSessionStorage } from './options.js'
export { type BrowserSession, createBrowserSession, type SessionChange } from './session.js'
