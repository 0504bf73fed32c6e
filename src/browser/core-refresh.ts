/**
 * The refresher of a browser session made with `oidc-rp/core`'s configuration.
 *
 * Loaded with that session's first refresh, so a page signing in with `oidc-rp/browser`'s own
 * functions never ships the core's.
 *
 * @module
 */

import type { Configuration } from '../config/configuration.js'
import { runtimeOf } from '../config/runtime.js'
import { refreshTokens } from '../token.js'
import type { SessionRefresher } from './refresh.js'

/**
 * The core's `refreshTokens` and clock, for a browser session.
 * @param config - a configuration made by `oidc-rp/core`'s `discover`
 * @returns its refresher
 * @throws `UsageError` `INVALID_ARGUMENT` for any other object
 * @internal
 */
export function coreRefresher(config: Configuration): SessionRefresher {
  return {
    now: runtimeOf(config).now,
    refresh: (refreshToken, original, dpop) =>
      refreshTokens(config, refreshToken, { original, ...(dpop === undefined ? {} : { dpop }) }),
  }
}
