/**
 * What the grants share (src/grants/grant.ts), here their `dpop` option (RFC 9449 §5): client
 * credentials, token exchange and JWT bearer each get a DPoP-bound token from the mock OP, usable
 * only with proofs of that key, with the nonce retry and the `token_type` asked for. One table of
 * the three grants; each refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { createDPoPHandle, generateDPoPKeyPair } from '../../src/dpop.js'
import type { OAuthResponseError, UsageError, ValidationError } from '../../src/errors.js'
import { requestClientCredentials } from '../../src/grants/client-credentials.js'
import type { GrantResult } from '../../src/grants/grant.js'
import { JWT_BEARER_GRANT_TYPE, requestJwtBearerGrant } from '../../src/grants/jwt-bearer.js'
import {
  ACCESS_TOKEN_TYPE,
  exchangeToken,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from '../../src/grants/token-exchange.js'
import type { DPoPHandle } from '../../src/lib/dpop.js'
import { fetchProtectedResource } from '../../src/resource.js'
import type { MockDPoPOptions } from '../../src/testing/dpop-types.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createFixture, type Fixture } from '../support/sign-in.js'

const WORKLOAD_ISSUER = 'https://workload-identity.example'
let workloadKey: { privateKey: CryptoKey; jwk: JWK }

before(async () => {
  const pair = await generateKeyPair('ES256')
  workloadKey = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)) } }
})

type Options = { readonly dpop?: DPoPHandle }

/** A grant of the table: its fixture, and its call with the options under test. */
interface GrantCase {
  readonly name: string
  /** A mock OP whose client may use the grant, with these DPoP settings. */
  setUp(dpop: MockDPoPOptions): Promise<{ f: Fixture; call(options: Options): Promise<unknown> }>
  /** A well-formed answer of the grant, with this `token_type` (for a `respond` fault). */
  readonly answer: (tokenType: string) => Record<string, unknown>
}

const GRANTS: readonly GrantCase[] = [
  {
    name: 'client credentials',
    async setUp(dpop) {
      const f = await createFixture({
        op: { dpop },
        client: { grant_types: ['client_credentials'] },
      })
      return { f, call: (options) => requestClientCredentials(f.config, options) }
    },
    answer: (tokenType) => ({ access_token: 'at-1', token_type: tokenType }),
  },
  {
    name: 'token exchange',
    async setUp(dpop) {
      const f = await createFixture({
        op: { dpop },
        client: { grant_types: ['authorization_code', TOKEN_EXCHANGE_GRANT_TYPE] },
      })
      const subjectToken = (await f.signIn()).accessToken!.value
      registerSecret(subjectToken)
      f.op.clearRequests()
      return {
        f,
        call: (options) =>
          exchangeToken(f.config, {
            subjectToken,
            subjectTokenType: ACCESS_TOKEN_TYPE,
            ...options,
          }),
      }
    },
    answer: (tokenType) => ({
      access_token: 'at-1',
      token_type: tokenType,
      issued_token_type: ACCESS_TOKEN_TYPE,
    }),
  },
  {
    name: 'JWT bearer',
    async setUp(dpop) {
      const f = await createFixture({
        op: {
          dpop,
          jwtBearerIssuers: [{ issuer: WORKLOAD_ISSUER, jwks: { keys: [workloadKey.jwk] } }],
        },
        client: { grant_types: [JWT_BEARER_GRANT_TYPE] },
      })
      const now = Math.floor(f.clock.now / 1000)
      const assertion = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(WORKLOAD_ISSUER)
        .setAudience(f.op.issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(workloadKey.privateKey)
      registerSecret(assertion)
      return { f, call: (options) => requestJwtBearerGrant(f.config, { assertion, ...options }) }
    },
    answer: (tokenType) => ({ access_token: 'at-1', token_type: tokenType }),
  },
]

const newHandle = async () => createDPoPHandle(await generateDPoPKeyPair())
const tokenRequests = (f: Fixture) => f.op.requests.filter((r) => r.endpoint === 'token')
const userinfoOf = (f: Fixture) => `${f.op.issuer}/userinfo`

for (const grant of GRANTS) {
  describe(`${grant.name} with DPoP (RFC 9449 §5)`, () => {
    test(`${grant.name}: with a handle the token is DPoP-bound and the mock OP's UserInfo takes it with a proof of that key`, async () => {
      const { f, call } = await grant.setUp({})
      const dpop = await newHandle()
      const result = (await call({ dpop })) as GrantResult
      registerSecret(result.accessToken.value)
      assert.equal(result.accessToken.type, 'DPoP')
      assert.equal(tokenRequests(f)[0]?.dpopJkt, dpop.thumbprint)
      const response = await fetchProtectedResource(f.config, userinfoOf(f), result.accessToken, {
        dpop,
      })
      assert.equal(response.status, 200)
      assert.match(f.op.requests.at(-1)?.headers.authorization ?? '', /^DPoP /)
    })

    test(`${grant.name}: the bound token with another key's proof is refused by UserInfo (PROTECTED_RESOURCE_CHALLENGE invalid_token; twin: the test above)`, async () => {
      const { f, call } = await grant.setUp({})
      const result = (await call({ dpop: await newHandle() })) as GrantResult
      registerSecret(result.accessToken.value)
      const error = await expectCode<OAuthResponseError>(
        fetchProtectedResource(f.config, userinfoOf(f), result.accessToken, {
          dpop: await newHandle(),
        }),
        'PROTECTED_RESOURCE_CHALLENGE',
      )
      assert.equal(error.error, 'invalid_token')
    })

    test(`${grant.name}: the bound token sent as Bearer is refused by UserInfo (PROTECTED_RESOURCE_CHALLENGE invalid_token; twin: the first test)`, async () => {
      const { f, call } = await grant.setUp({})
      const result = (await call({ dpop: await newHandle() })) as GrantResult
      registerSecret(result.accessToken.value)
      const error = await expectCode<OAuthResponseError>(
        fetchProtectedResource(f.config, userinfoOf(f), result.accessToken.value),
        'PROTECTED_RESOURCE_CHALLENGE',
      )
      assert.equal(error.error, 'invalid_token')
    })

    test(`${grant.name}: an OP that demands nonces gets the request once more with its nonce`, async () => {
      const { f, call } = await grant.setUp({ nonces: true })
      const dpop = await newHandle()
      const result = (await call({ dpop })) as GrantResult
      assert.equal(result.accessToken.type, 'DPoP')
      const sent = tokenRequests(f)
      assert.equal(sent.length, 2)
      assert.equal(decodeJwt(sent[0]!.headers.dpop!).nonce, undefined)
      assert.equal(typeof decodeJwt(sent[1]!.headers.dpop!).nonce, 'string')
      assert.equal(sent[1]?.dpopJkt, dpop.thumbprint)
    })

    test(`${grant.name}: a DPoP-bound token answered as Bearer is refused: TOKEN_TYPE_UNEXPECTED`, async () => {
      const { f, call } = await grant.setUp({})
      f.op.misbehave({ dpop: 'bearer-token-type' })
      const error = await expectCode<ValidationError>(
        call({ dpop: await newHandle() }),
        'TOKEN_TYPE_UNEXPECTED',
      )
      assert.deepEqual([error.claim, error.expected], ['token_type', 'DPoP'])
    })

    test(`${grant.name}: a DPoP-bound token answered as Bearer, the twin: answered as DPoP it is accepted`, async () => {
      const { call } = await grant.setUp({})
      const result = (await call({ dpop: await newHandle() })) as GrantResult
      assert.equal(result.accessToken.type, 'DPoP')
    })

    test(`${grant.name}: without a handle, a DPoP token_type is refused: TOKEN_TYPE_UNEXPECTED`, async () => {
      const { f, call } = await grant.setUp({})
      f.op.misbehave({
        respond: { endpoint: 'token', response: () => Response.json(grant.answer('DPoP')) },
      })
      const error = await expectCode<ValidationError>(call({}), 'TOKEN_TYPE_UNEXPECTED')
      assert.deepEqual([error.claim, error.expected], ['token_type', 'Bearer'])
      assert.equal(tokenRequests(f)[0]?.headers.dpop, undefined)
    })

    test(`${grant.name}: without a handle, a DPoP token_type is refused, the twin: Bearer is accepted and no proof sent`, async () => {
      const { f, call } = await grant.setUp({})
      const result = (await call({})) as GrantResult
      assert.equal(result.accessToken.type, 'Bearer')
      assert.equal(tokenRequests(f)[0]?.headers.dpop, undefined)
    })

    test(`${grant.name}: a dpop that is not a handle is INVALID_ARGUMENT and nothing is sent (twin: the handles above)`, async () => {
      const { f, call } = await grant.setUp({})
      const error = await expectCode<UsageError>(
        call({ dpop: { thumbprint: 'x' } as unknown as DPoPHandle }),
        'INVALID_ARGUMENT',
      )
      assert.equal(error.parameter, 'dpop')
      assert.equal(tokenRequests(f).length, 0)
    })
  })
}
