/**
 * The OP's public encryption keys (`use: enc` in its JWKS), for encrypting request objects to it.
 * They come from the same JWKS cache as the signature keys (src/jwks.ts), fetched again at once (after
 * the cooldown) when no key fits. A key that cannot be safe ({@link opKeyProblem}) is never used.
 * @module
 */
import type { JWK } from 'jose'
import type { Configuration } from '../config/configuration.js'
import { ValidationError } from '../errors.js'
import { opJwksKeys } from '../jwks.js'
import { opKeyProblem } from './key-checks.js'
import { joseCore } from './lazy-jose.js'

/** Imported encryption keys per JWK and alg; a re-fetched JWKS brings new JWK objects, so old imports fall away. */
const imported = new WeakMap<JWK, Map<string, CryptoKey>>()

/** Whether a public JWK can receive a JWE with this key management alg. */
function fits(jwk: JWK, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'enc') return false
  if (jwk.alg !== undefined && jwk.alg !== alg) return false
  if (
    Array.isArray(jwk.key_ops) &&
    !jwk.key_ops.some((op) => op === 'encrypt' || op === 'wrapKey' || op === 'deriveKey')
  ) {
    return false
  }
  if (alg.startsWith('RSA-OAEP')) return jwk.kty === 'RSA'
  if (alg.startsWith('ECDH-ES')) {
    return (
      (jwk.kty === 'EC' && ['P-256', 'P-384', 'P-521'].includes(jwk.crv ?? '')) ||
      (jwk.kty === 'OKP' && jwk.crv === 'X25519')
    )
  }
  return false
}

/**
 * Picks the best fitting key that can be safe (explicit `use: enc` and `alg` first), or tells why
 * the fitting keys cannot be.
 */
function pick(keys: readonly JWK[], alg: string): { jwk?: JWK; problem?: string } {
  let best: JWK | undefined
  let bestScore = -1
  let problem: string | undefined
  for (const jwk of keys) {
    if (!fits(jwk, alg)) continue
    const unsafe = opKeyProblem(jwk)
    if (unsafe !== undefined) {
      problem ??= unsafe
      continue
    }
    const score = (jwk.use === 'enc' ? 2 : 0) + (jwk.alg === alg ? 1 : 0)
    if (score > bestScore) {
      best = jwk
      bestScore = score
    }
  }
  return best === undefined ? (problem === undefined ? {} : { problem }) : { jwk: best }
}

/**
 * The OP's public key to encrypt a JWE to with a key management alg, from its JWKS.
 * @param config - the configuration
 * @param alg - the JWE `alg` (`RSA-OAEP-256`, `ECDH-ES`…)
 * @param signal - aborts a JWKS fetch
 * @returns the imported public key and its `kid`
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY` when the OP publishes no key for `alg`,
 * `JWKS_UNSAFE_KEY` when the only keys for it cannot be safe, `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched
 * @internal
 */
export async function opEncryptionKey(
  config: Configuration,
  alg: string,
  signal?: AbortSignal,
): Promise<{ key: CryptoKey; kid: string | undefined }> {
  let picked = pick(await opJwksKeys(config, false, signal), alg)
  if (picked.jwk === undefined) picked = pick(await opJwksKeys(config, true, signal), alg)
  const { jwk, problem } = picked
  if (jwk === undefined && problem !== undefined) {
    throw new ValidationError(
      'JWKS_UNSAFE_KEY',
      `the OP's encryption key for ${alg} cannot be safe (${problem}) and is not used`,
      { claim: 'keys', expected: 'a key that can be safe', actual: problem },
    )
  }
  if (jwk === undefined) {
    throw new ValidationError(
      'JWKS_NO_MATCHING_KEY',
      `the OP's JWKS has no encryption key for ${alg}`,
      {
        claim: 'use',
        expected: `an enc key for ${alg}`,
      },
    )
  }
  let byAlg = imported.get(jwk)
  if (byAlg === undefined) {
    byAlg = new Map()
    imported.set(jwk, byAlg)
  }
  let key = byAlg.get(alg)
  if (key !== undefined) return { key, kid: jwk.kid }
  try {
    key = (await (await joseCore()).importJWK({ ...jwk, ext: true }, alg)) as CryptoKey
  } catch (cause) {
    throw new ValidationError(
      'JWKS_INVALID',
      `the OP's encryption key for ${alg} cannot be imported`,
      {
        claim: 'keys',
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      },
    )
  }
  byAlg.set(alg, key)
  return { key, kid: jwk.kid }
}
