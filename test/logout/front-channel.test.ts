import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ValidationErrorCode } from '../../src/errors.js'
import {
  type FrontChannelLogoutResult,
  handleFrontChannelLogout,
} from '../../src/logout/front-channel.js'
import type { FrontChannelFault } from '../../src/testing/index.js'
import { failingSessionStore } from '../support/failing-store.js'
import { assertNoSecrets, expectCode } from '../support/helpers.js'
import { createLogoutFixture, FRONTCHANNEL_URI, type LogoutFixture } from '../support/logout.js'
import { CLIENT_ID } from '../support/sign-in.js'

let counter = 0
const nextSid = () => `fc-session-${++counter}`

function lastOutcome(f: LogoutFixture): FrontChannelLogoutResult {
  const outcome = f.handled.at(-1)
  assert.ok(outcome, 'the RP handled a request')
  return outcome as FrontChannelLogoutResult
}

/** The headers that make the page safe in the OP's iframe. */
function assertFramable(response: Response, opOrigin: string): void {
  assert.equal(response.headers.get('cache-control'), 'no-store')
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
  const csp = response.headers.get('content-security-policy') ?? ''
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, new RegExp(`frame-ancestors ${opOrigin}(;|$)`))
  assert.equal(response.headers.get('x-frame-options'), null)
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
}

describe('front-channel logout through the mock OP', async () => {
  const f = await createLogoutFixture()
  const opOrigin = new URL(f.op.issuer).origin

  test('rp-frontchannel-opinitlogout: iss and sid of the session end it, with a page safe to frame', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const delivery = await f.op.frontChannelLogout({
      clientId: CLIENT_ID,
      sid,
      headers: { cookie: `sid=${sessionId}` },
    })
    const url = new URL(delivery.url)
    assert.equal(url.searchParams.get('iss'), f.op.issuer)
    assert.equal(url.searchParams.get('sid'), sid)
    assert.equal(delivery.status, 200)
    assertFramable(delivery.response!, opOrigin)
    assert.match(await delivery.response!.text(), /signed out/)
    assert.deepEqual(
      lastOutcome(f).ended.map((s) => s.id),
      [sessionId],
    )
    assert.equal(await f.sessions.get(sessionId), undefined)
  })

  test('without the session cookie (third-party cookies blocked) the sessions of sid still end', async () => {
    const sid = nextSid()
    const a = await f.signInSession(sid)
    const b = await f.signInSession(sid)
    const delivery = await f.op.frontChannelLogout({ clientId: CLIENT_ID, sid })
    assert.equal(delivery.status, 200)
    assert.deepEqual(
      lastOutcome(f)
        .ended.map((s) => s.id)
        .sort(),
      [a.sessionId, b.sessionId].sort(),
    )
  })

  const cases: [FrontChannelFault, ValidationErrorCode][] = [
    ['wrong-issuer', 'FRONT_CHANNEL_ISSUER_MISMATCH'],
    ['wrong-sid', 'FRONT_CHANNEL_SID_MISMATCH'],
    ['sid-only', 'FRONT_CHANNEL_REQUEST_INVALID'],
    ['no-iss-sid', 'FRONT_CHANNEL_SESSION_MISSING'],
  ]
  for (const [fault, code] of cases) {
    test(`a front-channel call with fault ${fault} is refused with ${code}; the sound call ends the session`, async () => {
      const sid = nextSid()
      const { sessionId } = await f.signInSession(sid)
      const cookie = { cookie: `sid=${sessionId}` }
      const bad = await f.op.frontChannelLogout({
        clientId: CLIENT_ID,
        sid,
        fault,
        headers: cookie,
      })
      const outcome = lastOutcome(f)
      assert.equal(outcome.error?.code, code, outcome.error?.message)
      assertNoSecrets(outcome.error)
      assert.equal(bad.status, 400)
      assertFramable(bad.response!, opOrigin)
      assert.deepEqual(outcome.ended, [])
      assert.ok(await f.sessions.get(sessionId), 'the session survives')
      const good = await f.op.frontChannelLogout({ clientId: CLIENT_ID, sid, headers: cookie })
      assert.equal(good.status, 200)
      assert.equal(await f.sessions.get(sessionId), undefined)
    })
  }

  test('a session recorded without sid does not match a front-channel sid', async () => {
    const { sessionId } = await f.signInSession()
    const { error } = await handleFrontChannelLogout(
      f.config,
      `${FRONTCHANNEL_URI}?iss=${encodeURIComponent(f.op.issuer)}&sid=s`,
      { sessionStore: f.sessions, sessionId },
    )
    assert.equal(error?.code, 'FRONT_CHANNEL_SID_MISMATCH')
    assert.ok(await f.sessions.get(sessionId))
  })
})

describe('front-channel logout options', async () => {
  const f = await createLogoutFixture()

  test('with requireSession false, a bare call ends only the cookie session of this OP and client', async () => {
    const { sessionId } = await f.signInSession(nextSid())
    const other = await f.signInSession(nextSid())
    const bare = new Request(FRONTCHANNEL_URI)
    const strict = await handleFrontChannelLogout(f.config, bare, {
      sessionStore: f.sessions,
      sessionId,
    })
    assert.equal(strict.error?.code, 'FRONT_CHANNEL_SESSION_MISSING')
    const lax = await handleFrontChannelLogout(f.config, new Request(FRONTCHANNEL_URI), {
      sessionStore: f.sessions,
      sessionId,
      requireSession: false,
    })
    assert.equal(lax.response.status, 200)
    assert.deepEqual(
      lax.ended.map((s) => s.id),
      [sessionId],
    )
    assert.ok(await f.sessions.get(other.sessionId))
    const none = await handleFrontChannelLogout(f.config, new URL(FRONTCHANNEL_URI), {
      sessionStore: f.sessions,
      requireSession: false,
    })
    assert.deepEqual(none.ended, [])
  })

  test('frameAncestors replaces the framing origins; a malformed one throws INVALID_ARGUMENT', async () => {
    const query = new URLSearchParams({ iss: f.op.issuer, sid: 'nobody' })
    const { response } = await handleFrontChannelLogout(f.config, query, {
      sessionStore: f.sessions,
      frameAncestors: ['https://sso.example', 'https://op.example.com'],
    })
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /frame-ancestors https:\/\/sso\.example https:\/\/op\.example\.com$/,
    )
    await expectCode(
      handleFrontChannelLogout(f.config, query, {
        sessionStore: f.sessions,
        frameAncestors: ["https://x; script-src 'unsafe-inline'"],
      }),
      'INVALID_ARGUMENT',
    )
  })

  test('a POST, a repeated parameter or a non-request input is refused', async () => {
    const post = new Request(FRONTCHANNEL_URI, { method: 'POST' })
    const posted = await handleFrontChannelLogout(f.config, post, { sessionStore: f.sessions })
    assert.equal(posted.error?.code, 'FRONT_CHANNEL_REQUEST_INVALID')
    const repeated = await handleFrontChannelLogout(f.config, '?sid=a&sid=b&iss=x', {
      sessionStore: f.sessions,
    })
    assert.equal(repeated.error?.code, 'FRONT_CHANNEL_REQUEST_INVALID')
    await expectCode(
      handleFrontChannelLogout(f.config, 42 as never, { sessionStore: f.sessions }),
      'INVALID_ARGUMENT',
    )
    const fine = await handleFrontChannelLogout(
      f.config,
      `?iss=${encodeURIComponent(f.op.issuer)}&sid=a`,
      { sessionStore: f.sessions },
    )
    assert.equal(fine.response.status, 200)
  })
})

describe('store failures during front-channel logout', async () => {
  const f = await createLogoutFixture()
  const url = (sid: string) =>
    `${FRONTCHANNEL_URI}?iss=${encodeURIComponent(f.op.issuer)}&sid=${encodeURIComponent(sid)}`

  test('a session store failing in get, findBySid or delete answers the 400 page with STORE_ERROR, never a raw error', async () => {
    for (const method of ['get', 'findBySid', 'delete'] as const) {
      const sid = nextSid()
      const { sessionId } = await f.signInSession(sid)
      const out = await handleFrontChannelLogout(f.config, url(sid), {
        sessionStore: failingSessionStore(f.sessions, [method]),
        sessionId,
      })
      assert.equal(out.response.status, 400, method)
      assert.equal(out.error?.code, 'STORE_ERROR', method)
      assertNoSecrets(out.error)
      assert.ok(await f.sessions.get(sessionId), 'the session survives')
    }
  })

  test('without iss and sid (requireSession false), a failing get or delete is STORE_ERROR too', async () => {
    for (const method of ['get', 'delete'] as const) {
      const { sessionId } = await f.signInSession(nextSid())
      const out = await handleFrontChannelLogout(f.config, FRONTCHANNEL_URI, {
        sessionStore: failingSessionStore(f.sessions, [method]),
        sessionId,
        requireSession: false,
      })
      assert.equal(out.error?.code, 'STORE_ERROR', method)
    }
  })

  test('twin: the same calls with a working store end the session', async () => {
    const sid = nextSid()
    const { sessionId } = await f.signInSession(sid)
    const out = await handleFrontChannelLogout(f.config, url(sid), {
      sessionStore: failingSessionStore(f.sessions, []),
      sessionId,
    })
    assert.equal(out.response.status, 200, out.error?.message)
    assert.deepEqual(
      out.ended.map((s) => s.id),
      [sessionId],
    )
    const bare = await f.signInSession(nextSid())
    const lax = await handleFrontChannelLogout(f.config, FRONTCHANNEL_URI, {
      sessionStore: failingSessionStore(f.sessions, []),
      sessionId: bare.sessionId,
      requireSession: false,
    })
    assert.deepEqual(
      lax.ended.map((s) => s.id),
      [bare.sessionId],
    )
  })
})
