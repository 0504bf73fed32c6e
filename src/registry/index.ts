/**
 * `oidc-rp/registry`: many connections (OPs) side by side, managed as data, one callback for all.
 *
 * `docs/registry.md` explains the registry with a worked example.
 *
 * @module
 */
export type { ConnectionRecord, ConnectionStore } from '../storage.js'
export {
  createJsonConnectionStore,
  createMemoryConnectionStore,
  type JsonConnectionStoreOptions,
} from '../stores/connections.js'
export {
  type ConnectionChange,
  type ConnectionChoice,
  type ConnectionCredentials,
  type ConnectionDetails,
  type ConnectionRegistry,
  type ConnectionRegistryOptions,
  type ConnectionSignIn,
  type CredentialSource,
  createConnectionRegistry,
  type ReloadOutcome,
} from './registry.js'
