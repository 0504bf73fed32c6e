/**
 * The OP's keys.
 *
 * Signing key pairs per algorithm, encryption keys for request objects, rotation, the public JWKS,
 * and compact JWS signing.
 *
 * @module
 */

import {
  base64url,
  type CompactJWSHeaderParameters,
  CompactSign,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose'
import { MockOPError } from './mock-op-error.js'

/** One OP key pair and its public JWK. */
export interface OpKey {
  /** The JOSE algorithm it is for. */
  alg: string
  /** Its key id (the JWK thumbprint). */
  kid: string
  /** The private (signing or decryption) key. */
  privateKey: CryptoKey
  /** The published public JWK, with kid, alg and use. */
  jwk: JWK
}

/** The OP's current, retired and encryption keys. */
export interface KeyStore {
  /** One current signing key per algorithm. */
  signing: OpKey[]
  /** Previous signing keys still published (rotation with `keepOld`). */
  retired: OpKey[]
  /** Request object decryption keys (RSA-OAEP-256, ECDH-ES). */
  encryption: OpKey[]
}

/** The JWE key management algorithms the OP decrypts request objects with. */
export const ENCRYPTION_ALGS = ['RSA-OAEP-256', 'ECDH-ES']

/**
 * Generates a key pair with its public JWK.
 * @param alg - the JOSE algorithm
 * @param use - `sig` or `enc`
 * @param kid - the key id; default the JWK thumbprint
 * @returns the key
 */
export async function generateKey(alg: string, use: 'sig' | 'enc', kid?: string): Promise<OpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  const exported = await exportJWK(publicKey)
  const id = kid ?? (await calculateJwkThumbprint(exported))
  const jwk = { ...exported, kid: id, alg, use } as JWK
  return { alg, kid: id, privateKey, jwk }
}

/**
 * Generates the OP's keys: one signing key per algorithm and the encryption keys.
 * @param algs - the signing algorithms
 * @returns the key store
 */
export async function createKeyStore(algs: readonly string[]): Promise<KeyStore> {
  const [signing, encryption] = await Promise.all([
    Promise.all(algs.map((alg) => generateKey(alg, 'sig'))),
    Promise.all(ENCRYPTION_ALGS.map((alg) => generateKey(alg, 'enc'))),
  ])
  return { signing, retired: [], encryption }
}

/**
 * Replaces the signing keys with fresh ones.
 * @param store - the key store (changed in place)
 * @param keepOld - keep publishing the previous keys
 */
export async function rotateSigningKeys(store: KeyStore, keepOld: boolean): Promise<void> {
  const fresh = await Promise.all(store.signing.map((key) => generateKey(key.alg, 'sig')))
  store.retired = keepOld ? [...store.signing, ...store.retired] : []
  store.signing = fresh
}

/**
 * The public JWKS: current signing keys, retired ones, then the encryption keys.
 * @param store - the key store
 * @returns a fresh JWK Set
 */
export function publicJwks(store: KeyStore): { keys: JWK[] } {
  const all = [...store.signing, ...store.retired, ...store.encryption]
  return { keys: all.map((key) => ({ ...key.jwk })) }
}

/**
 * Tells whether an algorithm is an HMAC one.
 * @param alg - the JWS algorithm
 * @returns true for HS256, HS384 and HS512
 */
export function isHmac(alg: string): boolean {
  return /^HS(256|384|512)$/.test(alg)
}

/**
 * The signing material for an algorithm.
 *
 * The OP's current key, the secret's bytes for HS*, none for `none`.
 *
 * @param store - the key store
 * @param alg - the JWS algorithm
 * @param secret - the HMAC secret (client_secret)
 * @returns the key, or undefined for `none`
 */
export function signingMaterial(
  store: KeyStore,
  alg: string,
  secret: string | undefined,
): CryptoKey | Uint8Array | undefined {
  if (alg === 'none') return undefined
  if (isHmac(alg)) {
    if (secret === undefined) throw new MockOPError(`${alg} needs a client_secret`)
    return new TextEncoder().encode(secret)
  }
  const key = store.signing.find((k) => k.alg === alg)
  if (!key) throw new MockOPError(`the OP has no ${alg} signing key (see signingAlgs)`)
  return key.privateKey
}

/**
 * The kid of the OP's current key for an algorithm.
 * @param store - the key store
 * @param alg - the JWS algorithm
 * @returns the kid, or undefined for HS* and none
 */
export function currentKid(store: KeyStore, alg: string): string | undefined {
  return store.signing.find((k) => k.alg === alg)?.kid
}

/**
 * Signs a JSON payload as a compact JWS (or an unsecured JWT for `alg: none`).
 * @param payload - the claims
 * @param header - the protected header, with `alg`
 * @param key - the signing material (undefined for `none`)
 * @returns the compact serialization
 */
export async function signCompact(
  payload: Record<string, unknown>,
  header: Record<string, unknown> & { alg: string },
  key: CryptoKey | Uint8Array | undefined,
): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(payload))
  if (header.alg === 'none' || key === undefined) {
    const encodedHeader = base64url.encode(JSON.stringify({ ...header, alg: 'none' }))
    return `${encodedHeader}.${base64url.encode(bytes)}.`
  }
  return new CompactSign(bytes).setProtectedHeader(header as CompactJWSHeaderParameters).sign(key)
}

/**
 * Alters the signature bytes of a compact JWS, keeping its shape.
 * @param jws - the compact JWS
 * @returns the same JWS with a signature that cannot verify
 */
export function corruptSignature(jws: string): string {
  const [header, payload, signature = ''] = jws.split('.')
  const bytes = signature ? base64url.decode(signature) : crypto.getRandomValues(new Uint8Array(32))
  bytes[0] = (bytes[0] ?? 0) ^ 0x5a
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xa5
  return `${header}.${payload}.${base64url.encode(bytes)}`
}
