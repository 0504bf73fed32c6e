/** A stored session as the session stores and `endSessions` see it, for tests that need one without a sign-in. */
import type { Session } from '../../src/storage.js'

/** The issuer of {@link session}'s sessions. */
export const SESSION_ISSUER = 'https://op.example.com'

/**
 * A session of alice at client `rp`, OP session `op-session-1`, with any member replaced.
 * @param id - the session id
 * @param extra - members to replace
 * @returns the session
 */
export function session(id: string, extra: Partial<Session> = {}): Session {
  return {
    id,
    iss: SESSION_ISSUER,
    sub: 'alice',
    sid: 'op-session-1',
    clientId: 'rp',
    idToken: 'header.payload.signature',
    createdAt: 1,
    expiresAt: 2,
    ...extra,
  }
}
