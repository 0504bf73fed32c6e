/**
 * The FAPI 2.0 security profile preset against a real OP: oidc-provider 8 with
 * `features.fapi.profile: '2.0'`, pushed authorization requests required, DPoP, JARM, and only
 * PS256/ES256/EdDSA signatures. The `fapi2` sign-in (PAR, PKCE, private_key_jwt ES256, DPoP-bound
 * tokens, an ES256 ID token, refresh and UserInfo with the key), the `fapi2-message-signing`
 * sign-in (a signed request object pushed, a JARM response), and a request without a DPoP key
 * refused before it is sent, beside its twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose'
import {
  type ClientInput,
  type Configuration,
  type ConfigurationOptions,
  createDPoPHandle,
  type DPoPHandle,
  discover,
  fetchUserInfo,
  generateDPoPKeyPair,
  refreshTokens,
  type UsageError,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'

const browser = inBrowser()
const FAPI_ALGS = ['PS256', 'ES256', 'EdDSA']

/** An ES256 client key pair: the private JWK for the SDK, the public one for the OP. */
async function clientKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const meta = { kid: 'fapi-client-key', alg: 'ES256', use: 'sig' }
  const privateJwk = { ...(await exportJWK(privateKey)), ...meta }
  registerSecret(privateJwk.d)
  return { privateJwk, publicJwk: { ...(await exportJWK(publicKey)), ...meta } }
}

let op: RunningOp
let key: { privateJwk: JWK; publicJwk: JWK }
/** The requests the SDK sent, by path. */
const sent: { path: string; body: string }[] = []
const recordingFetch: typeof fetch = (input, init) => {
  const path = new URL(input instanceof Request ? input.url : String(input)).pathname
  sent.push({ path, body: typeof init?.body === 'string' ? init.body : String(init?.body ?? '') })
  return fetch(input, init)
}

const CLIENT = {
  redirect_uris: [REDIRECT],
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'ES256',
  id_token_signed_response_alg: 'ES256',
  // oidc-provider's default (RS256) is outside enabledJWA below, so every client names one
  authorization_signed_response_alg: 'ES256',
}

before(async () => {
  key = await clientKey()
  op = await startOp({
    clients: [
      { client_id: 'fapi', ...CLIENT, jwks: { keys: [key.publicJwk] } },
      {
        client_id: 'fapi-ms',
        ...CLIENT,
        jwks: { keys: [key.publicJwk] },
        request_object_signing_alg: 'ES256',
        require_signed_request_object: true,
      },
    ],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        fapi: { enabled: true, profile: '2.0' },
        dPoP: { enabled: true },
        jwtResponseModes: { enabled: true },
        pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
        requestObjects: { request: true, requireSignedRequestObject: false, mode: 'strict' },
      }
      ;(configuration as Record<string, unknown>).clientAuthMethods = ['private_key_jwt']
      ;(configuration as Record<string, unknown>).enabledJWA = {
        idTokenSigningAlgValues: FAPI_ALGS,
        authorizationSigningAlgValues: FAPI_ALGS,
        requestObjectSigningAlgValues: FAPI_ALGS,
        clientAuthSigningAlgValues: FAPI_ALGS,
        dPoPSigningAlgValues: FAPI_ALGS,
        userinfoSigningAlgValues: FAPI_ALGS,
      }
    },
  })
})

after(async () => {
  await op?.close()
})

function connect(
  clientId: 'fapi' | 'fapi-ms',
  options: ConfigurationOptions,
  client: Partial<ClientInput> = {},
): Promise<Configuration> {
  return discover(
    op.issuer,
    {
      client_id: clientId,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'ES256',
      keys: [key.privateJwk],
      ...client,
    },
    { policy: { ...PROFILE, scopeRule: { override: 'any' } }, fetch: recordingFetch, ...options },
  )
}

async function signIn(config: Configuration, dpop: DPoPHandle) {
  sent.length = 0
  const { url } = await browser.createAuthorizationRequest(config, undefined, { dpop })
  const back = await op.completeLogin(url, { user: 'alice' })
  const result = await browser.handleCallback(config, callbackInput(back), { dpop })
  registerSecret(result.accessToken?.value, result.refreshToken)
  return { url, back, result }
}

const newHandle = async () => createDPoPHandle(await generateDPoPKeyPair('ES256'))

describe('oidc-provider 8 with the FAPI 2.0 profile', () => {
  test('fapi2: PAR with PKCE and dpop_jkt, private_key_jwt, an ES256 ID token, DPoP-bound tokens; refresh and UserInfo with the key', async () => {
    const config = await connect('fapi', { securityProfile: 'fapi2' })
    const dpop = await newHandle()
    const { url, back, result } = await signIn(config, dpop)
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    const pushed = new URLSearchParams(sent.find((r) => r.path.endsWith('/request'))?.body)
    assert.equal(pushed.get('code_challenge_method'), 'S256')
    assert.equal(pushed.get('dpop_jkt'), dpop.thumbprint)
    assert.equal(pushed.get('client_assertion_type')?.endsWith('jwt-bearer'), true)
    assert.equal(back.url.searchParams.get('iss'), op.issuer, 'RFC 9207 iss came back')
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.equal(config.settings.clockToleranceInSeconds, 10)
    const refreshed = await refreshTokens(config, result.refreshToken!, {
      dpop,
      original: result.idTokenClaims,
    })
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.equal(refreshed.accessToken.type, 'DPoP')
    const claims = await fetchUserInfo(config, refreshed.accessToken, {
      expectedSubject: 'alice',
      dpop,
    })
    assert.equal(claims.sub, 'alice')
  })

  test('fapi2-message-signing: a signed request object pushed (exp, nbf, aud for oidc-provider) and a signed JARM response', async () => {
    const config = await connect(
      'fapi-ms',
      { securityProfile: 'fapi2-message-signing' },
      { authorization_signed_response_alg: 'ES256' },
    )
    const { back, result } = await signIn(config, await newHandle())
    const pushed = new URLSearchParams(sent.find((r) => r.path.endsWith('/request'))?.body)
    const requestObject = pushed.get('request')!
    assert.equal(decodeProtectedHeader(requestObject).alg, 'ES256')
    const claims = decodeJwt(requestObject)
    assert.equal(claims.aud, op.issuer)
    assert.ok(typeof claims.nbf === 'number' && typeof claims.exp === 'number')
    assert.deepEqual([...back.url.searchParams.keys()], ['response'], 'a JARM response alone')
    assert.equal(decodeProtectedHeader(back.url.searchParams.get('response')!).alg, 'ES256')
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('fapi2: an authorization request without a DPoP key is refused before anything is pushed (SECURITY_PROFILE_VIOLATION)', async () => {
    const config = await connect('fapi', { securityProfile: 'fapi2' })
    sent.length = 0
    await expectCode<UsageError>(
      browser.createAuthorizationRequest(config),
      'SECURITY_PROFILE_VIOLATION',
    )
    assert.equal(sent.filter((r) => r.path.endsWith('/request')).length, 0)
  })

  test('fapi2, the twin of the refusal: without the profile the same client signs in with bearer tokens the OP accepts', async () => {
    const config = await connect('fapi', {})
    sent.length = 0
    const { url } = await browser.createAuthorizationRequest(config)
    const back = await op.completeLogin(url, { user: 'alice' })
    const result = await browser.handleCallback(config, callbackInput(back))
    registerSecret(result.accessToken?.value, result.refreshToken)
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(result.idTokenClaims.sub, 'alice')
  })
})
