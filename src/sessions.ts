/**
 * Sessions the RP keeps after a sign-in, so logout can end them.
 *
 * The OP ends them by back- and front-channel logout, and RP-initiated logout sends their
 * `id_token_hint`: {@link recordSession}, and ending the sessions a logout names. The {@link
 * SessionStore} contract is in `storage.ts`, the stores in `stores/`.
 *
 * @module
 */

import type { Configuration } from './config/configuration.js'
import { tokenIssuer } from './config/features.js'
import { runtimeOf } from './config/runtime.js'
import { type TransportError, UsageError } from './errors.js'
import type { IdTokenClaims } from './id-token.js'
import { invalidArgument, positiveTtl } from './lib/checks.js'
import { isPlainObject } from './lib/json.js'
import { randomBase64url } from './lib/random.js'
import { callStore } from './lib/store-call.js'
import type { Session, SessionStore } from './storage.js'

/**
 * Options of {@link recordSession}.
 * @group Sessions
 */
export interface RecordSessionOptions {
  /** How long the session lasts at the RP, in seconds. Default 28,800 (8 hours). */
  readonly ttlInSeconds?: number
  /** What the application keeps with the session (JSON): saved as {@link Session.data}. */
  readonly data?: Readonly<Record<string, unknown>>
}

/** The default session lifetime: 8 hours. */
const DEFAULT_SESSION_TTL = 8 * 60 * 60

/**
 * Records a session after a successful sign-in.
 *
 * A fresh session id from the CSPRNG, the ID token's `iss`, `sub` and `sid`, and the raw ID token
 * for `id_token_hint`. The application puts the session id in its own cookie.
 *
 * @param config - the configuration the sign-in used
 * @param store - where sessions live
 * @param result - the sign-in result (only `idToken` and `idTokenClaims` are read)
 * @param options - the session lifetime
 * @returns the session id and the session saved
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the result is not a validated sign-in of this
 * configuration's issuer, or the TTL is not a positive number
 * @throws {@link TransportError} `STORE_ERROR` when the session store fails
 * @see {@link https://openid.net/specs/openid-connect-backchannel-1_0.html#RPLogout | Back-Channel Logout §2.3}
 * @example
 * ```ts
 * const result = await handleCallback(config, request) // reads the browser-binding cookie
 * const { sessionId } = await recordSession(config, sessions, result)
 * // Set-Cookie: sid=<sessionId>; HttpOnly; Secure; SameSite=Lax; Path=/
 * ```
 * @group Sessions
 */
export async function recordSession(
  config: Configuration,
  store: SessionStore,
  result: {
    readonly idToken: string
    readonly idTokenClaims: Pick<IdTokenClaims, 'iss' | 'sub' | 'sid'>
  },
  options: RecordSessionOptions = {},
): Promise<{ sessionId: string; session: Session }> {
  const ttl = positiveTtl(options.ttlInSeconds ?? DEFAULT_SESSION_TTL)
  const claims = result?.idTokenClaims
  if (
    typeof result?.idToken !== 'string' ||
    claims?.iss !== issuerOfResult(config, claims) ||
    typeof claims.sub !== 'string' ||
    claims.sub === ''
  ) {
    throw invalidArgument(
      'result',
      `a sign-in result of ${config.issuer} (idToken and idTokenClaims with iss and sub)`,
    )
  }
  if (options.data !== undefined && !isPlainObject(options.data)) {
    throw invalidArgument('data', 'a plain object (JSON)')
  }
  const now = Math.floor(runtimeOf(config).now() / 1000)
  const session: Session = {
    id: randomBase64url(32),
    iss: claims.iss,
    sub: claims.sub,
    ...(typeof claims.sid === 'string' && claims.sid !== '' ? { sid: claims.sid } : {}),
    clientId: config.client.client_id,
    idToken: result.idToken,
    createdAt: now,
    expiresAt: now + Math.ceil(ttl),
    ...(options.data === undefined ? {} : { data: options.data }),
  }
  await callStore('session store set', () => store.set(session, Math.ceil(ttl)))
  return { sessionId: session.id, session }
}

/**
 * Ends the sessions of a client that an OP logout names.
 *
 * Those of the `sid` (with the same `sub` when both are given), else every session of the `sub`.
 *
 * @param store - the session store
 * @param target - issuer, client, and the logout's `sid` and/or `sub`
 * @returns the sessions this call removed
 * @throws {@link TransportError} `STORE_ERROR` when the session store fails
 * @internal
 */
export async function endSessions(
  store: SessionStore,
  target: {
    readonly iss: string
    readonly clientId: string
    readonly sid?: string | undefined
    readonly sub?: string | undefined
  },
): Promise<Session[]> {
  const { iss, clientId, sid, sub } = target
  let found: Session[]
  if (sid !== undefined) {
    found = (await callStore('session store findBySid', () => store.findBySid(iss, sid))).filter(
      (s) => sub === undefined || s.sub === sub,
    )
  } else if (sub !== undefined) {
    found = await callStore('session store findBySub', () => store.findBySub(iss, sub))
  } else {
    return []
  }
  const mine = found.filter((s) => s.clientId === clientId && s.iss === iss)
  const removed = await Promise.all(
    mine.map((s) => callStore('session store delete', () => store.delete(s.id))),
  )
  return mine.filter((_, i) => removed[i])
}

/** The issuer a result's ID token was checked against (for a multi-tenant OP, its tenant's). */
function issuerOfResult(config: Configuration, claims: unknown): string | undefined {
  if (config.tenants === undefined) return config.issuer
  try {
    return tokenIssuer(config, claims as Record<string, unknown>, 'ID token')
  } catch {
    return undefined
  }
}
