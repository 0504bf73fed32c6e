/**
 * Compact JWS and JWE handling shared by ID tokens and UserInfo responses: strict structural
 * decoding (once), signature verification with the OP's keys or the client secret, and decryption
 * with the client's keys or a key derived from the client secret.
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { UsageError, ValidationError, type ValidationErrorCode } from '../errors.js'
import { verifyWithCachedKeys, verifyWithOpKeys } from '../jwks.js'
import {
  decodeUtf8,
  isPlainObject,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
  quoted,
  shown,
} from './json.js'
import { clientKeys, clientSecret } from './keys.js'
import { joseCore, joseDecrypt } from './lazy-jose.js'
import { cachesOf, credentialsOf } from './runtime.js'

/**
 * The longest ID token accepted, in characters (16 KiB). Longer ones fail with `JWT_TOO_LARGE`
 * before any decoding.
 * @internal
 */
export const MAX_ID_TOKEN_LENGTH = 16 * 1024

/** header.payload.signature, each base64url; the signature is empty only for `alg: none`. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/
/** header.encrypted_key.iv.ciphertext.tag; the encrypted key is empty for `dir` and `ECDH-ES`. */
const COMPACT_JWE = /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/

/**
 * The JWS algs oidc-rp verifies with the OP's public keys.
 * @internal
 */
export const ASYMMETRIC_ALGS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])
/**
 * The JWS algs oidc-rp verifies with the client secret, and their hash.
 * @internal
 */
export const HMAC_HASHES: Readonly<Record<string, string>> = {
  HS256: 'SHA-256',
  HS384: 'SHA-384',
  HS512: 'SHA-512',
}
/** Key sizes in bits of the symmetric JWE algs whose key is derived from the client secret (Core §10.2). */
const SECRET_KEY_BITS: Readonly<Record<string, number>> = {
  A128KW: 128,
  A192KW: 192,
  A256KW: 256,
  A128GCMKW: 128,
  A192GCMKW: 192,
  A256GCMKW: 256,
  A128GCM: 128,
  A192GCM: 192,
  A256GCM: 256,
  'A128CBC-HS256': 256,
  'A192CBC-HS384': 384,
  'A256CBC-HS512': 512,
}

/**
 * A compact JWS decoded once: its protected header and its payload as a JSON object.
 * @internal
 */
export interface DecodedJws {
  /** The compact JWS itself, for verification. */
  readonly jws: string
  /** The protected header; `alg` is a string and `kid`, when present, too. */
  readonly header: Readonly<Record<string, unknown>> & { readonly alg: string }
  /** The payload, not yet trusted until verified. */
  readonly claims: Record<string, unknown>
}

/**
 * The codes a JWT consumer throws for its own failures.
 * @internal
 */
export interface JwtErrorCodes {
  /** The header `alg` is not accepted. */
  readonly alg: ValidationErrorCode
  /** The signature does not verify. */
  readonly signature: ValidationErrorCode
  /** The JWE cannot be decrypted or its `alg`/`enc` are not the registered ones. */
  readonly decryption: ValidationErrorCode
}

function malformed(what: string, detail: string): ValidationError {
  return new ValidationError('JWT_MALFORMED', `the ${what} is not a well-formed ${detail}`, {
    expected: detail,
  })
}

function tooLarge(what: string, length: number, max: number): ValidationError {
  return new ValidationError(
    'JWT_TOO_LARGE',
    `the ${what} is ${length} characters long, at most ${max} are accepted`,
    { expected: `at most ${max} characters`, actual: length },
  )
}

const DASH = /-/g
const UNDERSCORE = /_/g
const NON_ASCII = /[\u0080-\u00ff]/

/** base64url (alphabet already checked) → JSON; ASCII text skips the UTF-8 decoder. */
function decodeSegment(segment: string, what: string, detail: string): Record<string, unknown> {
  let value: unknown
  try {
    const binary = atob(segment.replace(DASH, '+').replace(UNDERSCORE, '/'))
    const text = NON_ASCII.test(binary)
      ? decodeUtf8(Uint8Array.from(binary, (char) => char.charCodeAt(0)))
      : binary
    value = JSON.parse(text)
  } catch {
    throw malformed(what, detail)
  }
  if (!isPlainObject(value) || nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw malformed(what, detail)
  }
  return value
}

function refuseCrit(header: Record<string, unknown>, what: string): void {
  if (header.crit !== undefined) {
    throw new ValidationError(
      'JWT_CRIT_UNSUPPORTED',
      `the ${what} header lists crit extensions, none of which are understood`,
      { claim: 'crit', expected: 'no crit header', actual: header.crit },
    )
  }
}

/**
 * Tells whether a compact serialization has the five segments of a JWE.
 * @param token - the compact JWS or JWE
 * @returns true for a JWE
 * @internal
 */
export function isCompactJwe(token: string): boolean {
  let dots = 0
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++
  return dots === 4
}

/**
 * Decodes a compact JWS once, strictly: three base64url segments, a JSON object header with a
 * string `alg` (and string `kid`, if any), a JSON object payload, no `crit`.
 * @param jws - the compact JWS
 * @param maxLength - the longest accepted, in characters
 * @param what - what the JWS is, for messages (`ID token`)
 * @returns the decoded header and claims, not yet verified
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`
 * @internal
 */
export function decodeJws(jws: string, maxLength: number, what: string): DecodedJws {
  if (jws.length > maxLength) throw tooLarge(what, jws.length, maxLength)
  if (!COMPACT_JWS.test(jws)) throw malformed(what, 'compact JWS')
  const first = jws.indexOf('.')
  const second = jws.indexOf('.', first + 1)
  const header = decodeSegment(jws.slice(0, first), what, 'JWS header')
  if (
    typeof header.alg !== 'string' ||
    (header.kid !== undefined && typeof header.kid !== 'string')
  ) {
    throw malformed(what, 'JWS header (alg and kid must be strings)')
  }
  refuseCrit(header, what)
  const claims = decodeSegment(jws.slice(first + 1, second), what, 'JWT claims set (JSON object)')
  return { jws, header: header as DecodedJws['header'], claims }
}

/**
 * Verifies a decoded JWS: `none` needs an empty signature, `HS*` verifies with the client secret,
 * every other alg with the OP's keys. The caller has already decided the alg is accepted; the
 * alg alone decides the key type, so an OP public key is never used as an HMAC secret.
 * @param config - the configuration
 * @param decoded - the JWS from {@link decodeJws}
 * @param codes - the consumer's error codes
 * @param signal - aborts a JWKS fetch
 * @throws {@link ValidationError} `codes.signature`, `codes.alg`, `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY`, `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched
 * @throws {@link UsageError} `MISSING_CREDENTIALS` for `HS*` without a client secret
 * @internal
 */
export async function verifyJws(
  config: Configuration,
  decoded: DecodedJws,
  codes: JwtErrorCodes,
  signal?: AbortSignal,
): Promise<void> {
  const { jws, header } = decoded
  const alg = header.alg
  if (alg === 'none') {
    if (jws.endsWith('.')) return
    throw badSignature(codes.signature, alg)
  }
  const hash = HMAC_HASHES[alg]
  if (hash !== undefined) {
    const key = await hmacKey(config, alg, hash)
    try {
      await (await joseCore()).compactVerify(jws, key, { algorithms: [alg] })
    } catch {
      throw badSignature(codes.signature, alg)
    }
    return
  }
  if (!ASYMMETRIC_ALGS.has(alg)) throw algNotAllowed(codes.alg, alg, 'a supported JWS alg')
  await verifyWithOpKeys(config, jws, header, codes.signature, signal)
}

/**
 * Verifies a decoded JWS at once, without awaiting, when everything is at hand: an OP-key alg, the
 * JWKS cached and fresh, the key imported and Node's crypto module lent by the runtime. A `false`
 * decides nothing: {@link verifyJws} then verifies (or refuses, or re-fetches) as usual.
 * @param config - the configuration
 * @param decoded - the JWS from {@link decodeJws}, its alg already accepted
 * @returns true when the signature verified
 * @internal
 */
export function verifiedAtOnce(config: Configuration, decoded: DecodedJws): boolean {
  return (
    ASYMMETRIC_ALGS.has(decoded.header.alg) &&
    verifyWithCachedKeys(config, decoded.jws, decoded.header)
  )
}

function badSignature(code: ValidationErrorCode, alg: string): ValidationError {
  return new ValidationError(
    code,
    alg === 'none'
      ? 'the unsigned (alg none) JWT carries a signature'
      : alg.startsWith('HS')
        ? `the ${alg} signature does not verify with the client secret`
        : `the ${alg} signature does not verify`,
    { claim: 'signature' },
  )
}

/**
 * The error for a JWS or JWE alg that is not accepted.
 * @param code - the consumer's code
 * @param alg - the alg that came
 * @param expected - what was accepted, in words or as a list
 * @returns the error
 * @internal
 */
export function algNotAllowed(
  code: ValidationErrorCode,
  alg: unknown,
  expected: unknown,
): ValidationError {
  return new ValidationError(
    code,
    `the JWT alg ${JSON.stringify(String(alg).slice(0, 40))} is not accepted`,
    { claim: 'alg', expected, actual: alg },
  )
}

/**
 * Tells whether the client can verify an alg at all: asymmetric algs always, `HS*` only with a
 * client secret.
 * @param config - the configuration
 * @param alg - a JWS alg
 * @returns true when oidc-rp has the means to verify it
 * @internal
 */
export function canVerify(config: Configuration, alg: string): boolean {
  if (ASYMMETRIC_ALGS.has(alg)) return true
  if (HMAC_HASHES[alg] === undefined) return false
  const secret = credentialsOf(config).clientSecret
  return secret !== undefined && secret !== ''
}

interface SecretKeyCache {
  secret: string
  keys: Map<string, Promise<CryptoKey | Uint8Array>>
}

/** The per-configuration cache of keys made from the client secret, dropped if the secret changes. */
function secretKeys(config: Configuration, purpose: string): SecretKeyCache {
  const secret = clientSecret(config, purpose)
  const caches = cachesOf(config)
  let entry = caches.get('jwt:secret-keys') as SecretKeyCache | undefined
  if (entry === undefined || entry.secret !== secret) {
    entry = { secret, keys: new Map() }
    caches.set('jwt:secret-keys', entry)
  }
  return entry
}

function cached<K extends CryptoKey | Uint8Array>(
  entry: SecretKeyCache,
  id: string,
  make: () => Promise<K>,
): Promise<K> {
  let key = entry.keys.get(id) as Promise<K> | undefined
  if (key === undefined) {
    key = make()
    entry.keys.set(id, key)
    key.catch(() => entry.keys.delete(id))
  }
  return key
}

function hmacKey(config: Configuration, alg: string, hash: string): Promise<CryptoKey> {
  const entry = secretKeys(config, `verifying an ${alg} signature`)
  return cached(entry, `hmac:${alg}`, () =>
    crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(entry.secret),
      { name: 'HMAC', hash },
      false,
      ['verify'],
    ),
  )
}

/** The key derived from the client secret for a symmetric JWE alg (Core §10.2), or undefined. */
function derivedSecretKey(
  config: Configuration,
  alg: string,
  enc: string,
): Promise<Uint8Array> | undefined {
  const bits = SECRET_KEY_BITS[alg === 'dir' ? enc : alg]
  if (bits === undefined || !(alg === 'dir' || alg.startsWith('A'))) return undefined
  const entry = secretKeys(config, `decrypting a ${alg} JWE`)
  return cached(entry, `jwe:${alg}:${enc}`, async () => {
    const hash = bits <= 256 ? 'SHA-256' : bits <= 384 ? 'SHA-384' : 'SHA-512'
    const digest = await crypto.subtle.digest(hash, new TextEncoder().encode(entry.secret))
    return new Uint8Array(digest, 0, bits / 8)
  })
}

/** Whether a client key imported for `keyAlg` can unwrap a JWE of `alg`. */
function fits(keyAlg: string, alg: string): boolean {
  return keyAlg === alg || (keyAlg.startsWith('ECDH-ES') && alg.startsWith('ECDH-ES'))
}

/**
 * Decrypts a compact JWE with the client's keys: the registered `alg`/`enc` only; the `use: 'enc'`
 * key whose `kid` matches, else each fitting key in turn (rotation); for symmetric algs the key
 * derived from the client secret (OIDC Core §10.2).
 * @param config - the configuration
 * @param jwe - the compact JWE
 * @param expected - the registered `alg` and `enc`
 * @param codes - the consumer's error codes (`decryption` is used)
 * @param maxLength - the longest accepted, in characters
 * @param what - what the JWE is, for messages
 * @returns the plaintext
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`, `codes.decryption`
 * @throws {@link UsageError} `MISSING_CREDENTIALS` when the client has no key for the alg
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Encryption OIDC Core §10.2
 * @internal
 */
export async function decryptJwe(
  config: Configuration,
  jwe: string,
  expected: { readonly alg: string; readonly enc: string },
  codes: JwtErrorCodes,
  maxLength: number,
  what: string,
): Promise<string> {
  if (jwe.length > maxLength) throw tooLarge(what, jwe.length, maxLength)
  if (!COMPACT_JWE.test(jwe)) throw malformed(what, 'compact JWE')
  const header = decodeSegment(jwe.slice(0, jwe.indexOf('.')), what, 'JWE header')
  refuseCrit(header, what)
  if (header.alg !== expected.alg || header.enc !== expected.enc) {
    const claim = header.alg !== expected.alg ? 'alg' : 'enc'
    throw new ValidationError(
      codes.decryption,
      `the ${what} is encrypted with ${claim} ${JSON.stringify(String(header[claim]).slice(0, 40))}, expected the registered ${expected[claim]}`,
      { claim, expected: expected[claim], actual: header[claim] },
    )
  }
  const candidates = await decryptionKeys(config, expected.alg, expected.enc, header.kid)
  const options = {
    keyManagementAlgorithms: [expected.alg],
    contentEncryptionAlgorithms: [expected.enc],
  }
  for (const key of candidates) {
    try {
      const { compactDecrypt } = await joseDecrypt()
      return decodeUtf8((await compactDecrypt(jwe, key, options)).plaintext)
    } catch {
      // try the next key
    }
  }
  throw new ValidationError(
    codes.decryption,
    `the ${what} could not be decrypted with ${candidates.length === 1 ? 'the client key' : `any of ${candidates.length} client keys`}`,
    { claim: 'kid', expected: 'a client decryption key', actual: header.kid },
  )
}

async function decryptionKeys(
  config: Configuration,
  alg: string,
  enc: string,
  kid: unknown,
): Promise<(CryptoKey | Uint8Array)[]> {
  const derived = derivedSecretKey(config, alg, enc)
  if (derived !== undefined) return [await derived]
  const fitting = (await clientKeys(config)).filter((k) => k.use === 'enc' && fits(k.alg, alg))
  if (fitting.length === 0) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `decrypting a ${alg} JWE needs a client key for it`,
      {
        parameter: 'keys',
      },
    )
  }
  const byKid = typeof kid === 'string' ? fitting.filter((k) => k.kid === kid) : []
  return (byKid.length > 0 ? byKid : fitting).map((k) => k.key)
}

/**
 * The error for a failed claim check of a JWT: the message names the token, `actual` is cut to fit.
 * @param token - what the JWT is, for the message (e.g. `ID token`)
 * @internal
 */
export function claimFailure(
  token: string,
  code: ValidationErrorCode,
  message: string,
  claim: string,
  expected: unknown,
  actual: unknown,
): ValidationError {
  return new ValidationError(code, `the ${token} ${message}`, {
    claim,
    expected,
    actual: shown(actual),
  })
}

/**
 * The codes a JWT consumer throws when its audience check fails.
 * @internal
 */
export interface AudienceErrorCodes {
  /** `aud` is missing or does not contain the client_id. */
  readonly mismatch: ValidationErrorCode
  /** `aud` names an audience the client does not trust. */
  readonly untrusted: ValidationErrorCode
  /** Several audiences without `azp`, or an `azp` other than the client_id. */
  readonly azp: ValidationErrorCode
  /** `aud` or `azp` of the wrong type. */
  readonly invalid: ValidationErrorCode
}

/**
 * Checks `aud` and `azp` the way OIDC Core asks for ID tokens, for every JWT that must be validated
 * "as ID tokens are" (logout tokens too): `aud` is the client_id or an array of strings containing
 * it; every other audience must be one of the client's `trusted_audiences`; with several audiences
 * `azp` is required, and when present it must be the client_id.
 * @param config - the configuration (client_id, trusted_audiences)
 * @param token - what the JWT is, for messages (`ID token`)
 * @param claims - the JWT's `aud` and `azp`, as they came
 * @param codes - the consumer's error codes
 * @throws {@link ValidationError} `codes.mismatch`, `codes.untrusted`, `codes.azp`, `codes.invalid`
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation OIDC Core §3.1.3.7 steps 3–5
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation Back-Channel Logout §2.6 step 3
 * @internal
 */
export function checkAudience(
  config: Configuration,
  token: string,
  claims: { readonly aud: unknown; readonly azp: unknown },
  codes: AudienceErrorCodes,
): void {
  const { aud, azp } = claims
  const clientId = config.client.client_id
  const fail = (code: ValidationErrorCode, message: string, claim: string, expected: unknown) =>
    claimFailure(token, code, message, claim, expected, claim === 'azp' ? azp : aud)
  if (aud === undefined) throw fail(codes.mismatch, 'has no aud', 'aud', clientId)
  const list = typeof aud === 'string' ? undefined : aud
  if (list !== undefined && !(Array.isArray(list) && list.every((a) => typeof a === 'string'))) {
    const expected = 'a string or an array of strings'
    throw fail(codes.invalid, `aud is not ${expected}`, 'aud', expected)
  }
  if (list === undefined ? aud !== clientId : !list.includes(clientId)) {
    const message = `aud ${quoted(aud)} does not contain the client_id ${clientId}`
    throw fail(codes.mismatch, message, 'aud', clientId)
  }
  if (list !== undefined && list.length > 1) {
    const trusted = config.client.trusted_audiences ?? []
    const untrusted = list.filter((a) => a !== clientId && !trusted.includes(a))
    if (untrusted.length > 0) {
      throw claimFailure(
        token,
        codes.untrusted,
        `aud names ${untrusted.length} audience(s) the client does not trust, e.g. ${quoted(untrusted[0])}`,
        'aud',
        [clientId, ...trusted],
        untrusted,
      )
    }
  }
  if (azp !== undefined && typeof azp !== 'string') {
    throw fail(codes.invalid, 'azp is not a string', 'azp', 'a string')
  }
  if (azp === undefined ? list !== undefined && list.length > 1 : azp !== clientId) {
    const message =
      azp === undefined
        ? 'has several audiences but no azp'
        : `azp ${quoted(azp)} is not the client_id ${clientId}`
    throw fail(codes.azp, message, 'azp', clientId)
  }
}
