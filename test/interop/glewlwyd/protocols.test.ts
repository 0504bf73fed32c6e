/**
 * The SDK against Glewlwyd 2.7 (Debian's package), part 3: the protocols of issue 17 Glewlwyd has.
 * Hybrid `code token` and `code id_token token`, JARM, DPoP, revocation and introspection, and the
 * client credentials grant, through a plugin instance of its own (`oidcproto`) with those options
 * on. Every refusal has its passing twin; Glewlwyd's deviations the SDK refuses are proven refused.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, exportJWK, generateKeyPair, type JWK } from 'jose'
import {
  type CallbackOptions,
  type ClientInput,
  type Configuration,
  type ConfigurationOptions,
  createAuthorizationRequest,
  createConfiguration,
  createDPoPHandle,
  type DPoPHandle,
  fetchProtectedResource,
  fetchUserInfo,
  generateDPoPKeyPair,
  handleCallback,
  introspectToken,
  type OAuthResponseError,
  refreshTokens,
  requestClientCredentials,
  revokeToken,
  type SignInResult,
  type TransportError,
} from '../../../src/index.js'
import { expectCode, registerSecret } from '../../support/helpers.js'
import { callbackInput } from '../rp.js'
import type { LoginResult } from '../scripted-browser.js'
import { completeLogin } from './browser.js'
import { type GlewlwydClient, opSigningKey, pluginParameters } from './provision.js'
import {
  ALICE,
  asAlice,
  type GlewlwydSuite,
  PROFILE,
  REDIRECT,
  SECRET,
  startGlewlwydSuite,
} from './setup.js'

/** The plugin instance of this suite: JARM, DPoP, introspection, revocation, client credentials. */
const PROTO = 'oidcproto'
/** Another instance where every DPoP proof must carry the server's nonce. */
const NONCE = 'oidcnonce'
/** The scope the client credentials client may be granted. */
const MACHINE_SCOPE = 'profile'

const confidential = {
  confidential: true,
  client_secret: SECRET,
  redirect_uri: [REDIRECT],
  token_endpoint_auth_method: ['client_secret_basic'],
}

const enc = await generateKeyPair('RSA-OAEP-256', { extractable: true })
const encMeta = { kid: 'rp-jarm-enc', use: 'enc', alg: 'RSA-OAEP-256' }
const encPublic: JWK = { ...(await exportJWK(enc.publicKey)), ...encMeta }
const encPrivate: JWK = { ...(await exportJWK(enc.privateKey)), ...encMeta }
registerSecret(encPrivate.d)
const JARM_ENCRYPTED = {
  authorization_encrypted_response_alg: 'RSA-OAEP-256',
  authorization_encrypted_response_enc: 'A128CBC-HS256',
}

/** This suite's clients (Glewlwyd's clients are shared by every plugin instance). */
const CLIENTS: GlewlwydClient[] = [
  { client_id: 'hybridtoken', ...confidential, authorization_type: ['code', 'token', 'id_token'] },
  { client_id: 'jarm', ...confidential, authorization_type: ['code', 'refresh_token'] },
  {
    client_id: 'jarmenc',
    ...confidential,
    authorization_type: ['code'],
    jwks: { keys: [encPublic] },
    ...JARM_ENCRYPTED,
  },
  { client_id: 'dpop', ...confidential, authorization_type: ['code', 'refresh_token'] },
  {
    client_id: 'dpoppublic',
    confidential: false,
    redirect_uri: [REDIRECT],
    authorization_type: ['code', 'refresh_token'],
  },
  {
    // client_credentials: Glewlwyd lets a client introspect and revoke (its own tokens) with it
    client_id: 'tokens',
    ...confidential,
    authorization_type: ['code', 'refresh_token', 'client_credentials'],
    scope: [MACHINE_SCOPE],
  },
  {
    client_id: 'tokenspost',
    ...confidential,
    token_endpoint_auth_method: ['client_secret_post'],
    authorization_type: ['code', 'refresh_token', 'client_credentials'],
    scope: [MACHINE_SCOPE],
  },
]

let g: GlewlwydSuite
let issuer: string

before(async () => {
  g = await startGlewlwydSuite(CLIENTS)
  issuer = g.issuer(PROTO)
  const common = {
    // client_credentials is an "OAuth2 but not OIDC" grant to Glewlwyd
    'allow-non-oidc': true,
    'auth-type-client-enabled': true,
    'oauth-fapi-allow-jarm': true,
    'encrypt-out-token-allow': true,
    'oauth-dpop-allowed': true,
    'oauth-dpop-iat-duration': 60,
    'introspection-revocation-allowed': true,
    'introspection-revocation-allow-target-client': true,
    'introspection-revocation-auth-scope': [],
  }
  for (const [name, extra] of [
    [PROTO, {}],
    [NONCE, { 'oauth-dpop-nonce-mandatory': true, 'oauth-dpop-nonce-counter': 1 }],
  ] as const) {
    await g.server.admin.request('POST', '/mod/plugin/', {
      module: 'oidc',
      name,
      display_name: `OpenID Connect (${name})`,
      order_rank: 0,
      readonly: false,
      parameters: {
        ...pluginParameters(g.issuer(name), await opSigningKey(), false),
        'session-cookie-name': `GLEWLWYD_OIDC_SID_${name.toUpperCase()}`,
        ...common,
        ...extra,
      },
    })
  }
})

after(async () => {
  await g?.server.close()
})

/** The SDK's configuration of one of this suite's clients at the `oidcproto` instance. */
function connect(
  client: Partial<ClientInput> & { client_id: string },
  options: ConfigurationOptions = {},
  plugin = PROTO,
): Promise<Configuration> {
  return g.connect({ client_secret: SECRET, ...client }, options, plugin)
}

/** An authorization request, alice at Glewlwyd, and where the browser comes back. */
async function authorize(
  config: Configuration,
  dpop?: DPoPHandle,
): Promise<{
  url: URL
  back: LoginResult
  finish: (back: URL | Request) => Promise<SignInResult>
}> {
  const { url, browserBinding } = await createAuthorizationRequest(
    config,
    undefined,
    dpop ? { dpop } : {},
  )
  const back = await completeLogin(url, asAlice())
  const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
  const options: CallbackOptions = { cookie, ...(dpop ? { dpop } : {}) }
  return { url, back, finish: (input) => handleCallback(config, input, options) }
}

/** A whole sign-in of alice; the tokens registered as secrets. */
async function signIn(config: Configuration, dpop?: DPoPHandle): Promise<SignInResult> {
  const { back, finish } = await authorize(config, dpop)
  const result = await finish(callbackInput(back))
  registerSecret(result.accessToken?.value, result.refreshToken)
  return result
}

function assertAlice(result: SignInResult, plugin = PROTO): void {
  assert.equal(result.idTokenClaims.iss, g.issuer(plugin))
  assert.equal(result.claims.email, ALICE.email)
}

describe('discovery of the protocols instance', () => {
  test('Glewlwyd advertises the JARM modes, DPoP algs, revocation and introspection', async () => {
    const config = await connect({ client_id: 'jarm' })
    const p = config.provider
    for (const mode of ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']) {
      assert.ok(p.response_modes_supported?.includes(mode), mode)
    }
    assert.ok((p.dpop_signing_alg_values_supported as string[] | undefined)?.includes('ES256'))
    assert.equal(p.revocation_endpoint, `${issuer}/revoke`)
    assert.equal(p.introspection_endpoint, `${issuer}/introspect`)
  })
})

/** The authorization response's parameters, wherever they came (fragment or form body). */
function parametersOf(back: LoginResult): URLSearchParams {
  return back.method === 'POST'
    ? (back.body ?? new URLSearchParams())
    : new URLSearchParams(back.url.hash.slice(1))
}

/** The browser's arrival with its parameters changed (fragment or form body). */
function tampered(back: LoginResult, change: (p: URLSearchParams) => void): URL | Request {
  const params = new URLSearchParams(parametersOf(back))
  change(params)
  if (back.method === 'POST') return new Request(back.url, { method: 'POST', body: params })
  const url = new URL(back.url)
  url.hash = params.toString()
  return url
}

describe('hybrid responses with a front-channel access token', () => {
  // Glewlwyd answers `code token` but does not list it in response_types_supported
  const hybrid = (responseType: 'code token' | 'code id_token token', responseMode: string) =>
    connect(
      { client_id: 'hybridtoken' },
      {
        policy: {
          ...PROFILE,
          responseType,
          responseMode: responseMode as 'fragment',
          ...(responseType === 'code token' ? { enforceProviderSupport: false } : {}),
        },
      },
    )

  function assertHybrid(result: SignInResult, front: URLSearchParams): void {
    assertAlice(result)
    assert.equal(result.frontChannelAccessToken?.value, front.get('access_token'))
    assert.equal(result.frontChannelAccessToken?.type, 'Bearer')
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.notEqual(result.accessToken?.value, result.frontChannelAccessToken?.value)
    assert.equal(result.userinfo?.email, ALICE.email)
  }

  for (const responseMode of ['fragment', 'form_post']) {
    test(`rp-response_type-code+token (${responseMode}): a code and an access token; the code redeemed, the two access tokens kept apart`, async () => {
      const { back, finish } = await authorize(await hybrid('code token', responseMode))
      assert.equal(back.method, responseMode === 'form_post' ? 'POST' : 'GET')
      const front = parametersOf(back)
      assert.ok(front.get('code') && front.get('access_token'))
      assert.equal(front.get('id_token'), null)
      assertHybrid(await finish(callbackInput(back)), front)
    })

    test(`rp-response_type-code+id_token+token (${responseMode}): the front-channel ID token carries at_hash and c_hash; both ID tokens validated`, async () => {
      const { back, finish } = await authorize(await hybrid('code id_token token', responseMode))
      const front = parametersOf(back)
      const frontClaims = decodeJwt(front.get('id_token') ?? '')
      assert.equal(typeof frontClaims.at_hash, 'string')
      assert.equal(typeof frontClaims.c_hash, 'string')
      const result = await finish(callbackInput(back))
      assertHybrid(result, front)
      assert.notEqual(result.idToken, front.get('id_token'), 'the token endpoint one')
      assert.equal(result.idTokenClaims.sub, frontClaims.sub)
    })
  }

  test('code token is not in the response_types_supported Glewlwyd advertises: the SDK will not send it (OP_UNSUPPORTED_RESPONSE_TYPE); code id_token token, advertised, is sent', async () => {
    const strict = await connect(
      { client_id: 'hybridtoken' },
      { policy: { ...PROFILE, responseType: 'code token', responseMode: 'fragment' } },
    )
    assert.ok(!strict.provider.response_types_supported?.includes('code token'))
    await expectCode(createAuthorizationRequest(strict), 'OP_UNSUPPORTED_RESPONSE_TYPE')
    const advertised = await hybrid('code id_token token', 'fragment')
    const { url } = await createAuthorizationRequest(advertised)
    assert.equal(url.searchParams.get('response_type'), 'code id_token token')
  })

  test("the front-channel access token is Glewlwyd's own: UserInfo answers for it", async () => {
    const config = await hybrid('code token', 'fragment')
    const { back, finish } = await authorize(config)
    const result = await finish(callbackInput(back))
    const claims = await fetchUserInfo(config, result.frontChannelAccessToken?.value ?? '', {
      expectedSubject: result.idTokenClaims.sub,
    })
    assert.equal(claims.email, ALICE.email)
  })

  test('rp-id_token-bad-at_hash (hybrid): a front-channel access token the ID token does not hash to is refused; the untouched twin signs in', async () => {
    const config = await hybrid('code id_token token', 'fragment')
    const swapped = await authorize(config)
    await expectCode(
      swapped.finish(tampered(swapped.back, (p) => p.set('access_token', 'not-the-issued-token'))),
      'ID_TOKEN_AT_HASH_MISMATCH',
    )
    const twin = await authorize(config)
    assertHybrid(await twin.finish(callbackInput(twin.back)), parametersOf(twin.back))
  })

  test('rp-id_token-bad-c_hash (hybrid): a code the front-channel ID token does not hash to is refused; the twin signs in', async () => {
    const config = await hybrid('code id_token token', 'fragment')
    const first = await authorize(config)
    const second = await authorize(config)
    const otherCode = parametersOf(second.back).get('code') ?? ''
    await expectCode(
      first.finish(tampered(first.back, (p) => p.set('code', otherCode))),
      'ID_TOKEN_C_HASH_MISMATCH',
    )
    assertHybrid(await second.finish(callbackInput(second.back)), parametersOf(second.back))
  })
})

describe('JARM responses (oauth-fapi-allow-jarm)', () => {
  const jarm = (responseMode: string, client: Partial<ClientInput> = {}) =>
    connect(
      { client_id: 'jarm', ...client },
      { policy: { ...PROFILE, responseMode: responseMode as 'query.jwt' } },
    )

  test('query.jwt: response alone comes back, signed with iss, aud and exp, and it signs in', async () => {
    const { back, finish } = await authorize(await jarm('query.jwt'))
    assert.deepEqual([...back.url.searchParams.keys()], ['response'])
    const claims = decodeJwt(back.url.searchParams.get('response') ?? '')
    assert.equal(claims.iss, issuer)
    assert.equal(claims.aud, 'jarm')
    assert.equal(typeof claims.exp, 'number')
    assertAlice(await finish(callbackInput(back)))
  })

  test('jwt for code comes in the query and signs in', async () => {
    const { back, finish } = await authorize(await jarm('jwt'))
    assert.ok(back.url.searchParams.has('response'))
    assertAlice(await finish(callbackInput(back)))
  })

  test('form_post.jwt signs in', async () => {
    const { back, finish } = await authorize(await jarm('form_post.jwt'))
    assert.equal(back.method, 'POST')
    assertAlice(await finish(callbackInput(back)))
  })

  test('fragment.jwt for code signs in', async () => {
    const { back, finish } = await authorize(await jarm('fragment.jwt'))
    assert.match(back.url.hash, /^#response=/)
    assertAlice(await finish(callbackInput(back)))
  })

  test('an encrypted response (RSA-OAEP-256, A128CBC-HS256) signs in', async () => {
    const config = await connect(
      { client_id: 'jarmenc', keys: [encPrivate], ...JARM_ENCRYPTED },
      { policy: { ...PROFILE, responseMode: 'query.jwt' } },
    )
    const { back, finish } = await authorize(config)
    assert.equal(back.url.searchParams.get('response')?.split('.').length, 5)
    assertAlice(await finish(callbackInput(back)))
  })

  test('a response whose signature was altered is JARM_SIGNATURE_INVALID; the untouched twin signs in', async () => {
    const config = await jarm('query.jwt')
    const altered = await authorize(config)
    const url = new URL(altered.back.url)
    const [header, payload, signature] = (url.searchParams.get('response') ?? '').split('.')
    const flipped = `${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1)}`
    url.searchParams.set('response', `${header}.${payload}.${flipped}`)
    await expectCode(altered.finish(url), 'JARM_SIGNATURE_INVALID')
    const twin = await authorize(config)
    assertAlice(await twin.finish(callbackInput(twin.back)))
  })

  test("a response for another client (Glewlwyd's aud is the client_id) is JARM_AUDIENCE_MISMATCH; the right client signs in", async () => {
    const other = await authorize(await jarm('query.jwt'))
    const config = await connect(
      { client_id: 'jarmenc', keys: [encPrivate] },
      { policy: { ...PROFILE, responseMode: 'query.jwt' } },
    )
    const { finish } = await authorize(config)
    await expectCode(finish(other.back.url), 'JARM_AUDIENCE_MISMATCH')
    assertAlice(await other.finish(callbackInput(other.back)))
  })

  test('a signed-only response where the RP expects encryption is JARM_DECRYPTION_FAILED; the encrypting client signs in', async () => {
    const expectsEncryption = await jarm('query.jwt', { keys: [encPrivate], ...JARM_ENCRYPTED })
    const { back, finish } = await authorize(expectsEncryption)
    await expectCode(finish(callbackInput(back)), 'JARM_DECRYPTION_FAILED')
    const encrypting = await connect(
      { client_id: 'jarmenc', keys: [encPrivate], ...JARM_ENCRYPTED },
      { policy: { ...PROFILE, responseMode: 'query.jwt' } },
    )
    assertAlice(await signIn(encrypting))
  })

  test('a JARM response to a plain sign-in is JARM_RESPONSE_UNEXPECTED; asked for, it signs in', async () => {
    const plain = await jarm('query')
    const { url, browserBinding } = await createAuthorizationRequest(plain)
    url.searchParams.set('response_mode', 'query.jwt')
    const back = await completeLogin(url, asAlice())
    const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
    await expectCode(
      handleCallback(plain, callbackInput(back), { cookie }),
      'JARM_RESPONSE_UNEXPECTED',
    )
    assertAlice(await signIn(await jarm('query.jwt')))
  })

  test('hybrid with jwt: Glewlwyd puts the response in the query (jwt means query.jwt to it), which the SDK refuses; fragment.jwt signs in', async () => {
    const hybridJarm = (responseMode: string) =>
      connect(
        { client_id: 'hybridtoken' },
        {
          policy: {
            ...PROFILE,
            responseType: 'code id_token',
            responseMode: responseMode as 'jwt',
          },
        },
      )
    const query = await authorize(await hybridJarm('jwt'))
    assert.ok(query.back.url.searchParams.has('response'))
    await expectCode(query.finish(callbackInput(query.back)), 'CALLBACK_RESPONSE_MODE_MISMATCH')
    const fragment = await authorize(await hybridJarm('fragment.jwt'))
    assert.match(fragment.back.url.hash, /^#response=/)
    assertAlice(await fragment.finish(callbackInput(fragment.back)))
  })
})

describe('DPoP (oauth-dpop-allowed)', () => {
  const newHandle = async (alg?: 'ES256' | 'PS256' | 'RS256' | 'EdDSA') =>
    createDPoPHandle(await generateDPoPKeyPair(alg ?? 'RS256'))

  /** The requests the SDK sent to Glewlwyd, by path, and whether each carried a DPoP proof. */
  const sent: { path: string; proof: boolean }[] = []
  const recordingFetch: typeof fetch = (input, init) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname
    sent.push({ path, proof: new Headers(init?.headers).has('dpop') })
    return fetch(input, init)
  }
  const dpopClient = (clientId = 'dpop', policy = {}) =>
    connect(
      {
        client_id: clientId,
        ...(clientId === 'dpoppublic' ? { token_endpoint_auth_method: 'none' as const } : {}),
      },
      { policy: { ...PROFILE, ...policy }, fetch: recordingFetch },
    )

  test('code flow: the token request with a proof gets a DPoP token bound to the key (cnf.jkt), and UserInfo answers it with the DPoP scheme', async () => {
    const dpop = await newHandle()
    sent.length = 0
    const result = await signIn(await dpopClient(), dpop)
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.deepEqual(decodeJwt(result.accessToken?.value ?? '').cnf, { jkt: dpop.thumbprint })
    assert.ok(sent.some((r) => r.path.endsWith('/token') && r.proof))
    assert.ok(sent.some((r) => r.path.endsWith('/userinfo') && r.proof))
    assert.equal(result.userinfo?.email, ALICE.email)
  })

  for (const alg of ['PS256', 'RS256', 'EdDSA'] as const) {
    test(`a ${alg} DPoP key is accepted by Glewlwyd`, async () => {
      const result = await signIn(await dpopClient(), await newHandle(alg))
      assert.equal(result.accessToken?.type, 'DPoP')
    })
  }

  test('PAR with a DPoP proof completes with a DPoP token', async () => {
    const config = await dpopClient('dpop', { transport: 'par' })
    const dpop = await newHandle()
    const { url, back, finish } = await authorize(config, dpop)
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    const result = await finish(callbackInput(back))
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('refresh with the same key: a new DPoP token that UserInfo accepts', async () => {
    for (const clientId of ['dpop', 'dpoppublic']) {
      const config = await dpopClient(clientId)
      const dpop = await newHandle()
      const result = await signIn(config, dpop)
      const refreshed = await refreshTokens(config, result.refreshToken ?? '', { dpop })
      registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
      assert.equal(refreshed.accessToken.type, 'DPoP')
      const claims = await fetchUserInfo(config, refreshed.accessToken, {
        expectedSubject: result.idTokenClaims.sub,
        dpop,
      })
      assert.equal(claims.email, ALICE.email)
    }
  })

  test("a DPoP-bound refresh token used with another key is refused by Glewlwyd (the twin with the sign-in's key passed above)", async () => {
    const config = await dpopClient('dpoppublic')
    const result = await signIn(config, await newHandle())
    const error = await expectCode<OAuthResponseError>(
      refreshTokens(config, result.refreshToken ?? '', { dpop: await newHandle() }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(error.error, 'invalid_dpop_proof')
  })

  test('a stolen DPoP token sent as Bearer is refused by UserInfo (a bare 401: HTTP_UNEXPECTED_STATUS); the twin with its proof passes', async () => {
    const config = await dpopClient()
    const dpop = await newHandle()
    const result = await signIn(config, dpop)
    const token = result.accessToken?.value ?? ''
    // Glewlwyd sends no WWW-Authenticate challenge with it
    const error = await expectCode<TransportError>(
      fetchUserInfo(config, token, { expectedSubject: result.idTokenClaims.sub }),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(error.status, 401)
    const endpoint = config.provider.userinfo_endpoint ?? ''
    const bound = result.accessToken ?? { value: token, type: 'DPoP' }
    const response = await fetchProtectedResource(config, endpoint, bound, { dpop })
    assert.equal(response.status, 200)
    await response.body?.cancel()
  })

  test("Glewlwyd's UserInfo does not compare the proof's key with the token's cnf.jkt: a proof of another key passes (an OP flaw, RFC 9449 §7.1)", async () => {
    const config = await dpopClient()
    const owner = await newHandle()
    const result = await signIn(config, owner)
    const thief = await newHandle()
    assert.notEqual(thief.thumbprint, owner.thumbprint)
    const endpoint = config.provider.userinfo_endpoint ?? ''
    const bound = result.accessToken ?? { value: '', type: 'DPoP' }
    const response = await fetchProtectedResource(config, endpoint, bound, { dpop: thief })
    assert.equal(response.status, 200)
    await response.body?.cancel()
  })

  test('without DPoP the same instance answers Bearer tokens (twin of the DPoP sign-in)', async () => {
    const result = await signIn(await dpopClient())
    assert.equal(result.accessToken?.type, 'Bearer')
  })
})

describe('DPoP with required nonces (oauth-dpop-nonce-mandatory)', () => {
  /** The DPoP proofs the SDK sent, by path, with their nonces. */
  const proofs: { path: string; nonce: unknown }[] = []
  const recordingFetch: typeof fetch = (input, init) => {
    const proof = new Headers(init?.headers).get('dpop')
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname
    if (proof !== null) proofs.push({ path, nonce: decodeJwt(proof).nonce })
    return fetch(input, init)
  }
  const nonceClient = () =>
    connect({ client_id: 'dpop' }, { policy: PROFILE, fetch: recordingFetch }, NONCE)

  test('the token request is answered use_dpop_nonce, retried once with the nonce, and UserInfo answers the DPoP token', async () => {
    const dpop = await createDPoPHandle(await generateDPoPKeyPair('RS256'))
    proofs.length = 0
    const result = await signIn(await nonceClient(), dpop)
    const token = proofs.filter((p) => p.path.endsWith('/token'))
    assert.equal(token.length, 2)
    assert.equal(token[0]?.nonce, undefined)
    assert.equal(typeof token[1]?.nonce, 'string')
    assert.equal(result.accessToken?.type, 'DPoP')
    assertAlice(result, NONCE)
    assert.equal(result.userinfo?.email, ALICE.email)
  })

  test('refresh and UserInfo with the nonce Glewlwyd sent last complete', async () => {
    const config = await nonceClient()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair('RS256'))
    const result = await signIn(config, dpop)
    const refreshed = await refreshTokens(config, result.refreshToken ?? '', { dpop })
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.equal(refreshed.accessToken.type, 'DPoP')
    const claims = await fetchUserInfo(config, refreshed.accessToken, {
      expectedSubject: result.idTokenClaims.sub,
      dpop,
    })
    assert.equal(claims.email, ALICE.email)
  })
})

describe('revocation and introspection (introspection-revocation-allowed, for the token client)', () => {
  const tokensClient = (clientId = 'tokens', input: Partial<ClientInput> = {}) =>
    connect(
      {
        client_id: clientId,
        ...(clientId === 'tokenspost'
          ? { token_endpoint_auth_method: 'client_secret_post' as const }
          : {}),
        ...input,
      },
      { policy: PROFILE },
    )

  test('an active access token, introspected, then revoked, is inactive and refused by UserInfo; the twin not revoked is read', async () => {
    const config = await tokensClient()
    const result = await signIn(config)
    const token = result.accessToken?.value ?? ''
    const active = await introspectToken(config, token, { tokenTypeHint: 'access_token' })
    assert.equal(active.active, true)
    assert.equal(active.client_id, 'tokens')
    assert.equal(active.sub, result.idTokenClaims.sub)
    const twin = await fetchUserInfo(config, token, { expectedSubject: result.idTokenClaims.sub })
    assert.equal(twin.email, ALICE.email)
    await revokeToken(config, token, { tokenTypeHint: 'access_token' })
    assert.equal((await introspectToken(config, token)).active, false)
    const err = await expectCode<TransportError>(
      fetchUserInfo(config, token, { expectedSubject: result.idTokenClaims.sub }),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(err.status, 401)
  })

  test('a revoked refresh token no longer refreshes; the twin not revoked refreshes', async () => {
    const config = await tokensClient()
    const revoked = await signIn(config)
    const refreshToken = revoked.refreshToken ?? ''
    assert.equal(
      (await introspectToken(config, refreshToken, { tokenTypeHint: 'refresh_token' })).active,
      true,
    )
    await revokeToken(config, refreshToken, { tokenTypeHint: 'refresh_token' })
    assert.equal((await introspectToken(config, refreshToken)).active, false)
    // a bare 400, as for a used refresh token (features.test.ts)
    const refused = await expectCode<TransportError>(
      refreshTokens(config, refreshToken),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(refused.status, 400)
    const kept = await signIn(config)
    const refreshed = await refreshTokens(config, kept.refreshToken ?? '')
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.ok(refreshed.accessToken.value)
  })

  test("another client's token is inactive to this client (Glewlwyd scopes introspection to the caller's tokens); its own is active", async () => {
    const mine = await tokensClient()
    const theirs = await tokensClient('tokenspost')
    const other = await signIn(theirs)
    assert.equal((await introspectToken(mine, other.accessToken?.value ?? '')).active, false)
    const own = await signIn(mine)
    assert.equal((await introspectToken(mine, own.accessToken?.value ?? '')).active, true)
  })

  test('a token Glewlwyd never issued: revocation succeeds, introspection says inactive', async () => {
    const config = await tokensClient()
    await revokeToken(config, 'never-issued-token-value')
    assert.deepEqual(await introspectToken(config, 'never-issued-token-value'), { active: false })
  })

  test('a wrong client secret is refused by Glewlwyd (a bare 401); the right one passed above', async () => {
    const config = await tokensClient('tokens', { client_secret: `${SECRET}Wrong` })
    const revoked = await expectCode<TransportError>(
      revokeToken(config, 'some-token-value'),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(revoked.status, 401)
    const introspected = await expectCode<TransportError>(
      introspectToken(config, 'some-token-value'),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(introspected.status, 401)
  })

  test("with client_secret_post Glewlwyd does not scope introspection to the caller: another client's token is active (an OP flaw; with client_secret_basic it is inactive, above)", async () => {
    const basic = await signIn(await tokensClient())
    const post = await tokensClient('tokenspost')
    const seen = await introspectToken(post, basic.accessToken?.value ?? '')
    assert.equal(seen.active, true)
    assert.equal(seen.client_id, 'tokens')
  })

  test("a JWT introspection response (RFC 9701) is refused: Glewlwyd's aud is the token's scopes, not the client; the JSON twin is read", async () => {
    const jwt = await tokensClient('tokens', { introspection_signed_response_alg: 'RS256' })
    const result = await signIn(jwt)
    const token = result.accessToken?.value ?? ''
    const refused = await expectCode<Error>(
      introspectToken(jwt, token),
      'INTROSPECTION_CLAIM_INVALID',
    )
    assert.match(refused.message, /aud/)
    const json = await tokensClient()
    assert.equal((await introspectToken(json, token)).active, true)
  })
})

describe('the client credentials grant (auth-type-client-enabled, allow-non-oidc)', () => {
  test('Glewlwyd lists client_credentials under response_types_supported, not grant_types_supported: the SDK will not send it (OP_UNSUPPORTED_GRANT_TYPE)', async () => {
    const config = await connect({ client_id: 'tokens' })
    assert.ok(!config.provider.grant_types_supported?.includes('client_credentials'))
    assert.ok(config.provider.response_types_supported?.includes('client_credentials'))
    await expectCode(
      requestClientCredentials(config, { scope: MACHINE_SCOPE }),
      'OP_UNSUPPORTED_GRANT_TYPE',
    )
  })

  /** The discovered configuration with client_credentials added to grant_types_supported. */
  async function corrected(clientId: string, input: Partial<ClientInput> = {}) {
    const discovered = await connect({ client_id: clientId, ...input })
    const provider = discovered.provider
    return createConfiguration(
      {
        ...provider,
        grant_types_supported: [...(provider.grant_types_supported ?? []), 'client_credentials'],
      },
      { client_id: clientId, client_secret: SECRET, redirect_uris: [REDIRECT], ...input },
    )
  }

  test('with the grant listed (the twin): a Bearer access token for the client, with the scope asked for', async () => {
    for (const [clientId, method] of [
      ['tokens', 'client_secret_basic'],
      ['tokenspost', 'client_secret_post'],
    ] as const) {
      const config = await corrected(clientId, { token_endpoint_auth_method: method })
      const { accessToken } = await requestClientCredentials(config, {
        scope: MACHINE_SCOPE,
      })
      registerSecret(accessToken.value)
      assert.equal(accessToken.type, 'Bearer')
      assert.equal(accessToken.scope, MACHINE_SCOPE)
      const introspected = await introspectToken(config, accessToken.value)
      assert.equal(introspected.active, true)
      assert.equal(introspected.scope, MACHINE_SCOPE)
      // Glewlwyd records the client of the token only when it came by Basic
      assert.equal(introspected.client_id, method === 'client_secret_basic' ? clientId : undefined)
    }
  })

  test('a scope the client was not given is refused by Glewlwyd (TOKEN_ERROR_RESPONSE scope_invalid); the given scope passed above', async () => {
    const config = await corrected('tokens')
    const err = await expectCode<OAuthResponseError>(
      requestClientCredentials(config, { scope: 'email' }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'scope_invalid')
  })

  test('a wrong client secret is refused by Glewlwyd (a bare 403); the right one passed above', async () => {
    const config = await corrected('tokens', { client_secret: `${SECRET}Wrong` })
    const err = await expectCode<TransportError>(
      requestClientCredentials(config, { scope: MACHINE_SCOPE }),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal(err.status, 403)
  })
})
