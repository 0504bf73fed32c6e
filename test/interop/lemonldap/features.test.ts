/**
 * The SDK against LemonLDAP::NG 2.16, part 2: refresh, HS256 request objects, JSON and signed
 * UserInfo, RP-initiated logout. Every refusal has its passing twin; what the portal does
 * differently from the specs is named in the test.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, exportJWK, generateKeyPair } from 'jose'
import {
  type Configuration,
  createEndSessionRequest,
  handlePostLogoutRedirect,
  type OAuthResponseError,
  refreshTokens,
} from '../../../src/index.js'
import { expectCode } from '../../support/helpers.js'
import { browse, type CookieJar, PortalPageError } from './browser.js'
import {
  assertDwho,
  begin,
  DWHO,
  type LemonLdap,
  PROFILE,
  SECRET,
  SIGNED_OUT,
  startSuite,
} from './setup.js'

let t: LemonLdap

before(async () => {
  t = await startSuite()
})

after(async () => {
  await t?.op.close()
})

const confidential = { client_id: 'confidential', client_secret: SECRET } as const

/** How often the portal's log says `line` so far. */
function logged(line: string): number {
  return t.op.log().split(line).length - 1
}

describe('refresh', () => {
  test('rp-refresh: a refresh gives a new access token and a new ID token about the same sign-in', async (ctx) => {
    ctx.diagnostic(`the portal started in ${t.op.startupMs} ms`)
    const config = await t.connect(confidential, { policy: PROFILE })
    const result = await t.signIn(config)
    const refreshed = await refreshTokens(config, result.refreshToken ?? '', {
      original: result.idTokenClaims,
    })
    assert.notEqual(refreshed.accessToken.value, result.accessToken?.value)
    assert.equal(refreshed.accessToken.type, 'Bearer')
    assert.equal(refreshed.idTokenClaims?.sub, DWHO.sub)
    assert.equal(refreshed.idTokenClaims?.auth_time, result.idTokenClaims.auth_time)
    // the portal does not rotate refresh tokens: the one given stays the one to use
    assert.equal(refreshed.refreshToken, result.refreshToken)
  })

  test('an unknown refresh token is refused by the portal, with invalid_request rather than invalid_grant', async () => {
    const config = await t.connect(confidential)
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(config, 'an-unknown-refresh-token-0123456789'),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_request')
  })
})

describe('request objects', () => {
  const hs256 = {
    ...PROFILE,
    transport: 'request-object',
    requestObject: { alg: 'HS256' },
  } as const

  test('an HS256 request object by value is verified and honoured: redirect_uri, state, nonce and PKCE travel only inside it', async () => {
    const config = await t.connect(confidential, { policy: hs256 })
    const pending = await begin(config)
    assert.deepEqual([...pending.url.searchParams.keys()].sort(), [
      'client_id',
      'request',
      'response_type',
      'scope',
    ])
    assertDwho(await pending.finish(await browse(pending.url)), t.op.issuer)
  })

  test('a request object signed with another secret is refused by the portal (its error page, no redirect)', async () => {
    const before = logged('JWT signature request can not be verified')
    const config = await t.connect(
      { ...confidential, client_secret: `${SECRET}x` },
      { policy: hs256 },
    )
    const pending = await begin(config)
    await assert.rejects(browse(pending.url), (err) => {
      assert.ok(err instanceof PortalPageError)
      assert.equal(err.portalMessage, 24)
      return true
    })
    assert.equal(logged('JWT signature request can not be verified'), before + 1)
  })

  test('an RS256 request object is refused: LemonLDAP::NG 2.16 verifies only HMAC request objects from RPs', async () => {
    const before = logged('JWT signature request can not be verified')
    const { privateKey } = await generateKeyPair('RS256', { extractable: true })
    const key = { ...(await exportJWK(privateKey)), kid: 'rp-key', alg: 'RS256' }
    const config = await t.connect(
      { ...confidential, keys: [key] },
      { policy: { ...hs256, requestObject: { alg: 'RS256' } } },
    )
    const pending = await begin(config)
    await assert.rejects(browse(pending.url), PortalPageError)
    assert.equal(logged('JWT signature request can not be verified'), before + 1)
  })
})

describe('UserInfo', () => {
  /** A sign-in that records the raw UserInfo response. */
  async function signInRecordingUserInfo(
    config: (fetch: typeof globalThis.fetch) => Promise<Configuration>,
  ) {
    const bodies: string[] = []
    const tap: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/oauth2/userinfo')) return response
      const text = await response.text()
      bodies.push(text)
      return new Response(text, { status: response.status, headers: response.headers })
    }
    const result = await t.signIn(await config(tap))
    return { result, bodies }
  }

  test('JSON UserInfo: the claims come as a JSON object', async () => {
    const { result, bodies } = await signInRecordingUserInfo((fetch) =>
      t.connect(confidential, { policy: PROFILE, fetch }),
    )
    assert.deepEqual(JSON.parse(bodies[0] ?? ''), result.userinfo)
    assert.equal(result.userinfo?.sub, DWHO.sub)
    assert.equal(result.userinfo?.name, DWHO.name)
  })

  for (const alg of ['RS256', 'HS256'] as const) {
    const client = alg === 'RS256' ? 'signeduserinfo' : 'hmacuserinfo'
    const key = alg === 'RS256' ? "the portal's key" : 'the client secret'
    test(`signed UserInfo (${alg}, bare claims without iss and aud as the portal signs them) is verified with ${key}`, async () => {
      const { result, bodies } = await signInRecordingUserInfo((fetch) =>
        t.connect(
          { client_id: client, client_secret: SECRET, userinfo_signed_response_alg: alg },
          { policy: PROFILE, fetch },
        ),
      )
      const claims = decodeJwt(bodies[0] ?? '')
      assert.equal(claims.iss, undefined)
      assert.equal(claims.aud, undefined)
      assert.equal(result.userinfo?.email, DWHO.email)
    })
  }

  test("a client that registered JSON UserInfo refuses the portal's signed answer", async () => {
    const config = await t.connect({ client_id: 'signeduserinfo', client_secret: SECRET })
    await expectCode(t.signIn(config), 'USERINFO_RESPONSE_INVALID')
  })

  test('an unsigned UserInfo JWT (UserInfoSignAlg none) is refused by a client that registered RS256', async () => {
    const config = await t.connect({
      client_id: 'unsigneduserinfo',
      client_secret: SECRET,
      userinfo_signed_response_alg: 'RS256',
    })
    await expectCode(t.signIn(config), 'JWT_MALFORMED')
  })
})

describe('RP-initiated logout', () => {
  const loggingOut = { ...confidential, post_logout_redirect_uris: [SIGNED_OUT] } as const

  /** Signs dwho in with a browser whose portal cookies are kept. */
  async function signedIn(config: Configuration) {
    const jar: CookieJar = new Map()
    const result = await t.signIn(config, { jar })
    return { jar, result }
  }

  /** Whether a new sign-in in this browser has to log in again (false: the SSO session is alive). */
  async function mustLogInAgain(config: Configuration, jar: CookieJar): Promise<boolean> {
    const pending = await begin(config)
    const arrival = await browse(pending.url, { jar })
    assert.equal((await pending.finish(arrival)).idTokenClaims.sub, DWHO.sub)
    return arrival.loginPrompted
  }

  test('rp-init-logout: with id_token_hint and post_logout_redirect_uri the user confirms, the portal ends the SSO session and returns with the state', async () => {
    const config = await t.connect(loggingOut)
    const { jar, result } = await signedIn(config)
    assert.equal(await mustLogInAgain(config, jar), false)
    const { url, state } = createEndSessionRequest(config, { idTokenHint: result.idToken })
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), SIGNED_OUT)
    const back = await browse(url, { jar })
    assert.equal(`${back.url.origin}${back.url.pathname}`, SIGNED_OUT)
    assert.deepEqual(await handlePostLogoutRedirect(config, back.url, { expectedState: state }), {
      state,
    })
    assert.equal(await mustLogInAgain(config, jar), true)
  })

  test('a post-logout redirect with another state is refused', async () => {
    const config = await t.connect(loggingOut)
    const { jar, result } = await signedIn(config)
    const { url } = createEndSessionRequest(config, { idTokenHint: result.idToken })
    const back = await browse(url, { jar })
    await expectCode(
      handlePostLogoutRedirect(config, back.url, { expectedState: 'another-state-value' }),
      'LOGOUT_STATE_MISMATCH',
    )
  })

  test('after the logout the refresh token is refused (invalid_grant): it lives as long as the SSO session', async () => {
    const config = await t.connect(loggingOut)
    const { jar, result } = await signedIn(config)
    await browse(createEndSessionRequest(config, { idTokenHint: result.idToken }).url, { jar })
    const err = await expectCode<OAuthResponseError>(
      refreshTokens(config, result.refreshToken ?? ''),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
  })

  test('the user refusing to log out at the portal still comes back with the state, and the SSO session stays', async () => {
    const config = await t.connect(loggingOut)
    const { jar, result } = await signedIn(config)
    const { url, state } = createEndSessionRequest(config, { idTokenHint: result.idToken })
    const back = await browse(url, { jar, accept: false })
    assert.deepEqual(await handlePostLogoutRedirect(config, back.url, { expectedState: state }), {
      state,
    })
    assert.equal(await mustLogInAgain(config, jar), false)
    assert.equal(
      (await refreshTokens(config, result.refreshToken ?? '')).accessToken.type,
      'Bearer',
    )
  })
})
