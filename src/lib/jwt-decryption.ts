/**
 * A token decrypted when the client registered encryption for it, refused otherwise.
 *
 * The encrypted responses feature decrypts; this file says when a token must be (or must not be)
 * encrypted. A page's lean sign-in, which registers no encryption, never loads it.
 *
 * @module
 */

import { ValidationError } from '../errors.js'
import { checkLength, isCompactJwe, isCompactJws } from './compact.js'
import { encryptedResponsesFeature } from './features.js'
import type { DecryptionKeyResolver } from './jwe-decrypt.js'
import { type TokenProfile, unregisteredJwe } from './jwt-claims.js'

/**
 * Decrypts a token when the client registered encryption for it, and refuses the other form.
 *
 * A JWE is refused when no encryption `alg` is registered, a JWS when one is. Anything else goes to
 * the decryption, which refuses it as too large or malformed.
 *
 * @param profile - the token profile
 * @param token - the compact token
 * @param alg - the registered JWE `alg`, if any
 * @param enc - the registered JWE `enc` (default: the profile's)
 * @param keys - the client's candidate decryption keys
 * @param maxLength - the longest accepted, in characters
 * @returns the compact JWS (or, for an encrypted unsigned response, the plaintext)
 * @throws {@link ValidationError} `codes.decryption`, `JWT_TOO_LARGE`, `JWT_MALFORMED`,
 * `JWT_CRIT_UNSUPPORTED`
 * @throws {@link UsageError} `MISSING_CREDENTIALS` without a fitting client key or secret
 * @internal
 */
export async function decryptOrRefuse(
  profile: TokenProfile,
  token: string,
  alg: string | undefined,
  enc: string | undefined,
  keys: DecryptionKeyResolver,
  maxLength: number,
): Promise<string> {
  const { name, codes } = profile
  const encrypted = isCompactJwe(token)
  if (alg === undefined) {
    if (!encrypted) return token
    throw unregisteredJwe(profile)
  }
  if (!encrypted) {
    checkLength(token, maxLength, name)
    if (isCompactJws(token)) {
      throw new ValidationError(
        codes.decryption,
        `the ${name} is not encrypted although the client registered ${alg}`,
        { claim: 'enc', expected: `a JWE (${alg})`, actual: 'JWS' },
      )
    }
  }
  const expected = { alg, enc: enc ?? profile.defaultEnc }
  return encryptedResponsesFeature(`an encrypted ${name}`).decryptJwe(
    token,
    expected,
    keys,
    codes.decryption,
    maxLength,
    name,
  )
}
