/**
 * DPoP (RFC 9449) against a real OP: oidc-provider 8 with `features.dPoP`, without and with
 * server nonces (`nonceSecret`, a nonce required in every proof). The code flow with `dpop_jkt`,
 * PAR, refresh and UserInfo; a bound token refused without its proof. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { decodeJwt } from 'jose'
import {
  type Configuration,
  createDPoPHandle,
  type DPoPHandle,
  discover,
  fetchProtectedResource,
  fetchUserInfo,
  type OAuthResponseError,
  refreshTokens,
  type SignInResult,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'

const SECRET = 'interop-dpop-client-secret-0123456789abcdef'
registerSecret(SECRET)
const browser = inBrowser()

const CLIENTS = [
  {
    client_id: 'dpop-confidential',
    client_secret: SECRET,
    redirect_uris: [REDIRECT],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
  },
  {
    client_id: 'dpop-public',
    token_endpoint_auth_method: 'none',
    redirect_uris: [REDIRECT],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
  },
]

/** oidc-provider with DPoP on (ES256, PS256, RS256, EdDSA proofs), nonces on demand. */
function startDPoPOp(nonces: boolean): Promise<RunningOp> {
  return startOp({
    clients: CLIENTS,
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        dPoP: {
          enabled: true,
          ...(nonces ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
        },
      }
      ;(configuration as Record<string, unknown>).enabledJWA = {
        dPoPSigningAlgValues: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      }
    },
  })
}

/** The requests the SDK sent, by path, with their DPoP proofs' nonces. */
const sent: { path: string; nonce: unknown }[] = []
const recordingFetch: typeof fetch = (input, init) => {
  const proof = new Headers(init?.headers).get('dpop')
  const path = new URL(input instanceof Request ? input.url : String(input)).pathname
  sent.push({ path, nonce: proof === null ? undefined : decodeJwt(proof).nonce })
  return fetch(input, init)
}

async function connect(op: RunningOp, clientId: string, policy = {}): Promise<Configuration> {
  const client = CLIENTS.find((c) => c.client_id === clientId)!
  return discover(
    op.issuer,
    {
      client_id: clientId,
      redirect_uris: [REDIRECT],
      ...('client_secret' in client ? { client_secret: SECRET } : {}),
      ...(client.token_endpoint_auth_method ? { token_endpoint_auth_method: 'none' as const } : {}),
    },
    { policy: { ...PROFILE, ...policy }, fetch: recordingFetch },
  )
}

async function signIn(
  op: RunningOp,
  config: Configuration,
  dpop: DPoPHandle | undefined,
): Promise<{ result: SignInResult; url: URL }> {
  const { url } = await browser.createAuthorizationRequest(config, undefined, dpop ? { dpop } : {})
  const result = await browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice' })),
    dpop ? { dpop } : {},
  )
  registerSecret(result.accessToken?.value, result.refreshToken)
  return { result, url }
}

const newHandle = async (alg?: 'ES256' | 'PS256' | 'RS256' | 'EdDSA') => {
  const { generateDPoPKeyPair } = await import('../../src/index.js')
  return createDPoPHandle(await generateDPoPKeyPair(alg))
}

for (const nonces of [false, true]) {
  describe(`oidc-provider 8 with features.dPoP${nonces ? ' and required nonces' : ''}`, () => {
    let op: RunningOp
    before(async () => {
      op = await startDPoPOp(nonces)
    })
    after(async () => {
      await op?.close()
    })

    test('code flow with dpop_jkt: the token is DPoP-bound (cnf.jkt) and UserInfo answers with the DPoP scheme', async () => {
      const config = await connect(op, 'dpop-confidential')
      const dpop = await newHandle()
      sent.length = 0
      const { result, url } = await signIn(op, config, dpop)
      const tokenRequests = sent.filter((r) => r.path.endsWith('/token'))
      // with nonces the OP answers the first proof use_dpop_nonce and the SDK retries once
      assert.equal(tokenRequests.length, nonces ? 2 : 1)
      if (nonces) assert.equal(typeof tokenRequests[1]?.nonce, 'string')
      assert.equal(url.searchParams.get('dpop_jkt'), dpop.thumbprint)
      assert.equal(result.accessToken?.type, 'DPoP')
      assert.equal(result.claims.sub, 'alice')
      assert.equal(result.userinfo?.sub, 'alice', 'UserInfo was called with the DPoP token')
      const jwt = result.accessToken!.value.split('.').length === 3
      if (jwt) assert.deepEqual(decodeJwt(result.accessToken!.value).cnf, { jkt: dpop.thumbprint })
    })

    for (const alg of ['PS256', 'RS256', 'EdDSA'] as const) {
      test(`a ${alg} DPoP key is accepted by the OP`, async () => {
        const config = await connect(op, 'dpop-confidential')
        const { result } = await signIn(op, config, await newHandle(alg))
        assert.equal(result.accessToken?.type, 'DPoP')
      })
    }

    test('PAR with a DPoP proof and dpop_jkt completes', async () => {
      const config = await connect(op, 'dpop-confidential', { transport: 'par' })
      const dpop = await newHandle()
      const { result, url } = await signIn(op, config, dpop)
      assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
      assert.equal(result.accessToken?.type, 'DPoP')
    })

    test('refresh with the handle: a new DPoP token that UserInfo accepts', async () => {
      const config = await connect(op, 'dpop-public')
      const dpop = await newHandle()
      const { result } = await signIn(op, config, dpop)
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

    test("a public client's DPoP-bound refresh token used with another key is refused by the OP (invalid_grant); the twin with the key passed above", async () => {
      const config = await connect(op, 'dpop-public')
      const dpop = await newHandle()
      const { result } = await signIn(op, config, dpop)
      const error = await expectCode<OAuthResponseError>(
        refreshTokens(config, result.refreshToken!, { dpop: await newHandle() }),
        'TOKEN_ERROR_RESPONSE',
      )
      assert.equal(error.error, 'invalid_grant')
    })

    test('a stolen DPoP token sent as Bearer is refused by UserInfo (USERINFO_BEARER_CHALLENGE); the twin with its proof passes', async () => {
      const config = await connect(op, 'dpop-confidential')
      const dpop = await newHandle()
      const { result } = await signIn(op, config, dpop)
      const token = result.accessToken!.value
      const error = await expectCode<OAuthResponseError>(
        fetchUserInfo(config, token, { expectedSubject: 'alice' }),
        'USERINFO_BEARER_CHALLENGE',
      )
      assert.equal(error.status, 401)
      const endpoint = config.provider.userinfo_endpoint!
      const response = await fetchProtectedResource(config, endpoint, result.accessToken!, { dpop })
      assert.equal(response.status, 200)
    })

    test('a stolen DPoP token with a proof of another key is refused (PROTECTED_RESOURCE_CHALLENGE invalid_token)', async () => {
      const config = await connect(op, 'dpop-confidential')
      const { result } = await signIn(op, config, await newHandle())
      const thief = await newHandle()
      const endpoint = config.provider.userinfo_endpoint!
      const error = await expectCode<OAuthResponseError>(
        fetchProtectedResource(config, endpoint, result.accessToken!, { dpop: thief }),
        'PROTECTED_RESOURCE_CHALLENGE',
      )
      assert.equal(error.status, 401)
      assert.ok(error.challenges.some((c) => c.scheme === 'dpop'))
    })

    test('without DPoP the same OP answers Bearer tokens (twin of the DPoP sign-in)', async () => {
      const config = await connect(op, 'dpop-confidential')
      const { result } = await signIn(op, config, undefined)
      assert.equal(result.accessToken?.type, 'Bearer')
    })
  })
}
