/**
 * A claim source JWT, verified by the one JWT core against a listed claims provider's keys.
 *
 * @module
 */
import type { ClaimSources } from '../config/claim-sources.js'
import type { Configuration } from '../config/configuration.js'
import { runtimeOf } from '../config/runtime.js'
import { ValidationError } from '../errors.js'
import { ASYMMETRIC_ALGS } from '../lib/algorithms.js'
import { decodeJws } from '../lib/compact.js'
import { describe } from '../lib/json.js'
import { type HmacKeySource, verifyJws } from '../lib/jws-verify.js'
import {
  checkAlg,
  checkClaims,
  checkContainsClient,
  claimFailure,
  type TokenProfile,
} from '../lib/jwt-claims.js'
import { providerKeys } from './provider-keys.js'

/**
 * A claim source JWT as a token profile.
 *
 * `iss` is required (it chooses the claims provider, whose keys then verify the JWT); `aud`, which
 * §5.6.2 leaves out, must contain the client_id when present; `exp`, `iat` and `nbf` are checked
 * when present; `sub`, when present, is the end-user at the claims provider and must be a string.
 * @internal
 */
export const CLAIM_SOURCE_JWT: TokenProfile = {
  name: 'claim source JWT',
  codes: {
    alg: 'CLAIM_SOURCE_SIGNATURE_INVALID',
    signature: 'CLAIM_SOURCE_SIGNATURE_INVALID',
    decryption: 'CLAIM_SOURCE_JWT_INVALID',
    issuer: 'CLAIM_SOURCE_ISSUER_NOT_ALLOWED',
    mismatch: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    untrusted: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    azp: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    invalid: 'CLAIM_SOURCE_JWT_INVALID',
    expired: 'CLAIM_SOURCE_JWT_INVALID',
    iatMissing: 'CLAIM_SOURCE_JWT_INVALID',
    iatInFuture: 'CLAIM_SOURCE_JWT_INVALID',
    notYetValid: 'CLAIM_SOURCE_JWT_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: false, exp: false, iat: false },
  audienceRule: checkContainsClient,
  requiredStrings: [],
  optionalStrings: ['sub'],
}

/** The algs a claims provider may sign with: asymmetric only (no shared secret, never `none`). */
const SIGNING_ALGS: readonly string[] = [...ASYMMETRIC_ALGS]

/** No client secret verifies a claims provider's JWT (the alg rule refuses `HS*` first). */
const NO_SECRET: HmacKeySource = {
  hmacKey: () =>
    Promise.reject(new ValidationError('CLAIM_SOURCE_SIGNATURE_INVALID', 'no HMAC key')),
}

/**
 * Verifies a claim source JWT.
 *
 * Decoded once, then the alg, the provider by `iss`, the signature with its keys, the claims.
 * @param config - the configuration: its client_id, settings, clock and caches
 * @param sources - its claim sources (the providers)
 * @param profile - the claim source profile, named for the source
 * @param token - the compact JWS
 * @param signal - aborts a discovery or JWKS fetch
 * @returns the verified claims and the provider's issuer
 * @throws {@link ValidationError} the profile's codes, `JWT_*`, `JWKS_*`
 * @throws {@link TransportError} `HTTP_*`, `CLAIM_SOURCE_UNAVAILABLE`
 * @internal
 */
export async function verifySourceJwt(
  config: Configuration,
  sources: ClaimSources,
  profile: TokenProfile,
  token: string,
  signal: AbortSignal | undefined,
): Promise<{ claims: Record<string, unknown>; issuer: string }> {
  const { settings } = config
  const decoded = decodeJws(token, settings.maxJwtLength, profile.name)
  checkAlg(profile, decoded.header.alg, undefined, SIGNING_ALGS, false, false)
  const iss = decoded.claims.iss
  const provider = sources.providers.find((p) => p.issuer === iss)
  if (provider === undefined) {
    throw claimFailure(
      profile,
      'CLAIM_SOURCE_ISSUER_NOT_ALLOWED',
      iss === undefined ? 'has no iss' : `iss ${describe(iss)} is not an allowed claims provider`,
      'iss',
      sources.providers.map((p) => p.issuer),
      iss,
    )
  }
  const keys = await providerKeys(config, sources, provider, signal)
  await verifyJws(decoded, keys, NO_SECRET, profile.codes, signal)
  const now = runtimeOf(config).now() / 1000
  checkClaims(
    profile,
    decoded.claims,
    provider.issuer,
    config.client,
    now,
    settings.clockToleranceInSeconds,
  )
  return { claims: decoded.claims, issuer: provider.issuer }
}
