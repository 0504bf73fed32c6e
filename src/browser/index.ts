/**
 * `oidc-rp/browser`.
 *
 * Single-page applications: the tokens of a signed-in page, refreshed one tab at a time, signed
 * out in every tab.
 *
 * Start with {@link createBrowserSession}.
 * @module
 */
export type { BrowserSessionChannel } from './channel.js'
export type { BrowserSessionLocks } from './locks.js'
export {
  type BrowserSession,
  type BrowserSessionOptions,
  type BrowserSessionStorage,
  createBrowserSession,
  type SessionChange,
} from './session.js'
