/**
 * The last gate of a sign-in: the returned `acr` mapped, and the issuance criteria.
 *
 * Runs on the finished result (claims merged, attributes mapped), before `handleCallback`
 * returns it, so a refused sign-in leaves no session.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { acrMappingFeature, issuanceCriteriaFeature } from '../config/features.js'
import { ValidationError } from '../errors.js'
import type { Transaction } from '../storage.js'
import type { SignInResult } from './result.js'

/**
 * Admits a sign-in, or refuses it.
 * @param config - the connection's acr mapping and issuance criteria
 * @param transaction - the local acr values asked for
 * @param result - the sign-in result
 * @returns the result, with `localAcr` when the connection maps acr values
 * @throws {@link ValidationError} `ID_TOKEN_ACR_NOT_SATISFIED` (the returned acr maps to none of
 * the local values asked for), `ISSUANCE_CRITERIA_UNMET`
 * @internal
 */
export function admitSignIn(
  config: Configuration,
  transaction: Transaction,
  result: SignInResult,
): SignInResult {
  let admitted = result
  const rows = config.acrMapping?.response
  const asked = transaction.localAcr
  if (rows !== undefined || asked !== undefined) {
    const remote = result.idTokenClaims.acr
    const localAcr = rows === undefined ? remote : acrMappingFeature().toLocalAcr(rows, remote)
    if (asked !== undefined && (localAcr === undefined || !asked.includes(localAcr))) {
      throw new ValidationError(
        'ID_TOKEN_ACR_NOT_SATISFIED',
        remote === undefined
          ? 'the ID token has no acr, and a local acr was asked for'
          : 'the ID token acr maps to none of the local acr values asked for',
        { claim: 'acr', expected: asked, actual: remote },
      )
    }
    if (localAcr !== undefined) admitted = { ...result, localAcr }
  }
  if (config.issuanceCriteria !== undefined)
    issuanceCriteriaFeature().checkIssuanceCriteria(config.issuanceCriteria, admitted)
  return admitted
}
