/**
 * The client's credentials and what is made from them.
 *
 * Its private keys imported once for WebCrypto, its secret, and the keys derived from the secret
 * (HMAC verification, symmetric JWE decryption per OIDC Core §10.2).
 *
 * @module
 */
import type { JWK } from 'jose'
import { UsageError } from '../errors.js'
import { SECRET_KEY_BITS } from './algorithms.js'
import { joseCore } from './lazy-jose.js'

/**
 * A client key as the application gives it.
 *
 * A private JWK, or a WebCrypto private key with its metadata.
 *
 * @group Configuration
 */
export type ClientKey = JWK | ClientCryptoKey

/**
 * A WebCrypto private key with the metadata a JWK would carry.
 * @group Configuration
 */
export interface ClientCryptoKey {
  /** The private key (non-extractable is fine). */
  readonly privateKey: CryptoKey
  /** The public key, needed only to publish it with `publicJwks`. */
  readonly publicKey?: CryptoKey
  /** Key id, sent as `kid` in JWS headers. */
  readonly kid?: string
  /** JWS or JWE algorithm for this key (e.g. `RS256`, `ES256`, `RSA-OAEP-256`). */
  readonly alg?: string
  /** `sig` (default) or `enc` (decryption of ID tokens and UserInfo). */
  readonly use?: 'sig' | 'enc'
}

/**
 * Everything secret a client holds. Never serialised, never printed.
 * @internal
 */
export interface Credentials {
  /** The client secret, when the client has one. */
  readonly clientSecret: string | undefined
  /** The client's private keys. */
  readonly keys: readonly ClientKey[]
}

/**
 * A client private key ready for WebCrypto, with its JOSE metadata.
 * @internal
 */
export interface ResolvedKey {
  /** The imported private key. */
  readonly key: CryptoKey
  /** Its `kid`, when it has one. */
  readonly kid: string | undefined
  /** The JWS or JWE alg it is for. */
  readonly alg: string
  /** Signing or decryption. */
  readonly use: 'sig' | 'enc'
  /** The private JWK `key` was imported from (absent for a CryptoKey the application gave). */
  readonly jwk?: JWK | undefined
}

/**
 * Each key the application gave, imported once (the key objects are frozen with the credentials).
 */
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
 * Imports (once) every private key of the client.
 * @param credentials - the client's credentials
 * @returns the keys WebCrypto can use, in the order given
 * @throws {@link UsageError} `INVALID_CONFIGURATION` when a key cannot be imported
 * @internal
 */
export async function clientKeys(credentials: Credentials): Promise<ResolvedKey[]> {
  const out: ResolvedKey[] = []
  for (const entry of credentials.keys) {
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
 * @param credentials - the client's credentials
 * @param alg - the JWS alg wanted, or the algs any of which will do (the first key for one wins)
 * @param purpose - what the key is for, for the message
 * @returns the key
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 * @internal
 */
export async function signingKey(
  credentials: Credentials,
  alg: string | readonly string[] | undefined,
  purpose: string,
): Promise<ResolvedKey> {
  const algs = typeof alg === 'string' ? [alg] : alg
  const key = (await clientKeys(credentials)).find(
    (k) => k.use === 'sig' && (algs === undefined || algs.includes(k.alg)),
  )
  if (key === undefined) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `${purpose} needs a client signing key${algs ? ` for ${algs.join(' or ')}` : ''}`,
      { parameter: 'keys' },
    )
  }
  return key
}

/**
 * The client secret, or a typed error naming what needs it.
 * @param credentials - the client's credentials
 * @param purpose - what the secret is for, for the message
 * @returns the secret
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 * @internal
 */
export function clientSecret(credentials: Credentials, purpose: string): string {
  const secret = credentials.clientSecret
  if (secret === undefined || secret === '') {
    throw new UsageError('MISSING_CREDENTIALS', `${purpose} needs client_secret`, {
      parameter: 'client_secret',
    })
  }
  return secret
}

/**
 * The keys made from one client's secret, each made once.
 *
 * HMAC verification keys and the symmetric JWE keys of OIDC Core §10.2. A failed derivation is
 * forgotten, so it is tried again.
 *
 * @internal
 */
export class SecretKeys {
  readonly #credentials: Credentials
  readonly #keys = new Map<string, Promise<CryptoKey | Uint8Array>>()

  /** @param credentials - the client's credentials; the secret is read when a key is first made */
  constructor(credentials: Credentials) {
    this.#credentials = credentials
  }

  #cached<K extends CryptoKey | Uint8Array>(id: string, make: () => Promise<K>): Promise<K> {
    let key = this.#keys.get(id) as Promise<K> | undefined
    if (key === undefined) {
      key = make()
      this.#keys.set(id, key)
      key.catch(() => this.#keys.delete(id))
    }
    return key
  }

  /**
   * The HMAC key of an `HS*` alg, made from the client secret.
   * @param alg - `HS256`, `HS384` or `HS512`
   * @param hash - its hash (`SHA-256`…)
   * @returns the verification key
   * @throws {@link UsageError} `MISSING_CREDENTIALS` without a client secret
   */
  hmacKey(alg: string, hash: string): Promise<CryptoKey> {
    const secret = clientSecret(this.#credentials, `verifying an ${alg} signature`)
    return this.#cached(`hmac:${alg}`, () =>
      crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash },
        false,
        ['verify'],
      ),
    )
  }

  /**
   * The key derived from the client secret for a symmetric JWE alg (OIDC Core §10.2).
   * @param alg - the JWE `alg` (`A128KW`, `dir`…)
   * @param enc - the JWE `enc`
   * @returns the key, or `undefined` when the alg is not a symmetric one
   * @throws {@link UsageError} `MISSING_CREDENTIALS` without a client secret
   */
  jweKey(alg: string, enc: string): Promise<Uint8Array> | undefined {
    const bits = SECRET_KEY_BITS[alg === 'dir' ? enc : alg]
    if (bits === undefined || !(alg === 'dir' || alg.startsWith('A'))) return undefined
    const secret = clientSecret(this.#credentials, `decrypting a ${alg} JWE`)
    return this.#cached(`jwe:${alg}:${enc}`, async () => {
      const hash = bits <= 256 ? 'SHA-256' : bits <= 384 ? 'SHA-384' : 'SHA-512'
      const digest = await crypto.subtle.digest(hash, new TextEncoder().encode(secret))
      return new Uint8Array(digest, 0, bits / 8)
    })
  }
}

/** Whether a client key imported for `keyAlg` can unwrap a JWE of `alg`. */
function unwraps(keyAlg: string, alg: string): boolean {
  return keyAlg === alg || (keyAlg.startsWith('ECDH-ES') && alg.startsWith('ECDH-ES'))
}

/**
 * The client's candidate keys to decrypt a JWE.
 *
 * For symmetric algs the key derived from the client secret; otherwise the `use: 'enc'` keys that
 * fit the alg, those whose `kid` matches first (all of them, for rotation, when none matches).
 *
 * @param credentials - the client's credentials
 * @param secretKeys - the keys made from its secret
 * @param alg - the JWE `alg`
 * @param enc - the JWE `enc`
 * @param kid - the JWE header's `kid`, as it came
 * @returns the candidates, at least one
 * @throws {@link UsageError} `MISSING_CREDENTIALS` when the client has no key for the alg
 * @internal
 */
export async function decryptionKeys(
  credentials: Credentials,
  secretKeys: SecretKeys,
  alg: string,
  enc: string,
  kid: unknown,
): Promise<(CryptoKey | Uint8Array)[]> {
  const derived = secretKeys.jweKey(alg, enc)
  if (derived !== undefined) return [await derived]
  const fitting = (await clientKeys(credentials)).filter(
    (k) => k.use === 'enc' && unwraps(k.alg, alg),
  )
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
