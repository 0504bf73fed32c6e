/**
 * JWT Secured Authorization Responses (JARM): the `response` parameter, unwrapped.
 *
 * Decrypted when the client registered encryption, verified by the JWT core, its `iss`, `aud` and
 * `exp` checked, and only then turned into the authorization response parameters the callback
 * checks as for any other response mode.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { isJwtResponseMode } from '../config/policy.js'
import { runtimeOf } from '../config/runtime.js'
import { ValidationError } from '../errors.js'
import { decryptionKeysOf, jwksOf, secretKeysOf } from '../keys.js'
import { unsupportedError } from '../lib/checks.js'
import { decodeJws } from '../lib/compact.js'
import { clip } from '../lib/json.js'
import { verifyJws } from '../lib/jws-verify.js'
import {
  checkAlg,
  checkClaims,
  checkContainsClient,
  mistyped,
  type TokenProfile,
} from '../lib/jwt-claims.js'
import { decryptOrRefuse } from '../lib/jwt-decryption.js'
import type { RequestParameters } from '../lib/request-input.js'
import type { Transaction } from '../storage.js'

/**
 * The JARM response as a token profile (JARM §4.4).
 *
 * `iss`, `aud` and `exp` required; `aud` need only contain the client_id; the default `enc` is
 * JARM §3's.
 */
const JARM: TokenProfile = {
  name: 'JARM response',
  codes: {
    alg: 'JARM_ALG_NOT_ALLOWED',
    signature: 'JARM_SIGNATURE_INVALID',
    decryption: 'JARM_DECRYPTION_FAILED',
    issuer: 'JARM_ISSUER_MISMATCH',
    mismatch: 'JARM_AUDIENCE_MISMATCH',
    untrusted: 'JARM_AUDIENCE_MISMATCH',
    azp: 'JARM_AUDIENCE_MISMATCH',
    invalid: 'JARM_CLAIM_INVALID',
    expired: 'JARM_EXPIRED',
    iatMissing: 'JARM_CLAIM_INVALID',
    iatInFuture: 'JARM_CLAIM_INVALID',
    notYetValid: 'JARM_CLAIM_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: true, exp: true, iat: false },
  audienceRule: checkContainsClient,
  requiredStrings: [],
  optionalStrings: [],
}

/** The JWT's own claims, which are no authorization response parameters (`iss` is both). */
const JWT_CLAIMS: ReadonlySet<string> = new Set(['aud', 'exp', 'iat', 'nbf', 'jti'])

/**
 * Unwraps a JARM `response` parameter into the authorization response parameters it carries.
 *
 * The callback must carry `response` alone. The JWT is decrypted when the client registered
 * `authorization_encrypted_response_alg` (an unencrypted one is then refused), its signature
 * verified with the registered `authorization_signed_response_alg` (default RS256, never `none`),
 * `iss` must be the OP's issuer, `aud` contain the client_id, `exp` be present and not passed
 * (within the clock tolerance). Its other claims are the parameters (`code`, `state`, `error`, …),
 * `iss` included; numbers become their decimal text, any other type is refused.
 *
 * @param config - the configuration: the OP's issuer and keys, the client, the settings
 * @param outer - the callback parameters, `response` among them
 * @param signal - aborts a JWKS fetch
 * @returns the parameters inside the JWT
 * @throws {@link ValidationError} `JARM_RESPONSE_UNEXPECTED` (other parameters beside `response`),
 * `JARM_DECRYPTION_FAILED`, `JARM_ALG_NOT_ALLOWED`, `JARM_SIGNATURE_INVALID`,
 * `JARM_ISSUER_MISMATCH`, `JARM_AUDIENCE_MISMATCH`, `JARM_EXPIRED`, `JARM_CLAIM_INVALID`,
 * `CALLBACK_INVALID_INPUT` (more parameters than `settings.maxCallbackParameters`),
 * `JWT_MALFORMED`, `JWT_TOO_LARGE`, `JWT_CRIT_UNSUPPORTED`, `JWKS_*`
 * @throws {@link UsageError} `MISSING_CREDENTIALS` without a key to decrypt or an `HS*` secret
 * @see {@link https://openid.net/specs/oauth-v2-jarm.html#section-4.4 | JARM §4.4}
 * @internal
 */
export async function unwrapJarmResponse(
  config: Configuration,
  outer: RequestParameters,
  signal: AbortSignal | undefined,
): Promise<RequestParameters> {
  const others = Object.keys(outer).filter((name) => name !== 'response')
  if (others.length > 0) {
    throw new ValidationError(
      'JARM_RESPONSE_UNEXPECTED',
      `the callback has ${clip(others[0]!)} beside the JARM response parameter`,
      { claim: clip(others[0]!), expected: 'response alone', actual: 'more parameters' },
    )
  }
  const { client, settings } = config
  const jws = await decryptOrRefuseJarm(config, outer.response!)
  const decoded = decodeJws(jws, settings.maxJwtLength, JARM.name)
  const alg = client.authorization_signed_response_alg ?? 'RS256'
  checkAlg(JARM, decoded.header.alg, alg, [], false, false)
  await verifyJws(decoded, jwksOf(config), secretKeysOf(config), JARM.codes, signal)
  const now = runtimeOf(config).now() / 1000
  checkClaims(JARM, decoded.claims, config.issuer, client, now, settings.clockToleranceInSeconds)
  return parametersOf(decoded.claims, settings.maxCallbackParameters)
}

function decryptOrRefuseJarm(config: Configuration, response: string): Promise<string> {
  const { client, settings } = config
  return decryptOrRefuse(
    JARM,
    response,
    client.authorization_encrypted_response_alg,
    client.authorization_encrypted_response_enc,
    decryptionKeysOf(config),
    settings.maxJwtLength,
  )
}

function parametersOf(claims: Record<string, unknown>, max: number): RequestParameters {
  const params: RequestParameters = Object.create(null)
  let count = 0
  for (const [name, value] of Object.entries(claims)) {
    if (JWT_CLAIMS.has(name)) continue
    if (++count > max) {
      throw new ValidationError(
        'CALLBACK_INVALID_INPUT',
        `the JARM response carries more than ${max} parameters`,
      )
    }
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' && Number.isSafeInteger(value)
          ? String(value)
          : undefined
    if (text === undefined) throw mistyped(JARM, clip(name), 'a string', typeof value)
    if (text !== '') params[name] = text
  }
  return params
}

/**
 * The JARM algorithms the client registered must be ones the OP advertises, where it lists them.
 *
 * The signing alg defaults to RS256 (JARM §3); `enc` to A128CBC-HS256.
 * @param config - the client's registration and the OP's metadata
 * @throws {@link UsageError} `OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG`
 * @internal
 */
export function checkJarmAlgs(config: Configuration): void {
  const { provider, client } = config
  const wanted: [member: string, value: string | undefined, advertised: unknown][] = [
    [
      'authorization_signed_response_alg',
      client.authorization_signed_response_alg ?? 'RS256',
      provider.authorization_signing_alg_values_supported,
    ],
  ]
  const encAlg = client.authorization_encrypted_response_alg
  if (encAlg !== undefined) {
    wanted.push(
      [
        'authorization_encrypted_response_alg',
        encAlg,
        provider.authorization_encryption_alg_values_supported,
      ],
      [
        'authorization_encrypted_response_enc',
        client.authorization_encrypted_response_enc ?? 'A128CBC-HS256',
        provider.authorization_encryption_enc_values_supported,
      ],
    )
  }
  for (const [member, value, advertised] of wanted) {
    if (Array.isArray(advertised) && !advertised.includes(value)) {
      throw unsupportedError(
        'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG',
        member,
        `${member} ${value}`,
      )
    }
  }
}

/**
 * Checks that the response came wrapped for a JARM mode, and plain otherwise (JARM §2.3).
 * @param transaction - the pending sign-in
 * @param wrapped - whether the callback carried a JARM `response`
 * @throws {@link ValidationError} `JARM_RESPONSE_MISSING`, `JARM_RESPONSE_UNEXPECTED`
 * @see {@link https://openid.net/specs/oauth-v2-jarm.html#section-2.3 | JARM §2.3}
 * @internal
 */
export function checkJarmMode(transaction: Transaction, wrapped: boolean): void {
  const asked = isJwtResponseMode(transaction.responseMode)
  if (asked === wrapped) return
  throw new ValidationError(
    asked ? 'JARM_RESPONSE_MISSING' : 'JARM_RESPONSE_UNEXPECTED',
    asked
      ? `the sign-in asked for response mode ${clip(transaction.responseMode ?? '')} but the callback has no JARM response parameter`
      : 'the callback has a JARM response parameter but the sign-in asked for a plain response mode',
    {
      claim: 'response',
      expected: asked ? 'present' : 'absent',
      actual: asked ? 'absent' : 'present',
    },
  )
}

/**
 * The plain response mode that carries a JARM mode's `response`.
 *
 * `jwt` is the response type's default carrier (JARM §2.3.4): the query for `code`, the fragment
 * for a response type that returns tokens. Any other mode is returned as it is.
 *
 * @param mode - the transaction's response mode
 * @param carriesTokens - whether the response type returns an ID token or access token
 * @returns the plain mode (`query`, `fragment`, `form_post`, …)
 * @see {@link https://openid.net/specs/oauth-v2-jarm.html#section-2.3.4 | JARM §2.3.4}
 * @internal
 */
export function carrierOf(mode: string, carriesTokens: boolean): string {
  if (mode === 'jwt') return carriesTokens ? 'fragment' : 'query'
  return mode.endsWith('.jwt') ? mode.slice(0, -'.jwt'.length) : mode
}
