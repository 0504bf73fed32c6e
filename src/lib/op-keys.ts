/**
 * The OP's public encryption keys (`use: enc` in its JWKS), for encrypting request objects to it.
 * Cached per configuration in `config[RUNTIME].caches`; fetched again after ten minutes, or at once
 * (after the JWKS cooldown) when no key fits.
 * @module
 */
import type { JWK } from 'jose'
import { importJWK } from 'jose/key/import'
import { type Configuration, responseLimit } from '../configuration.js'
import { ValidationError } from '../errors.js'
import { expectStatus, httpRequest, isPlainObject, parseJsonObject } from '../http.js'
import { RUNTIME } from './runtime.js'

const MAX_AGE_MS = 10 * 60 * 1000

interface EncKeyState {
  keys: readonly JWK[] | undefined
  fetchedAt: number
  inflight: Promise<readonly JWK[]> | undefined
  imported: Map<string, { key: CryptoKey; kid: string | undefined }>
}

function cacheOf(config: Configuration): EncKeyState {
  const caches = config[RUNTIME].caches
  const id = `op-enc-keys:${config.provider.jwks_uri}`
  let entry = caches.get(id) as EncKeyState | undefined
  if (entry === undefined) {
    entry = {
      keys: undefined,
      fetchedAt: Number.NEGATIVE_INFINITY,
      inflight: undefined,
      imported: new Map(),
    }
    caches.set(id, entry)
  }
  return entry
}

function load(
  config: Configuration,
  entry: EncKeyState,
  signal?: AbortSignal,
): Promise<readonly JWK[]> {
  if (entry.inflight !== undefined) return entry.inflight
  const runtime = config[RUNTIME]
  entry.fetchedAt = runtime.now()
  const request = (async () => {
    const response = await httpRequest(
      new URL(config.provider.jwks_uri),
      { headers: { accept: 'application/json, application/jwk-set+json' } },
      {
        ...config.settings,
        maxResponseBytes: responseLimit(config.settings, 'jwks'),
        fetch: runtime.fetch,
        ...(signal ? { signal } : {}),
      },
    )
    expectStatus(response)
    const body = parseJsonObject(response)
    if (!Array.isArray(body.keys) || !body.keys.every(isPlainObject)) {
      throw new ValidationError(
        'JWKS_INVALID',
        `the JWKS at ${response.url} has no keys array of objects`,
        {
          claim: 'keys',
        },
      )
    }
    entry.keys = (body.keys as JWK[]).slice(0, config.settings.maxJwksKeys)
    entry.imported.clear()
    return entry.keys
  })()
  entry.inflight = request
  const done = () => {
    entry.inflight = undefined
  }
  request.then(done, done)
  return request
}

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

/** Picks the best fitting key: explicit `use: enc` and `alg` first. */
function pick(keys: readonly JWK[], alg: string): JWK | undefined {
  let best: JWK | undefined
  let bestScore = -1
  for (const jwk of keys) {
    if (!fits(jwk, alg)) continue
    const score = (jwk.use === 'enc' ? 2 : 0) + (jwk.alg === alg ? 1 : 0)
    if (score > bestScore) {
      best = jwk
      bestScore = score
    }
  }
  return best
}

/**
 * The OP's public key to encrypt a JWE to with a key management alg, from its JWKS.
 * @param config - the configuration
 * @param alg - the JWE `alg` (`RSA-OAEP-256`, `ECDH-ES`…)
 * @param signal - aborts a JWKS fetch
 * @returns the imported public key and its `kid`
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY` when the OP publishes no key for `alg`, `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched
 * @internal
 */
export async function opEncryptionKey(
  config: Configuration,
  alg: string,
  signal?: AbortSignal,
): Promise<{ key: CryptoKey; kid: string | undefined }> {
  const entry = cacheOf(config)
  const now = config[RUNTIME].now()
  const cached = entry.imported.get(alg)
  if (cached !== undefined && now - entry.fetchedAt <= MAX_AGE_MS) return cached
  let keys = entry.keys
  if (keys === undefined || now - entry.fetchedAt > MAX_AGE_MS)
    keys = await load(config, entry, signal)
  let jwk = pick(keys, alg)
  if (
    jwk === undefined &&
    now - entry.fetchedAt >= config.settings.jwksRefetchCooldownInSeconds * 1000
  ) {
    jwk = pick(await load(config, entry, signal), alg)
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
  let key: CryptoKey
  try {
    key = (await importJWK({ ...jwk, ext: true }, alg)) as CryptoKey
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
  const found = { key, kid: jwk.kid }
  entry.imported.set(alg, found)
  return found
}
