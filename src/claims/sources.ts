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

import type { ClaimSources } from '../config/claim-sources.js'
import type { Configuration } from '../config/configuration.js'
import {
  type AnyOidcRpError,
  isOidcRpError,
  TransportError,
  UsageError,
  ValidationError,
} from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { describe, isPlainObject } from '../lib/json.js'
import { claimFailure } from '../lib/jwt-claims.js'
import { PROTOCOL_CLAIMS } from '../lib/protocol-claims.js'
import { fetchDistributed } from './distributed.js'
import { CLAIM_SOURCE_JWT, verifySourceJwt } from './source-jwt.js'
import type {
  ClaimOrigin,
  ResolveClaimSourcesOptions,
  ResolvedClaims,
  UnresolvedClaim,
} from './types.js'

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
