/**
 * oidc-rp's lean entry: every function of `oidc-rp`, with no optional feature installed.
 *
 * For pages and workers that count their bytes: the code-flow sign-in (discovery, the
 * authorization URL, the callback, UserInfo, refresh, logout) bundles without an administrator's
 * request policy, request objects, PAR, JARM, encrypted responses, client assertions, security
 * profiles, claim sources, acr mapping, issuance criteria, attribute lookups, multi-tenant issuers
 * or token parameters. A configuration or request that needs one of them is refused with
 * `FEATURE_NOT_INSTALLED` until the application installs it:
 * ```ts
 * import { installFeatures } from 'oidc-rp/core'
 * import { pushedAuthorization, requestPolicy } from 'oidc-rp/features'
 * installFeatures(requestPolicy, pushedAuthorization) // a policy with transport 'par'
 * ```
 * The main entry `oidc-rp` is this one with every feature installed.
 * @module
 */

export {
  type ClaimRequestOptions,
  type ClaimsRequest,
  type ClaimsRequestBuilder,
  type ClaimValue,
  createClaimsRequest,
  type IndividualClaimRequest,
} from './authorization/claims-request.js'
export type { IgnorableCode, IgnoredParameter } from './authorization/merge.js'
export {
  type AuthorizationParameters,
  type AuthorizationParameterValue,
  type AuthorizationRequest,
  type AuthorizationRequestOptions,
  createAuthorizationRequest,
} from './authorization/request.js'
export { serveRequestObject } from './authorization/serve-request-object.js'
export type { BrowserBindingCookie } from './browser-binding.js'
export type {
  ContractReport,
  SignInResult,
  SignInTransaction,
} from './callback/result.js'
export { type CallbackOptions, handleCallback } from './callback/sign-in.js'
export { resolveClaimSources } from './claims/resolve.js'
export type {
  ClaimOrigin,
  ResolveClaimSourcesOptions,
  ResolvedClaims,
  UnresolvedClaim,
} from './claims/types.js'
export type { AcrMapping, AcrMappingRow } from './config/acr-mapping.js'
export type { AttributeLookup, AttributeLookupInput } from './config/attribute-lookup.js'
export type {
  ClaimSourceErrorMode,
  ClaimSources,
  ClaimSourcesInput,
  ClaimsProvider,
} from './config/claim-sources.js'
export type { ClientInput, ClientMetadata, TokenEndpointAuthMethod } from './config/client.js'
export {
  type Configuration,
  type ConfigurationOptions,
  createConfiguration,
  restoreConfiguration,
} from './config/configuration.js'
export {
  type AttributeContract,
  buildContract,
  type ContractAttribute,
  type ContractChanges,
  extendContract,
  mergeContract,
} from './config/contract.js'
export type {
  IssuanceCondition,
  IssuanceCriteria,
  IssuanceRule,
} from './config/issuance-criteria.js'
export {
  type AttributeMapping,
  type AttributeMappingRule,
  findRulesOutsideContract,
} from './config/mapping.js'
export type {
  JwtResponseMode,
  ParameterRule,
  RequestObjectPolicy,
  RequestParameterPolicy,
  RequestParameterPolicyInput,
  RequestPolicy,
  RequestPolicyInput,
  RequestTransport,
  ResponseMode,
  ResponseType,
} from './config/policy.js'
export { OPEN_PARAMETERS } from './config/policy.js'
export type { ProviderMetadata } from './config/provider.js'
export type { SecurityProfile } from './config/security-profile.js'
export type {
  ClientAssertionAudience,
  OpEndpoint,
  Settings,
  UserInfoMode,
} from './config/settings.js'
export type { Tenants } from './config/tenants.js'
export { type DiscoverOptions, discover, type MetadataDiff, reloadMetadata } from './discovery.js'
export { createDPoPHandle, generateDPoPKeyPair } from './dpop.js'
export {
  type AnyOidcRpError,
  type ErrorCode,
  isOidcRpError,
  OAuthResponseError,
  type OAuthResponseErrorCode,
  OidcRpError,
  type OidcRpErrorOptions,
  TransportError,
  type TransportErrorCode,
  UsageError,
  type UsageErrorCode,
  ValidationError,
  type ValidationErrorCode,
  type WWWAuthenticateChallenge,
} from './errors.js'
export {
  type ClientCredentialsOptions,
  requestClientCredentials,
} from './grants/client-credentials.js'
export type { GrantResult } from './grants/grant.js'
export {
  JWT_BEARER_GRANT_TYPE,
  type JwtBearerGrantOptions,
  requestJwtBearerGrant,
} from './grants/jwt-bearer.js'
export {
  ACCESS_TOKEN_TYPE,
  exchangeToken,
  ID_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  REFRESH_TOKEN_TYPE,
  SAML1_TOKEN_TYPE,
  SAML2_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
  type TokenExchangeOptions,
  type TokenExchangeResult,
} from './grants/token-exchange.js'
export type { AccessToken } from './grants/token-messages.js'
export {
  expectNoNonce,
  type IdTokenClaims,
  type IdTokenExpectations,
  validateIdToken,
} from './id-token.js'
export { type IntrospectionResult, introspectToken } from './introspection.js'
export { exportJwksCache, restoreJwksCache } from './keys.js'
export { FAPI2_SIGNING_ALGS } from './lib/algorithms.js'
export type { ClientCryptoKey, ClientKey } from './lib/client-keys.js'
export type {
  DPoPAlg,
  DPoPHandle,
  DPoPHandleOptions,
  DPoPProofOptions,
} from './lib/dpop.js'
export { type FeatureName, installFeatures, type OidcRpFeature } from './lib/features.js'
export type { JwksCacheSnapshot } from './lib/jwks-cache.js'
export type { CallbackInput, LogoutInput } from './lib/request-input.js'
export {
  type BackChannelLogoutOptions,
  type BackChannelLogoutResult,
  handleBackChannelLogout,
} from './logout/back-channel.js'
export {
  createEndSessionRequest,
  type EndSessionConfiguration,
  type EndSessionOptions,
  type EndSessionRequest,
} from './logout/end-session-request.js'
export {
  type FrontChannelLogoutOptions,
  type FrontChannelLogoutResult,
  handleFrontChannelLogout,
} from './logout/front-channel.js'
export {
  BACKCHANNEL_LOGOUT_EVENT,
  type LogoutTokenClaims,
  type LogoutTokenValidationOptions,
  validateLogoutToken,
} from './logout/logout-token.js'
export {
  handlePostLogoutRedirect,
  type PostLogoutRedirectOptions,
} from './logout/rp-initiated.js'
export {
  type ClientRegistration,
  type ClientRegistrationMetadata,
  type RegisteredClient,
  type RegistrationAdjustment,
  type RegistrationSecrets,
  restoreClientRegistration,
} from './registration/client-registration.js'
export {
  type ClientManagementOptions,
  deleteClientRegistration,
  readClientRegistration,
  updateClientRegistration,
} from './registration/management.js'
export { type RegistrationOptions, registerClient } from './registration/register.js'
export { fetchProtectedResource, type ProtectedResourceOptions } from './resource.js'
export {
  revokeToken,
  type TokenManagementOptions,
  type TokenTypeHint,
} from './revocation.js'
export { type RecordSessionOptions, recordSession } from './sessions.js'
export type {
  ReplayGuard,
  RequestObjectStore,
  Session,
  SessionStore,
  Transaction,
  TransactionStore,
} from './storage.js'
export {
  createMemoryReplayGuard,
  createMemoryRequestObjectStore,
  createMemorySessionStore,
  createMemoryTransactionStore,
  type MemoryReplayGuardOptions,
  type MemorySessionStoreOptions,
  type MemoryTransactionStoreOptions,
} from './stores/memory.js'
export {
  createSealedTransactionStore,
  type SealedTransactionStoreOptions,
} from './stores/sealed.js'
export {
  createWebStorageTransactionStore,
  type WebStorageTransactionStoreOptions,
} from './stores/web-storage.js'
export {
  type RefreshOptions,
  type RefreshResult,
  refreshTokens,
} from './token.js'
export { fetchUserInfo, type UserInfoOptions } from './userinfo.js'
export {
  type DiscoveredIssuer,
  discoverIssuer,
  ISSUER_LINK_RELATION,
  type NormalizedIdentifier,
  normalizeIdentifier,
  type WebFingerOptions,
} from './webfinger.js'
