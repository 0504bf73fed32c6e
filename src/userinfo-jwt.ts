/**
 * A signed or encrypted UserInfo response (`application/jwt`, OIDC Core §5.3.2).
 *
 * Loaded with the first one: a client that registered neither `userinfo_signed_response_alg` nor
 * `userinfo_encrypted_response_alg` gets JSON and never loads it.
 *
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { tokenIssuer } from './config/features.js'
import { runtimeOf } from './config/runtime.js'
import { responseLimit } from './config/settings.js'
import { decryptionKeysOf, jwksOf, secretKeysOf } from './keys.js'
import { decodeJws } from './lib/compact.js'
import type { HttpResponse } from './lib/http.js'
import { mediaType } from './lib/http.js'
import { verifyJws } from './lib/jws-verify.js'
import { checkAlg, checkClaims, checkContainsClient, type TokenProfile } from './lib/jwt-claims.js'
import { decryptOrRefuse } from './lib/jwt-decryption.js'
import { invalidUserInfo, parseUserInfoObject, userInfoText } from './userinfo-response.js'

/**
 * The signed or encrypted UserInfo response as a token profile.
 *
 * Every claim rule fails with `USERINFO_SIGNATURE_INVALID`, no registered claim is required (OIDC
 * Core §5.3.2: `iss` and `aud` SHOULD be there; LemonLDAP::NG signs bare claims, Glewlwyd sends no
 * `aud`), each is checked when present; the default `enc` is OIDC Registration §2's.
 */
const USERINFO: TokenProfile = {
  name: 'UserInfo response',
  codes: {
    alg: 'USERINFO_SIGNATURE_INVALID',
    signature: 'USERINFO_SIGNATURE_INVALID',
    decryption: 'USERINFO_DECRYPTION_FAILED',
    issuer: 'USERINFO_SIGNATURE_INVALID',
    mismatch: 'USERINFO_SIGNATURE_INVALID',
    untrusted: 'USERINFO_SIGNATURE_INVALID',
    azp: 'USERINFO_SIGNATURE_INVALID',
    invalid: 'USERINFO_SIGNATURE_INVALID',
    expired: 'USERINFO_SIGNATURE_INVALID',
    iatMissing: 'USERINFO_SIGNATURE_INVALID',
    iatInFuture: 'USERINFO_SIGNATURE_INVALID',
    notYetValid: 'USERINFO_SIGNATURE_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: false, aud: false, exp: false, iat: false },
  audienceRule: checkContainsClient,
  requiredStrings: [],
  optionalStrings: [],
}

/**
 * The claims of a signed and/or encrypted UserInfo response.
 *
 * Decrypted with the client's keys, its signature verified with the OP's keys (or the client
 * secret), its `iss` and `aud` checked when present.
 * @param config - the configuration: the client's registered algs and keys, the OP's keys
 * @param response - the UserInfo response
 * @param signal - aborts a JWKS fetch
 * @returns the claims
 * @throws {@link ValidationError} `USERINFO_RESPONSE_INVALID`, `USERINFO_SIGNATURE_INVALID`,
 * `USERINFO_DECRYPTION_FAILED`
 * @internal
 */
export async function jwtClaims(
  config: Configuration,
  response: HttpResponse,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const type = mediaType(response)
  if (type !== 'application/jwt') {
    throw invalidUserInfo(
      `has content type ${JSON.stringify(type.slice(0, 60))}, expected the registered application/jwt`,
      'application/jwt',
      type.slice(0, 60),
    )
  }
  const { client, settings } = config
  const maxLength = responseLimit(settings, 'userinfo')
  const text = await decryptOrRefuse(
    USERINFO,
    userInfoText(response.body).trim(),
    client.userinfo_encrypted_response_alg,
    client.userinfo_encrypted_response_enc,
    decryptionKeysOf(config),
    maxLength,
  )
  const signedAlg = client.userinfo_signed_response_alg
  if (signedAlg === undefined) return parseUserInfoObject(text, 'decrypted')
  const decoded = decodeJws(text, maxLength, USERINFO.name)
  checkAlg(USERINFO, decoded.header.alg, signedAlg, [], signedAlg === 'none', false)
  await verifyJws(decoded, jwksOf(config), secretKeysOf(config), USERINFO.codes, signal)
  const now = runtimeOf(config).now() / 1000
  checkClaims(
    USERINFO,
    decoded.claims,
    tokenIssuer(config, decoded.claims, 'UserInfo response'),
    client,
    now,
    settings.clockToleranceInSeconds,
  )
  return decoded.claims
}
