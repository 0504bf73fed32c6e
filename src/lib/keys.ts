import type { JWK } from 'jose'
import type { Configuration } from '../config/configuration.js'
import { UsageError } from '../errors.js'
import { joseCore } from './lazy-jose.js'
import { type ClientKey, credentialsOf } from './runtime.js'

/** A client private key ready for WebCrypto, with its JOSE metadata. */
export interface ResolvedKey {
  readonly key: CryptoKey
  readonly kid: string | undefined
  readonly alg: string
  readonly use: 'sig' | 'enc'
  /** The private JWK `key` was imported from (absent for a CryptoKey the application gave). */
  readonly jwk?: JWK | undefined
}

const resolved = new WeakMap<ClientKey, Promise<ResolvedKey | undefined>>()

function isCryptoKeyEntry(key: ClientKey): key is Extract<ClientKey, { privateKey: CryptoKey }> {
  return 'privateKey' in key && typeof key.privateKey === 'object'
}

/** The default JWS alg of a WebCrypto key, when the application named none. */
function defaultAlg(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } }
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return `RS${algorithm.hash?.name.slice(4) ?? '256'}`
    case 'RSA-PSS':
      return `PS${algorithm.hash?.name.slice(4) ?? '256'}`
    case 'ECDSA':
      return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[algorithm.namedCurve ?? '']
    case 'Ed25519':
      return 'EdDSA'
    case 'RSA-OAEP':
      return 'RSA-OAEP-256'
    case 'ECDH':
      return 'ECDH-ES'
    default:
      return undefined
  }
}

async function resolve(entry: ClientKey): Promise<ResolvedKey | undefined> {
  if (isCryptoKeyEntry(entry)) {
    const alg = entry.alg ?? defaultAlg(entry.privateKey)
    if (alg === undefined) return undefined
    const use = entry.use ?? (entry.privateKey.usages.includes('sign') ? 'sig' : 'enc')
    return { key: entry.privateKey, kid: entry.kid, alg, use }
  }
  const jwk = entry as JWK
  const use = jwk.use === 'enc' ? 'enc' : 'sig'
  const alg = jwk.alg ?? guessJwkAlg(jwk, use)
  if (alg === undefined) return undefined
  return {
    key: (await (await joseCore()).importJWK(jwk, alg)) as CryptoKey,
    kid: jwk.kid,
    alg,
    use,
    jwk,
  }
}

function guessJwkAlg(jwk: JWK, use: 'sig' | 'enc'): string | undefined {
  if (jwk.kty === 'RSA') return use === 'sig' ? 'RS256' : 'RSA-OAEP-256'
  if (jwk.kty === 'EC')
    return use === 'sig'
      ? { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? '']
      : 'ECDH-ES'
  if (jwk.kty === 'OKP') return use === 'sig' ? 'EdDSA' : 'ECDH-ES'
  return undefined
}

/**
 * Imports (once) every private key of the configuration.
 * @param config - the configuration
 * @returns the keys WebCrypto can use, in the order given
 * @throws {@link UsageError} `INVALID_CONFIGURATION` when a key cannot be imported
 */
export async function clientKeys(config: Configuration): Promise<ResolvedKey[]> {
  const out: ResolvedKey[] = []
  for (const entry of credentialsOf(config).keys) {
    let pending = resolved.get(entry)
    if (pending === undefined) {
      pending = resolve(entry).catch((cause: unknown) => {
        resolved.delete(entry)
        throw new UsageError('INVALID_CONFIGURATION', 'a client key cannot be imported', {
          parameter: 'keys',
          cause: cause instanceof Error ? new Error(cause.name) : undefined,
        })
      })
      resolved.set(entry, pending)
    }
    const key = await pending
    if (key !== undefined) out.push(key)
  }
  return out
}

/**
 * The client's signing key for an alg (or the first signing key when no alg is asked).
 * @param config - the configuration
 * @param alg - the JWS alg wanted
 * @param purpose - what the key is for, for the message
 * @returns the key
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 */
export async function signingKey(
  config: Configuration,
  alg: string | undefined,
  purpose: string,
): Promise<ResolvedKey> {
  const key = (await clientKeys(config)).find(
    (k) => k.use === 'sig' && (alg === undefined || k.alg === alg),
  )
  if (key === undefined) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `${purpose} needs a client signing key${alg ? ` for ${alg}` : ''}`,
      {
        parameter: 'keys',
      },
    )
  }
  return key
}

/**
 * The client secret, or a typed error naming what needs it.
 * @param config - the configuration
 * @param purpose - what the secret is for, for the message
 * @returns the secret
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 */
export function clientSecret(config: Configuration, purpose: string): string {
  const secret = credentialsOf(config).clientSecret
  if (secret === undefined || secret === '') {
    throw new UsageError('MISSING_CREDENTIALS', `${purpose} needs client_secret`, {
      parameter: 'client_secret',
    })
  }
  return secret
}
