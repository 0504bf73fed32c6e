/**
 * The OpenID Foundation RP certification tests of the Basic, Implicit, Config and Form Post
 * profiles, end to end through the mock OP: discovery → createAuthorizationRequest (the
 * configuration's policy) → op.authorize → handleCallback. Each fault is injected with
 * op.misbehave, and each must-reject test ends with its passing twin (the same setup, no fault).
 * The ID token engineer unit-tests some of these ids in test/id-token.test.ts; these are the
 * end-to-end versions.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { AuthorizationParameters } from '../src/authorization/request.js'
import type { SignInResult } from '../src/callback/result.js'
import type { CallbackOptions } from '../src/callback/sign-in.js'
import type { RequestPolicyInput, ResponseType } from '../src/config/policy.js'
import { discover } from '../src/discovery.js'
import type { ErrorCode, OAuthResponseError } from '../src/errors.js'
import type { Fault } from '../src/testing/index.js'
import { expectCode } from './support/helpers.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createFixture,
  type Fixture,
  type FixtureOptions,
  sharedFixture,
} from './support/sign-in.js'

const SCOPES = ['openid', 'profile', 'email']
/** The response types of the Basic and Implicit profiles (the Form Post profile reuses them). */
const PROFILES: readonly ResponseType[] = ['code', 'id_token', 'id_token token']

/**
 * A relying party with one policy, discovered from a mock OP (shared between tests with the same
 * options, its requests and faults cleared; `fresh` for tests that rotate keys or move the clock).
 */
function rp(
  responseType: ResponseType = 'code',
  options: FixtureOptions & { policy?: RequestPolicyInput; fresh?: boolean } = {},
): Promise<Fixture> {
  const { fresh, policy, ...rest } = options
  const fixtureOptions = {
    ...rest,
    config: { ...rest.config, policy: { responseType, scopes: SCOPES, ...policy } },
  }
  return fresh ? createFixture(fixtureOptions) : sharedFixture(fixtureOptions)
}

function signIn(
  f: Fixture,
  appParams?: AuthorizationParameters,
  callback?: CallbackOptions,
): Promise<SignInResult> {
  return f.signInWithPolicy(f.config, appParams, callback)
}

async function passes(f: Fixture): Promise<SignInResult> {
  const result = await signIn(f)
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.idTokenClaims.iss, f.op.issuer)
  return result
}

/** The fault makes the sign-in fail with the code; without it the same RP signs in. */
async function rejectsThenPasses(f: Fixture, fault: Fault, code: ErrorCode): Promise<void> {
  f.op.misbehave(fault)
  await expectCode(signIn(f), code)
  await passes(f)
}

describe('Basic, Implicit and Form Post: response types and modes', () => {
  test('rp-response_type-code: code flow with token request and UserInfo', async () => {
    const f = await rp('code')
    const result = await passes(f)
    const authorization = f.op.requests.find((r) => r.endpoint === 'authorization')
    assert.equal(authorization?.params.response_type, 'code')
    assert.ok(f.op.requests.some((r) => r.endpoint === 'token'))
    assert.equal(result.userinfo?.sub, 'alice')
    assert.ok(result.accessToken && result.refreshToken)
  })

  test('rp-response_type-id_token: implicit ID token from the fragment', async () => {
    const f = await rp('id_token')
    const result = await passes(f)
    assert.equal(
      f.op.requests.find((r) => r.endpoint === 'authorization')?.params.response_type,
      'id_token',
    )
    assert.equal(result.accessToken, undefined)
    assert.equal(
      f.op.requests.some((r) => r.endpoint === 'token'),
      false,
    )
  })

  test('rp-response_type-id_token+token: ID token and access token from the fragment', async () => {
    const f = await rp('id_token token')
    const result = await passes(f)
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(typeof result.idTokenClaims.at_hash, 'string')
    assert.equal(result.userinfo?.sub, 'alice')
  })

  test('rp-response_mode-form_post: every response type answered by an HTML form POST', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { policy: { responseMode: 'form_post' } })
      await passes(f)
      assert.equal(
        f.op.requests.find((r) => r.endpoint === 'authorization')?.params.response_mode,
        'form_post',
      )
    }
  })

  test('rp-response_mode-form_post-error: a form-POSTed error (prompt=none, max_age=0) is shown as the OP sent it', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, {
        policy: {
          responseMode: 'form_post',
          parameters: [
            { name: 'prompt', value: 'none' },
            { name: 'max_age', value: '0' },
          ],
        },
      })
      const err = await expectCode<OAuthResponseError>(signIn(f), 'AUTHORIZATION_ERROR_RESPONSE')
      assert.equal(err.error, 'login_required')
      assert.equal(typeof err.errorDescription, 'string')
      const twin = await f.reconfigure({
        policy: {
          responseType,
          responseMode: 'form_post',
          scopes: SCOPES,
          parameters: [{ name: 'max_age', value: '0' }],
        },
      })
      const result = await f.signInWithPolicy(twin)
      assert.equal(result.idTokenClaims.sub, 'alice')
    }
  })
})

/** The response types of the Hybrid profile that return an access token from the front channel. */
const HYBRID_WITH_TOKEN: readonly ResponseType[] = ['code token', 'code id_token token']
/** The response modes a hybrid response may come in: the default (fragment) and form_post. */
const HYBRID_MODES = [undefined, 'form_post'] as const

/** How many token requests the OP has seen: a front-channel rejection must leave the code unspent. */
function tokenRequests(f: Fixture): number {
  return f.op.requests.filter((r) => r.endpoint === 'token').length
}

/** The fault makes the hybrid sign-in fail before the code is redeemed; without it the RP signs in. */
async function rejectsUnredeemedThenPasses(f: Fixture, fault: Fault, code: ErrorCode) {
  f.op.misbehave(fault)
  const before = tokenRequests(f)
  await expectCode(signIn(f), code)
  assert.equal(tokenRequests(f), before, 'the code was not redeemed')
  await passes(f)
}

describe('Hybrid: code token and code id_token token (OIDC Core §3.3)', () => {
  test('rp-response_type-code+token: a code and an access token in the fragment or form_post, the code redeemed, the two access tokens kept apart', async () => {
    for (const responseMode of HYBRID_MODES) {
      const f = await rp('code token', { policy: responseMode ? { responseMode } : {} })
      const result = await passes(f)
      const authorization = f.op.requests.find((r) => r.endpoint === 'authorization')
      assert.equal(authorization?.params.response_type, 'code token')
      assert.equal(authorization?.params.response_mode, responseMode)
      assert.ok(authorization?.params.nonce, 'a hybrid request carries a nonce')
      assert.equal(tokenRequests(f), 1)
      assert.equal(result.idTokenClaims.nonce, authorization?.params.nonce)
      assert.equal(result.frontChannelAccessToken?.type, 'Bearer')
      assert.equal(result.accessToken?.type, 'Bearer')
      assert.notEqual(result.frontChannelAccessToken?.value, result.accessToken?.value)
      assert.ok(result.refreshToken)
      const userinfo = f.op.requests.find((r) => r.endpoint === 'userinfo')
      assert.equal(userinfo?.headers.authorization, `Bearer ${result.accessToken?.value}`)
    }
  })

  test('rp-response_type-code+id_token+token: an ID token, a code and an access token in the fragment or form_post; both ID tokens validated', async () => {
    for (const responseMode of HYBRID_MODES) {
      const f = await rp('code id_token token', { policy: responseMode ? { responseMode } : {} })
      const result = await passes(f)
      const authorization = f.op.requests.find((r) => r.endpoint === 'authorization')
      assert.equal(authorization?.params.response_type, 'code id_token token')
      assert.equal(authorization?.params.response_mode, responseMode)
      assert.equal(tokenRequests(f), 1)
      assert.equal(result.frontChannelAccessToken?.type, 'Bearer')
      assert.notEqual(result.frontChannelAccessToken?.value, result.accessToken?.value)
      assert.equal(result.transaction.responseType, 'code id_token token')
    }
  })

  test('rp-id_token-bad-at_hash (hybrid): a front-channel ID token whose at_hash does not match the front-channel access token is refused', async () => {
    const f = await rp('code id_token token')
    const fault = { idToken: 'wrong-at_hash', endpoint: 'authorization' } as const
    await rejectsUnredeemedThenPasses(f, fault, 'ID_TOKEN_AT_HASH_MISMATCH')
  })

  test('rp-id_token-missing-at_hash (hybrid): code id_token token requires at_hash in the front-channel ID token', async () => {
    const f = await rp('code id_token token')
    const fault = { idToken: 'no-at_hash', endpoint: 'authorization' } as const
    await rejectsUnredeemedThenPasses(f, fault, 'ID_TOKEN_AT_HASH_MISSING')
  })

  test('rp-id_token-bad-c_hash (hybrid): a front-channel ID token whose c_hash does not match the code is refused', async () => {
    for (const responseType of ['code id_token', 'code id_token token'] as const) {
      const f = await rp(responseType)
      const fault = { idToken: 'wrong-c_hash', endpoint: 'authorization' } as const
      await rejectsUnredeemedThenPasses(f, fault, 'ID_TOKEN_C_HASH_MISMATCH')
    }
  })

  test('rp-id_token-missing-c_hash (hybrid): code id_token token requires c_hash in the front-channel ID token', async () => {
    const f = await rp('code id_token token')
    const fault = { idToken: 'no-c_hash', endpoint: 'authorization' } as const
    await rejectsUnredeemedThenPasses(f, fault, 'ID_TOKEN_C_HASH_MISSING')
  })

  test('hybrid: a token endpoint ID token for another end-user than the front-channel one is refused (§3.3.3.6)', async () => {
    const f = await rp('code id_token token')
    await rejectsThenPasses(
      f,
      { idTokenClaims: { sub: 'mallory' }, endpoint: 'token' },
      'CALLBACK_ID_TOKEN_MISMATCH',
    )
  })

  test('hybrid: a token endpoint ID token from another issuer is refused', async () => {
    const f = await rp('code id_token token')
    await rejectsThenPasses(
      f,
      { idToken: 'wrong-issuer', endpoint: 'token' },
      'ID_TOKEN_ISSUER_MISMATCH',
    )
  })

  test('hybrid: an authorization response without access_token or token_type, or with a token_type other than Bearer, is refused', async () => {
    for (const responseType of HYBRID_WITH_TOKEN) {
      const f = await rp(responseType)
      for (const [fault, code] of [
        ['no-access_token', 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
        ['no-token_type', 'CALLBACK_RESPONSE_TYPE_MISMATCH'],
        ['mac-token_type', 'CALLBACK_INVALID_INPUT'],
      ] as const) {
        await rejectsUnredeemedThenPasses(f, { authorizationResponse: fault }, code)
      }
    }
  })
})

describe('nonce and scope', () => {
  test('rp-nonce-unless-code-flow: implicit requests carry a nonce that the ID token must return', async () => {
    for (const responseType of ['id_token', 'id_token token'] as const) {
      const f = await rp(responseType)
      const result = await passes(f)
      const sent = f.op.requests.find((r) => r.endpoint === 'authorization')?.params.nonce
      assert.ok(sent !== undefined && sent.length >= 22)
      assert.equal(result.idTokenClaims.nonce, sent)
      await rejectsThenPasses(f, { idToken: 'no-nonce' }, 'ID_TOKEN_NONCE_MISSING')
    }
  })

  test('rp-nonce-invalid: an ID token with another nonce is refused', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType)
      await rejectsThenPasses(f, { idToken: 'wrong-nonce' }, 'ID_TOKEN_NONCE_MISMATCH')
    }
  })

  test('rp-scope-userinfo-claims: profile and email claims from UserInfo, or from the ID token without access token', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType)
      const result = await passes(f)
      assert.equal(result.claims.email, 'alice@example.com')
      assert.equal(result.claims.name, 'Alice Example')
      if (responseType === 'id_token') {
        assert.equal(result.idTokenClaims.email, 'alice@example.com')
        assert.equal(result.userinfo, undefined)
      } else {
        assert.equal(result.userinfo?.email, 'alice@example.com')
      }
    }
  })
})

describe('client authentication at the token endpoint', () => {
  for (const method of [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
  ] as const) {
    test(`rp-token_endpoint-${method}: the OP accepts the client authentication`, async () => {
      const f = await rp('code', { authMethod: method })
      await passes(f)
      assert.equal(f.op.requests.find((r) => r.endpoint === 'token')?.clientAuthMethod, method)
    })
  }
})

describe('ID token validation', () => {
  test('rp-id_token-issuer-mismatch: an ID token from another issuer is refused', async () => {
    for (const responseType of PROFILES) {
      await rejectsThenPasses(
        await rp(responseType),
        { idToken: 'wrong-issuer' },
        'ID_TOKEN_ISSUER_MISMATCH',
      )
    }
  })

  test('rp-id_token-aud: an ID token for another audience, or none, is refused', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType)
      await rejectsThenPasses(f, { idToken: 'wrong-audience' }, 'ID_TOKEN_AUDIENCE_MISMATCH')
      await rejectsThenPasses(f, { idToken: 'no-audience' }, 'ID_TOKEN_AUDIENCE_MISMATCH')
    }
  })

  test('rp-id_token-iat: an ID token without iat is refused', async () => {
    for (const responseType of PROFILES) {
      await rejectsThenPasses(await rp(responseType), { idToken: 'no-iat' }, 'ID_TOKEN_IAT_MISSING')
    }
  })

  test('rp-id_token-sub: an ID token without sub is refused', async () => {
    for (const responseType of PROFILES) {
      await rejectsThenPasses(await rp(responseType), { idToken: 'no-sub' }, 'ID_TOKEN_SUB_MISSING')
    }
  })

  test('rp-id_token-sig-rs256: an RS256 ID token is accepted', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { client: { id_token_signed_response_alg: 'RS256' } })
      const result = await passes(f)
      assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).alg, 'RS256')
    }
  })

  test('rp-id_token-sig-es256: an ES256 ID token is accepted', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { client: { id_token_signed_response_alg: 'ES256' } })
      const result = await passes(f)
      assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).alg, 'ES256')
    }
  })

  test('rp-id_token-sig-hs256: an HS256 ID token (client secret) is accepted', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { client: { id_token_signed_response_alg: 'HS256' } })
      const result = await passes(f)
      assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).alg, 'HS256')
    }
  })

  test('rp-id_token-sig-none: code flow accepts an unsigned ID token from the token endpoint when registered', async () => {
    const f = await rp('code', {
      client: { id_token_signed_response_alg: 'none', response_types: ['code'] },
    })
    const result = await passes(f)
    assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).alg, 'none')
    const unregistered = await rp('code')
    await rejectsThenPasses(unregistered, { idToken: 'alg-none' }, 'ID_TOKEN_ALG_NOT_ALLOWED')
  })

  for (const [alg, fault] of [
    ['rs256', 'bad-signature'],
    ['es256', 'bad-signature'],
    ['hs256', 'hs256-wrong-secret'],
  ] as const) {
    test(`rp-id_token-bad-sig-${alg}: an ID token whose ${alg.toUpperCase()} signature does not verify is refused`, async () => {
      for (const responseType of PROFILES) {
        const f = await rp(responseType, {
          client: { id_token_signed_response_alg: alg.toUpperCase() },
        })
        await rejectsThenPasses(f, { idToken: fault }, 'ID_TOKEN_SIGNATURE_INVALID')
      }
    })
  }

  test('rp-id_token-kid-absent-single-jwks: without kid the single matching key verifies', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { op: { signingAlgs: ['RS256'] } })
      f.op.misbehave({ idToken: 'no-kid' })
      const result = await passes(f)
      assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).kid, undefined)
      await rejectsThenPasses(f, { idToken: 'bad-signature' }, 'ID_TOKEN_SIGNATURE_INVALID')
    }
  })

  test('rp-id_token-kid-absent-multiple-jwks: without kid every candidate is tried (the allowed alternative to refusing)', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { op: { signingAlgs: ['RS256'] }, fresh: true })
      await f.op.rotateKeys({ keepOld: true })
      const signing = f.op.jwks().keys.filter((k) => k.kty === 'RSA' && k.use !== 'enc')
      assert.equal(signing.length, 2)
      f.op.misbehave({ idToken: 'no-kid' })
      const result = await passes(f)
      assert.equal(JSON.parse(atob(result.idToken.split('.')[0]!)).kid, undefined)
      f.op.misbehave({ idToken: 'no-kid' })
      await rejectsThenPasses(f, { idToken: 'bad-signature' }, 'ID_TOKEN_SIGNATURE_INVALID')
    }
  })

  test('rp-id_token-bad-at_hash: an ID token whose at_hash does not match the access token is refused', async () => {
    await rejectsThenPasses(
      await rp('id_token token'),
      { idToken: 'wrong-at_hash' },
      'ID_TOKEN_AT_HASH_MISMATCH',
    )
  })

  test('rp-id_token-missing-at_hash: an implicit ID token without at_hash is refused', async () => {
    await rejectsThenPasses(
      await rp('id_token token'),
      { idToken: 'no-at_hash' },
      'ID_TOKEN_AT_HASH_MISSING',
    )
  })
})

describe('UserInfo', () => {
  test('rp-userinfo-bearer-header: the access token goes in the Authorization header', async () => {
    for (const responseType of ['code', 'id_token token'] as const) {
      const f = await rp(responseType)
      const result = await passes(f)
      const call = f.op.requests.find((r) => r.endpoint === 'userinfo')
      assert.equal(call?.method, 'GET')
      assert.equal(call?.accessTokenIn, 'header')
      assert.equal(call?.headers.authorization, `Bearer ${result.accessToken?.value}`)
    }
  })

  test('rp-userinfo-bearer-body: the access token goes in the form body', async () => {
    for (const responseType of ['code', 'id_token token'] as const) {
      const f = await rp(responseType)
      const result = await signIn(f, undefined, { userinfoPlacement: 'body' })
      const call = f.op.requests.find((r) => r.endpoint === 'userinfo')
      assert.equal(call?.method, 'POST')
      assert.equal(call?.accessTokenIn, 'body')
      assert.equal(call?.headers.authorization, undefined)
      assert.equal(result.userinfo?.email, 'alice@example.com')
    }
  })

  test('rp-userinfo-bad-sub-claim: a UserInfo response for another sub is refused', async () => {
    for (const responseType of ['code', 'id_token token'] as const) {
      await rejectsThenPasses(
        await rp(responseType),
        { userinfo: 'wrong-sub' },
        'USERINFO_SUB_MISMATCH',
      )
    }
  })

  test('rp-userinfo-sig: a signed UserInfo response is verified', async () => {
    const f = await rp('code', { client: { userinfo_signed_response_alg: 'RS256' } })
    const result = await passes(f)
    assert.equal(result.userinfo?.email, 'alice@example.com')
    await rejectsThenPasses(f, { userinfo: 'bad-signature' }, 'USERINFO_SIGNATURE_INVALID')
  })
})

describe('Config profile: discovery and keys', () => {
  test('rp-discovery-openid-configuration: the configuration comes from /.well-known/openid-configuration and is used', async () => {
    const f = await rp('code', { fresh: true })
    const discovery = f.op.requests[0]
    assert.equal(discovery?.endpoint, 'discovery')
    assert.equal(discovery?.url, `${f.op.issuer}/.well-known/openid-configuration`)
    assert.equal(f.config.provider.token_endpoint, f.op.metadata().token_endpoint)
    await passes(f)
    const token = f.op.requests.find((r) => r.endpoint === 'token')
    assert.equal(token?.url, f.config.provider.token_endpoint)
  })

  test('rp-discovery-jwks_uri-keys: the keys come from the discovered jwks_uri', async () => {
    const issuer = `https://op.example.com/run-${crypto.randomUUID()}`
    const f = await rp('code', { op: { issuer }, fresh: true })
    assert.equal(f.config.provider.jwks_uri, `${issuer}/jwks`)
    await passes(f)
    const jwks = f.op.requests.filter((r) => r.endpoint === 'jwks')
    assert.equal(jwks.length, 1)
    assert.equal(jwks[0]?.url, `${issuer}/jwks`)
  })

  test('rp-discovery-issuer-not-matching-config: metadata naming another issuer is refused', async () => {
    const f = await rp('code')
    f.op.misbehave({ metadata: 'wrong-issuer' })
    const client = {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: ['https://rp.example/cb'],
    }
    await expectCode(
      discover(f.op.issuer, client, { fetch: f.op.fetch }),
      'DISCOVERY_ISSUER_MISMATCH',
    )
    const twin = await discover(f.op.issuer, client, { fetch: f.op.fetch })
    assert.equal(twin.issuer, f.op.issuer)
    await passes(f)
  })

  test('rp-key-rotation-op-sign-key: after the OP rotates its key between two sign-ins, the new kid is fetched', async () => {
    const f = await rp('code', { fresh: true })
    const first = await passes(f)
    await f.op.rotateKeys({ keepOld: true })
    f.clock.now += 60_000
    const second = await passes(f)
    const kid = (token: string) => JSON.parse(atob(token.split('.')[0]!)).kid
    assert.notEqual(kid(second.idToken), kid(first.idToken))
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'jwks').length, 2)
  })

  test('rp-key-rotation-op-sign-key-native: the OP replaces its key right before signing; the RP re-fetches on the unknown kid', async () => {
    for (const responseType of PROFILES) {
      const f = await rp(responseType, { fresh: true })
      await passes(f)
      f.clock.now += f.config.settings.jwksRefetchCooldownInSeconds * 1000
      await f.op.rotateKeys()
      const result = await passes(f)
      const kid = JSON.parse(atob(result.idToken.split('.')[0]!)).kid
      assert.ok(f.op.jwks().keys.some((k) => k.kid === kid))
      assert.equal(f.op.requests.filter((r) => r.endpoint === 'jwks').length, 2)
    }
  })
})
