/**
 * The optional features, installed by the application's imports.
 *
 * The sign-in path (discovery, the authorization URL, the code callback, UserInfo) reaches a
 * feature only through {@link need}: the module that implements it is imported by the feature's
 * object in `src/features/`, never by the path itself, so a page built on the lean entry
 * (`oidc-rp/core`) ships only what it installs. The main entry installs every feature.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { invalidArgument } from './checks.js'
import type * as ClientKeys from './client-keys.js'
import { isPlainObject } from './json.js'
import type * as JweDecrypt from './jwe-decrypt.js'

/**
 * The optional features, each by its export in `oidc-rp/features`.
 * @group Features
 */
export type FeatureName =
  | 'requestPolicy'
  | 'requestObjects'
  | 'pushedAuthorization'
  | 'jarm'
  | 'encryptedResponses'
  | 'clientAssertions'
  | 'securityProfiles'
  | 'claimSources'
  | 'acrMapping'
  | 'issuanceCriteria'
  | 'attributeLookups'
  | 'multiTenant'
  | 'tokenParameters'

/** Every feature name, for checking one given at run time (the compiler keeps it complete). */
const FEATURE_NAMES: Readonly<Record<FeatureName, true>> = {
  requestPolicy: true,
  requestObjects: true,
  pushedAuthorization: true,
  jarm: true,
  encryptedResponses: true,
  clientAssertions: true,
  securityProfiles: true,
  claimSources: true,
  acrMapping: true,
  issuanceCriteria: true,
  attributeLookups: true,
  multiTenant: true,
  tokenParameters: true,
}

/**
 * One optional feature: request objects and PAR, JARM, the FAPI 2.0 security profiles….
 *
 * Made by `oidc-rp/features`; give it to {@link installFeatures}.
 *
 * @group Features
 */
export interface OidcRpFeature {
  /** Its name, which is its export in `oidc-rp/features` and what error messages cite. */
  readonly name: FeatureName
  /** @internal */
  readonly implementation: object
}

const installed = new Map<FeatureName, object>()

/**
 * Installs optional features for every configuration of this program.
 *
 * The main entry `oidc-rp` installs them all; an application on `oidc-rp/core` installs the
 * ones it uses, once, before it builds a configuration:
 * ```ts
 * import { discover, installFeatures } from 'oidc-rp/core'
 * import { jarm, requestPolicy } from 'oidc-rp/features'
 * installFeatures(requestPolicy, jarm) // a policy with a JARM response mode
 * ```
 * Installing a feature twice is harmless.
 *
 * @param features - the features, as `oidc-rp/features` exports them
 * @throws {@link UsageError} `INVALID_ARGUMENT` for anything else (nothing is installed then)
 * @group Features
 */
export function installFeatures(...features: readonly OidcRpFeature[]): void {
  for (const feature of features) {
    if (
      !isPlainObject(feature) ||
      typeof feature.name !== 'string' ||
      !Object.hasOwn(FEATURE_NAMES, feature.name) ||
      !isPlainObject(feature.implementation)
    ) {
      throw invalidArgument('features', "objects exported by 'oidc-rp/features'")
    }
  }
  for (const feature of features) installed.set(feature.name, feature.implementation)
}

/**
 * A feature's implementation, if installed.
 * @param name - the feature
 * @returns the implementation, or `undefined`
 * @internal
 */
export function installedFeature<T extends object>(name: FeatureName): T | undefined {
  return installed.get(name) as T | undefined
}

/**
 * A feature's implementation, or a clear error naming the import that installs it.
 * @param name - the feature
 * @param needed - what needs it, e.g. `policy.transport 'par'`
 * @returns the implementation
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export function need<T extends object>(name: FeatureName, needed: string): T {
  const implementation = installedFeature<T>(name)
  if (implementation !== undefined) return implementation
  throw new UsageError(
    'FEATURE_NOT_INSTALLED',
    `${needed} needs the ${name} feature: installFeatures(${name}) from 'oidc-rp/features', or import from 'oidc-rp', which installs every feature`,
    { parameter: name },
  )
}

/**
 * The encrypted-responses feature: JWE decryption and the client's decryption keys.
 *
 * For ID tokens, UserInfo, logout tokens, JARM and introspection responses.
 * @param needed - what needs it, for the error
 * @returns its implementation
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export const encryptedResponsesFeature = (
  needed: string,
): Pick<typeof JweDecrypt, 'decryptJwe'> & Pick<typeof ClientKeys, 'decryptionKeys'> =>
  need('encryptedResponses', needed)
