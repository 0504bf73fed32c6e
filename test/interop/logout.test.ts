/**
 * Logout against a real OP (oidc-provider 8): RP-initiated logout with its post-logout redirect,
 * and the back-channel logout token the OP then sends to the RP. Every refusal has its twin.
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
  discover,
  handleBackChannelLogout,
  handlePostLogoutRedirect,
  recordSession,
  type SessionStore,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode } from '../support/helpers.js'
import type { CookieJar } from './browser.js'
import { type RunningOp, startOp } from './op-server.js'
import { SIGNED_OUT } from './rp.js'
import { callbackInput, REDIRECT, SECRET } from './setup.js'

/** The browser of this suite: it keeps each sign-in's browser-binding cookie. */
const browser = inBrowser()

let op: RunningOp
let receiver: Server
let config: Configuration
let sessions: SessionStore
/** What the RP's back-channel endpoint did, request by request. */
const received: { token: string; result: BackChannelLogoutResult }[] = []

before(async () => {
  sessions = createMemorySessionStore()
  // the RP's back-channel logout endpoint, on loopback for the OP to call
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
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const backchannel = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel`
  op = await startOp({
    clients: [
      {
        client_id: 'logout',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [SIGNED_OUT],
        backchannel_logout_uri: backchannel,
        backchannel_logout_session_required: true,
      },
    ],
  })
  config = await discover(op.issuer, {
    client_id: 'logout',
    client_secret: SECRET,
    redirect_uris: [REDIRECT],
    post_logout_redirect_uris: [SIGNED_OUT],
  })
})

after(async () => {
  await op?.close()
  receiver?.closeAllConnections()
  receiver?.close()
})

/** Signs alice in with a browser whose OP cookies are kept, and records the RP session. */
async function signedIn(): Promise<{ jar: CookieJar; sessionId: string; idToken: string }> {
  const jar: CookieJar = new Map()
  const { url } = await browser.createAuthorizationRequest(config)
  const result = await browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice', jar })),
  )
  assert.equal(result.idTokenClaims.sub, 'alice')
  const { sessionId } = await recordSession(config, sessions, result)
  return { jar, sessionId, idToken: result.idToken }
}

describe('RP-initiated and back-channel logout', () => {
  test('rp-init-logout, rp-backchannel-rpinitlogout: the OP signs out, returns with the state and ends the RP session over the back channel', async () => {
    const { jar, sessionId, idToken } = await signedIn()
    const session = await sessions.get(sessionId)
    assert.ok(session?.sid, 'the ID token carries sid (backchannel_logout_session_required)')
    const { url, state } = createEndSessionRequest(config, { idTokenHint: idToken })
    const back = await op.completeLogout(url, { jar })
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
    const back = await op.completeLogout(url, { jar })
    await expectCode(
      handlePostLogoutRedirect(config, back, { expectedState: 'another-state-value' }),
      'LOGOUT_STATE_MISMATCH',
    )
  })

  test('a replayed logout token is refused', async () => {
    const { jar, idToken } = await signedIn()
    await op.completeLogout(createEndSessionRequest(config, { idTokenHint: idToken }).url, { jar })
    const token = received.at(-1)?.token ?? ''
    const replay = await handleBackChannelLogout(
      config,
      new URLSearchParams({ logout_token: token }),
      { sessionStore: sessions },
    )
    assert.equal(replay.response.status, 400)
    assert.equal(replay.error?.code, 'LOGOUT_TOKEN_REPLAYED')
  })
})
