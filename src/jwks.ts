/**
 * The OP's signing keys: fetched lazily from `jwks_uri`, cached per configuration, re-fetched at once
 * for an unknown `kid` (one request in flight, then a cooldown; a failed fetch is not retried before
 * the cooldown either), exportable for serverless runtimes. A key that cannot be safe
 * ({@link opKeyProblem}) is never used.
 * @module
 */
import type { JWK } from 'jose'
import * as base64url from 'jose/base64url'
import type { Configuration } from './config/configuration.js'
import { responseLimit } from './config/settings.js'
import { isOidcRpError, UsageError, ValidationError, type ValidationErrorCode } from './errors.js'
import { expectStatus, httpRequest, parseJsonObject } from './lib/http.js'
import { isPlainObject } from './lib/json.js'
import { opKeyProblem } from './lib/key-checks.js'
import { joseCore } from './lib/lazy-jose.js'
import { type SyncVerifier, syncVerifier } from './lib/node-crypto.js'
import { cachesOf, RUNTIME } from './lib/runtime.js'

/** Keys older than this are fetched again before use, so a key the OP withdrew stops verifying. */
const MAX_AGE_MS = 10 * 60 * 1000

/**
 * A JWKS cache entry as exported by {@link exportJwksCache}: plain JSON.
 * @group Configuration
 */
export interface JwksCacheSnapshot {
  /** The `jwks_uri` the keys came from. */
  readonly uri: string
  /** The public keys. */
  readonly keys: readonly JWK[]
  /** When they were fetched, in milliseconds since the epoch. */
  readonly fetchedAt: number
}

interface JwksState {
  snapshot: JwksCacheSnapshot | undefined
  inflight: Promise<JwksCacheSnapshot> | undefined
  /** When the last fetch started, for the cooldown. */
  lastFetchAt: number
  /** The error of the last fetch when it failed: given again, without a fetch, until the cooldown ends. */
  failure: unknown
  imported: WeakMap<JWK, Map<string, ImportedKey>>
}

/** A JWK imported for one alg, with its synchronous verifier where the runtime has one. */
interface ImportedKey {
  readonly key: CryptoKey
  readonly sync: SyncVerifier | undefined
}

function state(config: Configuration): JwksState {
  const caches = cachesOf(config)
  const key = `jwks:${config.provider.jwks_uri}`
  let entry = caches.get(key) as JwksState | undefined
  if (entry === undefined) {
    entry = {
      snapshot: undefined,
      inflight: undefined,
      lastFetchAt: Number.NEGATIVE_INFINITY,
      failure: undefined,
      imported: new WeakMap(),
    }
    caches.set(key, entry)
  }
  return entry
}

/**
 * Returns the cached JWKS of the configuration's OP, for storing outside the process (serverless
 * runtimes that keep no memory between requests).
 * > [!WARNING]
 * > Keep the exported value where only your own code can write it: whoever writes it chooses which
 * > keys ID tokens are verified with.
 * @param config - the configuration
 * @returns the snapshot, or `undefined` when nothing was fetched yet
 * @group Configuration
 */
export function exportJwksCache(config: Configuration): JwksCacheSnapshot | undefined {
  return state(config).snapshot
}

/**
 * Restores a JWKS snapshot saved with {@link exportJwksCache}, so the next verification needs no fetch.
 * @param config - the configuration
 * @param snapshot - the saved snapshot; its `uri` must be the configuration's `jwks_uri`
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the snapshot is malformed or for another `jwks_uri`
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
      {
        parameter: 'snapshot',
      },
    )
  }
  const entry = state(config)
  entry.snapshot = {
    uri: snapshot.uri,
    keys: snapshot.keys.slice(0, config.settings.maxJwksKeys),
    fetchedAt: snapshot.fetchedAt,
  }
}

/**
 * The OP's current JWKS keys, shared by every use (signature keys here, encryption keys for request
 * objects): the cached ones, fetched when absent or stale; with `refetch`, fetched again when the
 * cooldown allows (for a key that was not found).
 * @param config - the configuration
 * @param refetch - fetch again (subject to the cooldown) instead of using the cache
 * @param signal - aborts a JWKS fetch
 * @returns the keys, at most `maxJwksKeys`
 * @throws {@link ValidationError} `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` (again within the cooldown after a failed fetch, without a request)
 * @internal
 */
export async function opJwksKeys(
  config: Configuration,
  refetch: boolean,
  signal?: AbortSignal,
): Promise<readonly JWK[]> {
  const entry = state(config)
  const snapshot = entry.snapshot
  const stale = snapshot === undefined || config[RUNTIME].now() - snapshot.fetchedAt > MAX_AGE_MS
  if (stale || (refetch && cooledDown(config, entry))) {
    return (await fetchJwks(config, signal)).keys
  }
  return snapshot.keys
}

/**
 * Fetches the JWKS: one request in flight at a time, shared by every caller. While the last fetch
 * failed less than the cooldown ago, its error is given again without a request, so a stream of
 * unauthenticated requests (back-channel POSTs, callbacks) cannot turn an OP outage into a flood.
 */
function fetchJwks(
  config: Configuration,
  signal: AbortSignal | undefined,
): Promise<JwksCacheSnapshot> {
  const entry = state(config)
  if (entry.inflight !== undefined) return entry.inflight
  const runtime = config[RUNTIME]
  if (entry.failure !== undefined && !cooledDown(config, entry)) {
    return Promise.reject(entry.failure)
  }
  entry.lastFetchAt = runtime.now()
  const uri = config.provider.jwks_uri
  const request = (async () => {
    const response = await httpRequest(
      new URL(uri),
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
    const snapshot: JwksCacheSnapshot = {
      uri,
      keys: (body.keys as JWK[]).slice(0, config.settings.maxJwksKeys),
      fetchedAt: runtime.now(),
    }
    entry.snapshot = snapshot
    entry.failure = undefined
    return snapshot
  })()
  entry.inflight = request
  request.then(
    () => {
      entry.inflight = undefined
    },
    (err: unknown) => {
      entry.inflight = undefined
      // The caller's own abort says nothing about the OP.
      if (!(isOidcRpError(err) && err.code === 'HTTP_ABORTED')) entry.failure = err
    },
  )
  return request
}

/** Whether the cooldown since the last fetch has passed. */
function cooledDown(config: Configuration, entry: JwksState): boolean {
  const elapsed = config[RUNTIME].now() - entry.lastFetchAt
  return elapsed >= config.settings.jwksRefetchCooldownInSeconds * 1000
}

/** The candidates that can be safe; throws `JWKS_UNSAFE_KEY` when there were some but none is. */
function safeOnly(found: readonly JWK[], alg: string, kid: string | undefined): JWK[] {
  const safe = found.filter((jwk) => opKeyProblem(jwk) === undefined)
  if (safe.length === 0 && found.length > 0) {
    const problem = opKeyProblem(found[0]!)
    throw new ValidationError(
      'JWKS_UNSAFE_KEY',
      `the OP's ${kid === undefined ? `${alg} key` : `key ${JSON.stringify(kid.slice(0, 60))}`} cannot be safe (${problem}) and is not used`,
      { claim: 'kid', expected: 'a key that can be safe', actual: problem },
    )
  }
  return safe
}

/** The key type, and curve where it matters, that a JWS alg needs. */
function keyShape(alg: string): { kty: string; crv?: string } | undefined {
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return { kty: 'RSA' }
  if (alg === 'ES256') return { kty: 'EC', crv: 'P-256' }
  if (alg === 'ES384') return { kty: 'EC', crv: 'P-384' }
  if (alg === 'ES512') return { kty: 'EC', crv: 'P-521' }
  if (alg === 'EdDSA') return { kty: 'OKP' }
  if (alg === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519' }
  return undefined
}

function candidates(keys: readonly JWK[], alg: string, kid: string | undefined): JWK[] {
  const shape = keyShape(alg)
  if (shape === undefined) return []
  return keys.filter(
    (key) =>
      key.kty === shape.kty &&
      (shape.crv === undefined || key.crv === shape.crv) &&
      (key.use === undefined || key.use === 'sig') &&
      (key.alg === undefined || key.alg === alg) &&
      (!Array.isArray(key.key_ops) || key.key_ops.includes('verify')) &&
      (kid === undefined || key.kid === kid),
  )
}

function importedKey(entry: JwksState, jwk: JWK, alg: string): ImportedKey | undefined {
  return entry.imported.get(jwk)?.get(alg)
}

async function importKey(
  entry: JwksState,
  jwk: JWK,
  alg: string,
): Promise<ImportedKey | undefined> {
  let key: CryptoKey
  try {
    key = (await (await joseCore()).importJWK({ ...jwk, ext: false }, alg)) as CryptoKey
  } catch {
    return undefined // an unusable key is skipped, as if absent
  }
  let byAlg = entry.imported.get(jwk)
  if (byAlg === undefined) {
    byAlg = new Map()
    entry.imported.set(jwk, byAlg)
  }
  const imported = { key, sync: syncVerifier(key, alg, jwk) }
  byAlg.set(alg, imported)
  return imported
}

/**
 * Verifies a compact JWS with the OP's keys: selects by `kid` (re-fetching the JWKS once, after the
 * cooldown, when the `kid` is unknown), or tries each candidate when there is no `kid` (re-fetching
 * once, after the cooldown, when none verifies: the OP may have rotated to a key of the same type).
 * @param config - the configuration
 * @param jws - the compact JWS
 * @param header - its decoded protected header: `alg` (asymmetric, already checked as accepted) and `kid`
 * @param signatureErrorCode - the code to throw when no candidate verifies the signature
 * @param signal - aborts a JWKS fetch
 * @returns the verified payload bytes and the `kid` of the key that verified it
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY` (the `kid` names an
 * unsafe key, or every candidate is one), `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`, or `signatureErrorCode`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched (again within the cooldown
 * after a failed fetch, without a request)
 * @internal
 */
export async function verifyWithOpKeys(
  config: Configuration,
  jws: string,
  header: { readonly alg: string; readonly kid?: string | undefined },
  signatureErrorCode: ValidationErrorCode,
  signal?: AbortSignal,
): Promise<{ payload: Uint8Array; kid: string | undefined }> {
  const { alg, kid } = header
  const entry = state(config)
  const now = config[RUNTIME].now()
  const mayRefetch = () => cooledDown(config, entry)
  let snapshot = entry.snapshot
  if (snapshot === undefined || now - snapshot.fetchedAt > MAX_AGE_MS)
    snapshot = await fetchJwks(config, signal)
  let found = candidates(snapshot.keys, alg, kid)
  if (found.length === 0 && mayRefetch()) {
    found = candidates((await fetchJwks(config, signal)).keys, alg, kid)
  } else if (found.length === 0 && entry.inflight !== undefined) {
    found = candidates((await entry.inflight).keys, alg, kid)
  }
  if (found.length === 0) {
    throw new ValidationError(
      'JWKS_NO_MATCHING_KEY',
      `no key in the OP's JWKS matches alg ${alg}${kid === undefined ? ' (no kid)' : ` and kid ${JSON.stringify(kid.slice(0, 60))}`}`,
      { claim: 'kid', expected: 'a key of the OP JWKS', actual: kid },
    )
  }
  const max = config.settings.maxKeyCandidates
  const verified = await tryCandidates(entry, jws, alg, safeOnly(found, alg, kid), max)
  if (verified !== undefined) return verified
  if (kid === undefined && mayRefetch()) {
    const tried = new Set(found.map((jwk) => JSON.stringify(jwk)))
    const fresh = candidates((await fetchJwks(config, signal)).keys, alg, kid).filter(
      (jwk) => !tried.has(JSON.stringify(jwk)) && opKeyProblem(jwk) === undefined,
    )
    const rotated = await tryCandidates(entry, jws, alg, fresh, max)
    if (rotated !== undefined) return rotated
  }
  throw new ValidationError(
    signatureErrorCode,
    `the ${alg} signature does not verify with the OP's key`,
    {
      claim: 'signature',
    },
  )
}

/**
 * Verifies a compact JWS synchronously, from the cache only: a fresh JWKS, a candidate key already
 * imported, and its synchronous verifier ({@link syncVerifier}). `false` decides nothing (nothing
 * cached, no fast path, or no candidate verified): {@link verifyWithOpKeys} then runs as usual,
 * with its re-fetch, candidate limit and errors.
 * @param config - the configuration
 * @param jws - the compact JWS
 * @param header - its decoded protected header: `alg` (asymmetric, already accepted) and `kid`
 * @returns true when a candidate verified the signature
 * @internal
 */
export function verifyWithCachedKeys(
  config: Configuration,
  jws: string,
  header: { readonly alg: string; readonly kid?: string | undefined },
): boolean {
  const entry = state(config)
  const snapshot = entry.snapshot
  if (snapshot === undefined || config[RUNTIME].now() - snapshot.fetchedAt > MAX_AGE_MS) {
    return false
  }
  const found = candidates(snapshot.keys, header.alg, header.kid)
  if (found.length > config.settings.maxKeyCandidates) return false
  for (const jwk of found) {
    if (opKeyProblem(jwk) !== undefined) continue
    if (importedKey(entry, jwk, header.alg)?.sync?.(jws) === true) return true
  }
  return false
}

async function tryCandidates(
  entry: JwksState,
  jws: string,
  alg: string,
  found: readonly JWK[],
  max: number,
): Promise<{ payload: Uint8Array; kid: string | undefined } | undefined> {
  if (found.length > max) {
    throw new ValidationError(
      'JWKS_TOO_MANY_CANDIDATES',
      `the JWS has no kid and ${found.length} keys could have signed it; at most ${max} are tried`,
      { claim: 'kid', expected: `at most ${max} candidates`, actual: found.length },
    )
  }
  for (const jwk of found) {
    const imported = importedKey(entry, jwk, alg) ?? (await importKey(entry, jwk, alg))
    if (imported === undefined) continue
    // The synchronous fast path answers where it can; otherwise (or when it could not run) WebCrypto.
    const fast = imported.sync?.(jws)
    if (fast === false) continue
    if (fast === true) {
      // The caller usually has the claims already: the payload is decoded only when read.
      return {
        get payload() {
          return base64url.decode(jws.slice(jws.indexOf('.') + 1, jws.lastIndexOf('.')))
        },
        kid: jwk.kid,
      }
    }
    try {
      const { compactVerify } = await joseCore()
      const { payload } = await compactVerify(jws, imported.key, { algorithms: [alg] })
      return { payload, kid: jwk.kid }
    } catch {
      // try the next candidate
    }
  }
  return undefined
}
