import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { base64url } from 'jose'
import { type RpProcess, type ServedOp, startOp, startRp } from '../support/two-process.js'

let served: ServedOp
let machineA: RpProcess
let machineB: RpProcess

before(async () => {
  served = await startOp()
  const env = {
    STORE: 'sealed',
    SEALED_KEY: base64url.encode(crypto.getRandomValues(new Uint8Array(32))),
  }
  ;[machineA, machineB] = await Promise.all([
    startRp(served.op.issuer, env),
    startRp(served.op.issuer, env),
  ])
})

after(async () => {
  await Promise.all([machineA?.stop(), machineB?.stop()])
  await served?.close()
})

test('with the sealed cookie store (no Redis), a sign-in started on one machine completes on the other', async () => {
  const login = await machineA.post<{ url: string; binding: string }>('/login')
  assert.ok(
    login.body.binding.split('.').length === 5,
    'the transaction travels in the sealed value',
  )
  const response = await served.op.authorize(login.body.url, { user: 'alice' })
  const done = await machineB.post<{ sessionId?: string }>('/callback', {
    url: response.url,
    binding: login.body.binding,
  })
  assert.equal(done.status, 200)
  assert.match(done.body.sessionId ?? '', /^[\w-]{43}$/)
  const withoutCookie = await machineB.post<{ code?: string }>('/callback', { url: response.url })
  assert.equal(withoutCookie.body.code, 'CALLBACK_BROWSER_BINDING_MISSING')
  const replay = await machineB.post<{ code?: string }>('/callback', {
    url: response.url,
    binding: login.body.binding,
  })
  assert.equal(replay.body.code, 'CALLBACK_STATE_UNKNOWN')
})
