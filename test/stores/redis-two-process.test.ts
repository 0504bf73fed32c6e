import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import {
  BACKCHANNEL_URI,
  CLIENT_ID,
  type RpProcess,
  type ServedOp,
  startOp,
  startRp,
} from '../support/two-process.js'

let redis: RedisServer
let served: ServedOp
let machineA: RpProcess
let machineB: RpProcess

before(async () => {
  // Redis first: when it cannot start, nothing else is left running to keep the process alive
  redis = await startRedis()
  served = await startOp()
  const env = { STORE: 'redis', REDIS_URL: redis.url, PREFIX: `two-process-${Date.now()}:` }
  const [a, b] = await Promise.allSettled([
    startRp(served.op.issuer, env),
    startRp(served.op.issuer, env),
  ])
  if (a.status === 'fulfilled') machineA = a.value
  if (b.status === 'fulfilled') machineB = b.value
  if (a.status === 'rejected') throw a.reason
  if (b.status === 'rejected') throw b.reason
})

after(async () => {
  await Promise.all([machineA?.stop(), machineB?.stop()])
  await served?.close()
  await redis?.stop()
})

/** Signs alice in: the request built on one machine, the callback handled on the other. */
async function signIn(start: RpProcess, finish: RpProcess, sid: string) {
  const login = await start.post<{ url: string; state: string; binding: string }>('/login')
  const response = await served.op.authorize(login.body.url, { user: 'alice', sid })
  return finish.post<{ sessionId?: string; code?: string }>('/callback', {
    url: response.url,
    binding: login.body.binding,
  })
}

describe('two RP processes sharing Redis', () => {
  test('the authorization request built on one machine completes on the other, once', async () => {
    const login = await machineA.post<{ url: string; binding: string }>('/login')
    assert.match(
      login.body.binding,
      /^[\w-]{43}$/,
      'a random browser-binding value, not the transaction',
    )
    const response = await served.op.authorize(login.body.url, { user: 'alice', sid: 'op-1' })
    const { binding } = login.body
    const done = await machineB.post<{ sessionId?: string }>('/callback', {
      url: response.url,
      binding,
    })
    assert.equal(done.status, 200)
    assert.match(done.body.sessionId ?? '', /^[\w-]{43}$/)
    const replay = await machineA.post<{ code?: string }>('/callback', {
      url: response.url,
      binding,
    })
    assert.equal(replay.status, 400)
    assert.equal(replay.body.code, 'CALLBACK_STATE_UNKNOWN')
  })

  test('of 1,000 concurrent takes of one state across both machines exactly one wins', async () => {
    const login = await machineA.post<{ state: string }>('/login')
    const [a, b] = await Promise.all([
      machineA.post<{ wins: number }>('/take', { state: login.body.state, count: 500 }),
      machineB.post<{ wins: number }>('/take', { state: login.body.state, count: 500 }),
    ])
    assert.equal(a.body.wins + b.body.wins, 1)
  })

  test('a back-channel logout received by one machine ends the session created by the other', async () => {
    const created = await signIn(machineA, machineB, 'op-2')
    const sessionId = created.body.sessionId ?? ''
    const kept = await signIn(machineA, machineB, 'op-3')
    assert.deepEqual(await machineA.get(`/session?id=${sessionId}`), { exists: true })
    const delivery = await served.op.backChannelLogout({
      clientId: CLIENT_ID,
      sid: 'op-2',
      // the load balancer routes the OP's POST to machine A
      fetch: (_input, init) => fetch(`${machineA.url}${new URL(BACKCHANNEL_URI).pathname}`, init),
    })
    assert.equal(delivery.status, 200)
    assert.equal(delivery.response?.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await machineB.get(`/session?id=${sessionId}`), { exists: false })
    assert.deepEqual(await machineB.get(`/session?id=${kept.body.sessionId}`), { exists: true })
    const replayed = await fetch(`${machineB.url}/backchannel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: delivery.logoutToken ?? '' }),
    })
    assert.equal(replayed.status, 400, 'the jti is remembered across machines')
    assert.match(await replayed.text(), /already received/)
  })
})
