/**
 * The resource limits of `Settings` (and the memory store's bound): each is enforced at its value,
 * configurable, and lets through what is just within it. `docs/security.md` ("Limits") lists them.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  type ConfigurationOptions,
  createAuthorizationRequest,
  createConfiguration,
  createMemoryTransactionStore,
  discover,
  fetchUserInfo,
  handleCallback,
  refreshTokens,
  type Transaction,
  validateIdToken,
  validateLogoutToken,
} from '../src/index.js'
import {
  BACK_ACCESS_TOKEN,
  BROWSER_BINDING,
  backChannel,
  CLIENT_ID,
  CLIENT_SECRET,
  CODE,
  codeTransaction,
  fuzzConfig,
  fuzzFetch,
  fuzzMetadata,
  ISSUER,
  NONCE,
  NOW,
  OP_JWKS,
  REDIRECT_URI,
  REFRESH_TOKEN,
  signJson,
  VERIFIER,
  validIdTokenClaims,
} from './fuzz/op.js'
import { expectCode, registerSecret } from './support/helpers.js'

registerSecret(CLIENT_SECRET, CODE, VERIFIER, BACK_ACCESS_TOKEN, REFRESH_TOKEN)

const ID_TOKEN = await signJson({ alg: 'RS256', kid: 'rs-1' }, validIdTokenClaims(), 'op-rs')
const expectations = { source: 'token', nonce: NONCE } as const
const client = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }

describe('limits: response sizes', () => {
  /** A fetch whose answers at one endpoint are padded to about `size` bytes. */
  function padded(endpoint: string, size: number) {
    return fuzzFetch(async (url, request) => {
      const answer =
        url.pathname === '/.well-known/openid-configuration'
          ? Response.json(fuzzMetadata())
          : url.pathname === '/jwks'
            ? Response.json(OP_JWKS)
            : url.pathname === '/par'
              ? Response.json({ request_uri: 'urn:x', expires_in: 60 }, { status: 201 })
              : await backChannel(url, request)
      if (answer === undefined || url.pathname !== endpoint) return answer
      const body = (await answer.json()) as Record<string, unknown>
      body.padding = 'p'.repeat(size)
      return Response.json(body, { status: answer.status })
    })
  }

  const calls: Record<string, (options: ConfigurationOptions) => Promise<unknown>> = {
    '/.well-known/openid-configuration': (options) => discover(ISSUER, client, options),
    '/jwks': (options) =>
      validateIdToken(fuzzConfig(options.fetch!, {}, options), ID_TOKEN, expectations),
    '/token': (options) => refreshTokens(fuzzConfig(options.fetch!, {}, options), REFRESH_TOKEN),
    '/par': (options) =>
      createAuthorizationRequest(
        fuzzConfig(options.fetch!, {}, { ...options, policy: { transport: 'par' } }),
      ),
    '/userinfo': (options) =>
      fetchUserInfo(fuzzConfig(options.fetch!, {}, options), BACK_ACCESS_TOKEN, {
        expectedSubject: 'alice',
      }),
  }
  const ENDPOINTS = {
    '/.well-known/openid-configuration': 'discovery',
    '/jwks': 'jwks',
    '/token': 'token',
    '/par': 'par',
    '/userinfo': 'userinfo',
  } as const

  for (const [path, endpoint] of Object.entries(ENDPOINTS)) {
    test(`maxResponseBytes and maxResponseBytesByEndpoint.${endpoint} bound the ${endpoint} response`, async () => {
      const { fetch } = padded(path, 8_000)
      const call = calls[path]!
      // the one limit for all endpoints
      await expectCode(call({ fetch, maxResponseBytes: 4_000 }), 'HTTP_RESPONSE_TOO_LARGE')
      await call({ fetch, maxResponseBytes: 16_000 })
      // the endpoint's own limit wins over maxResponseBytes, in both directions
      await expectCode(
        call({ fetch, maxResponseBytesByEndpoint: { [endpoint]: 4_000 } }),
        'HTTP_RESPONSE_TOO_LARGE',
      )
      // other endpoints keep maxResponseBytes (4,000): only this endpoint's body is large
      await call({
        fetch,
        maxResponseBytes: 4_000,
        maxResponseBytesByEndpoint: { [endpoint]: 16_000 },
      })
    })
  }

  test('maxResponseBytesByEndpoint is validated: known endpoints and non-negative numbers only', async () => {
    for (const bad of [{ tokens: 5 }, { token: -1 }, { token: '5' }, [], 'x']) {
      await expectCode(
        () =>
          createConfiguration(fuzzMetadata(), client, {
            maxResponseBytesByEndpoint: bad as never,
          }),
        'INVALID_CONFIGURATION',
      )
    }
    const config = createConfiguration(fuzzMetadata(), client, {
      maxResponseBytesByEndpoint: { jwks: 65_536 },
    })
    assert.deepEqual(config.settings.maxResponseBytesByEndpoint, { jwks: 65_536 })
    assert.ok(Object.isFrozen(config.settings.maxResponseBytesByEndpoint))
  })
})

describe('limits: tokens and keys', () => {
  test('maxJwtLength: an ID token one character longer is JWT_TOO_LARGE before any decoding', async () => {
    const { fetch } = fuzzFetch()
    await expectCode(
      validateIdToken(
        fuzzConfig(fetch, {}, { maxJwtLength: ID_TOKEN.length - 1 }),
        ID_TOKEN,
        expectations,
      ),
      'JWT_TOO_LARGE',
    )
    const claims = await validateIdToken(
      fuzzConfig(fetch, {}, { maxJwtLength: ID_TOKEN.length }),
      ID_TOKEN,
      expectations,
    )
    assert.equal(claims.sub, 'alice')
    assert.equal(fuzzConfig(fetch).settings.maxJwtLength, 16 * 1024)
  })

  test('maxJwtLength applies to logout tokens too', async () => {
    const { fetch } = fuzzFetch()
    const logoutToken = await signJson(
      { alg: 'RS256', kid: 'rs-1', typ: 'logout+jwt' },
      {
        iss: ISSUER,
        aud: CLIENT_ID,
        iat: NOW,
        jti: 'limits-logout-1',
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        sid: 'op-session',
      },
      'op-rs',
    )
    await expectCode(
      validateLogoutToken(
        fuzzConfig(fetch, {}, { maxJwtLength: logoutToken.length - 1 }),
        logoutToken,
      ),
      'JWT_TOO_LARGE',
    )
    const claims = await validateLogoutToken(
      fuzzConfig(fetch, {}, { maxJwtLength: logoutToken.length }),
      logoutToken,
    )
    assert.equal(claims.sid, 'op-session')
  })

  test('maxJwksKeys: keys past the limit are never read', async () => {
    const decoys = [1, 2, 3].map((i) => ({ ...OP_JWKS.keys[1], kid: `decoy-${i}` }))
    const { fetch } = fuzzFetch((url) =>
      url.pathname === '/jwks' ? Response.json({ keys: [...decoys, OP_JWKS.keys[0]] }) : undefined,
    )
    await expectCode(
      validateIdToken(fuzzConfig(fetch, {}, { maxJwksKeys: 3 }), ID_TOKEN, expectations),
      'JWKS_NO_MATCHING_KEY',
    )
    await validateIdToken(fuzzConfig(fetch, {}, { maxJwksKeys: 4 }), ID_TOKEN, expectations)
    assert.equal(fuzzConfig(fetch).settings.maxJwksKeys, 100)
  })

  test('maxKeyCandidates: a kid-less JWS with more candidate keys than the limit is refused untried', async () => {
    const kidless = await signJson({ alg: 'RS256' }, validIdTokenClaims(), 'op-rs')
    const rsa = OP_JWKS.keys[0]!
    const keys = [{ ...rsa, kid: 'a' }, { ...rsa, kid: 'b' }, rsa]
    const { fetch } = fuzzFetch((url) =>
      url.pathname === '/jwks' ? Response.json({ keys }) : undefined,
    )
    await expectCode(
      validateIdToken(fuzzConfig(fetch, {}, { maxKeyCandidates: 2 }), kidless, expectations),
      'JWKS_TOO_MANY_CANDIDATES',
    )
    await validateIdToken(fuzzConfig(fetch, {}, { maxKeyCandidates: 3 }), kidless, expectations)
    assert.equal(fuzzConfig(fetch).settings.maxKeyCandidates, 5)
  })

  test('jwksRefetchCooldownInSeconds: unknown kids re-fetch the JWKS at most once per cooldown', async () => {
    const clock = { now: NOW * 1000 }
    const { fetch, urls } = fuzzFetch()
    const config = fuzzConfig(fetch, {}, { jwksRefetchCooldownInSeconds: 30, now: () => clock.now })
    const unknown = await signJson({ alg: 'RS256', kid: 'gone' }, validIdTokenClaims(), 'op-rs')
    const jwksFetches = () => urls.filter((u) => u.endsWith('/jwks')).length
    await validateIdToken(config, ID_TOKEN, expectations)
    assert.equal(jwksFetches(), 1)
    clock.now += 31_000
    await expectCode(validateIdToken(config, unknown, expectations), 'JWKS_NO_MATCHING_KEY')
    assert.equal(jwksFetches(), 2) // one re-fetch for the unknown kid
    for (let i = 0; i < 10; i++) {
      await expectCode(validateIdToken(config, unknown, expectations), 'JWKS_NO_MATCHING_KEY')
    }
    assert.equal(jwksFetches(), 2) // none within the cooldown
    clock.now += 31_000
    await expectCode(validateIdToken(config, unknown, expectations), 'JWKS_NO_MATCHING_KEY')
    assert.equal(jwksFetches(), 3)
  })
})

describe('limits: requests and callbacks', () => {
  test('timeoutInMs: a token endpoint that never answers is HTTP_TIMEOUT within the timeout', async () => {
    const { fetch } = fuzzFetch((url) =>
      url.pathname === '/token' ? new Promise<Response>(() => {}) : undefined,
    )
    const started = Date.now()
    await expectCode(
      refreshTokens(fuzzConfig(fetch, {}, { timeoutInMs: 100 }), REFRESH_TOKEN),
      'HTTP_TIMEOUT',
    )
    assert.ok(Date.now() - started < 2_000, 'the timeout bounds the wait')
    const answering = fuzzFetch(backChannel).fetch
    const refreshed = await refreshTokens(
      fuzzConfig(answering, {}, { timeoutInMs: 100 }),
      REFRESH_TOKEN,
    )
    assert.equal(refreshed.accessToken.value, BACK_ACCESS_TOKEN)
    assert.equal(fuzzConfig(fetch, {}, {}).settings.timeoutInMs, 2000) // fuzzConfig's own value
    assert.equal(createConfiguration(fuzzMetadata(), client).settings.timeoutInMs, 10_000)
  })

  /** A configuration with a code sign-in pending under `state`. */
  async function pending(state: string, options: ConfigurationOptions = {}) {
    const store = createMemoryTransactionStore({ now: () => NOW * 1000 })
    const config = fuzzConfig(fuzzFetch(backChannel).fetch, {}, { store, ...options })
    await store.set(codeTransaction(state), 600)
    return { config, store }
  }

  /** The fuzz browser's binding cookie, which every pending transaction here is bound to. */
  const BOUND = { browserBinding: BROWSER_BINDING }
  const bindingOf = (request: { browserBinding: { value: string } | undefined }) => ({
    browserBinding: request.browserBinding!.value,
  })

  const callback = (state: string, extra: Record<string, string> = {}) =>
    `${REDIRECT_URI}?${new URLSearchParams({ code: CODE, state, iss: ISSUER, ...extra })}`

  test('maxCallbackParameters: one parameter more is refused and consumes nothing', async () => {
    const { config, store } = await pending('s1', { maxCallbackParameters: 3 })
    await expectCode(
      handleCallback(config, callback('s1', { x: '1' }), BOUND),
      'CALLBACK_INVALID_INPUT',
    )
    assert.ok(await store.take('s1'), 'the transaction is still pending')
    await store.set(codeTransaction('s1'), 600)
    assert.equal((await handleCallback(config, callback('s1'), BOUND)).idTokenClaims.sub, 'alice')
    assert.equal(fuzzConfig(fetch).settings.maxCallbackParameters, 50)
  })

  test('maxCallbackBytes: a callback URL or form body one byte over is refused and consumes nothing', async () => {
    const url = callback('s2', { pad: 'x'.repeat(100) })
    const { config, store } = await pending('s2', { maxCallbackBytes: url.length - 1 })
    await expectCode(handleCallback(config, url, BOUND), 'CALLBACK_INVALID_INPUT')
    const body = new URL(url).search.slice(1)
    const post = (text: string) =>
      new Request(REDIRECT_URI, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: text,
      })
    const tight = fuzzConfig(
      fuzzFetch(backChannel).fetch,
      {},
      {
        store,
        maxCallbackBytes: body.length - 1,
      },
    )
    await expectCode(handleCallback(tight, post(body), BOUND), 'CALLBACK_INVALID_INPUT')
    assert.ok(await store.take('s2'), 'the transaction is still pending')
    await store.set(codeTransaction('s2'), 600)
    const exact = fuzzConfig(
      fuzzFetch(backChannel).fetch,
      {},
      { store, maxCallbackBytes: url.length },
    )
    assert.equal((await handleCallback(exact, url, BOUND)).idTokenClaims.sub, 'alice')
    assert.equal(fuzzConfig(fetch).settings.maxCallbackBytes, 64 * 1024)
  })

  test('transactionTtlInSeconds: a callback after the TTL finds no transaction; within it, it does', async () => {
    const clock = { now: NOW * 1000 }
    const store = createMemoryTransactionStore({ now: () => clock.now })
    const config = fuzzConfig(
      fuzzFetch(backChannel).fetch,
      {},
      {
        store,
        now: () => clock.now,
        transactionTtlInSeconds: 60,
      },
    )
    const request = await createAuthorizationRequest(config)
    const tx: Transaction = request.transaction
    assert.equal(tx.expiresAt - tx.createdAt, 60)
    clock.now += 61_000
    await expectCode(
      handleCallback(config, callback(request.state), bindingOf(request)),
      'CALLBACK_STATE_UNKNOWN',
    )
    const again = await createAuthorizationRequest(config)
    clock.now += 59_000
    // found and consumed: the mock token endpoint then refuses the code, which is not the one sent
    await expectCode(
      handleCallback(config, callback(again.state), bindingOf(again)),
      'TOKEN_ERROR_RESPONSE',
    )
  })

  test('createMemoryTransactionStore maxEntries: the oldest pending sign-in is evicted beyond the bound', async () => {
    const store = createMemoryTransactionStore({ maxEntries: 2, now: () => NOW * 1000 })
    for (const state of ['a', 'b', 'c']) await store.set(codeTransaction(state), 600)
    assert.equal(await store.take('a'), undefined)
    assert.equal((await store.take('b'))?.state, 'b')
    assert.equal((await store.take('c'))?.state, 'c')
  })

  test('every limit setting is validated: a negative or non-numeric value is INVALID_CONFIGURATION', async () => {
    const names = [
      'timeoutInMs',
      'maxResponseBytes',
      'maxJwtLength',
      'maxJwksKeys',
      'maxKeyCandidates',
      'maxCallbackParameters',
      'maxCallbackBytes',
      'jwksRefetchCooldownInSeconds',
      'transactionTtlInSeconds',
    ]
    for (const name of names) {
      for (const bad of [-1, '10', Number.NaN]) {
        await expectCode(
          () => createConfiguration(fuzzMetadata(), client, { [name]: bad }),
          'INVALID_CONFIGURATION',
        )
      }
      const config = createConfiguration(fuzzMetadata(), client, { [name]: 7 })
      assert.equal(config.settings[name as keyof typeof config.settings], 7)
    }
  })
})
