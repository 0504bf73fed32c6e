/**
 * The optional features of the authorization request: request objects and PAR.
 *
 * Request objects (by value and by reference) and pushed authorization requests are each reached
 * through an accessor here, so a plain query sign-in never bundles them (lib/features.ts).
 *
 * @module
 */
import { need } from '../lib/features.js'
import type * as Par from './par.js'
import type * as RequestObject from './request-object.js'
import type * as RequestUri from './request-uri.js'

/** What the `requestObjects` feature implements. */
type RequestObjects = Pick<typeof RequestObject, 'createRequestObject' | 'requestObjectOptions'> &
  Pick<typeof RequestUri, 'keepRequestObject'>

/**
 * The request-object feature (signed, encrypted, by value or by reference).
 * @param needed - what needs it, for the error
 * @returns its implementation
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export const requestObjectsFeature = (needed: string): RequestObjects =>
  need('requestObjects', needed)

/**
 * The pushed-authorization-request feature (RFC 9126).
 * @returns its implementation
 * @throws {@link UsageError} `FEATURE_NOT_INSTALLED`
 * @internal
 */
export const parFeature = (): Pick<typeof Par, 'pushAuthorizationRequest'> =>
  need('pushedAuthorization', "policy.transport 'par'")
