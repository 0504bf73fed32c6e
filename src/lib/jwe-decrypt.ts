/**
 * Decryption of a compact JWE with the candidate keys its caller hands in.
 *
 * The registered `alg` and `enc` only, each candidate in turn (key rotation).
 *
 * @module
 */
import { ValidationError, type ValidationErrorCode } from '../errors.js'
import { decodeJweHeader } from './compact.js'
import { decodeUtf8 } from './json.js'
import { joseDecrypt } from './lazy-jose.js'

/**
 * Gives the candidate keys for a JWE, from its `alg`, `enc` and header `kid`.
 * @internal
 */
export type DecryptionKeyResolver = (
  alg: string,
  enc: string,
  kid: unknown,
) => Promise<readonly (CryptoKey | Uint8Array)[]>

/**
 * Decrypts a compact JWE.
 *
 * Checks its size and structure, requires the registered `alg`/`enc`, then tries each candidate key
 * the resolver gives.
 *
 * @param jwe - the compact JWE
 * @param expected - the registered `alg` and `enc`
 * @param keys - the candidate keys
 * @param code - the consumer's decryption failure code
 * @param maxLength - the longest accepted, in characters
 * @param what - what the JWE is, for messages
 * @returns the plaintext
 * @throws {@link ValidationError} `JWT_TOO_LARGE`, `JWT_MALFORMED`, `JWT_CRIT_UNSUPPORTED`, `code`
 * @throws {@link UsageError} `MISSING_CREDENTIALS` when the resolver has no key for the alg
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Encryption OIDC Core §10.2
 * @internal
 */
export async function decryptJwe(
  jwe: string,
  expected: { readonly alg: string; readonly enc: string },
  keys: DecryptionKeyResolver,
  code: ValidationErrorCode,
  maxLength: number,
  what: string,
): Promise<string> {
  const header = decodeJweHeader(jwe, maxLength, what)
  if (header.alg !== expected.alg || header.enc !== expected.enc) {
    const claim = header.alg !== expected.alg ? 'alg' : 'enc'
    throw new ValidationError(
      code,
      `the ${what} is encrypted with ${claim} ${JSON.stringify(String(header[claim]).slice(0, 40))}, expected the registered ${expected[claim]}`,
      { claim, expected: expected[claim], actual: header[claim] },
    )
  }
  const candidates = await keys(expected.alg, expected.enc, header.kid)
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
    code,
    `the ${what} could not be decrypted with ${candidates.length === 1 ? 'the client key' : `any of ${candidates.length} client keys`}`,
    { claim: 'kid', expected: 'a client decryption key', actual: header.kid },
  )
}
