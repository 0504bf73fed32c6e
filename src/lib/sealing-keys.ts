/**
 * The keys that seal values for the browser to hold: the sealed store's and `oidc-rp/web`'s.
 *
 * AES-256-GCM keys made from the application's 32-byte secrets, each named by a short hash so a
 * sealed value says which key opens it.
 *
 * @module
 */
import * as base64url from 'jose/base64url'
import { invalidArgument } from './checks.js'

/**
 * One imported sealing key and its id (the first 9 bytes of its SHA-256, base64url).
 * @internal
 */
export interface SealingKey {
  readonly kid: string
  readonly key: CryptoKey
}

/**
 * Checks the application's secrets and returns a loader of their keys (imported on first use).
 * @param secrets - 32 bytes each, or their base64url encoding; the first seals
 * @param name - the option's name, for the error
 * @returns a function giving the imported keys, in order
 * @throws {@link UsageError} `INVALID_ARGUMENT` for no secret, or one that is not 32 bytes
 * @internal
 */
export function sealingKeys(
  secrets: readonly (string | Uint8Array)[],
  name: string,
): () => Promise<SealingKey[]> {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw invalidArgument(name, 'a non-empty array of 32-byte keys')
  }
  const raw = secrets.map((secret, index) => secretBytes(secret, `${name}[${index}]`))
  let imported: Promise<SealingKey[]> | undefined
  return () => {
    imported ??= Promise.all(raw.map(importKey))
    return imported
  }
}

/**
 * The key a sealed value's `kid` names, for jose's key resolver; throws when none is configured.
 * @internal
 */
export function keyOf(keys: readonly SealingKey[], kid: string | undefined): CryptoKey {
  const found = keys.find((k) => k.kid === kid)
  if (found === undefined) throw new Error('unknown kid')
  return found.key
}

function secretBytes(secret: string | Uint8Array, name: string): Uint8Array {
  let bytes: Uint8Array | undefined
  if (secret instanceof Uint8Array) bytes = secret
  else if (typeof secret === 'string') {
    try {
      bytes = base64url.decode(secret)
    } catch {
      bytes = undefined
    }
  }
  if (bytes?.byteLength !== 32)
    throw invalidArgument(name, '32 bytes (or their base64url encoding)')
  return bytes
}

async function importKey(bytes: Uint8Array): Promise<SealingKey> {
  const buffer = bytes as Uint8Array<ArrayBuffer>
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer))
  const key = await crypto.subtle.importKey('raw', buffer, 'AES-GCM', false, ['encrypt', 'decrypt'])
  return { kid: base64url.encode(digest.subarray(0, 9)), key }
}
