/**
 * oidc-rp's optional features, one object each, for `installFeatures` on `oidc-rp/core`.
 *
 * The main entry `oidc-rp` installs them all.
 *
 * A feature's code reaches a bundle only through its object here, so an application ships what
 * it installs and nothing else.
 * @module
 */
import * as par from '../authorization/par.js'
import * as requestObject from '../authorization/request-object.js'
import * as requestUri from '../authorization/request-uri.js'
import * as jarmResponses from '../callback/jarm.js'
import { assertionStrategy } from '../client-assertion.js'
import * as acr from '../config/acr-mapping.js'
import * as lookups from '../config/attribute-lookup.js'
import * as sources from '../config/claim-sources.js'
import * as criteria from '../config/issuance-criteria.js'
import { normalizePolicy } from '../config/policy-validation.js'
import * as profiles from '../config/security-profile.js'
import * as tenants from '../config/tenants.js'
import * as tokenParameterRules from '../config/token-parameters.js'
import { decryptionKeys } from '../lib/client-keys.js'
import type { FeatureName, OidcRpFeature } from '../lib/features.js'
import { decryptJwe } from '../lib/jwe-decrypt.js'
// The features run on the core: reaching all of it keeps the build's core in the chunks every
// entry shares (a feature module reaching part of it would split it, and slow the import).
import '../core.js'

const feature = (name: FeatureName, implementation: object): OidcRpFeature =>
  Object.freeze({ name, implementation })

/**
 * Request objects (RFC 9101): signed and optionally encrypted, by value or by reference.
 *
 * Needed by `policy.transport` `request-object` and `request-uri`, `policy.requestObject`, and a
 * client registered with `request_object_signing_alg`.
 * @group Features
 */
export const requestObjects: OidcRpFeature = feature('requestObjects', {
  createRequestObject: requestObject.createRequestObject,
  requestObjectOptions: requestObject.requestObjectOptions,
  keepRequestObject: requestUri.keepRequestObject,
})

/**
 * Pushed authorization requests (RFC 9126): `policy.transport: 'par'`.
 * @group Features
 */
export const pushedAuthorization: OidcRpFeature = feature('pushedAuthorization', {
  pushAuthorizationRequest: par.pushAuthorizationRequest,
})

/**
 * JWT-secured authorization responses (JARM): a `jwt` response mode in the policy.
 * @group Features
 */
export const jarm: OidcRpFeature = feature('jarm', {
  unwrapJarmResponse: jarmResponses.unwrapJarmResponse,
  checkJarmAlgs: jarmResponses.checkJarmAlgs,
  checkJarmMode: jarmResponses.checkJarmMode,
  carrierOf: jarmResponses.carrierOf,
})

/**
 * An administrator's request policy: the `policy` option.
 *
 * Fixed, overridable and allowed parameters, scopes, locked `acr_values`/`prompt`, the response
 * type and mode, the transport. Without it a connection has the default policy: the code flow
 * with PKCE, `scope` and the open parameters the application's to set per request.
 * @group Features
 */
export const requestPolicy: OidcRpFeature = feature('requestPolicy', {
  normalizePolicy,
})

/**
 * The FAPI 2.0 security profiles: the `securityProfile` option (docs/fapi.md).
 * @group Features
 */
export const securityProfiles: OidcRpFeature = feature('securityProfiles', {
  validateSecurityProfile: profiles.validateSecurityProfile,
  profilePolicyDefaults: profiles.profilePolicyDefaults,
  profileSettings: profiles.profileSettings,
  checkSecurityProfile: profiles.checkSecurityProfile,
  requireSenderConstraint: profiles.requireSenderConstraint,
})

/**
 * Aggregated and distributed claims resolved: the `claimSources` option (docs/claims.md).
 * @group Features
 */
export const claimSources: OidcRpFeature = feature('claimSources', {
  validateClaimSources: sources.validateClaimSources,
})

/**
 * The acr mapping table: the `acrMapping` option (docs/registry.md).
 * @group Features
 */
export const acrMapping: OidcRpFeature = feature('acrMapping', {
  validateAcrMapping: acr.validateAcrMapping,
  toRemoteAcr: acr.toRemoteAcr,
  toLocalAcr: acr.toLocalAcr,
})

/**
 * Issuance criteria: the `issuanceCriteria` option (docs/registry.md).
 * @group Features
 */
export const issuanceCriteria: OidcRpFeature = feature('issuanceCriteria', {
  validateIssuanceCriteria: criteria.validateIssuanceCriteria,
  checkIssuanceCriteria: criteria.checkIssuanceCriteria,
})

/**
 * Attribute lookups from the application's own data: the `attributeLookup` option.
 * @group Features
 */
export const attributeLookups: OidcRpFeature = feature('attributeLookups', {
  lookUpAttributes: lookups.lookUpAttributes,
})

/**
 * Multi-tenant OPs (a `{tenantid}` issuer template): the `tenants` option (docs/registry.md).
 * @group Features
 */
export const multiTenant: OidcRpFeature = feature('multiTenant', {
  validateTenants: tenants.validateTenants,
  fills: tenants.fills,
  expectedIssuer: tenants.expectedIssuer,
  isAllowedTenantIssuer: tenants.isAllowedTenantIssuer,
})

/**
 * Extra token-endpoint parameters per connection: the `tokenParameters` option.
 * @group Features
 */
export const tokenParameters: OidcRpFeature = feature('tokenParameters', {
  validateTokenParameters: tokenParameterRules.validateTokenParameters,
  withTokenParameters: tokenParameterRules.withTokenParameters,
})

/**
 * Client authentication by a signed assertion: `client_secret_jwt` and `private_key_jwt`.
 * @group Features
 */
export const clientAssertions: OidcRpFeature = feature('clientAssertions', {
  assertionStrategy,
})

/**
 * Encrypted responses (JWE), as the client's `*_encrypted_response_alg` registration asks.
 *
 * ID tokens, UserInfo, logout tokens, JARM and introspection responses encrypted to the client.
 * @group Features
 */
export const encryptedResponses: OidcRpFeature = feature('encryptedResponses', {
  decryptJwe,
  decryptionKeys,
})

/**
 * Every optional feature, as the main entry `oidc-rp` installs them.
 * @group Features
 */
export const allFeatures: readonly OidcRpFeature[] = Object.freeze([
  requestPolicy,
  clientAssertions,
  encryptedResponses,
  requestObjects,
  pushedAuthorization,
  jarm,
  securityProfiles,
  claimSources,
  acrMapping,
  issuanceCriteria,
  attributeLookups,
  multiTenant,
  tokenParameters,
])
