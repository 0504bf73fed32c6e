/**
 * The keys that seal values for the browser to hold: the sealed store's and `oidc-rp/web`'s.
 *
 * AES-256-GCM keys made from the application's 32-byte secrets, each named by a short hash so a
 * sealed value says which key opens it.
 *
 * @module
 */
import * as base64url from './base64url.js'
import { invalidArgument } from './checks.js'
import { joseSeal } from './lazy-jose.js'

/** One imported sealing key and its id (the first 9 bytes of its SHA-256, base64url). */
interface SealingKey {
  readonly kid: string
  readonly key: CryptoKey
}

/** Checks the application's secrets and returns a loader of their keys (imported on first use). */
function sealingKeys(
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
 * Seals and opens JSON payloads with the application's keys.
 * @internal
 */
export interface Sealer {
  /**
   * Seals a payload until `ttlInSeconds` from now.
   *
   * A JWE (`dir` + `A256GCM`, `kid` naming the first key, `iat` and `exp` inside).
   */
  seal(payload: Record<string, unknown>, ttlInSeconds: number): Promise<string>
  /**
   * Opens a sealed value with whichever configured key its `kid` names.
   * @throws jose's errors (`ERR_JWT_EXPIRED` past `exp`), or an error for an unknown `kid`
   */
  open(value: string): Promise<Record<string, unknown>>
}

/**
 * Makes a sealer from the application's secrets: the first seals, every one opens.
 * @param secrets - 32 bytes each, or their base64url encoding
 * @param name - the option's name, for the error
 * @param now - the clock, in milliseconds
 * @returns the sealer
 * @throws `UsageError` `INVALID_ARGUMENT` for no secret, or one that is not 32 bytes
 * @internal
 */
export function createSealer(
  secrets: readonly (string | Uint8Array)[],
  name: string,
  now: () => number,
): Sealer {
  const keys = sealingKeys(secrets, name)
  return {
    async seal(payload, ttlInSeconds) {
      const [first] = await keys()
      const iat = Math.floor(now() / 1000)
      const { EncryptJWT } = await joseSeal()
      return new EncryptJWT(payload)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: first!.kid })
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.max(1, Math.ceil(ttlInSeconds)))
        .encrypt(first!.key)
    },
    async open(value) {
      const all = await keys()
      const { payload } = await (await joseSeal()).jwtDecrypt(
        value,
        (header) => {
          const found = all.find((k) => k.kid === header.kid)
          if (found === undefined) throw new Error('unknown kid')
          return found.key
        },
        {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          currentDate: new Date(now()),
          requiredClaims: ['exp'],
        },
      )
      return payload
    },
  }
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
