/**
 * The OP's key cache, made under the settings' limits.
 *
 * @module
 */

import { JwksCache } from '../lib/jwks-cache.js'
import { responseLimit, type Settings } from './settings.js'

/**
 * A cache of the OP's keys at `uri`, under the settings' limits (size, keys, candidates, cooldown).
 * @param uri - the OP's `jwks_uri`
 * @param settings - the limits
 * @param fetch - the fetch its requests go through
 * @param now - the clock, in milliseconds
 * @returns the cache
 * @internal
 */
export function createJwksCache(
  uri: string,
  settings: Settings,
  fetch: typeof globalThis.fetch,
  now: () => number,
): JwksCache {
  return new JwksCache({
    uri,
    http: { ...settings, maxResponseBytes: responseLimit(settings, 'jwks'), fetch },
    now,
    maxKeys: settings.maxJwksKeys,
    maxCandidates: settings.maxKeyCandidates,
    refetchCooldownMs: settings.jwksRefetchCooldownInSeconds * 1000,
  })
}
