/**
 * Aggregated and distributed claims (OIDC Core §5.6.2), resolved as the connection allows.
 *
 * Each source named in `_claim_names` is a JWT: passed on by the OP (aggregated) or fetched from
 * an allowed endpoint with its access token (distributed). Either is verified by the one JWT core
 * against the keys of a claims provider the configuration lists; only the claims `_claim_names`
 * points to that source are taken, never over a claim the response already has.
 *
 * Loaded on first use (resolve.ts), so a sign-in without claim sources never loads it.
 *
 * @module
 */

import { PROTOCOL_CLAIMS } from '../callback/result.js'
import type { ClaimSources, ClaimsProvider } from '../config/claim-sources.js'
import { isAllowedEndpoint } from '../config/claim-sources.js'
import type { Configuration } from '../config/configuration.js'
import { configurationCachesOf, runtimeOf } from '../config/runtime.js'
import { responseLimit } from '../config/settings.js'
import { readDiscoveryResponse, sendDiscoveryRequest } from '../discovery.js'
import {
  type AnyOidcRpError,
  isOidcRpError,
  TransportError,
  UsageError,
  ValidationError,
} from '../errors.js'
import { jwksOf } from '../keys.js'
import { ASYMMETRIC_ALGS } from '../lib/algorithms.js'
import { invalidArgument } from '../lib/checks.js'
import { decodeJws, isCompactJws } from '../lib/compact.js'
import { httpRequest } from '../lib/http.js'
import { decodeUtf8, describe, isPlainObject } from '../lib/json.js'
import { JwksCache } from '../lib/jwks-cache.js'
import { type HmacKeySource, verifyJws } from '../lib/jws-verify.js'
import { checkAlg, checkClaims, claimFailure, type TokenProfile } from '../lib/jwt-claims.js'
import type {
  ClaimOrigin,
  ResolveClaimSourcesOptions,
  ResolvedClaims,
  UnresolvedClaim,
} from './types.js'

declare module '../config/runtime.js' {
  interface ConfigurationCaches {
    /** The key sets of the claims providers, by issuer, made on first use. */
    claimsProviderKeys: Map<string, Promise<JwksCache>>
  }
}

/**
 * A claim source JWT as a token profile.
 *
 * `iss` is required (it chooses the claims provider, whose keys then verify the JWT); `aud`, which
 * §5.6.2 leaves out, must contain the client_id when present; `exp`, `iat` and `nbf` are checked
 * when present; `sub`, when present, is the end-user at the claims provider and must be a string.
 */
const CLAIM_SOURCE_JWT: TokenProfile = {
  name: 'claim source JWT',
  codes: {
    alg: 'CLAIM_SOURCE_SIGNATURE_INVALID',
    signature: 'CLAIM_SOURCE_SIGNATURE_INVALID',
    decryption: 'CLAIM_SOURCE_JWT_INVALID',
    issuer: 'CLAIM_SOURCE_ISSUER_NOT_ALLOWED',
    mismatch: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    untrusted: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    azp: 'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    invalid: 'CLAIM_SOURCE_JWT_INVALID',
    expired: 'CLAIM_SOURCE_JWT_INVALID',
    iatMissing: 'CLAIM_SOURCE_JWT_INVALID',
    iatInFuture: 'CLAIM_SOURCE_JWT_INVALID',
    notYetValid: 'CLAIM_SOURCE_JWT_INVALID',
  },
  defaultEnc: 'A128CBC-HS256',
  required: { iss: true, aud: false, exp: false, iat: false },
  audienceRule: 'contains-client',
  requiredStrings: [],
  optionalStrings: ['sub'],
}

/** The algs a claims provider may sign with: asymmetric only (no shared secret, never `none`). */
const SIGNING_ALGS: readonly string[] = [...ASYMMETRIC_ALGS]

/** No client secret verifies a claims provider's JWT (the alg rule refuses `HS*` first). */
const NO_SECRET: HmacKeySource = {
  hmacKey: () =>
    Promise.reject(new ValidationError('CLAIM_SOURCE_SIGNATURE_INVALID', 'no HMAC key')),
}

/** One source named in `_claim_names`, as the response gave it. */
interface SourceReference {
  /** Its name in `_claim_sources`. */
  readonly name: string
  /** The claims `_claim_names` says come from it. */
  readonly claims: readonly string[]
  /** Its `_claim_sources` member (not yet checked). */
  readonly value: unknown
}

/** What one source gave. */
interface Resolved {
  readonly values: Readonly<Record<string, unknown>>
  readonly origin: ClaimOrigin
}

/**
 * {@link resolveClaimSources}, once loaded.
 * @param config - the configuration
 * @param claims - the claims, with `_claim_names` and `_claim_sources`
 * @param options - a signal
 * @returns the claims resolved
 * @internal
 */
export async function resolveClaims(
  config: Configuration,
  claims: Readonly<Record<string, unknown>>,
  options: ResolveClaimSourcesOptions = {},
): Promise<ResolvedClaims> {
  if (config.claimSources === undefined) {
    throw invalidArgument('config', 'a configuration with claimSources (docs/claims.md)')
  }
  if (!isPlainObject(claims)) throw invalidArgument('claims', 'an object')
  return resolveInto(config, config.claimSources, claims, [claims], options.signal)
}

/**
 * Resolves the claim sources of a sign-in's UserInfo and ID token into its merged claims.
 * @param config - the configuration, with `claimSources`
 * @param merged - the ID token and UserInfo claims merged
 * @param responses - the UserInfo claims, then the ID token claims
 * @param signal - aborts the requests
 * @returns the merged claims with the sources resolved
 * @throws as `resolveClaimSources`
 * @internal
 */
export function resolveSignInClaims(
  config: Configuration,
  merged: Readonly<Record<string, unknown>>,
  responses: readonly (Readonly<Record<string, unknown>> | undefined)[],
  signal: AbortSignal | undefined,
): Promise<ResolvedClaims> {
  const present = responses.filter((r): r is Readonly<Record<string, unknown>> => r !== undefined)
  return resolveInto(config, config.claimSources as ClaimSources, merged, present, signal)
}

async function resolveInto(
  config: Configuration,
  sources: ClaimSources,
  base: Readonly<Record<string, unknown>>,
  responses: readonly Readonly<Record<string, unknown>>[],
  signal: AbortSignal | undefined,
): Promise<ResolvedClaims> {
  const references = responses.flatMap(referencesOf)
  if (references.length > sources.maxSources) {
    throw new ValidationError(
      'CLAIM_SOURCE_TOO_MANY',
      `the response names ${references.length} claim sources, at most ${sources.maxSources} are resolved`,
      {
        claim: '_claim_sources',
        expected: `at most ${sources.maxSources}`,
        actual: references.length,
      },
    )
  }
  const settled = await Promise.allSettled(
    references.map((reference) => resolveOne(config, sources, reference, signal)),
  )
  const claims: Record<string, unknown> = { ...base }
  delete claims._claim_names
  delete claims._claim_sources
  const origins: Record<string, ClaimOrigin> = {}
  const unresolved: UnresolvedClaim[] = []
  settled.forEach((outcome, i) => {
    const reference = references[i] as SourceReference
    if (outcome.status === 'rejected') {
      const error = asSourceError(outcome.reason, reference.name)
      if (sources.onError === 'throw' || error.code === 'HTTP_ABORTED') throw error
      for (const claim of reference.claims) {
        unresolved.push({ claim, source: reference.name, reason: 'source-failed', error })
      }
      return
    }
    for (const claim of reference.claims) {
      if (Object.hasOwn(claims, claim)) {
        unresolved.push({ claim, source: reference.name, reason: 'local-value-kept' })
        continue
      }
      claims[claim] = outcome.value.values[claim]
      origins[claim] = outcome.value.origin
    }
  })
  return { claims, origins, unresolved }
}

/** The sources `_claim_names` points to, with their claims, in order of first mention. */
function referencesOf(claims: Readonly<Record<string, unknown>>): SourceReference[] {
  const names = claims._claim_names
  const sources = claims._claim_sources
  if (names === undefined && sources === undefined) return []
  if (!isPlainObject(names) || !isPlainObject(sources)) {
    throw invalid(
      '_claim_names',
      '_claim_names and _claim_sources must both be JSON objects',
      'two objects',
      describe(isPlainObject(names) ? sources : names),
    )
  }
  const bySource = new Map<string, string[]>()
  for (const [claim, source] of Object.entries(names)) {
    if (typeof source !== 'string') {
      throw invalid(claim, `_claim_names.${claim} is not a source name`, 'a string', typeof source)
    }
    if (PROTOCOL_CLAIMS.has(claim) || claim === '__proto__' || claim.startsWith('_claim_')) {
      throw invalid(claim, `${claim} cannot come from a claim source`, 'an end-user claim', claim)
    }
    const list = bySource.get(source) ?? []
    list.push(claim)
    bySource.set(source, list)
  }
  return [...bySource].map(([name, list]) => ({
    name,
    claims: list,
    value: Object.hasOwn(sources, name) ? sources[name] : undefined,
  }))
}

function invalid(claim: string, message: string, expected: unknown, actual: unknown) {
  return new ValidationError('CLAIM_SOURCE_INVALID', message, { claim, expected, actual })
}

async function resolveOne(
  config: Configuration,
  sources: ClaimSources,
  reference: SourceReference,
  signal: AbortSignal | undefined,
): Promise<Resolved> {
  const { name, value } = reference
  const at = `_claim_sources.${name}`
  if (!isPlainObject(value)) {
    throw invalid(
      at,
      `the claim source ${describe(name)} is missing or not an object`,
      'an object',
      describe(value),
    )
  }
  const { JWT: jwt, endpoint } = value
  if ((jwt === undefined) === (endpoint === undefined)) {
    throw invalid(
      at,
      `the claim source ${describe(name)} must have either JWT or endpoint`,
      'JWT or endpoint',
      Object.keys(value).slice(0, 5),
    )
  }
  const kind = jwt === undefined ? 'distributed' : 'aggregated'
  let token: string
  if (kind === 'aggregated') {
    if (typeof jwt !== 'string')
      throw invalid(
        `${at}.JWT`,
        `the claim source ${describe(name)} JWT is not a string`,
        'a compact JWS',
        typeof jwt,
      )
    token = jwt
  } else {
    token = await fetchDistributed(config, sources, name, endpoint, value.access_token, signal)
  }
  const profile = { ...CLAIM_SOURCE_JWT, name: `claim source ${describe(name)} JWT` }
  const verified = await verifySourceJwt(config, sources, profile, token, signal)
  const values: Record<string, unknown> = {}
  for (const claim of reference.claims) {
    if (!Object.hasOwn(verified.claims, claim)) {
      throw claimFailure(
        profile,
        'CLAIM_SOURCE_JWT_INVALID',
        `has no ${claim}, which _claim_names says it holds`,
        claim,
        'present',
        undefined,
      )
    }
    values[claim] = verified.claims[claim]
  }
  const sub = verified.claims.sub
  const origin: ClaimOrigin = {
    source: name,
    kind,
    issuer: verified.issuer,
    ...(typeof sub === 'string' ? { subject: sub } : {}),
  }
  return { values, origin }
}

/** Fetches a distributed claim: only from an allowed endpoint, with its access token. */
async function fetchDistributed(
  config: Configuration,
  sources: ClaimSources,
  name: string,
  endpoint: unknown,
  accessToken: unknown,
  signal: AbortSignal | undefined,
): Promise<string> {
  const at = `_claim_sources.${name}`
  const url = typeof endpoint === 'string' && URL.canParse(endpoint) ? new URL(endpoint) : undefined
  if (url === undefined)
    throw invalid(
      `${at}.endpoint`,
      `the claim source ${describe(name)} endpoint is not an absolute URL`,
      'an absolute URL',
      typeof endpoint,
    )
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) {
    throw invalid(
      `${at}.access_token`,
      `the claim source ${describe(name)} access_token is not a string`,
      'a non-empty string',
      typeof accessToken,
    )
  }
  const where = `${url.origin}${url.pathname}`
  if (!isAllowedEndpoint(sources, url)) {
    throw new ValidationError(
      'CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED',
      `the claim source ${describe(name)} endpoint ${describe(where)} is not on claimSources.endpoints: nothing was sent`,
      { claim: `${at}.endpoint`, expected: 'an endpoint on claimSources.endpoints', actual: where },
    )
  }
  const { settings } = config
  const response = await httpRequest(
    url,
    {
      method: 'GET',
      headers: {
        accept: 'application/jwt',
        ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
      },
    },
    {
      allowInsecureRequests: settings.allowInsecureRequests,
      timeoutInMs: sources.timeoutInMs,
      maxResponseBytes: settings.maxJwtLength,
      fetch: runtimeOf(config).fetch,
      ...(signal ? { signal } : {}),
    },
  )
  if (response.status !== 200) {
    throw new TransportError(
      'CLAIM_SOURCE_UNAVAILABLE',
      `the claim source ${describe(name)} endpoint ${where} answered with status ${response.status}, expected 200`,
      { url: where, status: response.status },
    )
  }
  let text: string
  try {
    text = decodeUtf8(response.body).trim()
  } catch {
    text = ''
  }
  if (!isCompactJws(text)) {
    throw new ValidationError(
      'CLAIM_SOURCE_RESPONSE_INVALID',
      `the claim source ${describe(name)} endpoint ${where} did not answer with a JWT (OIDC Core §5.6.2)`,
      {
        claim: `${at}.endpoint`,
        expected: 'a compact JWS',
        actual: response.headers.get('content-type')?.slice(0, 60),
      },
    )
  }
  return text
}

/** Decodes, checks the alg, finds the provider by `iss`, verifies, checks the claims. */
async function verifySourceJwt(
  config: Configuration,
  sources: ClaimSources,
  profile: TokenProfile,
  token: string,
  signal: AbortSignal | undefined,
): Promise<{ claims: Record<string, unknown>; issuer: string }> {
  const { settings } = config
  const decoded = decodeJws(token, settings.maxJwtLength, profile.name)
  checkAlg(profile, decoded.header.alg, undefined, SIGNING_ALGS, false, false)
  const iss = decoded.claims.iss
  const provider = sources.providers.find((p) => p.issuer === iss)
  if (provider === undefined) {
    throw claimFailure(
      profile,
      'CLAIM_SOURCE_ISSUER_NOT_ALLOWED',
      iss === undefined ? 'has no iss' : `iss ${describe(iss)} is not an allowed claims provider`,
      'iss',
      sources.providers.map((p) => p.issuer),
      iss,
    )
  }
  const keys = await providerKeys(config, sources, provider, signal)
  await verifyJws(decoded, keys, NO_SECRET, profile.codes, signal)
  const now = runtimeOf(config).now() / 1000
  checkClaims(
    profile,
    decoded.claims,
    provider.issuer,
    config.client,
    now,
    settings.clockToleranceInSeconds,
  )
  return { claims: decoded.claims, issuer: provider.issuer }
}

/**
 * A claims provider's key set.
 *
 * The OP's own (its issuer listed without keys), the configured keys, its `jwks_uri`, or the
 * `jwks_uri` its OpenID configuration names; made once per configuration (a failed discovery is
 * tried again at the next use).
 */
function providerKeys(
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

/**
 * The error of a failed source, as a `CLAIM_SOURCE_*` one (the lower error as its cause).
 *
 * An abort stays `HTTP_ABORTED`: it says nothing of the source.
 */
function asSourceError(error: unknown, name: string): AnyOidcRpError {
  if (!isOidcRpError(error)) throw error
  if (error.code.startsWith('CLAIM_SOURCE_') || error.code === 'HTTP_ABORTED') return error
  const message = `claim source ${describe(name)}: ${error.message}`
  if (error instanceof ValidationError && !error.code.startsWith('DISCOVERY_')) {
    const code = error.code.startsWith('JWKS_')
      ? 'CLAIM_SOURCE_SIGNATURE_INVALID'
      : 'CLAIM_SOURCE_JWT_INVALID'
    return new ValidationError(code, message, {
      claim: error.claim ?? `_claim_sources.${name}`,
      expected: error.expected,
      actual: error.actual,
      cause: error,
    })
  }
  if (error instanceof UsageError && error.code !== 'INSECURE_URL') return error
  return new TransportError('CLAIM_SOURCE_UNAVAILABLE', message, {
    url: error instanceof TransportError ? error.url : undefined,
    status: error instanceof TransportError ? error.status : undefined,
    cause: error,
  })
}
