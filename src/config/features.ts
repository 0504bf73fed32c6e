/**
 * The optional features whose code sits in config/, each reached through its accessor.
 *
 * An accessor returns the installed implementation, or throws `FEATURE_NOT_INSTALLED` naming the
 * member that needs it and the export of `oidc-rp/features` that installs it (lib/features.ts).
 * Only type imports name the implementing modules here, so the sign-in path never bundles them.
 *
 * @module
 */
import { need } from '../lib/features.js'
import type * as AcrMapping from './acr-mapping.js'
import type * as AttributeLookup from './attribute-lookup.js'
import type * as ClaimSources from './claim-sources.js'
import type { ClientMetadata } from './client.js'
import type * as IssuanceCriteria from './issuance-criteria.js'
import { isJwtResponseMode, type RequestPolicy } from './policy.js'
import type * as PolicyValidation from './policy-validation.js'
import type * as SecurityProfile from './security-profile.js'
import type * as Tenants from './tenants.js'
import type * as TokenParameters from './token-parameters.js'

/**
 * Checks, when a configuration is made, that the features its request policy names are installed.
 *
 * JARM for a `jwt` response mode, request objects, PAR.
 * @param policy - the normalised policy
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export function checkPolicyFeatures(policy: RequestPolicy): void {
  if (isJwtResponseMode(policy.responseMode)) {
    need('jarm', `policy.responseMode '${policy.responseMode}'`)
  }
  if (policy.transport === 'par') need('pushedAuthorization', "policy.transport 'par'")
  const { transport } = policy
  if (
    policy.requestObject !== undefined ||
    transport === 'request-object' ||
    transport === 'request-uri'
  ) {
    need('requestObjects', `policy.transport '${policy.transport}'`)
  }
}

/** The client metadata members asking for an encrypted response. */
const ENCRYPTED_RESPONSE_MEMBERS = [
  'id_token_encrypted_response_alg',
  'userinfo_encrypted_response_alg',
  'authorization_encrypted_response_alg',
  'introspection_encrypted_response_alg',
] as const

/**
 * Checks, when a configuration is made, that the features its client's registration needs exist.
 *
 * Client assertions for a JWT authentication method, encrypted responses for any
 * `*_encrypted_response_alg`.
 * @param client - the validated client metadata
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export function checkClientFeatures(client: ClientMetadata): void {
  const method = client.token_endpoint_auth_method
  if (method === 'client_secret_jwt' || method === 'private_key_jwt') {
    need('clientAssertions', `token_endpoint_auth_method ${method}`)
  }
  const encrypted = ENCRYPTED_RESPONSE_MEMBERS.find((member) => client[member] !== undefined)
  if (encrypted !== undefined) need('encryptedResponses', encrypted)
}

/** @internal */
export const acrMappingFeature = (): typeof AcrMapping => need('acrMapping', 'acrMapping')

/** @internal */
export const attributeLookupFeature = (): typeof AttributeLookup =>
  need('attributeLookups', 'attributeLookup')

/** @internal */
export const claimSourcesFeature = (): typeof ClaimSources => need('claimSources', 'claimSources')

/** @internal */
export const issuanceCriteriaFeature = (): typeof IssuanceCriteria =>
  need('issuanceCriteria', 'issuanceCriteria')

/** @internal */
export const requestPolicyFeature = (): Pick<typeof PolicyValidation, 'normalizePolicy'> =>
  need('requestPolicy', 'policy')

/** @internal */
export const securityProfileFeature = (): typeof SecurityProfile =>
  need('securityProfiles', 'securityProfile')

/** @internal */
export const tenantsFeature = (): typeof Tenants => need('multiTenant', 'tenants')

/** @internal */
export const tokenParametersFeature = (): typeof TokenParameters =>
  need('tokenParameters', 'tokenParameters')

/**
 * The issuer a token must name.
 *
 * The OP's, or for a multi-tenant OP its template filled with the token's allowed `tid` (see
 * `expectedIssuer` in tenants.ts).
 * @param config - the issuer and tenants
 * @param claims - the token's claims
 * @param what - what the token is, for messages
 * @returns the issuer to compare `iss` with
 * @internal
 */
export function tokenIssuer(
  config: { readonly issuer: string; readonly tenants?: Tenants.Tenants },
  claims: Readonly<Record<string, unknown>>,
  what: string,
): string {
  return config.tenants === undefined
    ? config.issuer
    : tenantsFeature().expectedIssuer(config, claims, what)
}
