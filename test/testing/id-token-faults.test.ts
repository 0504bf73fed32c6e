import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose'
import { createMockOP, type IdTokenFault, type MockOP } from '../../src/testing/index.js'
import {
  authorizationUrl,
  basic,
  obtainCode,
  pkcePair,
  postForm,
  REDIRECT,
  redeem,
  SECRET,
  secretClient,
  USERS,
} from '../support/mock-op.js'

let op: MockOP

before(async () => {
  op = await createMockOP({
    clients: [
      secretClient('web'),
      secretClient('spa', { response_types: ['code', 'code id_token'] }),
    ],
    users: USERS,
  })
})

/** A decoded ID token. */
interface Token {
  jwt: string
  header: ProtectedHeaderParameters
  claims: JWTPayload
  accessToken?: string
  code?: string
}

/** Decodes a token. */
function decode(jwt: string, extra: Partial<Token> = {}): Token {
  return { jwt, header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt), ...extra }
}

/** An ID token from the token endpoint (carries at_hash). */
async function backChannelToken(): Promise<Token> {
  const { code, verifier } = await obtainCode(op, 'web')
  const { body } = await redeem(op, 'web', code, verifier)
  return decode(body.id_token ?? '', { accessToken: body.access_token ?? '' })
}

/** An ID token from a hybrid response (carries c_hash, auth_time, acr, nonce). */
async function frontChannelToken(): Promise<Token> {
  const { challenge } = await pkcePair()
  const url = authorizationUrl(op, {
    client_id: 'spa',
    redirect_uri: REDIRECT,
    response_type: 'code id_token',
    scope: 'openid',
    nonce: 'n-front',
    max_age: '300',
    acr_values: 'urn:mace:incommon:iap:silver',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })
  const response = await op.authorize(url, { user: 'alice' })
  return decode(response.params.get('id_token') ?? '', { code: response.params.get('code') ?? '' })
}

/** The OIDC half hash with SHA-256. */
async function halfHash(value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
  )
  return Buffer.from(digest.slice(0, 16)).toString('base64url')
}

/** Checks that the signature verifies with the OP's JWKS (the fault is in the claims only). */
async function signatureHolds(token: Token): Promise<void> {
  await compactVerify(token.jwt, createLocalJWKSet(op.jwks()))
}

const now = () => Math.floor(Date.now() / 1000)

/** Where each fault is observed, and the effect asserted. */
const EFFECTS: Record<IdTokenFault, ['front' | 'back', (t: Token) => void | Promise<void>]> = {
  'wrong-issuer': ['back', (t) => assert.equal(t.claims.iss, 'https://wrong-issuer.example')],
  'bad-signature': [
    'back',
    async (t) => {
      assert.equal(t.claims.iss, op.issuer)
      assert.equal(t.jwt.split('.').length, 3)
      await assert.rejects(compactVerify(t.jwt, createLocalJWKSet(op.jwks())), /signature/)
    },
  ],
  'alg-none': [
    'back',
    (t) => {
      assert.equal(t.header.alg, 'none')
      assert.ok(t.jwt.endsWith('.'))
    },
  ],
  'wrong-audience': ['back', (t) => assert.equal(t.claims.aud, 'https://other-client.example')],
  'no-audience': ['back', (t) => assert.equal(t.claims.aud, undefined)],
  'extra-audience': [
    'back',
    (t) => {
      assert.deepEqual(t.claims.aud, ['web', 'https://untrusted.example'])
      assert.equal(t.claims.azp, 'web')
    },
  ],
  'wrong-azp': [
    'back',
    (t) => {
      assert.equal(t.claims.aud, 'web')
      assert.equal(t.claims.azp, 'another-client')
    },
  ],
  'multiple-audiences-no-azp': [
    'back',
    (t) => {
      assert.deepEqual(t.claims.aud, ['web', 'https://other-audience.example'])
      assert.equal(t.claims.azp, undefined)
    },
  ],
  expired: ['back', (t) => assert.ok((t.claims.exp ?? Infinity) < now() - 60)],
  'iat-in-future': ['back', (t) => assert.ok((t.claims.iat ?? 0) > now() + 60)],
  'no-iat': ['back', (t) => assert.equal(t.claims.iat, undefined)],
  'nbf-in-future': ['back', (t) => assert.ok((t.claims.nbf ?? 0) > now() + 60)],
  'no-sub': ['back', (t) => assert.equal(t.claims.sub, undefined)],
  'wrong-nonce': [
    'back',
    (t) => {
      assert.equal(typeof t.claims.nonce, 'string')
      assert.notEqual(t.claims.nonce, 'nonce-1')
    },
  ],
  'no-nonce': ['back', (t) => assert.equal(t.claims.nonce, undefined)],
  'no-at_hash': ['back', (t) => assert.equal(t.claims.at_hash, undefined)],
  'wrong-at_hash': [
    'back',
    async (t) => {
      assert.equal(typeof t.claims.at_hash, 'string')
      assert.notEqual(t.claims.at_hash, await halfHash(t.accessToken ?? ''))
    },
  ],
  'no-c_hash': ['front', (t) => assert.equal(t.claims.c_hash, undefined)],
  'wrong-c_hash': [
    'front',
    async (t) => {
      assert.equal(typeof t.claims.c_hash, 'string')
      assert.notEqual(t.claims.c_hash, await halfHash(t.code ?? ''))
    },
  ],
  'no-auth_time': ['front', (t) => assert.equal(t.claims.auth_time, undefined)],
  'old-auth_time': ['front', (t) => assert.ok((t.claims.auth_time as number) <= now() - 86_400)],
  'wrong-acr': ['front', (t) => assert.equal(t.claims.acr, 'urn:mock:wrong-acr')],
  'no-kid': [
    'back',
    async (t) => {
      assert.equal(t.header.kid, undefined)
      await signatureHolds(t)
    },
  ],
  'unknown-kid': [
    'back',
    async (t) => {
      assert.equal(typeof t.header.kid, 'string')
      assert.ok(!op.jwks().keys.some((k) => k.kid === t.header.kid))
      await assert.rejects(compactVerify(t.jwt, createLocalJWKSet(op.jwks())))
    },
  ],
  'hs256-wrong-secret': [
    'back',
    async (t) => {
      assert.equal(t.header.alg, 'HS256')
      await assert.rejects(compactVerify(t.jwt, new TextEncoder().encode(SECRET)), /signature/)
    },
  ],
}

const SIGNING_FAULTS = new Set([
  'bad-signature',
  'alg-none',
  'unknown-kid',
  'hs256-wrong-secret',
  'no-kid',
])

describe('ID token faults', () => {
  it('issues well-behaved ID tokens when no fault is pending (the passing twin)', async () => {
    const back = await backChannelToken()
    await jwtVerify(back.jwt, createLocalJWKSet(op.jwks()), { issuer: op.issuer, audience: 'web' })
    assert.equal(back.claims.nonce, 'nonce-1')
    assert.equal(back.claims.at_hash, await halfHash(back.accessToken ?? ''))
    assert.equal(typeof back.header.kid, 'string')
    const front = await frontChannelToken()
    await jwtVerify(front.jwt, createLocalJWKSet(op.jwks()), { issuer: op.issuer, audience: 'spa' })
    assert.equal(front.claims.c_hash, await halfHash(front.code ?? ''))
    assert.equal(front.claims.acr, 'urn:mace:incommon:iap:silver')
    assert.ok(Math.abs((front.claims.auth_time as number) - now()) < 5)
  })

  for (const [fault, [where, effect]] of Object.entries(EFFECTS)) {
    it(`idToken '${fault}' spoils the next ${where === 'front' ? 'front-channel' : 'token endpoint'} ID token only`, async () => {
      op.misbehave({ idToken: fault as IdTokenFault })
      const token = where === 'front' ? await frontChannelToken() : await backChannelToken()
      await effect(token)
      if (!SIGNING_FAULTS.has(fault)) await signatureHolds(token)
      const next = where === 'front' ? await frontChannelToken() : await backChannelToken()
      await jwtVerify(next.jwt, createLocalJWKSet(op.jwks()), { issuer: op.issuer })
    })
  }

  it('spoils refreshed ID tokens too', async () => {
    const { code, verifier } = await obtainCode(op, 'web')
    const { body } = await redeem(op, 'web', code, verifier)
    op.misbehave({ idToken: 'wrong-issuer' })
    const refreshed = await postForm(
      op,
      'token',
      { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '' },
      { authorization: basic('web', SECRET) },
    )
    assert.equal(decodeJwt((await refreshed.json()).id_token).iss, 'https://wrong-issuer.example')
  })

  it('endpoint scopes a fault: a token-endpoint fault passes over the front-channel ID token of a hybrid sign-in, and the other way round', async () => {
    for (const [endpoint, spoiled, spared] of [
      ['token', 'back', 'front'],
      ['authorization', 'front', 'back'],
    ] as const) {
      op.misbehave({ idTokenClaims: { sub: 'mallory' }, endpoint })
      const { verifier, challenge } = await pkcePair()
      const url = authorizationUrl(op, {
        client_id: 'spa',
        redirect_uri: REDIRECT,
        response_type: 'code id_token',
        scope: 'openid',
        nonce: 'n-front',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      })
      const response = await op.authorize(url, { user: 'alice' })
      const { body } = await redeem(op, 'spa', response.params.get('code') ?? '', verifier)
      const subs = {
        front: decodeJwt(response.params.get('id_token') ?? '').sub,
        back: decodeJwt(body.id_token ?? '').sub,
      }
      assert.equal(subs[spoiled], 'mallory', `${endpoint}: the ${spoiled} ID token is spoiled`)
      assert.equal(subs[spared], 'alice', `${endpoint}: the ${spared} ID token is spared`)
    }
  })

  it('merges idTokenClaims over the claims, undefined deleting', async () => {
    op.misbehave({ idTokenClaims: { email: 'mallory@example.com', nonce: undefined, exp: 'soon' } })
    const token = await backChannelToken()
    assert.equal(token.claims.email, 'mallory@example.com')
    assert.equal(token.claims.nonce, undefined)
    assert.equal(token.claims.exp, 'soon')
    await signatureHolds(token)
  })

  it('merges idTokenHeader over the header, a new alg picking its key', async () => {
    op.misbehave({ idTokenHeader: { typ: 'at+jwt', kid: 'chosen', crit: undefined } })
    const token = await backChannelToken()
    assert.equal(token.header.typ, 'at+jwt')
    assert.equal(token.header.kid, 'chosen')
    op.misbehave({ idTokenHeader: { alg: 'ES256' } })
    const es = await backChannelToken()
    assert.equal(es.header.alg, 'ES256')
    assert.equal(es.header.kid, op.jwks().keys.find((k) => k.alg === 'ES256')?.kid)
    await signatureHolds(es)
  })
})
