/**
 * JWT Secured Authorization Responses (JARM) against a real OP: oidc-provider 8 with
 * `features.jwtResponseModes` and `features.encryption`. Every refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import {
  type ClientInput,
  type ConfigurationOptions,
  discover,
  type OAuthResponseError,
  type RequestPolicyInput,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'

const SECRET = 'interop-jarm-client-secret-0123456789abcdef'
registerSecret(SECRET)
const browser = inBrowser()

const enc = await generateKeyPair('RSA-OAEP-256', { extractable: true })
const encMeta = { kid: 'rp-jarm-enc', use: 'enc', alg: 'RSA-OAEP-256' }
const encPublic: JWK = { ...(await exportJWK(enc.publicKey)), ...encMeta }
const encPrivate: JWK = { ...(await exportJWK(enc.privateKey)), ...encMeta }
registerSecret(encPrivate.d)

const FLOWS = {
  redirect_uris: [REDIRECT],
  response_types: ['code', 'code id_token'],
  grant_types: ['authorization_code', 'implicit'],
}
const ENCRYPTED = { authorization_encrypted_response_alg: 'RSA-OAEP-256' }

let op: RunningOp

before(async () => {
  op = await startOp({
    clients: [
      { client_id: 'jarm', client_secret: SECRET, ...FLOWS },
      {
        client_id: 'jarm-es',
        client_secret: SECRET,
        ...FLOWS,
        authorization_signed_response_alg: 'ES256',
      },
      {
        client_id: 'jarm-enc',
        client_secret: SECRET,
        ...FLOWS,
        jwks: { keys: [encPublic] },
        ...ENCRYPTED,
      },
    ],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        jwtResponseModes: { enabled: true },
        encryption: { enabled: true },
      }
    },
  })
})

after(async () => {
  await op?.close()
})

/** A configuration of one of the OP's clients, with a request policy. */
function connect(client: Partial<ClientInput> & { client_id: string }, policy: RequestPolicyInput) {
  const options: ConfigurationOptions = { policy: { ...PROFILE, ...policy } }
  return discover(
    op.issuer,
    { redirect_uris: [REDIRECT], client_secret: SECRET, ...client },
    options,
  )
}

/** A sign-in of alice: the authorization request, the OP's answer, and the callback. */
async function signIn(
  config: Awaited<ReturnType<typeof connect>>,
  change: (url: URL) => void = () => {},
  consent = true,
) {
  const { url } = await browser.createAuthorizationRequest(config)
  change(url)
  const back = await op.completeLogin(url, { user: 'alice', consent })
  return { back, result: browser.handleCallback(config, callbackInput(back)) }
}

function assertAlice(result: { idTokenClaims: { sub: string; iss: string } }): void {
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.idTokenClaims.iss, op.issuer)
}

describe('oidc-provider JARM responses', () => {
  test('the OP advertises the JARM modes and algorithms', async () => {
    const config = await connect({ client_id: 'jarm' }, {})
    assert.ok(config.provider.response_modes_supported?.includes('query.jwt'))
    assert.ok(config.provider.authorization_signing_alg_values_supported?.includes('RS256'))
    assert.ok(
      config.provider.authorization_encryption_alg_values_supported?.includes('RSA-OAEP-256'),
    )
  })

  test('query.jwt: response alone comes back, and it signs in', async () => {
    const { back, result } = await signIn(
      await connect({ client_id: 'jarm' }, { responseMode: 'query.jwt' }),
    )
    assert.equal(back.method, 'GET')
    assert.deepEqual([...back.url.searchParams.keys()], ['response'])
    assertAlice(await result)
  })

  test('jwt for code comes in the query and signs in', async () => {
    const { back, result } = await signIn(
      await connect({ client_id: 'jarm' }, { responseMode: 'jwt' }),
    )
    assert.ok(back.url.searchParams.has('response'))
    assertAlice(await result)
  })

  test('form_post.jwt signs in', async () => {
    const { back, result } = await signIn(
      await connect({ client_id: 'jarm' }, { responseMode: 'form_post.jwt' }),
    )
    assert.equal(back.method, 'POST')
    assertAlice(await result)
  })

  test('fragment.jwt with code id_token signs in', async () => {
    const config = await connect(
      { client_id: 'jarm' },
      { responseType: 'code id_token', responseMode: 'fragment.jwt' },
    )
    const { back, result } = await signIn(config)
    assert.match(back.url.hash, /^#response=/)
    assertAlice(await result)
  })

  test('an ES256-registered client: ES256 responses sign in', async () => {
    const config = await connect(
      { client_id: 'jarm-es', authorization_signed_response_alg: 'ES256' },
      { responseMode: 'query.jwt' },
    )
    assertAlice(await (await signIn(config)).result)
  })

  test('an encrypted response (RSA-OAEP-256, A128CBC-HS256) signs in', async () => {
    const config = await connect(
      { client_id: 'jarm-enc', keys: [encPrivate], ...ENCRYPTED },
      { responseMode: 'query.jwt' },
    )
    const { back, result } = await signIn(config)
    assert.equal(back.url.searchParams.get('response')?.split('.').length, 5)
    assertAlice(await result)
  })

  test('a cancelled sign-in comes back as a JARM error response: AUTHORIZATION_ERROR_RESPONSE access_denied', async () => {
    const config = await connect({ client_id: 'jarm' }, { responseMode: 'query.jwt' })
    const { back, result } = await signIn(config, undefined, false)
    assert.deepEqual([...back.url.searchParams.keys()], ['response'])
    const err = await expectCode<OAuthResponseError>(result, 'AUTHORIZATION_ERROR_RESPONSE')
    assert.equal(err.error, 'access_denied')
  })
})

describe('the RP refuses what it did not register or ask for', () => {
  test('an RS256 response where the RP registered ES256 is JARM_ALG_NOT_ALLOWED; RS256 as registered signs in', async () => {
    const mismatched = await connect(
      { client_id: 'jarm', authorization_signed_response_alg: 'ES256' },
      { responseMode: 'query.jwt' },
    )
    await expectCode((await signIn(mismatched)).result, 'JARM_ALG_NOT_ALLOWED')
    const registered = await connect({ client_id: 'jarm' }, { responseMode: 'query.jwt' })
    assertAlice(await (await signIn(registered)).result)
  })

  test('a signed-only response where the RP expects encryption is JARM_DECRYPTION_FAILED; the encrypting client signs in', async () => {
    const expectsEncryption = await connect(
      { client_id: 'jarm', keys: [encPrivate], ...ENCRYPTED },
      { responseMode: 'query.jwt' },
    )
    await expectCode((await signIn(expectsEncryption)).result, 'JARM_DECRYPTION_FAILED')
    const encrypting = await connect(
      { client_id: 'jarm-enc', keys: [encPrivate], ...ENCRYPTED },
      { responseMode: 'query.jwt' },
    )
    assertAlice(await (await signIn(encrypting)).result)
  })

  test('a JARM response to a plain sign-in is JARM_RESPONSE_UNEXPECTED; asked for, it signs in', async () => {
    const plain = await connect({ client_id: 'jarm' }, {})
    const { result } = await signIn(plain, (url) =>
      url.searchParams.set('response_mode', 'query.jwt'),
    )
    await expectCode(result, 'JARM_RESPONSE_UNEXPECTED')
    const asked = await connect({ client_id: 'jarm' }, { responseMode: 'query.jwt' })
    assertAlice(await (await signIn(asked)).result)
  })

  test('a plain response to a JARM sign-in is JARM_RESPONSE_MISSING; the JARM one signs in', async () => {
    const config = await connect({ client_id: 'jarm' }, { responseMode: 'query.jwt' })
    // The OP is asked for the default mode while the RP's transaction remembers query.jwt.
    const { result } = await signIn(config, (url) => url.searchParams.delete('response_mode'))
    await expectCode(result, 'JARM_RESPONSE_MISSING')
    assertAlice(await (await signIn(config)).result)
  })
})
