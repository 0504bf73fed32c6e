/**
 * Strict one-pass decoding of compact JWS and JWE.
 *
 * Size first, then the segments' alphabet, then each header and payload as a JSON object of bounded
 * depth, with no `crit` extension.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import { decodeToBinary } from './base64url.js'
import { decodeUtf8, isPlainObject, MAX_JSON_DEPTH, nestedDeeperThan } from './json.js'

/** header.payload.signature, each base64url; the signature is empty only for `alg: none`. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/
/** header.encrypted_key.iv.ciphertext.tag; the encrypted key is empty for `dir` and `ECDH-ES`. */
const COMPACT_JWE = /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/

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

function malformed(what: string, detail: string): ValidationError {
  return new ValidationError('JWT_MALFORMED', `the ${what} is not a well-formed ${detail}`, {
    expected: detail,
  })
}

/**
 * Refuses a compact JWS or JWE longer than the limit.
 * @param token - the compact serialization
 * @param maxLength - the longest accepted, in characters
 * @param what - what the token is, for messages (`ID token`)
 * @throws {@link ValidationError} `JWT_TOO_LARGE`
 * @internal
 */
export function checkLength(token: string, maxLength: number, what: string): void {
  if (token.length > maxLength) {
    throw new ValidationError(
      'JWT_TOO_LARGE',
      `the ${what} is ${token.length} characters long, at most ${maxLength} are accepted`,
      { expected: `at most ${maxLength} characters`, actual: token.length },
    )
  }
}

const NON_ASCII = /[\u0080-\u00ff]/

/** base64url (alphabet already checked) → JSON; ASCII text skips the UTF-8 decoder. */
function decodeSegment(segment: string, what: string, detail: string): Record<string, unknown> {
  let value: unknown
  try {
    const binary = decodeToBinary(segment)
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
 * Tells whether a compact serialization has the three segments of a JWS.
 * @param token - the compact JWS or JWE
 * @returns true for three segments
 * @internal
 */
export function isCompactJws(token: string): boolean {
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  return second !== -1 && token.indexOf('.', second + 1) === -1
}

/**
 * Decodes a compact JWS once, strictly.
 *
 * Three base64url segments, a JSON object header with a string `alg` (and string `kid`, if any), a
 * JSON object payload, no `crit`.
 *
 * @param jws - the compact JWS
 * @param maxLength - the longest accepted, in characters
 * @param what - what the JWS is, for messages (`ID token`)
 * @returns the decoded header and claims, not yet verified
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`
 * @internal
 */
export function decodeJws(jws: string, maxLength: number, what: string): DecodedJws {
  checkLength(jws, maxLength, what)
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
 * Decodes the protected header of a compact JWE once, strictly.
 *
 * Five base64url segments (the encrypted key may be empty), a JSON object header, no `crit`.
 *
 * @param jwe - the compact JWE
 * @param maxLength - the longest accepted, in characters
 * @param what - what the JWE is, for messages
 * @returns the protected header
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`
 * @internal
 */
export function decodeJweHeader(
  jwe: string,
  maxLength: number,
  what: string,
): Record<string, unknown> {
  checkLength(jwe, maxLength, what)
  if (!COMPACT_JWE.test(jwe)) throw malformed(what, 'compact JWE')
  const header = decodeSegment(jwe.slice(0, jwe.indexOf('.')), what, 'JWE header')
  refuseCrit(header, what)
  return header
}
