/**
 * A logout fixture: the sign-in fixture's mock OP and RP, with the client registered for
 * RP-initiated, back-channel and front-channel logout, a session store, and the RP's logout
 * endpoints reachable from the OP through `rpFetch` (no sockets).
 */

import assert from 'node:assert/strict'
import type { SignInResult } from '../../src/callback/result.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { ClientInput } from '../../src/config/client.js'
import type { ValidationErrorCode } from '../../src/errors.js'
import {
  type BackChannelLogoutResult,
  handleBackChannelLogout,
} from '../../src/logout/back-channel.js'
import {
  type FrontChannelLogoutResult,
  handleFrontChannelLogout,
} from '../../src/logout/front-channel.js'
import { recordSession } from '../../src/sessions.js'
import type { Session, SessionStore } from '../../src/storage.js'
import { createMemorySessionStore } from '../../src/stores/memory.js'
import type { LogoutTokenFault, MockClient } from '../../src/testing/index.js'
import { assertNoSecrets, registerSecret } from './helpers.js'
import { browserRequest, CLIENT_ID, createFixture, type Fixture } from './sign-in.js'

export const BACKCHANNEL_URI = 'https://rp.example/logout/backchannel'
export const FRONTCHANNEL_URI = 'https://rp.example/logout/frontchannel'
export const POST_LOGOUT_URI = 'https://rp.example/logged-out'

/** The fixture. */
export interface LogoutFixture extends Fixture {
  readonly sessions: SessionStore
  /** What the RP's back-channel and front-channel endpoints did, newest last. */
  readonly handled: (BackChannelLogoutResult | FrontChannelLogoutResult)[]
  /** Signs alice in (with an OP session id when `sid` is given) and records the session. */
  signInSession(
    sid?: string,
  ): Promise<{ result: SignInResult; sessionId: string; session: Session }>
}

/** Options of {@link createLogoutFixture}. */
export interface LogoutFixtureOptions {
  readonly client?: Partial<MockClient>
  readonly clientInput?: Partial<ClientInput>
  readonly sessions?: SessionStore
}

/**
 * Builds the fixture: the mock client registers `RS256` ID tokens, both logout URIs and a
 * post-logout redirect URI; the RP's configuration registers the same.
 * @param options - client tweaks and the session store
 * @returns the fixture
 */
export async function createLogoutFixture(
  options: LogoutFixtureOptions = {},
): Promise<LogoutFixture> {
  const handled: LogoutFixture['handled'] = []
  const sessions = options.sessions ?? createMemorySessionStore()
  let rp: ((request: Request) => Promise<Response>) | undefined
  const fixture = await createFixture({
    client: {
      id_token_signed_response_alg: 'RS256',
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      backchannel_logout_uri: BACKCHANNEL_URI,
      frontchannel_logout_uri: FRONTCHANNEL_URI,
      ...options.client,
    },
    clientInput: { post_logout_redirect_uris: [POST_LOGOUT_URI], ...options.clientInput },
    op: {
      rpFetch: (input, init) => {
        if (rp === undefined) throw new Error('the RP is not ready')
        return rp(new Request(input, init))
      },
    },
  })
  const { config } = fixture
  rp = async (request) => {
    const path = new URL(request.url).pathname
    if (path === new URL(BACKCHANNEL_URI).pathname) {
      const outcome = await handleBackChannelLogout(config, request, { sessionStore: sessions })
      handled.push(outcome)
      return outcome.response
    }
    if (path === new URL(FRONTCHANNEL_URI).pathname) {
      const cookie = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1]
      const outcome = await handleFrontChannelLogout(config, request, {
        sessionStore: sessions,
        sessionId: cookie,
      })
      handled.push(outcome)
      return outcome.response
    }
    return new Response('not found', { status: 404 })
  }
  return {
    ...fixture,
    sessions,
    handled,
    async signInSession(sid) {
      const started = await fixture.start()
      const response = await fixture.authorize(started, sid === undefined ? {} : { sid })
      const result = await handleCallback(config, browserRequest(response), {
        ...(started.binding ? { browserBinding: started.binding } : {}),
      })
      registerSecret(result.idToken)
      const { sessionId, session } = await recordSession(config, sessions, result)
      return { result, sessionId, session }
    },
  }
}

let counter = 0
/** A fresh OP session id per test. */
export const nextSid = () => `op-session-${++counter}`

export function lastOutcome(f: LogoutFixture): BackChannelLogoutResult {
  const outcome = f.handled.at(-1)
  assert.ok(outcome, 'the RP handled a request')
  return outcome as BackChannelLogoutResult
}

/** A POST of a form body to the back-channel URI. */
export function post(body: string, type = 'application/x-www-form-urlencoded'): Request {
  return new Request(BACKCHANNEL_URI, { method: 'POST', headers: { 'content-type': type }, body })
}

/**
 * Signs alice in, has the OP send a broken logout token, checks the refusal (400, JSON error,
 * no-store, typed code, nothing leaked, the session kept), then the passing twin: the same
 * delivery without the fault ends the session.
 */
export async function refusedThenAccepted(
  f: LogoutFixture,
  fault: LogoutTokenFault,
  code: ValidationErrorCode,
): Promise<void> {
  const sid = nextSid()
  const { sessionId } = await f.signInSession(sid)
  const bad = await f.op.backChannelLogout({ clientId: CLIENT_ID, user: 'alice', sid, fault })
  registerSecret(bad.logoutToken)
  const outcome = lastOutcome(f)
  assert.equal(outcome.error?.code, code, outcome.error?.message)
  assertNoSecrets(outcome.error)
  assert.equal(bad.status, 400)
  assert.equal(bad.response?.headers.get('cache-control'), 'no-store')
  assert.equal(bad.response?.headers.get('content-type'), 'application/json')
  const text = (await bad.response?.text()) ?? ''
  assert.equal(JSON.parse(text).error, 'invalid_request')
  assert.ok(!text.includes(bad.logoutToken ?? '-'), 'the body does not echo the token')
  assert.deepEqual(outcome.ended, [])
  assert.ok(await f.sessions.get(sessionId), 'the session survives a refused token')

  const good = await f.op.backChannelLogout({ clientId: CLIENT_ID, user: 'alice', sid })
  assert.equal(good.status, 200, lastOutcome(f).error?.message)
  assert.deepEqual(
    lastOutcome(f).ended.map((s) => s.id),
    [sessionId],
  )
  assert.equal(await f.sessions.get(sessionId), undefined)
}
