/**
 * The SDK against a real OP (oidc-provider 8), part 2: request objects, PAR, UserInfo, refresh,
 * metadata reload and locked acr_values. Every refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type Configuration,
  type OAuthResponseError,
  refreshTokens,
  reloadMetadata,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode } from '../support/helpers.js'
import { CLAIMS, type RunningOp, startOp } from './op-server.js'
import {
  assertAlice,
  BRONZE,
  callbackInput,
  type Interop,
  PROFILE,
  REDIRECT,
  SECRET,
  SILVER,
  startInterop,
} from './setup.js'

/** The browser of this suite: it keeps each sign-in's browser-binding cookie. */
const browser = inBrowser()

let t: Interop
let op: RunningOp
let connect: Interop['connect']
let signIn: Interop['signIn']

before(async () => {
  t = await startInterop()
  ;({ op, connect, signIn } = t)
})

after(async () => {
  await t?.op.close()
})

/** The end of a sign-in from an authorization URL already built. */
async function signInAt(config: Configuration, url: URL) {
  return browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice' })),
  )
}

describe('request objects and PAR', () => {
  const claims = JSON.stringify({ id_token: { email: { essential: true } } })
  const EMAIL_IN_ID_TOKEN = { name: 'claims', value: claims, rule: 'fixed' as const }
  const jar = { client_id: 'jar', client_secret: SECRET, request_object_signing_alg: 'RS256' }

  test('rp-claims_request-id_token: a signed request object by value is verified and honoured by the OP', async () => {
    const config = await connect(
      { ...jar, keys: [t.rpKey] },
      { policy: { ...PROFILE, transport: 'request-object', parameters: [EMAIL_IN_ID_TOKEN] } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    assert.deepEqual([...url.searchParams.keys()].sort(), [
      'client_id',
      'request',
      'response_type',
      'scope',
    ])
    const result = await browser.handleCallback(
      config,
      (await op.completeLogin(url, { user: 'alice' })).url,
    )
    assertAlice(result, op.issuer)
    // only the request object carried the claims request: the OP read it from there
    assert.equal(result.idTokenClaims.email, 'alice@example.test')
  })

  test('a request object signed with a key the client did not register is refused by the OP', async () => {
    const config = await connect(
      { ...jar, keys: [t.rogueKey] },
      { policy: { transport: 'request-object' } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    assert.equal(back.url.searchParams.get('error'), 'invalid_request_object')
  })

  test('a pushed authorization request (PAR) completes', async () => {
    const config = await connect(
      { client_id: 'basic', client_secret: SECRET },
      {
        policy: { ...PROFILE, transport: 'par' },
      },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    assertAlice(
      await browser.handleCallback(config, (await op.completeLogin(url, { user: 'alice' })).url),
      op.issuer,
    )
  })

  test('a signed request object pushed by PAR completes', async () => {
    const config = await connect(
      { ...jar, keys: [t.rpKey] },
      { policy: { ...PROFILE, transport: 'par', requestObject: { alg: 'RS256' } } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    assertAlice(await signInAt(config, url), op.issuer)
  })

  test('a request object signed with the client secret (HS256) completes', async () => {
    const config = await connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { ...PROFILE, transport: 'request-object', requestObject: { alg: 'HS256' } } },
    )
    const { url } = await browser.createAuthorizationRequest(config)
    assertAlice(await signInAt(config, url), op.issuer)
  })

  test('a pushed authorization request with a wrong client secret is refused', async () => {
    const config = await connect(
      { client_id: 'basic', client_secret: `${SECRET}-wrong` },
      {
        policy: { transport: 'par' },
      },
    )
    const err = await expectCode<OAuthResponseError>(
      browser.createAuthorizationRequest(config),
      'PAR_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_client')
  })
})

describe('UserInfo', () => {
  test('rp-userinfo-sig: a signed UserInfo response is verified', async () => {
    const types: string[] = []
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (String(input).endsWith('/me')) types.push(response.headers.get('content-type') ?? '')
      return response
    }
    const config = await connect(
      {
        client_id: 'signed-userinfo',
        client_secret: SECRET,
        userinfo_signed_response_alg: 'RS256',
      },
      { policy: PROFILE, fetch },
    )
    const result = await signIn(config)
    assertAlice(result, op.issuer)
    assert.match(types[0] ?? '', /^application\/jwt/)
  })

  test('rp-userinfo-bearer-body: the access token in the form body is accepted by the OP', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET }, { policy: PROFILE })
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    const result = await browser.handleCallback(config, back.url, { userinfoPlacement: 'body' })
    assert.equal(result.userinfo?.email, 'alice@example.test')
  })

  test('rp-claims_request-userinfo: claims asked for by the claims parameter come from UserInfo', async () => {
    const claims = JSON.stringify({ userinfo: { email: null, department: { essential: true } } })
    const config = await connect(
      { client_id: 'basic', client_secret: SECRET },
      { policy: { scopes: ['openid'], parameters: [{ name: 'claims', value: claims }] } },
    )
    const result = await signIn(config)
    assert.deepEqual(result.userinfo, {
      sub: 'alice',
      email: 'alice@example.test',
      department: 'Engineering',
    })
    assert.equal(result.attributes.mail, 'alice@example.test')
  })

  test('a plain JSON UserInfo is refused when a signed one is registered', async () => {
    const config = await connect(
      { client_id: 'basic', client_secret: SECRET, userinfo_signed_response_alg: 'RS256' },
      { policy: PROFILE },
    )
    await expectCode(signIn(config), 'USERINFO_RESPONSE_INVALID')
  })
})

describe('refresh', () => {
  test('a refresh returns a new access token and a consistent ID token', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET }, { policy: PROFILE })
    const result = await signIn(config)
    assert.ok(result.refreshToken)
    const refreshed = await refreshTokens(config, result.refreshToken, {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken?.value)
    assert.equal(refreshed.idTokenClaims?.sub, 'alice')
    assert.equal(refreshed.idTokenClaims?.auth_time, result.idTokenClaims.auth_time)
  })

  test('a public client refresh rotates the refresh token', async () => {
    const config = await connect({ client_id: 'public', token_endpoint_auth_method: 'none' })
    const result = await signIn(config)
    const refreshed = await refreshTokens(config, result.refreshToken ?? '', {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.refreshToken, result.refreshToken)
    await expectCode(refreshTokens(config, result.refreshToken ?? ''), 'TOKEN_ERROR_RESPONSE')
  })

  test('a refreshed ID token about another sign-in is refused (OIDC Core 12.2)', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET })
    const alice = await signIn(config)
    const bob = await signIn(config, { user: 'bob' })
    await expectCode(
      refreshTokens(config, alice.refreshToken ?? '', { original: bob.idTokenClaims }),
      'REFRESH_ID_TOKEN_MISMATCH',
    )
  })
})

describe('metadata reload', () => {
  test('a metadata reload: claims the OP adds and drops show in the diff and the contract', async () => {
    const clients = [{ client_id: 'basic', client_secret: SECRET, redirect_uris: [REDIRECT] }]
    const first = await startOp({ clients })
    let second: RunningOp | undefined
    try {
      const config = await connect({ client_id: 'basic', client_secret: SECRET }, {}, first)
      await first.close()
      const claims = { ...CLAIMS, email: ['email'], phone: ['phone_number'] }
      second = await startOp({ clients, port: first.port, jwks: first.jwks, claims })
      const { config: next, diff } = await reloadMetadata(config)
      assert.deepEqual(diff.claims.added, ['phone_number'])
      assert.deepEqual(diff.claims.noLongerAdvertised, ['email_verified'])
      assert.ok(
        diff.supported.some((s) => s.member === 'scopes_supported' && s.added.includes('phone')),
      )
      const marked = next.contract.find((a) => a.name === 'email_verified')
      assert.equal(marked?.advertised, false)
      assert.equal((await signIn(next, { user: 'alice' }, second)).idTokenClaims.sub, 'alice')
    } finally {
      await first.close()
      await second?.close()
    }
  })
})

describe('locked acr_values', () => {
  const locked = {
    policy: {
      parameters: [{ name: 'acr_values', value: SILVER, rule: 'fixed' as const }],
      protect: { acr_values: true },
    },
  }

  test('the OP honours the locked acr_values in the ID token', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET }, locked)
    const { url, transaction } = await browser.createAuthorizationRequest(config)
    assert.equal(url.searchParams.get('acr_values'), SILVER)
    assert.deepEqual(transaction.requiredAcr, [SILVER])
    const result = await browser.handleCallback(
      config,
      (await op.completeLogin(url, { user: 'alice' })).url,
    )
    assert.equal(result.idTokenClaims.acr, SILVER)
  })

  test('an OP that authenticates with another acr is refused', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET }, locked)
    await expectCode(signIn(config, { user: 'alice', acr: BRONZE }), 'ID_TOKEN_ACR_NOT_SATISFIED')
  })

  test('the application cannot override locked acr_values', async () => {
    const config = await connect({ client_id: 'basic', client_secret: SECRET }, locked)
    await expectCode(
      browser.createAuthorizationRequest(config, { acr_values: BRONZE }),
      'POLICY_PARAMETER_PROTECTED',
    )
  })
})
