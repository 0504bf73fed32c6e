import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { Configuration } from '../src/config/configuration.js'
import { createConfiguration } from '../src/config/configuration.js'
import type { ValidationError } from '../src/errors.js'
import { expectNoNonce, validateIdToken } from '../src/id-token.js'
import { exportJwksCache, jwksOf, opJwksKeys, restoreJwksCache } from '../src/keys.js'
import { BACKCHANNEL_LOGOUT_EVENT, validateLogoutToken } from '../src/logout/logout-token.js'
import { fetchUserInfo } from '../src/userinfo.js'
import { client, providerMetadata } from './support/fixtures.js'
import { expectCode } from './support/helpers.js'
import { e1Key, safeSigningKeys, unsafeSigningKeys } from './support/unsafe-keys.js'

const encoder = new TextEncoder()
const verify = (config: Configuration, jws: string) =>
  jwksOf(config).verify(
    jws,
    decodeProtectedHeader(jws) as { alg: string },
    'ID_TOKEN_SIGNATURE_INVALID',
  )

async function signer(alg: 'RS256' | 'ES256', kid?: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg)
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig', ...(kid ? { kid } : {}) }
  const sign = (payload: object, headerKid: string | undefined = kid) =>
    new CompactSign(encoder.encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg, ...(headerKid ? { kid: headerKid } : {}) })
      .sign(privateKey)
  return { jwk, sign }
}

/** A JWKS endpoint whose keys the test can change, counting fetches. */
function jwksServer(keys: JWK[]) {
  const state = { keys, fetches: 0, delayMs: 0 }
  const fetch: typeof globalThis.fetch = async () => {
    state.fetches++
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs))
    return new Response(JSON.stringify({ keys: state.keys }), {
      headers: { 'content-type': 'application/json' },
    })
  }
  return { state, fetch }
}

test('rp-discovery-jwks_uri-keys: keys are fetched lazily from jwks_uri and cached', async () => {
  const a = await signer('RS256', 'a')
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  assert.equal(server.state.fetches, 0)
  const jws = await a.sign({ hello: 1 })
  const { payload, kid } = await verify(config, jws)
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { hello: 1 })
  assert.equal(kid, 'a')
  await verify(config, jws)
  assert.equal(server.state.fetches, 1)
})

test('an unknown kid re-fetches the JWKS once (key rotation), then fails with JWKS_NO_MATCHING_KEY', async () => {
  const a = await signer('ES256', 'a')
  const b = await signer('ES256', 'b')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  now += 10_000
  server.state.keys = [a.jwk, b.jwk] // the OP rotates
  await verify(config, await b.sign({}))
  assert.equal(server.state.fetches, 2)
  now += 10_000
  const stranger = await signer('ES256', 'c')
  await expectCode(verify(config, await stranger.sign({})), 'JWKS_NO_MATCHING_KEY')
  assert.equal(server.state.fetches, 3, 'exactly one re-fetch for the unknown kid')
})

test('N concurrent lookups of an unknown kid cause one JWKS request', async () => {
  const a = await signer('ES256', 'a')
  const b = await signer('ES256', 'b')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  now += 60_000
  server.state.keys = [b.jwk]
  server.state.delayMs = 20
  const jws = await b.sign({})
  await Promise.all(Array.from({ length: 25 }, () => verify(config, jws)))
  assert.equal(server.state.fetches, 2)
})

test('the cooldown stops a stream of unknown kids from hammering the OP', async () => {
  const a = await signer('ES256', 'a')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
    jwksRefetchCooldownInSeconds: 5,
  })
  await verify(config, await a.sign({}))
  const bogus = await signer('ES256', 'bogus')
  for (let i = 0; i < 20; i++) {
    now += 100
    await expectCode(verify(config, await bogus.sign({})), 'JWKS_NO_MATCHING_KEY')
  }
  assert.equal(server.state.fetches, 1, 'no re-fetch within the cooldown')
  now += 5_000
  await expectCode(verify(config, await bogus.sign({})), 'JWKS_NO_MATCHING_KEY')
  assert.equal(server.state.fetches, 2, 'one re-fetch once the cooldown has passed')
})

test('rp-id_token-kid-absent-single-jwks: without kid, the single candidate key is used', async () => {
  const a = await signer('RS256')
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer([a.jwk]).fetch,
  })
  await verify(config, await a.sign({}))
})

test('rp-id_token-kid-absent-multiple-jwks: without kid, each candidate is tried, bounded', async () => {
  const keys = await Promise.all([signer('RS256', 'a'), signer('RS256', 'b'), signer('RS256', 'c')])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer(keys.map((k) => k.jwk)).fetch,
  })
  const { kid } = await verify(config, await keys[2]!.sign({}, undefined))
  assert.equal(kid, 'c')
  const stranger = await signer('RS256')
  await expectCode(verify(config, await stranger.sign({})), 'ID_TOKEN_SIGNATURE_INVALID')
  const many = await Promise.all(Array.from({ length: 6 }, () => signer('RS256')))
  const crowded = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer(many.map((k) => k.jwk)).fetch,
  })
  await expectCode(verify(crowded, await many[0]!.sign({})), 'JWKS_TOO_MANY_CANDIDATES')
})

test('keys are selected by type, curve, use and alg: an RSA key never verifies ES256', async () => {
  const rsa = await signer('RS256', 'same')
  const ec = await signer('ES256', 'same')
  const encKey: JWK = { ...ec.jwk, use: 'enc', kid: 'enc' }
  const config = createConfiguration(providerMetadata(), client, {
    fetch: jwksServer([rsa.jwk, encKey]).fetch,
  })
  await expectCode(verify(config, await ec.sign({}, 'enc')), 'JWKS_NO_MATCHING_KEY')
  await verify(config, await rsa.sign({}))
})

test('a JWKS without a keys array is JWKS_INVALID', async () => {
  const a = await signer('RS256', 'a')
  const fetch: typeof globalThis.fetch = async () =>
    new Response('{"keys":{}}', { headers: { 'content-type': 'application/json' } })
  const config = createConfiguration(providerMetadata(), client, { fetch })
  await expectCode(verify(config, await a.sign({})), 'JWKS_INVALID')
})

test('the JWKS cache exports and restores: a restored cache needs no fetch', async () => {
  const a = await signer('ES256', 'a')
  const server = jwksServer([a.jwk])
  const first = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  assert.equal(exportJwksCache(first), undefined)
  const jws = await a.sign({})
  await verify(first, jws)
  const saved = JSON.parse(JSON.stringify(exportJwksCache(first)))
  const second = createConfiguration(providerMetadata(), client, { fetch: server.fetch })
  restoreJwksCache(second, saved)
  await verify(second, jws)
  assert.equal(server.state.fetches, 1)
  await expectCode(
    () => restoreJwksCache(second, { ...saved, uri: 'https://other.example/jwks' }),
    'INVALID_ARGUMENT',
  )
  await expectCode(() => restoreJwksCache(second, { ...saved, keys: 'x' }), 'INVALID_ARGUMENT')
})

test('a kid-less JWS signed by a rotated key of the same type re-fetches once after the cooldown', async () => {
  const a = await signer('ES256')
  const b = await signer('ES256')
  let now = 1_000_000
  const server = jwksServer([a.jwk])
  const config = createConfiguration(providerMetadata(), client, {
    fetch: server.fetch,
    now: () => now,
  })
  await verify(config, await a.sign({}))
  server.state.keys = [b.jwk]
  // within the cooldown the rotation cannot be followed: the old key fails and no fetch happens
  await expectCode(verify(config, await b.sign({})), 'ID_TOKEN_SIGNATURE_INVALID')
  assert.equal(server.state.fetches, 1)
  now += 10_000
  await verify(config, await b.sign({}))
  assert.equal(server.state.fetches, 2)
})

describe('JWKS failures fall under the cooldown and the single flight', () => {
  const failures = [
    ['a network error', 'HTTP_NETWORK_ERROR'],
    ['a 500', 'HTTP_UNEXPECTED_STATUS'],
    ['a body that is not JSON', 'HTTP_INVALID_JSON'],
  ] as const

  /** A JWKS endpoint that fails in one way while `down`, counting fetches. */
  function flakyJwks(keys: JWK[], failure: (typeof failures)[number][0]) {
    const state = { down: true, fetches: 0 }
    const fetch: typeof globalThis.fetch = async () => {
      state.fetches++
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (!state.down) {
        return new Response(JSON.stringify({ keys }), {
          headers: { 'content-type': 'application/json' },
        })
      }
      if (failure === 'a network error') throw new TypeError('fetch failed')
      if (failure === 'a 500') return new Response('down', { status: 500 })
      return new Response('{"keys": [', { headers: { 'content-type': 'application/json' } })
    }
    return { state, fetch }
  }

  async function setupFailing(failure: (typeof failures)[number][0]) {
    const key = await signer('ES256', 'a')
    const server = flakyJwks([key.jwk], failure)
    const clock = { now: 1_000_000 }
    const config = createConfiguration(providerMetadata(), client, {
      fetch: server.fetch,
      now: () => clock.now,
      jwksRefetchCooldownInSeconds: 5,
    })
    return { server, clock, config, jws: await key.sign({ ok: true }) }
  }

  for (const [failure, code] of failures) {
    test(`while the JWKS answers ${failure}, 25 concurrent verifications make one fetch and each gets ${code}`, async () => {
      const { server, config, jws } = await setupFailing(failure)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 25 }, () => verify(config, jws)),
      )
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected')
        assert.equal((outcome as PromiseRejectedResult).reason.code, code)
      }
      assert.equal(server.state.fetches, 1)
    })

    test(`while the JWKS answers ${failure}, 25 sequential verifications within the cooldown make one fetch and each gets ${code}`, async () => {
      const { server, clock, config, jws } = await setupFailing(failure)
      for (let i = 0; i < 25; i++) {
        await expectCode(verify(config, jws), code)
        clock.now += 150 // 25 × 150 ms stays within the 5 s cooldown
      }
      assert.equal(server.state.fetches, 1)
    })

    test(`twin: after ${failure} and the cooldown, the next verification fetches again and succeeds once the OP is back`, async () => {
      const { server, clock, config, jws } = await setupFailing(failure)
      await expectCode(verify(config, jws), code)
      server.state.down = false
      clock.now += 4_900
      await expectCode(verify(config, jws), code)
      assert.equal(server.state.fetches, 1, 'still within the cooldown')
      clock.now += 100
      const { kid } = await verify(config, jws)
      assert.equal(kid, 'a')
      assert.equal(server.state.fetches, 2)
    })
  }

  test("a fetch aborted by its caller's signal is not remembered: the next verification fetches at once", async () => {
    const { server, config, jws } = await setupFailing('a 500')
    server.state.down = false
    const aborted = jwksOf(config).verify(
      jws,
      decodeProtectedHeader(jws) as { alg: string },
      'ID_TOKEN_SIGNATURE_INVALID',
      AbortSignal.abort(),
    )
    await expectCode(aborted, 'HTTP_ABORTED')
    const { kid } = await verify(config, jws)
    assert.equal(kid, 'a')
  })

  test('request-object encryption keys come through the same cooldown: a failing JWKS is fetched once', async () => {
    const { server, clock, config } = await setupFailing('a 500')
    for (let i = 0; i < 10; i++) {
      await expectCode(opJwksKeys(config, false), 'HTTP_UNEXPECTED_STATUS')
      clock.now += 100
    }
    assert.equal(server.state.fetches, 1)
    clock.now += 5_000
    server.state.down = false
    assert.equal((await opJwksKeys(config, false)).length, 1)
    assert.equal(server.state.fetches, 2)
  })
})

describe('OP keys that cannot be safe are never used to verify', () => {
  const unsafe = unsafeSigningKeys()
  const safe = safeSigningKeys()
  const e1 = e1Key()

  test('an RS256 token forged for an e = 1 key is refused with JWKS_UNSAFE_KEY', async () => {
    const config = createConfiguration(providerMetadata(), client, {
      fetch: jwksServer([e1.jwk]).fetch,
    })
    const err = await expectCode<ValidationError>(
      verify(config, await e1.forge({ sub: 'mallory' })),
      'JWKS_UNSAFE_KEY',
    )
    assert.match(err.message, /key "e1" cannot be safe/)
  })

  for (const key of unsafe) {
    test(`a token whose kid names an unsafe key (${key.name}) is refused with JWKS_UNSAFE_KEY`, async () => {
      const config = createConfiguration(providerMetadata(), client, {
        fetch: jwksServer([key.jwk]).fetch,
      })
      await expectCode(verify(config, key.sign({ sub: 'x' })), 'JWKS_UNSAFE_KEY')
    })
  }

  for (const key of safe) {
    test(`twin: a token signed with a safe key (${key.name}) verifies`, async () => {
      const config = createConfiguration(providerMetadata(), client, {
        fetch: jwksServer([key.jwk]).fetch,
      })
      assert.equal((await verify(config, key.sign({ sub: 'x' }))).kid, key.jwk.kid)
    })
  }

  test('a JWKS with unsafe keys among safe ones: safe kids verify, a kid-less token skips the unsafe keys', async () => {
    const good = safe[0]!
    const keys = [e1.jwk, ...unsafe.map((k) => k.jwk), ...safe.map((k) => k.jwk)]
    const config = createConfiguration(providerMetadata(), client, {
      fetch: jwksServer(keys).fetch,
      maxKeyCandidates: 10,
    })
    for (const key of safe) assert.equal((await verify(config, key.sign({}))).kid, key.jwk.kid)
    await expectCode(verify(config, await e1.forge({})), 'JWKS_UNSAFE_KEY')
    const kidless = good.sign({}, { kid: undefined })
    assert.equal((await verify(config, kidless)).kid, good.jwk.kid)
  })

  test('a kid-less token whose only candidates are unsafe is refused with JWKS_UNSAFE_KEY', async () => {
    const e3 = unsafe.find((k) => k.name.includes('e = 3'))!
    const config = createConfiguration(providerMetadata(), client, {
      fetch: jwksServer([{ ...e3.jwk, kid: undefined }]).fetch,
    })
    await expectCode(verify(config, e3.sign({}, { kid: undefined })), 'JWKS_UNSAFE_KEY')
  })
})

describe('an e = 1 OP key is refused by every consumer; the safe key passes each', () => {
  /** An OP whose JWKS and signed UserInfo the test chooses. */
  function op(keys: JWK[], userinfo?: () => Promise<string>) {
    const fetch: typeof globalThis.fetch = async (input) => {
      const url = String(input instanceof Request ? input.url : input)
      if (url.endsWith('/jwks')) {
        return new Response(JSON.stringify({ keys }), {
          headers: { 'content-type': 'application/json' },
        })
      }
      if (url.endsWith('/userinfo') && userinfo) {
        return new Response(await userinfo(), { headers: { 'content-type': 'application/jwt' } })
      }
      return new Response('not found', { status: 404 })
    }
    return createConfiguration(
      providerMetadata(),
      { ...client, id_token_signed_response_alg: 'RS256', userinfo_signed_response_alg: 'RS256' },
      { fetch, now: () => NOW * 1000 },
    )
  }
  const NOW = 1_700_000_000
  const idClaims = {
    iss: 'https://op.example.com',
    aud: client.client_id,
    sub: 'alice',
    iat: NOW,
    exp: NOW + 300,
  }
  const logoutClaims = {
    iss: 'https://op.example.com',
    aud: client.client_id,
    iat: NOW,
    jti: 'jti-1',
    sid: 'op-session',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  }
  const userinfoClaims = { iss: 'https://op.example.com', aud: client.client_id, sub: 'alice' }
  const e1 = e1Key('k')
  const good = safeSigningKeys()[0]!

  test('ID token (twice, so the cached fast path is asked too): JWKS_UNSAFE_KEY', async () => {
    const config = op([e1.jwk])
    const token = await e1.forge(idClaims)
    await expectCode(
      validateIdToken(config, token, { source: 'token', nonce: expectNoNonce }),
      'JWKS_UNSAFE_KEY',
    )
    await expectCode(
      validateIdToken(config, token, { source: 'token', nonce: expectNoNonce }),
      'JWKS_UNSAFE_KEY',
    )
  })

  test('twin: the ID token of a safe key validates, twice', async () => {
    const config = op([good.jwk])
    const token = good.sign(idClaims)
    assert.equal(
      (await validateIdToken(config, token, { source: 'token', nonce: expectNoNonce })).sub,
      'alice',
    )
    assert.equal(
      (await validateIdToken(config, token, { source: 'token', nonce: expectNoNonce })).sub,
      'alice',
    )
  })

  test('logout token: JWKS_UNSAFE_KEY', async () => {
    const config = op([e1.jwk])
    await expectCode(validateLogoutToken(config, await e1.forge(logoutClaims)), 'JWKS_UNSAFE_KEY')
  })

  test('twin: the logout token of a safe key validates', async () => {
    const config = op([good.jwk])
    assert.equal((await validateLogoutToken(config, good.sign(logoutClaims))).sid, 'op-session')
  })

  test('signed UserInfo: JWKS_UNSAFE_KEY', async () => {
    const config = op([e1.jwk], () => e1.forge(userinfoClaims))
    await expectCode(
      fetchUserInfo(config, 'access-token-value', { expectedSubject: 'alice' }),
      'JWKS_UNSAFE_KEY',
    )
  })

  test('twin: the signed UserInfo of a safe key is accepted', async () => {
    const config = op([good.jwk], async () => good.sign(userinfoClaims))
    const claims = await fetchUserInfo(config, 'access-token-value', { expectedSubject: 'alice' })
    assert.equal(claims.sub, 'alice')
  })
})
