/**
 * oidc-rp: an OpenID Connect Relying Party SDK.
 *
 * Start with {@link discover}, then build an authorization request and handle the callback.
 * Every optional feature is installed (`oidc-rp/core` is the same entry without them, for pages
 * that count their bytes).
 * @module
 */
import { allFeatures } from './features/index.js'
import { installFeatures } from './lib/features.js'

export * from './core.js'

installFeatures(...allFeatures)
