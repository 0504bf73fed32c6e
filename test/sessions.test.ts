import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createConfiguration } from '../src/config/configuration.js'
import { endSessions, recordSession } from '../src/sessions.js'
import { createMemorySessionStore } from '../src/stores/memory.js'
import { failingSessionStore } from './support/failing-store.js'
import { expectCode } from './support/helpers.js'
import { createLogoutFixture } from './support/logout.js'
import { SESSION_ISSUER, session } from './support/session.js'

const ISS = SESSION_ISSUER

describe('recordSession', () => {
  test('records iss, sub, sid, client, the raw ID token and the expiry under a fresh CSPRNG id', async () => {
    const f = await createLogoutFixture()
    const { result, sessionId, session: saved } = await f.signInSession('op-session-7')
    assert.match(sessionId, /^[\w-]{43}$/)
    assert.equal(saved.id, sessionId)
    assert.equal(saved.iss, f.config.issuer)
    assert.equal(saved.sub, 'alice')
    assert.equal(saved.sid, 'op-session-7')
    assert.equal(saved.clientId, f.config.client.client_id)
    assert.equal(saved.idToken, result.idToken)
    const now = Math.floor(f.clock.now / 1000)
    assert.equal(saved.createdAt, now)
    assert.equal(saved.expiresAt, now + 8 * 3600)
    assert.deepEqual(await f.sessions.get(sessionId), saved)
    const other = await recordSession(f.config, f.sessions, result)
    assert.notEqual(other.sessionId, sessionId)
  })

  test('leaves sid out when the ID token has none, and honours ttlInSeconds', async () => {
    const f = await createLogoutFixture()
    const { result, session: saved } = await f.signInSession()
    assert.equal('sid' in saved, false)
    const { session: short } = await recordSession(f.config, f.sessions, result, {
      ttlInSeconds: 60,
    })
    assert.equal(short.expiresAt - short.createdAt, 60)
  })

  test('keeps the application data given, and refuses data that is not a plain object', async () => {
    const f = await createLogoutFixture()
    const { result } = await f.signInSession()
    const { session: kept } = await recordSession(f.config, f.sessions, result, {
      data: { plan: 'gold' },
    })
    assert.deepEqual((await f.sessions.get(kept.id))?.data, { plan: 'gold' })
    await expectCode(
      () => recordSession(f.config, f.sessions, result, { data: ['x'] as never }),
      'INVALID_ARGUMENT',
    )
  })

  test('refuses a result of another issuer, a malformed result and a bad TTL', async () => {
    const f = await createLogoutFixture()
    const { result } = await f.signInSession('s')
    const store = createMemorySessionStore()
    const foreign = { ...result, idTokenClaims: { ...result.idTokenClaims, iss: 'https://evil' } }
    await expectCode(recordSession(f.config, store, foreign), 'INVALID_ARGUMENT')
    await expectCode(
      recordSession(f.config, store, { idToken: 1, idTokenClaims: {} } as never),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      recordSession(f.config, store, result, { ttlInSeconds: 0 }),
      'INVALID_ARGUMENT',
    )
    // the passing twin: the same result is recorded
    assert.ok((await recordSession(f.config, store, result)).sessionId)
  })
})

describe('ending the sessions a logout names', () => {
  test('ends the sid sessions of this client only, and the sub sessions without sid', async () => {
    const store = createMemorySessionStore()
    await store.set(session('mine'), 60)
    await store.set(session('other-client', { clientId: 'other' }), 60)
    await store.set(session('other-sid', { sid: 'op-session-2' }), 60)
    const bySid = await endSessions(store, { iss: ISS, clientId: 'rp', sid: 'op-session-1' })
    assert.deepEqual(
      bySid.map((s) => s.id),
      ['mine'],
    )
    assert.ok(await store.get('other-client'))
    const bySub = await endSessions(store, { iss: ISS, clientId: 'rp', sub: 'alice' })
    assert.deepEqual(
      bySub.map((s) => s.id),
      ['other-sid'],
    )
    assert.deepEqual(await endSessions(store, { iss: ISS, clientId: 'rp' }), [])
  })

  test('with sid and sub, a session of another sub is left alone', async () => {
    const store = createMemorySessionStore()
    await store.set(session('bob', { sub: 'bob' }), 60)
    const ended = await endSessions(store, {
      iss: ISS,
      clientId: 'rp',
      sid: 'op-session-1',
      sub: 'alice',
    })
    assert.deepEqual(ended, [])
    assert.ok(await store.get('bob'))
  })

  test('of two racing logouts one ends the session', async () => {
    const store = createMemorySessionStore()
    await store.set(session('a'), 60)
    const target = { iss: ISS, clientId: 'rp', sid: 'op-session-1' }
    const [x, y] = await Promise.all([endSessions(store, target), endSessions(store, target)])
    assert.equal(x.length + y.length, 1)
  })
})

test('a configuration without the sign-in fixture records too (unit)', async () => {
  const config = createConfiguration(
    {
      issuer: ISS,
      authorization_endpoint: `${ISS}/authorize`,
      token_endpoint: `${ISS}/token`,
      jwks_uri: `${ISS}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    },
    {
      client_id: 'rp',
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'none',
    },
    { now: () => 5_000 },
  )
  const store = createMemorySessionStore({ now: () => 5_000 })
  const { session: saved } = await recordSession(config, store, {
    idToken: 'h.p.s',
    idTokenClaims: { iss: ISS, sub: 'alice', sid: 'x' },
  })
  assert.equal(saved.createdAt, 5)
  assert.equal(saved.sid, 'x')
})

describe('session store failures are STORE_ERROR', () => {
  test('recordSession with a store whose set fails: STORE_ERROR without the ID token or the arguments', async () => {
    const f = await createLogoutFixture()
    const { result } = await f.signInSession('op-session-fail')
    const broken = failingSessionStore(createMemorySessionStore(), ['set'])
    const err = await expectCode(recordSession(f.config, broken, result), 'STORE_ERROR')
    assert.match(String((err as Error).message), /session store set failed/)
  })

  test('twin: recordSession with a working store saves the session', async () => {
    const f = await createLogoutFixture()
    const { result } = await f.signInSession('op-session-ok')
    const store = createMemorySessionStore()
    const { sessionId } = await recordSession(f.config, store, result)
    assert.ok(await store.get(sessionId))
  })

  test('endSessions with a store whose findBySid, findBySub or delete fails: STORE_ERROR', async () => {
    for (const method of ['findBySid', 'findBySub', 'delete'] as const) {
      const inner = createMemorySessionStore()
      await inner.set(session('a'), 60)
      const target = {
        iss: ISS,
        clientId: 'rp',
        ...(method === 'findBySub' ? {} : { sid: 'op-session-1' }),
        sub: 'alice',
      }
      await expectCode(endSessions(failingSessionStore(inner, [method]), target), 'STORE_ERROR')
      // twin: the same store without the failure ends the session
      assert.deepEqual(
        (await endSessions(inner, target)).map((s) => s.id),
        ['a'],
      )
    }
  })
})
