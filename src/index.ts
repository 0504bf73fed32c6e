/**
 * oidc-rp: an OpenID Connect Relying Party SDK.
 *
 * Start with {@link discover}, then build an authorization request and handle the callback.
 * @module
 */

export {
  type ClientCryptoKey,
  type ClientInput,
  type ClientKey,
  type ClientMetadata,
  type Configuration,
  type ConfigurationOptions,
  createConfiguration,
  type ProviderMetadata,
  restoreConfiguration,
  type Settings,
  type TokenEndpointAuthMethod,
} from './configuration.js'
export {
  type AttributeContract,
  buildContract,
  type ContractAttribute,
  type ContractChanges,
  extendContract,
  mergeContract,
} from './contract.js'
export { type DiscoverOptions, discover, type MetadataDiff, reloadMetadata } from './discovery.js'
export {
  type AnyOidcRpError,
  type ErrorCode,
  isOidcRpError,
  OAuthResponseError,
  type OAuthResponseErrorCode,
  OidcRpError,
  TransportError,
  type TransportErrorCode,
  UsageError,
  type UsageErrorCode,
  ValidationError,
  type ValidationErrorCode,
  type WWWAuthenticateChallenge,
} from './errors.js'
export type { HttpOptions } from './http.js'
export { exportJwksCache, type JwksCacheSnapshot, restoreJwksCache } from './jwks.js'
export { createMemoryStore, type MemoryStoreOptions } from './stores/memory.js'
export type { Transaction, TransactionStore } from './transaction.js'
