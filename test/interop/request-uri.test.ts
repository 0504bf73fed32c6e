/**
 * Request objects by reference (RFC 9101 §5.2) against a real OP: oidc-provider 8 with
 * `features.requestObjects.requestUri` fetches the request object from the RP, which serves it on
 * a 127.0.0.1 listener with `serveRequestObject`, once. Signed (`rp-request_uri-sig`) and signed
 * then encrypted to the OP's key (`rp-request_uri-sig+enc`); the refusals have their twins,
 * among them the limit the docs state: oidc-provider compares registered `request_uris` as whole
 * URLs, so a client that registered some cannot use one-time URLs.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import {
  type Configuration,
  discover,
  type RequestPolicyInput,
  serveRequestObject,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, keyPair, PROFILE, REDIRECT } from './rp.js'

const SECRET = 'interop-request-uri-secret-0123456789abcdef'
registerSecret(SECRET)
const browser = inBrowser()

let op: RunningOp
let rp: Server
let base: string
let rpKey: JWK
/** The configurations whose request objects the RP serves. */
const served: Configuration[] = []
/** What the RP's listener answered, in order. */
const answered: number[] = []

before(async () => {
  const key = await keyPair('rp-ruri')
  rpKey = key.privateJwk
  registerSecret(rpKey.d)
  // the OP's own keys: RS256 to sign, RSA-OAEP-256 for request objects encrypted to it
  const signing = await generateKeyPair('RS256', { extractable: true })
  const decryption = await generateKeyPair('RSA-OAEP-256', { extractable: true })
  const jwks = {
    keys: [
      { ...(await exportJWK(signing.privateKey)), alg: 'RS256', use: 'sig', kid: 'op-sig' },
      {
        ...(await exportJWK(decryption.privateKey)),
        alg: 'RSA-OAEP-256',
        use: 'enc',
        kid: 'op-enc',
      },
    ],
  }
  rp = createServer(async (req, res) => {
    const request = new Request(`${base.slice(0, base.indexOf('/', 8))}${req.url}`)
    let response: Response | undefined
    for (const config of served) {
      response = await serveRequestObject(config, request)
      if (response?.ok) break
    }
    answered.push(response?.status ?? 404)
    res.writeHead(response?.status ?? 404, Object.fromEntries(response?.headers ?? []))
    res.end(response ? await response.text() : '')
  })
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/request/`
  const client = {
    client_secret: SECRET,
    redirect_uris: [REDIRECT],
    response_types: ['code'],
    jwks: { keys: [key.publicJwk] },
    request_object_signing_alg: 'RS256',
  }
  op = await startOp({
    jwks,
    clients: [
      { client_id: 'ruri', ...client },
      // registered request_uris: oidc-provider then takes only those whole URLs
      { client_id: 'ruri-registered', ...client, request_uris: [base] },
      {
        client_id: 'ruri-enc',
        ...client,
        request_object_encryption_alg: 'RSA-OAEP-256',
        request_object_encryption_enc: 'A128CBC-HS256',
      },
    ],
    adjust: (configuration) => {
      configuration.features = {
        ...configuration.features,
        encryption: { enabled: true },
        requestObjects: {
          request: true,
          requestUri: true,
          requireUriRegistration: false,
          requireSignedRequestObject: false,
          mode: 'strict',
        },
      }
    },
  })
})

after(async () => {
  await op?.close()
  await new Promise((resolve) => rp?.close(resolve))
})

async function connect(clientId: string, policy: RequestPolicyInput = {}): Promise<Configuration> {
  const config = await discover(
    op.issuer,
    { client_id: clientId, client_secret: SECRET, redirect_uris: [REDIRECT], keys: [rpKey] },
    {
      policy: {
        ...PROFILE,
        transport: 'request-uri',
        requestUriBase: base,
        requestObject: { alg: 'RS256' },
        ...policy,
      },
    },
  )
  served.push(config)
  return config
}

async function signIn(config: Configuration) {
  const { url } = await browser.createAuthorizationRequest(config)
  const back = await op.completeLogin(url, { user: 'alice' })
  const result = await browser.handleCallback(config, callbackInput(back))
  registerSecret(result.accessToken?.value, result.refreshToken)
  return { url, result }
}

describe('oidc-provider fetches request objects by reference', () => {
  test('the OP advertises request_uri_parameter_supported', async () => {
    const config = await connect('ruri')
    assert.equal(config.provider.request_uri_parameter_supported, true)
  })

  test('rp-request_uri-sig: oidc-provider fetches the signed request object once and signs alice in', async () => {
    const before = answered.length
    const { url, result } = await signIn(await connect('ruri'))
    assert.ok(url.searchParams.get('request_uri')?.startsWith(base))
    assert.equal(url.searchParams.get('request'), null)
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.deepEqual(answered.slice(before), [200])
  })

  test('rp-request_uri-sig+enc: signed, then encrypted to the OP, fetched and signs alice in', async () => {
    const config = await connect('ruri-enc', {
      requestObject: { alg: 'RS256', encrypt: { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' } },
    })
    const { url } = await browser.createAuthorizationRequest(config)
    // what the listener serves is a JWE (five parts) for this client
    const uri = url.searchParams.get('request_uri')!
    const peek = await serveRequestObject(config, new Request(uri))
    const jwe = await peek!.text()
    assert.equal(jwe.split('.').length, 5)
    // taken by the peek: a second request object for the sign-in itself
    const { result } = await signIn(config)
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('a request_uri already fetched is refused by the OP; a fresh one signs in', async () => {
    const config = await connect('ruri')
    const { url } = await browser.createAuthorizationRequest(config)
    await serveRequestObject(config, new Request(url.searchParams.get('request_uri')!))
    const refused = await op.completeLogin(url, { user: 'alice' })
    assert.equal(refused.url.searchParams.get('error'), 'invalid_request_uri')
    // the state was in the request object the OP could not read: the RP cannot tie the error
    // to a sign-in, and says so
    await expectCode(
      browser.handleCallback(config, callbackInput(refused)),
      'CALLBACK_STATE_MISSING',
    )
    const { result } = await signIn(config)
    assert.equal(result.idTokenClaims.sub, 'alice')
  })

  test('a client with registered request_uris: oidc-provider matches whole URLs and refuses the one-time URL under the base (invalid_request_uri); the twin without them signs in', async () => {
    const config = await connect('ruri-registered')
    const before = answered.length
    const { url } = await browser.createAuthorizationRequest(config)
    const refused = await op.completeLogin(url, { user: 'alice' })
    assert.equal(refused.url.searchParams.get('error'), 'invalid_request_uri')
    assert.deepEqual(answered.slice(before), [], 'refused before any fetch')
    const { result } = await signIn(await connect('ruri'))
    assert.equal(result.idTokenClaims.sub, 'alice')
  })
})
