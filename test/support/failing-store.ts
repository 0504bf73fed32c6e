/**
 * Stores that fail on purpose, for the tests that every store failure reaches the caller as
 * `STORE_ERROR`: their errors look like ioredis reply errors, which carry the command's arguments
 * (here a value registered as a secret, so a test sees it if it leaks).
 */
import type { ReplayGuard, Session, SessionStore } from '../../src/storage.js'
import { registerSecret } from './helpers.js'

/** What a failing store puts in its error's arguments: must never reach an oidc-rp error. */
export const LEAKED_ARGUMENT = 'pkce-verifier-or-id-token-in-the-command-arguments'
registerSecret(LEAKED_ARGUMENT)

/**
 * An error shaped like ioredis's `ReplyError`: name, Redis message, and `command.args`.
 * @param message - the Redis message
 * @returns the error
 */
export function replyError(message = "ERR invalid expire time in 'set' command"): Error {
  return Object.assign(new Error(message), {
    name: 'ReplyError',
    command: { name: 'set', args: ['oidc-rp:replay:x', LEAKED_ARGUMENT] },
  })
}

/** The session store methods. */
export type SessionStoreMethod = keyof SessionStore

/**
 * A session store that fails in the methods named, and otherwise forwards to `inner`.
 * @param inner - the working store
 * @param failing - the methods that throw {@link replyError}
 * @returns the store
 */
export function failingSessionStore(
  inner: SessionStore,
  failing: readonly SessionStoreMethod[],
): SessionStore {
  const fail = (method: SessionStoreMethod) => failing.includes(method)
  return {
    set: (session: Session, ttl: number) =>
      fail('set') ? Promise.reject(replyError()) : inner.set(session, ttl),
    get: (id: string) => (fail('get') ? Promise.reject(replyError()) : inner.get(id)),
    delete: (id: string) => (fail('delete') ? Promise.reject(replyError()) : inner.delete(id)),
    findBySid: (iss: string, sid: string) =>
      fail('findBySid') ? Promise.reject(replyError()) : inner.findBySid(iss, sid),
    findBySub: (iss: string, sub: string) =>
      fail('findBySub') ? Promise.reject(replyError()) : inner.findBySub(iss, sub),
  }
}

/** A replay guard whose every claim fails (rejects), or throws synchronously. */
export function failingReplayGuard(synchronous = false): ReplayGuard {
  return {
    claim() {
      if (synchronous) throw replyError()
      return Promise.reject(replyError())
    },
  }
}
