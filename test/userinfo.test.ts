import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import type { ClientInput } from '../src/config/client.js'
import { createConfiguration } from '../src/config/configuration.js'
import type { OAuthResponseError, TransportError } from '../src/errors.js'
import { createMockOP, type MockClient, type MockOP } from '../src/testing/index.js'
import { fetchUserInfo, readUserInfoResponse } from '../src/userinfo.js'
import { echoForms, everythingShown, leaked } from './support/echo.js'
import { expectCode, registerSecret } from './support/helpers.js'
import { httpResponseOf } from './support/http-response.js'

const SECRET = 's3cr3t-client-secret-value'
const REDIRECT = 'https://rp.example/cb'

const enc = await generateKeyPair('RSA-OAEP-256', { extractable: true })
const encPublic: JWK = {
  ...(await exportJWK(enc.publicKey)),
  kid: 'rp-enc',
  use: 'enc',
  alg: 'RSA-OAEP-256',
}
const encPrivate: JWK = {
  ...(await exportJWK(enc.privateKey)),
  kid: 'rp-enc',
  use: 'enc',
  alg: 'RSA-OAEP-256',
}

/** The clients registered at the one mock OP, by what they registered for UserInfo. */
const REGISTRATIONS: Record<string, Partial<MockClient>> = {
  plain: {},
  rs256: { userinfo_signed_response_alg: 'RS256' },
  es256: { userinfo_signed_response_alg: 'ES256' },
  hs256: { userinfo_signed_response_alg: 'HS256' },
  enc: {
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_enc: 'A128GCM',
  },
  'sig-enc': {
    userinfo_signed_response_alg: 'RS256',
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_enc: 'A256GCM',
  },
}

const op = await createMockOP({
  clients: Object.entries(REGISTRATIONS).map(([clientId, registration]) => ({
    client_id: clientId,
    client_secret: SECRET,
    redirect_uris: [REDIRECT],
    jwks: { keys: [encPublic] },
    ...registration,
  })),
  users: { alice: { name: 'Alice', email: 'alice@example.com' } },
})

/** A configuration for one of the OP's clients, and a fresh access token for alice. */
async function setup(
  clientId: keyof typeof REGISTRATIONS,
  rpOnly: Partial<ClientInput> = {},
  metadata: Record<string, unknown> = {},
) {
  op.clearMisbehaviour()
  const config = createConfiguration(
    { ...op.metadata(), ...metadata },
    {
      client_id: clientId,
      client_secret: SECRET,
      redirect_uris: [REDIRECT],
      keys: [encPrivate],
      ...(REGISTRATIONS[clientId] as Partial<ClientInput>),
      ...rpOnly,
    },
    { fetch: op.fetch },
  )
  const url = new URL(`${op.issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'state-1',
    nonce: 'nonce-1',
  }).toString()
  const { params } = await op.authorize(url, { user: 'alice' })
  const response = await op.fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`${clientId}:${SECRET}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: REDIRECT,
    }),
  })
  const { access_token: accessToken } = (await response.json()) as { access_token: string }
  registerSecret(accessToken)
  op.clearRequests()
  return { op, config, accessToken }
}

const alice = { expectedSubject: 'alice' }

describe('fetchUserInfo: the request', () => {
  it('rp-userinfo-bearer-header: sends the access token as a Bearer header in a GET', async () => {
    const { op, config, accessToken } = await setup('plain')
    const claims = await fetchUserInfo(config, accessToken, alice)
    assert.equal(claims.sub, 'alice')
    assert.equal(claims.email, 'alice@example.com')
    const [request] = op.requests
    assert.equal(request?.method, 'GET')
    assert.equal(request?.accessTokenIn, 'header')
    assert.equal(request?.headers.authorization, `Bearer ${accessToken}`)
    assert.ok(!request?.url.includes(accessToken))
  })

  it('rp-userinfo-bearer-body: sends the access token as a form body parameter in a POST', async () => {
    const { op, config, accessToken } = await setup('plain')
    const claims = await fetchUserInfo(config, accessToken, { ...alice, placement: 'body' })
    assert.equal(claims.sub, 'alice')
    const [request] = op.requests
    assert.equal(request?.method, 'POST')
    assert.equal(request?.accessTokenIn, 'body')
    assert.equal(request?.headers.authorization, undefined)
    assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded')
  })

  it('refuses to run without a userinfo_endpoint or with empty arguments', async () => {
    const { config, accessToken } = await setup('plain', {}, { userinfo_endpoint: undefined })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_UNAVAILABLE')
    const ok = (await setup('plain')).config
    await expectCode(fetchUserInfo(ok, '', alice), 'INVALID_ARGUMENT')
    await expectCode(fetchUserInfo(ok, accessToken, { expectedSubject: '' }), 'INVALID_ARGUMENT')
  })
})

describe('fetchUserInfo: the response', () => {
  it('rp-userinfo-bad-sub-claim: refuses a UserInfo sub other than the ID token sub', async () => {
    const { op, config, accessToken } = await setup('plain')
    await fetchUserInfo(config, accessToken, alice)
    op.misbehave({ userinfo: 'wrong-sub' })
    const err = await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_SUB_MISMATCH')
    assert.equal((err as { actual: unknown }).actual, 'not-alice')
  })

  it('rp-userinfo-sig: verifies an RS256-signed UserInfo response', async () => {
    const { op, config, accessToken } = await setup('rs256')
    const claims = await fetchUserInfo(config, accessToken, alice)
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.iss, op.issuer)
    assert.equal(op.requests[0]?.headers.accept, 'application/jwt')
    op.misbehave({ userinfo: 'bad-signature' })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_SIGNATURE_INVALID')
  })

  it('verifies ES256- and HS256-signed UserInfo responses', async () => {
    for (const client of ['es256', 'hs256']) {
      const { config, accessToken } = await setup(client)
      assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
    }
  })

  /** Makes the OP's UserInfo endpoint answer with this JWT (or the payload signed RS256 by the OP). */
  function answerJwt(op: MockOP, jwt: string | Record<string, unknown>): void {
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: async () =>
          new Response(typeof jwt === 'string' ? jwt : await op.signJwt(jwt, { alg: 'RS256' }), {
            headers: { 'content-type': 'application/jwt' },
          }),
      },
    })
  }

  it('refuses a signed UserInfo response whose iss or aud is wrong', async () => {
    const { op, config, accessToken } = await setup('rs256')
    const good = { sub: 'alice', iss: op.issuer, aud: 'rs256' }
    const answer = (payload: Record<string, unknown>) => answerJwt(op, payload)
    answer(good)
    assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
    answer({ ...good, aud: ['other', 'rs256'] })
    assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
    for (const bad of [
      { ...good, iss: 'https://evil.example' },
      { ...good, iss: 42 },
      { ...good, aud: 'other' },
      { ...good, aud: ['other'] },
      { ...good, aud: 7 },
    ]) {
      answer(bad)
      await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_SIGNATURE_INVALID')
    }
  })

  it('accepts a signed UserInfo response without iss, without aud, or with neither (Core §5.3.2 SHOULD): the twin of the wrong values', async () => {
    const { op, config, accessToken } = await setup('rs256')
    for (const payload of [
      { sub: 'alice', aud: 'rs256' },
      { sub: 'alice', iss: op.issuer },
      { sub: 'alice' },
    ]) {
      answerJwt(op, payload)
      assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
    }
  })

  it('a signed UserInfo response without iss and aud is still refused when its signature is not the OP’s', async () => {
    const { op, config, accessToken } = await setup('rs256')
    const rogue = await generateKeyPair('RS256')
    const forged = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: op.jwks().keys[0]!.kid! })
      .sign(rogue.privateKey)
    answerJwt(op, forged)
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_SIGNATURE_INVALID')
  })

  it('refuses a signed UserInfo response with an alg other than the registered one', async () => {
    const { op, config, accessToken } = await setup('rs256')
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: async () =>
          new Response(
            await op.signJwt({ sub: 'alice', iss: op.issuer, aud: 'rs256' }, { alg: 'ES256' }),
            { headers: { 'content-type': 'application/jwt' } },
          ),
      },
    })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_SIGNATURE_INVALID')
  })

  it('decrypts an encrypted UserInfo response (JSON inside)', async () => {
    const { config, accessToken } = await setup('enc')
    const claims = await fetchUserInfo(config, accessToken, alice)
    assert.equal(claims.email, 'alice@example.com')
  })

  it('decrypts then verifies a signed and encrypted UserInfo response', async () => {
    const { config, accessToken } = await setup('sig-enc')
    assert.equal((await fetchUserInfo(config, accessToken, alice)).email, 'alice@example.com')
  })

  it('refuses an unencrypted UserInfo JWT when encryption is registered', async () => {
    const { config, accessToken } = await setup('rs256', {
      userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_DECRYPTION_FAILED')
  })

  it('refuses an encrypted UserInfo response encrypted with another enc than registered', async () => {
    const { config, accessToken } = await setup('enc', {
      userinfo_encrypted_response_enc: 'A256GCM',
    })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_DECRYPTION_FAILED')
  })

  it('refuses a JSON response when a signed response is registered (no downgrade)', async () => {
    const { config, accessToken } = await setup('plain', { userinfo_signed_response_alg: 'RS256' })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_RESPONSE_INVALID')
  })

  it('refuses a JWT response when none is registered', async () => {
    const { op, config, accessToken } = await setup('plain')
    op.misbehave({ userinfo: 'bad-signature' })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_RESPONSE_INVALID')
  })

  it('refuses a body that is not a JSON object', async () => {
    const { op, config, accessToken } = await setup('plain')
    for (const [body, type] of [
      ['not json', 'application/json'],
      ['["alice"]', 'application/json'],
      ['{"sub":"alice"}', 'text/plain'],
    ] as const) {
      op.misbehave({
        respond: {
          endpoint: 'userinfo',
          response: () => new Response(body, { headers: { 'content-type': type } }),
        },
      })
      await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_RESPONSE_INVALID')
    }
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () => Response.json({ sub: 'alice', picture: 'https://x/p.png' }),
      },
    })
    assert.equal((await fetchUserInfo(config, accessToken, alice)).picture, 'https://x/p.png')
  })
})

describe('fetchUserInfo: errors', () => {
  it('turns a 401 Bearer challenge into USERINFO_BEARER_CHALLENGE with the parsed challenge', async () => {
    const { op, config, accessToken } = await setup('plain')
    op.misbehave({ userinfo: 'unauthorized' })
    const err = await expectCode<OAuthResponseError>(
      fetchUserInfo(config, accessToken, alice),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.error, 'invalid_token')
    assert.equal(err.errorDescription, 'the access token was revoked')
    assert.equal(err.status, 401)
    assert.equal(err.challenges[0]?.scheme, 'bearer')
    assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
  })

  it('reads error and scope from a 403 insufficient_scope challenge', async () => {
    const { op, config, accessToken } = await setup('plain')
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () =>
          new Response(null, {
            status: 403,
            headers: {
              'www-authenticate':
                'DPoP algs="ES256", Bearer realm="ex", error="insufficient_scope", scope="openid email", error_description="needs \\"email\\""',
            },
          }),
      },
    })
    const err = await expectCode<OAuthResponseError>(
      fetchUserInfo(config, accessToken, alice),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.error, 'insufficient_scope')
    assert.equal(err.errorDescription, 'needs "email"')
    assert.deepEqual(
      err.challenges.map((c) => c.scheme),
      ['dpop', 'bearer'],
    )
    assert.equal(err.challenges[1]?.parameters.scope, 'openid email')
  })

  it('reports other statuses as HTTP_UNEXPECTED_STATUS, also a 401 without a challenge', async () => {
    const { op, config, accessToken } = await setup('plain')
    for (const status of [500, 401, 400]) {
      op.misbehave({
        respond: {
          endpoint: 'userinfo',
          response: () => Response.json({ error: 'oops' }, { status }),
        },
      })
      const err = await expectCode<TransportError>(
        fetchUserInfo(config, accessToken, alice),
        'HTTP_UNEXPECTED_STATUS',
      )
      assert.equal(err.status, status)
    }
  })
})

describe('fuzz regressions: UserInfo', () => {
  it('an OP that quotes the refused access token in its challenge: the token is scrubbed from the error', async () => {
    const { op, config, accessToken } = await setup('plain')
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () =>
          new Response(null, {
            status: 401,
            headers: {
              'www-authenticate': `Bearer error="invalid_token", error_description="token ${accessToken} expired"`,
            },
          }),
      },
    })
    // expectCode fails if the error's text contains the (registered) access token anywhere.
    const err = await expectCode<OAuthResponseError>(
      fetchUserInfo(config, accessToken, alice),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.errorDescription, 'token [redacted] expired')
    assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
  })

  it('claims nested deeper than 64 levels are USERINFO_RESPONSE_INVALID, not handed to the application', async () => {
    const { op, config, accessToken } = await setup('plain')
    const deep = `{"sub":"alice","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
    op.misbehave({
      respond: {
        endpoint: 'userinfo',
        response: () => new Response(deep, { headers: { 'content-type': 'application/json' } }),
      },
    })
    await expectCode(fetchUserInfo(config, accessToken, alice), 'USERINFO_RESPONSE_INVALID')
    assert.equal((await fetchUserInfo(config, accessToken, alice)).sub, 'alice')
  })
})

describe('scrubbing: a UserInfo error never carries the access token', () => {
  for (const placement of ['header', 'body'] as const) {
    it(`${placement}: the access token echoed raw, percent-encoded, form-urlencoded and oauth4webapi-encoded in the challenge is in no part of the error`, async () => {
      const { op, config } = await setup('plain')
      const token = 'at.0123456789+/abcdefghij=~ABCDEFGHIJ_-'
      registerSecret(token)
      const forms = echoForms(token)
      op.misbehave({
        respond: {
          endpoint: 'userinfo',
          response: () =>
            new Response(null, {
              status: 401,
              headers: {
                'www-authenticate': `Bearer error="invalid_token", error_description="${forms.join(' ')}"`,
              },
            }),
        },
      })
      const err = await expectCode<OAuthResponseError>(
        fetchUserInfo(config, token, { ...alice, placement }),
        'USERINFO_BEARER_CHALLENGE',
      )
      assert.deepEqual(leaked(err, forms), [])
      assert.equal(err.error, 'invalid_token')
    })
  }

  it('scrubbing, the twin: a challenge without the token keeps its description intact', async () => {
    const { op, config, accessToken } = await setup('plain')
    op.misbehave({ userinfo: 'unauthorized' })
    const err = await expectCode<OAuthResponseError>(
      fetchUserInfo(config, accessToken, alice),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.error, 'invalid_token')
    assert.equal(err.errorDescription, 'the access token was revoked')
    assert.ok(!everythingShown(err).includes('[redacted]'))
  })
})

describe('readUserInfoResponse: a crafted Response read directly', () => {
  it('a 200 JSON object with the expected sub is read (twin of the refusals below)', async () => {
    const { config } = await setup('plain')
    const response = await httpResponseOf(Response.json({ sub: 'alice', email: 'a@example.com' }))
    assert.deepEqual(await readUserInfoResponse(config, response, 'alice'), {
      sub: 'alice',
      email: 'a@example.com',
    })
  })

  it('another sub is USERINFO_SUB_MISMATCH; another content type USERINFO_RESPONSE_INVALID', async () => {
    const { config } = await setup('plain')
    const other = await httpResponseOf(Response.json({ sub: 'mallory' }))
    await expectCode(readUserInfoResponse(config, other, 'alice'), 'USERINFO_SUB_MISMATCH')
    const text = await httpResponseOf(
      new Response('{"sub":"alice"}', { headers: { 'content-type': 'text/plain' } }),
    )
    await expectCode(readUserInfoResponse(config, text, 'alice'), 'USERINFO_RESPONSE_INVALID')
  })

  it('a 401 Bearer challenge is USERINFO_BEARER_CHALLENGE with the token redacted; a 500 HTTP_UNEXPECTED_STATUS', async () => {
    const { config } = await setup('plain')
    const token = 'refused-access-token-value'
    const challenged = await httpResponseOf(
      new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': `Bearer error="invalid_token", error_description="bad ${token}"`,
        },
      }),
      [token],
    )
    const err = await expectCode<OAuthResponseError>(
      readUserInfoResponse(config, challenged, 'alice'),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.error, 'invalid_token')
    assert.doesNotMatch(err.errorDescription ?? '', /refused-access-token-value/)
    const down = await httpResponseOf(Response.json({ sub: 'alice' }, { status: 500 }))
    await expectCode(readUserInfoResponse(config, down, 'alice'), 'HTTP_UNEXPECTED_STATUS')
  })
})
