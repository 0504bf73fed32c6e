/**
 * One OP key set.
 *
 * Fetched lazily from its `jwks_uri`, fresh for ten minutes, re-fetched at once for an unknown
 * `kid` (one request in flight, then a cooldown; a failed fetch is not retried before the cooldown
 * either), exportable as a snapshot. A key that cannot be safe ({@link opKeyProblem}) is never
 * used.
 *
 * @module
 */
import type { JWK } from 'jose'
import { isOidcRpError, ValidationError, type ValidationErrorCode } from '../errors.js'
import { signatureKeyShape } from './algorithms.js'
import * as base64url from './base64url.js'
import {
  expectStatus,
  type HttpOptions,
  type HttpResponse,
  httpRequest,
  parseJsonObject,
} from './http.js'
import { isPlainObject } from './json.js'
import type { JwsKeyHeader, OpKeyResolver } from './jws-verify.js'
import { opKeyProblem } from './key-checks.js'
import { type SyncVerifier, syncVerifier } from './node-crypto.js'
import { importVerificationKey, verifiesWith } from './webcrypto-jws.js'

/** Keys older than this are fetched again before use, so a key the OP withdrew stops verifying. */
const MAX_AGE_MS = 10 * 60 * 1000

/**
 * A JWKS cache entry as exported by `exportJwksCache`: plain JSON.
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

/**
 * What a {@link JwksCache} needs, fixed when it is made.
 * @internal
 */
export interface JwksCacheOptions {
  /** The OP's `jwks_uri`. */
  readonly uri: string
  /** How the JWKS is requested: fetch, timeout, size limit, https rule. */
  readonly http: Omit<HttpOptions, 'signal'>
  /** Milliseconds since the epoch. */
  readonly now: () => number
  /** The most keys kept from a JWKS. */
  readonly maxKeys: number
  /** The most candidate keys tried for one kid-less JWS. */
  readonly maxCandidates: number
  /** The least time between two fetches, in milliseconds, except when the keys are stale. */
  readonly refetchCooldownMs: number
}

/** A JWK imported for one alg, with its synchronous verifier where the runtime has one. */
interface ImportedKey {
  readonly key: CryptoKey
  readonly sync: SyncVerifier | undefined
}

/** What a verification with the OP's keys gives. */
interface Verified {
  readonly payload: Uint8Array
  readonly kid: string | undefined
}

/**
 * Sends the JWKS request.
 * @param uri - the `jwks_uri`
 * @param http - fetch, limits and the caller's signal
 * @returns the response, fully read
 * @throws {@link TransportError} `HTTP_*`
 * @internal
 */
export function sendJwksRequest(uri: string, http: HttpOptions): Promise<HttpResponse> {
  return httpRequest(
    new URL(uri),
    { headers: { accept: 'application/json, application/jwk-set+json' } },
    http,
  )
}

/**
 * Reads a JWKS response: a 200 with a JSON object whose `keys` is an array of objects.
 * @param response - the response
 * @param uri - the `jwks_uri` it answers
 * @param maxKeys - the most keys kept
 * @param fetchedAt - when it was fetched, in milliseconds since the epoch
 * @returns the snapshot
 * @throws {@link ValidationError} `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS`, `HTTP_INVALID_JSON`…
 * @internal
 */
export function readJwksResponse(
  response: HttpResponse,
  uri: string,
  maxKeys: number,
  fetchedAt: number,
): JwksCacheSnapshot {
  expectStatus(response)
  const body = parseJsonObject(response)
  if (!Array.isArray(body.keys) || !body.keys.every(isPlainObject)) {
    throw new ValidationError(
      'JWKS_INVALID',
      `the JWKS at ${response.url} has no keys array of objects`,
      { claim: 'keys' },
    )
  }
  return { uri, keys: (body.keys as JWK[]).slice(0, maxKeys), fetchedAt }
}

/** The candidates for a JWS alg and kid, by key type, curve, use, alg, key_ops and kid. */
function candidates(keys: readonly JWK[], alg: string, kid: string | undefined): JWK[] {
  const shape = signatureKeyShape(alg)
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

/**
 * One OP's key set and what was made from it.
 *
 * The snapshot, the fetch in flight, the last failure (given again until the cooldown ends) and the
 * keys imported per alg.
 *
 * @internal
 */
export class JwksCache implements OpKeyResolver {
  readonly #options: JwksCacheOptions
  #snapshot: JwksCacheSnapshot | undefined
  #inflight: Promise<JwksCacheSnapshot> | undefined
  /** When the last fetch started, for the cooldown. */
  #lastFetchAt = Number.NEGATIVE_INFINITY
  /**
   * The error of the last fetch when it failed.
   *
   * Given again, without a fetch, until the cooldown ends.
   */
  #failure: unknown
  readonly #imported = new WeakMap<JWK, Map<string, ImportedKey>>()

  /** @param options - the `jwks_uri`, HTTP settings, clock and limits */
  constructor(options: JwksCacheOptions) {
    this.#options = options
  }

  /** The cached key set, or `undefined` when nothing was fetched or restored yet. */
  get snapshot(): JwksCacheSnapshot | undefined {
    return this.#snapshot
  }

  /**
   * Replaces the cached key set with a saved one (its keys cut to `maxKeys`).
   * @param snapshot - a snapshot of this `jwks_uri`, already checked
   */
  restore(snapshot: JwksCacheSnapshot): void {
    this.#snapshot = {
      uri: snapshot.uri,
      keys: snapshot.keys.slice(0, this.#options.maxKeys),
      fetchedAt: snapshot.fetchedAt,
    }
  }

  #fresh(): JwksCacheSnapshot | undefined {
    const snapshot = this.#snapshot
    return snapshot === undefined || this.#options.now() - snapshot.fetchedAt > MAX_AGE_MS
      ? undefined
      : snapshot
  }

  /** Whether the cooldown since the last fetch has passed. */
  #cooledDown(): boolean {
    return this.#options.now() - this.#lastFetchAt >= this.#options.refetchCooldownMs
  }

  /**
   * The current keys.
   *
   * The cached ones, fetched when absent or stale; with `refetch`, fetched again when the cooldown
   * allows (for a key that was not found).
   *
   * @param refetch - fetch again (subject to the cooldown) instead of using the cache
   * @param signal - aborts a JWKS fetch
   * @returns the keys, at most `maxKeys`
   * @throws {@link ValidationError} `JWKS_INVALID`
   * @throws {@link TransportError} `HTTP_*` (again within the cooldown after a failed fetch,
   * without a request)
   */
  async keys(refetch: boolean, signal?: AbortSignal): Promise<readonly JWK[]> {
    const snapshot = this.#fresh()
    if (snapshot === undefined || (refetch && this.#cooledDown())) {
      return (await this.#fetch(signal)).keys
    }
    return snapshot.keys
  }

  /**
   * Fetches the JWKS.
   *
   * One request in flight at a time, shared by every caller. While the last fetch failed less than
   * the cooldown ago, its error is given again without a request, so a stream of unauthenticated
   * requests (back-channel POSTs, callbacks) cannot turn an OP outage into a flood.
   */
  #fetch(signal: AbortSignal | undefined): Promise<JwksCacheSnapshot> {
    if (this.#inflight !== undefined) return this.#inflight
    if (this.#failure !== undefined && !this.#cooledDown()) return Promise.reject(this.#failure)
    const { uri, http, now, maxKeys } = this.#options
    this.#lastFetchAt = now()
    const request = (async () => {
      const response = await sendJwksRequest(uri, signal ? { ...http, signal } : http)
      const snapshot = readJwksResponse(response, uri, maxKeys, now())
      this.#snapshot = snapshot
      this.#failure = undefined
      return snapshot
    })()
    this.#inflight = request
    request.then(
      () => {
        this.#inflight = undefined
      },
      (err: unknown) => {
        this.#inflight = undefined
        // The caller's own abort says nothing about the OP.
        if (!(isOidcRpError(err) && err.code === 'HTTP_ABORTED')) this.#failure = err
      },
    )
    return request
  }

  /**
   * Verifies a compact JWS with the OP's keys.
   *
   * Selects by `kid` (re-fetching the JWKS once, after the cooldown, when the `kid` is unknown), or
   * tries each candidate when there is no `kid` (re-fetching once, after the cooldown, when none
   * verifies: the OP may have rotated to a key of the same type).
   *
   * @param jws - the compact JWS
   * @param header - its decoded protected header: `alg` (asymmetric, already accepted) and `kid`
   * @param signatureCode - the code to throw when no candidate verifies the signature
   * @param signal - aborts a JWKS fetch
   * @returns the verified payload bytes and the `kid` of the key that verified it
   * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY`, `JWKS_UNSAFE_KEY` (the `kid` names an
   * unsafe key, or every candidate is one), `JWKS_TOO_MANY_CANDIDATES`, `JWKS_INVALID`, or
   * `signatureCode`
   * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched (again within the
   * cooldown after a failed fetch, without a request)
   */
  async verify(
    jws: string,
    header: JwsKeyHeader,
    signatureCode: ValidationErrorCode,
    signal?: AbortSignal,
  ): Promise<Verified> {
    const { alg, kid } = header
    const snapshot = this.#fresh() ?? (await this.#fetch(signal))
    let found = candidates(snapshot.keys, alg, kid)
    if (found.length === 0 && this.#cooledDown()) {
      found = candidates((await this.#fetch(signal)).keys, alg, kid)
    } else if (found.length === 0 && this.#inflight !== undefined) {
      found = candidates((await this.#inflight).keys, alg, kid)
    }
    if (found.length === 0) {
      throw new ValidationError(
        'JWKS_NO_MATCHING_KEY',
        `no key in the OP's JWKS matches alg ${alg}${kid === undefined ? ' (no kid)' : ` and kid ${JSON.stringify(kid.slice(0, 60))}`}`,
        { claim: 'kid', expected: 'a key of the OP JWKS', actual: kid },
      )
    }
    const verified = await this.#tryCandidates(jws, alg, safeOnly(found, alg, kid))
    if (verified !== undefined) return verified
    if (kid === undefined && this.#cooledDown()) {
      const tried = new Set(found.map((jwk) => JSON.stringify(jwk)))
      const fresh = candidates((await this.#fetch(signal)).keys, alg, kid).filter(
        (jwk) => !tried.has(JSON.stringify(jwk)) && opKeyProblem(jwk) === undefined,
      )
      const rotated = await this.#tryCandidates(jws, alg, fresh)
      if (rotated !== undefined) return rotated
    }
    throw new ValidationError(
      signatureCode,
      `the ${alg} signature does not verify with the OP's key`,
      {
        claim: 'signature',
      },
    )
  }

  /**
   * Verifies a compact JWS synchronously, from the cache only.
   *
   * A fresh JWKS, a candidate key already imported, and its synchronous verifier ({@link
   * syncVerifier}). `false` decides nothing (nothing cached, no fast path, or no candidate
   * verified): {@link JwksCache.verify} then runs as usual, with its re-fetch, candidate limit and
   * errors.
   *
   * @param jws - the compact JWS
   * @param header - its decoded protected header: `alg` (asymmetric, already accepted) and `kid`
   * @returns true when a candidate verified the signature
   */
  verifyCached(jws: string, header: JwsKeyHeader): boolean {
    const snapshot = this.#fresh()
    if (snapshot === undefined) return false
    const found = candidates(snapshot.keys, header.alg, header.kid)
    if (found.length > this.#options.maxCandidates) return false
    for (const jwk of found) {
      if (opKeyProblem(jwk) !== undefined) continue
      if (this.#imported.get(jwk)?.get(header.alg)?.sync?.(jws) === true) return true
    }
    return false
  }

  async #import(jwk: JWK, alg: string): Promise<ImportedKey | undefined> {
    let key: CryptoKey
    try {
      key = await importVerificationKey(jwk as Record<string, unknown>, alg)
    } catch {
      return undefined // an unusable key is skipped, as if absent
    }
    let byAlg = this.#imported.get(jwk)
    if (byAlg === undefined) {
      byAlg = new Map()
      this.#imported.set(jwk, byAlg)
    }
    const imported = { key, sync: syncVerifier(key, alg, jwk) }
    byAlg.set(alg, imported)
    return imported
  }

  async #tryCandidates(
    jws: string,
    alg: string,
    found: readonly JWK[],
  ): Promise<Verified | undefined> {
    const max = this.#options.maxCandidates
    if (found.length > max) {
      throw new ValidationError(
        'JWKS_TOO_MANY_CANDIDATES',
        `the JWS has no kid and ${found.length} keys could have signed it; at most ${max} are tried`,
        { claim: 'kid', expected: `at most ${max} candidates`, actual: found.length },
      )
    }
    for (const jwk of found) {
      const imported = this.#imported.get(jwk)?.get(alg) ?? (await this.#import(jwk, alg))
      if (imported === undefined) continue
      // The synchronous fast path answers where it can; otherwise (or when it could not run)
      // WebCrypto.
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
      if (await verifiesWith(jws, imported.key, alg)) {
        return {
          payload: base64url.decode(jws.slice(jws.indexOf('.') + 1, jws.lastIndexOf('.'))),
          kid: jwk.kid,
        }
      }
    }
    return undefined
  }
}
