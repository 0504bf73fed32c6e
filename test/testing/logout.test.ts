import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import {
  createMockOP,
  type LogoutDelivery,
  type LogoutTokenFault,
  type MockOP,
  MockOPError,
} from '../../src/testing/index.js'
import { obtainCode, redeem, SECRET, secretClient, USERS } from '../support/mock-op.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const BC = (id: string) => `https://${id}.example/bc`
const FC = (id: string) => `https://${id}.example/fc`

/** Records the requests the OP makes to RPs, answering 200. */
function rpRecorder() {
  const seen: Request[] = []
  const rpFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(input, init))
    return new Response(null, { status: 200 })
  }
  return { seen, rpFetch }
}

let op: MockOP
const rp = rpRecorder()

before(async () => {
  op = await createMockOP({
    clients: [
      secretClient('both', {
        backchannel_logout_uri: BC('both'),
        frontchannel_logout_uri: FC('both'),
        frontchannel_logout_session_required: true,
      }),
      secretClient('bc-sid-only', {
        backchannel_logout_uri: BC('bc'),
        backchannel_logout_session_required: true,
      }),
      secretClient('plain'),
    ],
    users: USERS,
    rpFetch: rp.rpFetch,
  })
})

/** Signs a user in to a client with an OP session id (code flow through the token endpoint). */
async function signIn(clientId: string, sid: string, user = 'alice'): Promise<string> {
  const { code, verifier } = await obtainCode(op, clientId, {}, { user, sid })
  return (await redeem(op, clientId, code, verifier)).body.id_token ?? ''
}

describe('logout tokens', () => {
  it('are signed like ID tokens, typed logout+jwt, with the event, a fresh jti and two minutes of life', async () => {
    const token = await op.logoutToken({ clientId: 'both', user: 'alice', sid: 's1' })
    assert.equal(decodeProtectedHeader(token).typ, 'logout+jwt')
    assert.equal(decodeProtectedHeader(token).alg, 'RS256')
    const { payload } = await jwtVerify(token, createLocalJWKSet(op.jwks()), {
      issuer: op.issuer,
      audience: 'both',
      typ: 'logout+jwt',
    })
    assert.deepEqual(payload.events, { [EVENT]: {} })
    assert.equal(payload.sub, 'alice')
    assert.equal(payload.sid, 's1')
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 120)
    assert.equal(payload.nonce, undefined)
    const other = decodeJwt(await op.logoutToken({ clientId: 'both', sid: 's1' }))
    assert.notEqual(other.jti, payload.jti)
    assert.equal(other.sub, undefined)
  })

  it('each fault breaks what it names', async () => {
    const check: Record<LogoutTokenFault, (token: string) => void> = {
      'alg-none': (t) => assert.ok(decodeProtectedHeader(t).alg === 'none' && t.endsWith('.')),
      'wrong-alg': (t) => assert.equal(decodeProtectedHeader(t).alg, 'ES256'),
      'bad-signature': (t) => assert.equal(decodeProtectedHeader(t).alg, 'RS256'),
      'wrong-issuer': (t) => assert.equal(decodeJwt(t).iss, 'https://wrong-issuer.example'),
      'wrong-aud': (t) => assert.equal(decodeJwt(t).aud, 'https://other-client.example'),
      'no-event': (t) => assert.equal(decodeJwt(t).events, undefined),
      'wrong-event': (t) =>
        assert.equal((decodeJwt(t).events as object)[EVENT as never], undefined),
      'event-not-object': (t) =>
        assert.equal(typeof (decodeJwt(t).events as never)[EVENT], 'string'),
      'with-nonce': (t) => assert.equal(typeof decodeJwt(t).nonce, 'string'),
      'no-jti': (t) => assert.equal(decodeJwt(t).jti, undefined),
      'no-iat': (t) => assert.equal(decodeJwt(t).iat, undefined),
      'iat-in-future': (t) => assert.ok((decodeJwt(t).iat ?? 0) > Date.now() / 1000 + 3000),
      expired: (t) => assert.ok((decodeJwt(t).exp ?? 0) < Date.now() / 1000),
      'no-sid-no-sub': (t) => assert.ok(!('sid' in decodeJwt(t)) && !('sub' in decodeJwt(t))),
      'wrong-typ': (t) => assert.equal(decodeProtectedHeader(t).typ, 'at+jwt'),
    }
    const keys = createLocalJWKSet(op.jwks())
    for (const [fault, assertion] of Object.entries(check)) {
      const token = await op.logoutToken({
        clientId: 'both',
        user: 'alice',
        sid: 's1',
        fault: fault as LogoutTokenFault,
      })
      assertion(token)
      if (fault === 'bad-signature') {
        await assert.rejects(jwtVerify(token, keys))
      }
    }
  })

  it('wrong-alg falls back to HS256 with the client secret when the OP has one key; refuses otherwise', async () => {
    const single = await createMockOP({
      clients: [secretClient('s'), { client_id: 'p', redirect_uris: ['https://p.example/cb'] }],
      users: USERS,
      signingAlgs: ['RS256'],
    })
    const token = await single.logoutToken({ clientId: 's', sid: 'x', fault: 'wrong-alg' })
    assert.equal(decodeProtectedHeader(token).alg, 'HS256')
    await jwtVerify(token, new TextEncoder().encode(SECRET))
    await assert.rejects(
      single.logoutToken({ clientId: 'p', sid: 'x', fault: 'wrong-alg' }),
      MockOPError,
    )
  })

  it('claims and header patches apply; neither user nor sid, or an unknown client, is refused', async () => {
    const token = await op.logoutToken({
      clientId: 'both',
      sid: 's1',
      claims: { exp: undefined, extra: 1 },
      header: { typ: undefined },
    })
    assert.equal(decodeJwt(token).exp, undefined)
    assert.equal(decodeJwt(token).extra, 1)
    assert.equal(decodeProtectedHeader(token).typ, undefined)
    await assert.rejects(op.logoutToken({ clientId: 'both' }), MockOPError)
    await assert.rejects(op.logoutToken({ clientId: 'nobody', sid: 'x' }), MockOPError)
  })
})

describe('delivering logout to RPs', () => {
  it('back-channel: POSTs logout_token as a form to the registered URI and records the delivery', async () => {
    const delivery = await op.backChannelLogout({ clientId: 'both', sid: 's2' })
    const request = rp.seen.at(-1)
    assert.equal(request?.method, 'POST')
    assert.equal(request?.url, BC('both'))
    assert.equal(request?.headers.get('content-type'), 'application/x-www-form-urlencoded')
    const body = new URLSearchParams(await request?.text())
    assert.equal(body.get('logout_token'), delivery.logoutToken)
    assert.equal(delivery.status, 200)
    assert.equal(op.deliveries.at(-1), delivery)
  })

  it('front-channel: GETs the URI with iss and sid, or with the fault applied', async () => {
    const good = await op.frontChannelLogout({
      clientId: 'both',
      sid: 's3',
      headers: { cookie: 'a=b' },
    })
    const url = new URL(good.url)
    assert.equal(url.searchParams.get('iss'), op.issuer)
    assert.equal(url.searchParams.get('sid'), 's3')
    assert.equal(rp.seen.at(-1)?.headers.get('cookie'), 'a=b')
    const urls = await Promise.all(
      (['wrong-issuer', 'wrong-sid', 'sid-only', 'no-iss-sid'] as const).map(
        async (fault) =>
          new URL((await op.frontChannelLogout({ clientId: 'both', sid: 's3', fault })).url),
      ),
    )
    assert.deepEqual(
      urls.map((u) => [u.searchParams.get('iss'), u.searchParams.get('sid')]),
      [
        ['https://wrong-issuer.example', 's3'],
        [op.issuer, 'other-s3'],
        [null, 's3'],
        [null, null],
      ],
    )
  })

  it('refuses clients without the URI, a session-required front-channel without sid; records network failures', async () => {
    await assert.rejects(op.backChannelLogout({ clientId: 'plain', sid: 'x' }), MockOPError)
    await assert.rejects(op.frontChannelLogout({ clientId: 'plain', sid: 'x' }), MockOPError)
    await assert.rejects(op.frontChannelLogout({ clientId: 'both' }), MockOPError)
    const failed = await op.backChannelLogout({
      clientId: 'both',
      sid: 'x',
      fetch: async () => {
        throw new TypeError('connection refused')
      },
    })
    assert.equal(failed.status, 0)
    assert.equal(failed.error, 'connection refused')
  })
})

describe('OP sessions and their logout', () => {
  /** The channel, client and sid of deliveries. */
  const summary = (deliveries: LogoutDelivery[]) =>
    deliveries.map((d) => {
      const sid = d.logoutToken
        ? decodeJwt(d.logoutToken).sid
        : new URL(d.url).searchParams.get('sid')
      const sub = d.logoutToken ? decodeJwt(d.logoutToken).sub : undefined
      return [d.channel, d.clientId, sid, sub]
    })

  it('logout({ sid }) tells every client of the session through its channels, once', async () => {
    await signIn('both', 'op-s-1')
    await signIn('bc-sid-only', 'op-s-1')
    await signIn('plain', 'op-s-1')
    const deliveries = await op.logout({ sid: 'op-s-1' })
    assert.deepEqual(summary(deliveries), [
      ['back-channel', 'both', 'op-s-1', 'alice'],
      ['front-channel', 'both', 'op-s-1', undefined],
      ['back-channel', 'bc-sid-only', 'op-s-1', undefined],
    ])
    assert.deepEqual(await op.logout({ sid: 'op-s-1' }), [])
  })

  it('logout({ user }) ends every session of the user', async () => {
    await signIn('both', 'op-s-2')
    await signIn('both', 'op-s-3')
    await signIn('both', 'op-s-4', 'bob')
    const deliveries = await op.logout({ user: 'alice' })
    const sids = new Set(summary(deliveries).map((row) => row[2]))
    assert.deepEqual([...sids].sort(), ['op-s-2', 'op-s-3'])
    assert.equal((await op.logout({ sid: 'op-s-4' })).length, 2)
  })

  it('end_session with a hint of an untracked session sends a sub logout to the hint client', async () => {
    const { code, verifier } = await obtainCode(op, 'both')
    const hint = (await redeem(op, 'both', code, verifier)).body.id_token ?? ''
    const before = op.deliveries.length
    const url = new URL(String(op.metadata().end_session_endpoint))
    url.searchParams.set('id_token_hint', hint)
    const response = await op.fetch(url)
    assert.equal(response.status, 200)
    assert.deepEqual(summary(op.deliveries.slice(before)), [
      ['back-channel', 'both', undefined, 'alice'],
    ])
  })

  it('advertises back- and front-channel logout with session support', () => {
    const metadata = op.metadata()
    for (const member of [
      'backchannel_logout_supported',
      'backchannel_logout_session_supported',
      'frontchannel_logout_supported',
      'frontchannel_logout_session_supported',
    ]) {
      assert.equal(metadata[member], true, member)
    }
  })
})
