/**
 * The configuration's keys, handed to the JWT mechanisms of `lib/`.
 *
 * The OP's key set (one {@link JwksCache} per `jwks_uri`, kept with the configuration's runtime),
 * the client secret's keys and the client's decryption keys; and the public export/restore of the
 * JWKS cache for serverless runtimes.
 *
 * @module
 */
import type { JWK } from 'jose'
import type { Configuration } from './config/configuration.js'
import { createJwksCache } from './config/jwks.js'
import { cachesOf, credentialsOf, runtimeOf } from './config/runtime.js'
import { UsageError } from './errors.js'
import type { SecretKeys } from './lib/client-keys.js'
import { encryptedResponsesFeature } from './lib/features.js'
import { isPlainObject } from './lib/json.js'
import type { DecryptionKeyResolver } from './lib/jwe-decrypt.js'
import type { JwksCache, JwksCacheSnapshot } from './lib/jwks-cache.js'

/**
 * The OP key set of a configuration.
 *
 * Made on first use, shared with the configurations a reload derives from it (per `jwks_uri`).
 *
 * @param config - the configuration: its OP's `jwks_uri`, HTTP settings, JWKS limits, clock and
 * fetch
 * @returns its JWKS cache
 * @internal
 */
export function jwksOf(config: Configuration): JwksCache {
  const all = cachesOf(config).jwks
  const uri = config.provider.jwks_uri
  let jwks = all.get(uri)
  if (jwks === undefined) {
    const runtime = runtimeOf(config)
    jwks = createJwksCache(uri, config.settings, runtime.fetch, runtime.now)
    all.set(uri, jwks)
  }
  return jwks
}

/**
 * The keys made from the configuration's client secret.
 * @param config - the configuration: its caches
 * @returns its secret-derived keys
 * @internal
 */
export function secretKeysOf(config: Configuration): SecretKeys {
  return cachesOf(config).secretKeys
}

/**
 * The configuration's candidate keys for a JWE (client keys, or the key derived from its secret).
 * @param config - the configuration: its client credentials and caches
 * @returns the resolver {@link decryptJwe} takes
 * @internal
 */
export function decryptionKeysOf(config: Configuration): DecryptionKeyResolver {
  const credentials = credentialsOf(config)
  const secretKeys = cachesOf(config).secretKeys
  return (alg, enc, kid) =>
    encryptedResponsesFeature(`decrypting a ${alg} JWE`).decryptionKeys(
      credentials,
      secretKeys,
      alg,
      enc,
      kid,
    )
}

/**
 * Tells whether the client has a secret, so that `HS*` JWTs can be verified.
 * @param config - the configuration: its client credentials
 * @returns true with a non-empty client secret
 * @internal
 */
export function hasClientSecret(config: Configuration): boolean {
  const secret = credentialsOf(config).clientSecret
  return secret !== undefined && secret !== ''
}

/**
 * The OP's current JWKS keys, shared by every use.
 *
 * Signature keys and encryption keys for request objects alike: the cached ones, fetched when
 * absent or stale; with `refetch`, fetched again when the cooldown allows (for a key that was not
 * found).
 *
 * @param config - the configuration: its OP key set
 * @param refetch - fetch again (subject to the cooldown) instead of using the cache
 * @param signal - aborts a JWKS fetch
 * @returns the keys, at most `maxJwksKeys`
 * @throws {@link ValidationError} `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` (again within the cooldown after a failed fetch, without
 * a request)
 * @internal
 */
export function opJwksKeys(
  config: Configuration,
  refetch: boolean,
  signal?: AbortSignal,
): Promise<readonly JWK[]> {
  return jwksOf(config).keys(refetch, signal)
}

/**
 * Returns the cached JWKS of the configuration's OP, for storing outside the process.
 *
 * For serverless runtimes that keep no memory between requests.
 *
 * > [!WARNING]
 * > Keep the exported value where only your own code can write it: whoever writes it chooses which
 * > keys ID tokens are verified with.
 * @param config - the configuration: its OP key set
 * @returns the snapshot, or `undefined` when nothing was fetched yet
 * @group Configuration
 */
export function exportJwksCache(config: Configuration): JwksCacheSnapshot | undefined {
  return jwksOf(config).snapshot
}

/**
 * Restores a JWKS snapshot saved with {@link exportJwksCache}.
 *
 * The next verification then needs no fetch.
 *
 * @param config - the configuration: its OP's `jwks_uri` and key set
 * @param snapshot - the saved snapshot; its `uri` must be the configuration's `jwks_uri`
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the snapshot is malformed or for another
 * `jwks_uri`
 * @group Configuration
 */
export function restoreJwksCache(config: Configuration, snapshot: JwksCacheSnapshot): void {
  if (
    !isPlainObject(snapshot) ||
    snapshot.uri !== config.provider.jwks_uri ||
    !Array.isArray(snapshot.keys) ||
    !snapshot.keys.every(isPlainObject) ||
    typeof snapshot.fetchedAt !== 'number'
  ) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'the JWKS snapshot is malformed or belongs to another jwks_uri',
      { parameter: 'snapshot' },
    )
  }
  jwksOf(config).restore(snapshot)
}
