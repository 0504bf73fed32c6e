import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose'
import { createClaimsRequest } from '../../src/authorization/claims-request.js'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { createRequestObject } from '../../src/authorization/request-object.js'
import { type Configuration, createConfiguration } from '../../src/config/configuration.js'
import type { TransactionStore } from '../../src/storage.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import {
  clientKeyPair,
  REDIRECT,
  redeem,
  type Setup,
  START,
  setup,
} from '../support/authorization.js'
import { client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'
import { encryptionKeys } from '../support/unsafe-keys.js'

const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const

let env: Setup

before(async () => {
  const pairs = await Promise.all(ALGS.map((alg) => clientKeyPair(alg)))
  env = await setup({
    keys: pairs.map((p) => p.privateJwk),
    publicKeys: pairs.map((p) => p.publicJwk),
  })
})

/** The authorization URL's query must be exactly these names. */
function queryNames(url: URL): string[] {
  return [...url.searchParams.keys()].sort()
}

describe('request objects by value', () => {
  for (const alg of [...ALGS, 'HS256'] as const) {
    it(`${alg}: the mock OP verifies the signature, query and JWT agree, and the code redeems`, async () => {
      const { op, make } = env
      op.clearRequests()
      const config = make({
        transport: 'request-object',
        requestObject: { alg },
        scopes: ['openid', 'email'],
      })
      const request = await createAuthorizationRequest(config)
      assert.deepEqual(queryNames(request.url), ['client_id', 'request', 'response_type', 'scope'])
      const q = request.url.searchParams
      const jwt = q.get('request')!
      const header = decodeProtectedHeader(jwt)
      assert.equal(header.alg, alg)
      assert.equal(header.typ, 'oauth-authz-req+jwt')
      assert.equal(header.kid, alg === 'HS256' ? undefined : `rp-${alg.toLowerCase()}`)
      const claims = decodeJwt(jwt)
      assert.equal(claims.iss, 'rp')
      assert.equal(claims.aud, op.issuer)
      assert.equal(claims.iat, START / 1000)
      assert.equal(claims.nbf, START / 1000)
      assert.equal(claims.exp, START / 1000 + 300)
      assert.match(String(claims.jti), /^[A-Za-z0-9_-]{22,}$/)
      for (const name of ['client_id', 'response_type', 'scope'])
        assert.equal(claims[name], q.get(name))
      assert.equal(claims.state, request.state)
      assert.equal(claims.nonce, request.transaction.nonce)
      assert.equal(claims.redirect_uri, REDIRECT)
      assert.equal(claims.code_challenge_method, 'S256')
      const response = await op.authorize(request.url, { user: 'alice' })
      assert.equal(
        response.params.get('error'),
        null,
        response.params.get('error_description') ?? '',
      )
      assert.equal(op.requests.at(-1)?.requestObject?.alg, alg)
      const token = await redeem(op, response.params.get('code')!, request.transaction.codeVerifier)
      assert.equal(token.status, 200)
    })
  }

  it('the mock OP refuses a request object signed with a key it does not know (the twin of the above)', async () => {
    const stranger = await clientKeyPair('ES256', 'stranger')
    const { op, make } = env
    const config = make(
      { transport: 'request-object', requestObject: { alg: 'ES256' } },
      {},
      { keys: [stranger.privateJwk] },
    )
    const request = await createAuthorizationRequest(config)
    // No redirect_uri outside the JWT: the OP shows an error page instead of redirecting.
    await assert.rejects(op.authorize(request.url, { user: 'alice' }), /invalid_request_object/)
  })

  it('defaults to the alg of the first signing key', async () => {
    const request = await createAuthorizationRequest(env.make({ transport: 'request-object' }))
    assert.equal(decodeProtectedHeader(request.url.searchParams.get('request')!).alg, 'RS256')
  })

  it("uses the client's registered request_object_signing_alg", async () => {
    const config = env.make(
      { transport: 'request-object' },
      {},
      { request_object_signing_alg: 'ES256' },
    )
    const request = await createAuthorizationRequest(config)
    assert.equal(decodeProtectedHeader(request.url.searchParams.get('request')!).alg, 'ES256')
  })

  it('carries max_age as a number, claims as an object and multi-valued parameters as a list', async () => {
    const config = env.make({
      transport: 'request-object',
      parameters: [
        { name: 'max_age', value: '600', rule: 'overridable' },
        { name: 'claims', rule: 'overridable' },
        { name: 'customMultiValued', value: ['one', 'two'] },
        { name: 'ui_locales', value: 'en fr' },
      ],
    })
    const claimsRequest = createClaimsRequest().userinfo('email', { essential: true }).build()
    const request = await createAuthorizationRequest(config, { claims: claimsRequest })
    const claims = decodeJwt(request.url.searchParams.get('request')!)
    assert.equal(claims.max_age, 600)
    assert.deepEqual(claims.claims, { userinfo: { email: { essential: true } } })
    assert.deepEqual(claims.customMultiValued, ['one', 'two'])
    assert.equal(claims.ui_locales, 'en fr')
  })

  it('by value, unsigned (alg none) on explicit opt-in, accepted by the mock OP', async () => {
    const { op, make } = env
    const config = make({
      transport: 'request-object',
      requestObject: { alg: 'none', allowUnsigned: true },
    })
    const request = await createAuthorizationRequest(config)
    const jwt = request.url.searchParams.get('request')!
    assert.ok(jwt.endsWith('.'))
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'none', typ: 'oauth-authz-req+jwt' })
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.ok(response.params.get('code'))
  })

  for (const [keyAlg, enc] of [
    ['RSA-OAEP-256', 'A256GCM'],
    ['ECDH-ES', 'A128GCM'],
  ] as const) {
    it(`by value, signed then encrypted to the OP's ${keyAlg} key, accepted by the mock OP`, async () => {
      const { op, make } = env
      const config = make({
        transport: 'request-object',
        requestObject: { alg: 'ES256', encrypt: { alg: keyAlg, enc } },
      })
      const request = await createAuthorizationRequest(config)
      const jwe = request.url.searchParams.get('request')!
      assert.equal(jwe.split('.').length, 5)
      const header = decodeProtectedHeader(jwe)
      assert.equal(header.alg, keyAlg)
      assert.equal(header.enc, enc)
      assert.equal(header.cty, 'JWT')
      const opKey = op.jwks().keys.find((k) => k.use === 'enc' && k.alg === keyAlg)
      assert.equal(header.kid, opKey?.kid)
      const response = await op.authorize(request.url, { user: 'alice' })
      assert.equal(
        response.params.get('error'),
        null,
        response.params.get('error_description') ?? '',
      )
      assert.deepEqual(
        [op.requests.at(-1)?.requestObject?.alg, op.requests.at(-1)?.requestObject?.encrypted],
        ['ES256', true],
      )
    })
  }

  it('by value, unsigned and encrypted on explicit opt-in', async () => {
    const { op, make } = env
    const config = make({
      transport: 'request-object',
      requestObject: {
        alg: 'none',
        allowUnsigned: true,
        encrypt: { alg: 'RSA-OAEP-256', enc: 'A128GCM' },
      },
    })
    const request = await createAuthorizationRequest(config)
    const response = await op.authorize(request.url, { user: 'alice' })
    assert.ok(response.params.get('code'))
    assert.equal(op.requests.at(-1)?.requestObject?.encrypted, true)
  })

  it("encrypts with the client's registered request_object_encryption_alg/enc", async () => {
    const config = env.make(
      { transport: 'request-object' },
      {},
      { request_object_encryption_alg: 'ECDH-ES', request_object_encryption_enc: 'A256GCM' },
    )
    const request = await createAuthorizationRequest(config)
    assert.equal(decodeProtectedHeader(request.url.searchParams.get('request')!).alg, 'ECDH-ES')
  })

  it('refuses encryption when the OP publishes no key for the alg, with JWKS_NO_MATCHING_KEY', async () => {
    const patch = { request_object_encryption_alg_values_supported: ['RSA-OAEP-256', 'RSA-OAEP'] }
    const config = env.make(
      {
        transport: 'request-object',
        requestObject: { encrypt: { alg: 'RSA-OAEP', enc: 'A128GCM' } },
      },
      {},
      {},
      patch,
    )
    await expectCode(createAuthorizationRequest(config), 'JWKS_NO_MATCHING_KEY')
  })

  it('refuses an alg the OP does not advertise with OP_UNSUPPORTED_REQUEST_OBJECT_ALG', async () => {
    const patch = { request_object_signing_alg_values_supported: ['RS256'] }
    const policy = { transport: 'request-object' as const, requestObject: { alg: 'ES256' } }
    await expectCode(
      createAuthorizationRequest(env.make(policy, {}, {}, patch)),
      'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
    )
    const off = env.make({ ...policy, enforceProviderSupport: false }, {}, {}, patch)
    assert.ok(await createAuthorizationRequest(off))
    const rs = env.make({ ...policy, requestObject: { alg: 'RS256' } }, {}, {}, patch)
    assert.ok(await createAuthorizationRequest(rs))
  })

  it('refuses encryption the OP does not advertise with OP_UNSUPPORTED_REQUEST_OBJECT_ALG', async () => {
    const patch = {
      request_object_encryption_alg_values_supported: undefined,
      request_object_encryption_enc_values_supported: undefined,
    }
    const policy = {
      transport: 'request-object' as const,
      requestObject: { encrypt: { alg: 'RSA-OAEP-256', enc: 'A128GCM' } },
    }
    await expectCode(
      createAuthorizationRequest(env.make(policy, {}, {}, patch)),
      'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
    )
    const unencrypted = env.make({ transport: 'request-object' }, {}, {}, patch)
    assert.ok(await createAuthorizationRequest(unencrypted))
  })

  it('refuses a request object when the OP does not advertise request_parameter_supported, with OP_UNSUPPORTED_REQUEST_OBJECT', async () => {
    const patch = { request_parameter_supported: undefined }
    await expectCode(
      createAuthorizationRequest(env.make({ transport: 'request-object' }, {}, {}, patch)),
      'OP_UNSUPPORTED_REQUEST_OBJECT',
    )
    assert.ok(await createAuthorizationRequest(env.make({ transport: 'request-object' })))
  })

  it('sends a signed request object when the OP requires one (require_signed_request_object), never alg none', async () => {
    const patch = { require_signed_request_object: true }
    const request = await createAuthorizationRequest(env.make(undefined, {}, {}, patch))
    assert.ok(request.url.searchParams.has('request'))
    const unsigned = env.make(
      { requestObject: { alg: 'none', allowUnsigned: true } },
      {},
      {},
      patch,
    )
    await expectCode(createAuthorizationRequest(unsigned), 'OP_UNSUPPORTED_REQUEST_OBJECT_ALG')
  })

  it('refuses with MISSING_CREDENTIALS when no key fits the alg, and saves nothing', async () => {
    const store = createMemoryTransactionStore()
    let saved = 0
    const counting: TransactionStore = {
      set: (tx, ttl) => {
        saved++
        return store.set(tx, ttl)
      },
      take: (state) => store.take(state),
    }
    const policy = { transport: 'request-object' as const, requestObject: { alg: 'ES256' } }
    const keyless = env.make(policy, { store: counting }, { keys: [] })
    await expectCode(createAuthorizationRequest(keyless), 'MISSING_CREDENTIALS')
    const noSecret = env.make(
      { transport: 'request-object', requestObject: { alg: 'HS256' } },
      { store: counting },
      { client_secret: undefined, token_endpoint_auth_method: 'none' },
    )
    await expectCode(createAuthorizationRequest(noSecret), 'MISSING_CREDENTIALS')
    assert.equal(saved, 0)
    assert.ok(await createAuthorizationRequest(env.make(policy, { store: counting })))
    assert.equal(saved, 1)
  })
})

describe('request objects are never encrypted to an OP key that cannot be safe', () => {
  const { safe, unsafe } = encryptionKeys()

  /** A configuration whose OP publishes exactly these keys. */
  function withOpKeys(keys: JWK[]) {
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } })
    return createConfiguration(providerMetadata(), client, { fetch })
  }
  const encrypt = (config: Configuration, alg: string) =>
    createRequestObject(
      config,
      { response_type: 'code' },
      { alg: 'HS256', encrypt: { alg, enc: 'A128GCM' } },
    )

  for (const key of unsafe) {
    it(`${key.name} (${key.alg}): refused with JWKS_UNSAFE_KEY, nothing encrypted`, async () => {
      await expectCode(encrypt(withOpKeys([key.jwk]), key.alg), 'JWKS_UNSAFE_KEY')
    })
  }

  for (const key of safe) {
    it(`twin: ${key.name} (${key.alg}) is encrypted to`, async () => {
      const jwe = await encrypt(withOpKeys([key.jwk]), key.alg)
      assert.equal(decodeProtectedHeader(jwe).kid, key.jwk.kid)
    })
  }

  it('with an unsafe key beside a safe one for the same alg, the safe one is used', async () => {
    for (const good of safe) {
      const bad = unsafe.filter((k) => k.alg === good.alg).map((k) => k.jwk)
      const jwe = await encrypt(withOpKeys([...bad, good.jwk]), good.alg)
      assert.equal(decodeProtectedHeader(jwe).kid, good.jwk.kid)
    }
  })
})
