/**
 * Logout against Glewlwyd 2.7 (Debian's package): RP-initiated logout with its post-logout
 * redirect, and the back-channel logout token Glewlwyd then sends to the RP. Every refusal has its
 * twin.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  type BackChannelLogoutResult,
  type Configuration,
  createEndSessionRequest,
  createMemorySessionStore,
  handleBackChannelLogout,
  handlePostLogoutRedirect,
  recordSession,
  type SessionStore,
} from '../../../src/index.js'
import { expectCode } from '../../support/helpers.js'
import { type CookieJar, completeLogin, completeLogout } from './browser.js'
import {
  ALICE,
  begin,
  type GlewlwydSuite,
  REDIRECT,
  SECRET,
  SIGNED_OUT,
  startGlewlwydSuite,
} from './setup.js'

let g: GlewlwydSuite
let receiver: Server
let config: Configuration
let sessions: SessionStore
/** What the RP's back-channel endpoint did, request by request. */
const received: { token: string; result: BackChannelLogoutResult }[] = []
/** Resolves the next wait for a back-channel request (Glewlwyd sends it from a thread). */
let arrived: (() => void) | undefined

before(async () => {
  sessions = createMemorySessionStore()
  // the RP's back-channel logout endpoint, on loopback for Glewlwyd to call
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const request = new Request('http://127.0.0.1/backchannel', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body,
    })
    const result = await handleBackChannelLogout(config, request, { sessionStore: sessions })
    received.push({ token: new URLSearchParams(body).get('logout_token') ?? '', result })
    res.writeHead(result.response.status).end(await result.response.text())
    arrived?.()
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const backchannel = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel`
  g = await startGlewlwydSuite([
    {
      client_id: 'logout',
      confidential: true,
      client_secret: SECRET,
      redirect_uri: [REDIRECT],
      authorization_type: ['code'],
      token_endpoint_auth_method: ['client_secret_basic'],
      post_logout_redirect_uris: [SIGNED_OUT],
      backchannel_logout_uri: backchannel,
      backchannel_logout_session_required: '1',
    },
  ])
  config = await g.connect({
    client_id: 'logout',
    client_secret: SECRET,
    post_logout_redirect_uris: [SIGNED_OUT],
  })
})

after(async () => {
  await g?.server.close()
  receiver?.closeAllConnections()
  receiver?.close()
})

/** Signs alice in with a browser whose Glewlwyd cookies are kept, and records the RP session. */
async function signedIn(): Promise<{ jar: CookieJar; sessionId: string; idToken: string }> {
  const jar: CookieJar = new Map()
  const pending = await begin(config)
  const result = await pending.finish(
    await completeLogin(pending.url, { username: ALICE.username, password: ALICE.password, jar }),
  )
  const { sessionId } = await recordSession(config, sessions, result)
  return { jar, sessionId, idToken: result.idToken }
}

/** Runs the logout at Glewlwyd and waits (bounded) for the back-channel request it triggers. */
async function logoutAndDelivery(url: URL, jar: CookieJar): Promise<URL> {
  const count = received.length
  const delivered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no back-channel logout request came')), 10_000)
    arrived = () => {
      if (received.length > count) {
        clearTimeout(timer)
        resolve()
      }
    }
  })
  const back = await completeLogout(url, jar)
  await delivered
  return back
}

describe('RP-initiated and back-channel logout', () => {
  test('rp-init-logout, rp-backchannel-rpinitlogout: Glewlwyd signs out, returns with the state and ends the RP session over the back channel', async () => {
    const { jar, sessionId, idToken } = await signedIn()
    const session = await sessions.get(sessionId)
    assert.ok(session?.sid, 'the ID token carries sid')
    const { url, state } = createEndSessionRequest(config, { idTokenHint: idToken })
    const back = await logoutAndDelivery(url, jar)
    assert.equal(`${back.origin}${back.pathname}`, SIGNED_OUT)
    assert.deepEqual(await handlePostLogoutRedirect(config, back, { expectedState: state }), {
      state,
    })
    const last = received.at(-1)
    assert.equal(last?.result.response.status, 200)
    assert.deepEqual(
      last?.result.ended.map((s) => s.id),
      [sessionId],
    )
    assert.equal(await sessions.get(sessionId), undefined)
  })

  test('a post-logout redirect with another state is refused', async () => {
    const { jar, idToken } = await signedIn()
    const { url } = createEndSessionRequest(config, { idTokenHint: idToken })
    const back = await logoutAndDelivery(url, jar)
    await expectCode(
      handlePostLogoutRedirect(config, back, { expectedState: 'another-state-value' }),
      'LOGOUT_STATE_MISMATCH',
    )
  })

  test('a replayed logout token is refused', async () => {
    const { jar, idToken } = await signedIn()
    await logoutAndDelivery(createEndSessionRequest(config, { idTokenHint: idToken }).url, jar)
    const token = received.at(-1)?.token ?? ''
    const replay = await handleBackChannelLogout(
      config,
      new URLSearchParams({ logout_token: token }),
      { sessionStore: sessions },
    )
    assert.equal(replay.response.status, 400)
    assert.equal(replay.error?.code, 'LOGOUT_TOKEN_REPLAYED')
  })

  test("a logout token Glewlwyd sent to one client is refused by another client's configuration (audience)", async () => {
    const { jar, idToken } = await signedIn()
    await logoutAndDelivery(createEndSessionRequest(config, { idTokenHint: idToken }).url, jar)
    const other = await g.connect({ client_id: 'basic', client_secret: SECRET })
    const result = await handleBackChannelLogout(
      other,
      new URLSearchParams({ logout_token: received.at(-1)?.token ?? '' }),
      { sessionStore: sessions },
    )
    assert.equal(result.response.status, 400)
    assert.equal(result.error?.code, 'LOGOUT_TOKEN_AUDIENCE_MISMATCH')
  })
})
