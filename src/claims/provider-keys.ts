/**
 * The key sets of claims providers: configured, at their `jwks_uri`, or found by discovery.
 *
 * @module
 */
import type { ClaimSources, ClaimsProvider } from '../config/claim-sources.js'
import type { Configuration } from '../config/configuration.js'
import { configurationCachesOf, runtimeOf } from '../config/runtime.js'
import { responseLimit } from '../config/settings.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from '../discovery-document.js'
import { TransportError } from '../errors.js'
import { jwksOf } from '../keys.js'
import { JwksCache } from '../lib/jwks-cache.js'

declare module '../config/runtime.js' {
  interface ConfigurationCaches {
    /** The key sets of the claims providers, by issuer, made on first use. */
    claimsProviderKeys: Map<string, Promise<JwksCache>>
  }
}

/**
 * A claims provider's key set.
 *
 * The OP's own (its issuer listed without keys), the configured keys, its `jwks_uri`, or the
 * `jwks_uri` its OpenID configuration names; made once per configuration (a failed discovery is
 * tried again at the next use).
 * @param config - the configuration: its issuer, settings, fetch and caches
 * @param sources - its claim sources (the timeout)
 * @param provider - the claims provider
 * @param signal - aborts the discovery
 * @returns the provider's key set
 * @throws {@link TransportError} `HTTP_*`, `CLAIM_SOURCE_UNAVAILABLE` (no `jwks_uri`)
 * @throws {@link ValidationError} `DISCOVERY_ISSUER_MISMATCH`
 * @internal
 */
export function providerKeys(
  config: Configuration,
  sources: ClaimSources,
  provider: ClaimsProvider,
  signal: AbortSignal | undefined,
): Promise<JwksCache> {
  if (
    provider.issuer === config.issuer &&
    provider.jwks === undefined &&
    provider.jwks_uri === undefined
  ) {
    return Promise.resolve(jwksOf(config))
  }
  const caches = configurationCachesOf(config)
  caches.claimsProviderKeys ??= new Map()
  const all = caches.claimsProviderKeys
  let found = all.get(provider.issuer)
  if (found === undefined) {
    found = makeKeySet(config, sources, provider, signal)
    all.set(provider.issuer, found)
    found.catch(() => all.delete(provider.issuer))
  }
  return found
}

async function makeKeySet(
  config: Configuration,
  sources: ClaimSources,
  provider: ClaimsProvider,
  signal: AbortSignal | undefined,
): Promise<JwksCache> {
  const { settings } = config
  const runtime = runtimeOf(config)
  const http = {
    allowInsecureRequests: settings.allowInsecureRequests,
    timeoutInMs: sources.timeoutInMs,
  }
  let uri = provider.jwks_uri
  let fetch = runtime.fetch
  if (provider.jwks !== undefined) {
    // The configured keys, served to the cache as if fetched: one key selection for every key set.
    const body = JSON.stringify(provider.jwks)
    uri = `${provider.issuer.replace(/\/$/, '')}/.configured-jwks`
    fetch = async () => new Response(body, { headers: { 'content-type': 'application/json' } })
  } else if (uri === undefined) {
    const response = await sendDiscoveryRequest(provider.issuer, {
      ...http,
      maxResponseBytes: responseLimit(settings, 'discovery'),
      fetch: runtime.fetch,
      ...(signal ? { signal } : {}),
    })
    const metadata = readDiscoveryResponse(response, provider.issuer)
    if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) {
      throw new TransportError(
        'CLAIM_SOURCE_UNAVAILABLE',
        `the claims provider ${provider.issuer} names no jwks_uri in its OpenID configuration`,
        { url: response.url, status: response.status },
      )
    }
    uri = metadata.jwks_uri
  }
  return new JwksCache({
    uri,
    http: { ...http, maxResponseBytes: responseLimit(settings, 'jwks'), fetch },
    now: runtime.now,
    maxKeys: settings.maxJwksKeys,
    maxCandidates: settings.maxKeyCandidates,
    refetchCooldownMs: settings.jwksRefetchCooldownInSeconds * 1000,
  })
}
