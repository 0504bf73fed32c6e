/** ID token validation through the whole sign-in: each fault the OP can send, with its twin. */

import type { ClientInput, ErrorCode, ResponseType } from '../../../src/index.js'
import type { Fault, IdTokenFault } from '../../../src/testing/index.js'
import { equal, ok } from '../assert.js'
import { type Env, encryptionKeyPair, type SharedClient } from '../fixtures.js'
import type { Case } from '../harness.js'

interface FaultCase {
  readonly id: string
  readonly fault: Fault
  readonly code: ErrorCode
  readonly client?: SharedClient
  readonly responseType?: ResponseType
  readonly maxAge?: number
  readonly clientInput?: Partial<ClientInput>
}

const token = (
  id: string,
  fault: IdTokenFault,
  code: ErrorCode,
  extra: Partial<FaultCase> = {},
): FaultCase => ({
  id,
  fault: { idToken: fault },
  code,
  ...extra,
})

const FAULTS: readonly FaultCase[] = [
  token('rp-id_token-issuer-mismatch', 'wrong-issuer', 'ID_TOKEN_ISSUER_MISMATCH'),
  token('rp-id_token-aud', 'wrong-audience', 'ID_TOKEN_AUDIENCE_MISMATCH'),
  token(
    'rp-id_token-aud (untrusted extra audience)',
    'extra-audience',
    'ID_TOKEN_UNTRUSTED_AUDIENCE',
  ),
  token(
    'id_token several audiences without azp',
    'multiple-audiences-no-azp',
    'ID_TOKEN_AZP_MISMATCH',
    {
      clientInput: { trusted_audiences: ['https://other-audience.example'] },
    },
  ),
  token('id_token another azp', 'wrong-azp', 'ID_TOKEN_AZP_MISMATCH'),
  token('rp-nonce-invalid', 'wrong-nonce', 'ID_TOKEN_NONCE_MISMATCH'),
  token(
    'rp-nonce-unless-code-flow (nonce missing, implicit)',
    'no-nonce',
    'ID_TOKEN_NONCE_MISSING',
    {
      responseType: 'id_token',
    },
  ),
  token('id_token expired', 'expired', 'ID_TOKEN_EXPIRED'),
  token('id_token iat in the future', 'iat-in-future', 'ID_TOKEN_IAT_IN_FUTURE'),
  token('rp-id_token-iat', 'no-iat', 'ID_TOKEN_IAT_MISSING'),
  token('rp-id_token-sub', 'no-sub', 'ID_TOKEN_SUB_MISSING'),
  token('rp-id_token-bad-sig-rs256', 'bad-signature', 'ID_TOKEN_SIGNATURE_INVALID'),
  token(
    'id_token alg none, not registered (token endpoint)',
    'alg-none',
    'ID_TOKEN_ALG_NOT_ALLOWED',
  ),
  token('id_token alg none (implicit)', 'alg-none', 'ID_TOKEN_ALG_NOT_ALLOWED', {
    responseType: 'id_token',
  }),
  token('id_token unknown kid', 'unknown-kid', 'JWKS_NO_MATCHING_KEY'),
  token('id_token HS256 with a wrong secret', 'hs256-wrong-secret', 'ID_TOKEN_SIGNATURE_INVALID', {
    client: 'hs256',
  }),
  token('id_token max_age (auth_time too old)', 'old-auth_time', 'ID_TOKEN_AUTH_TIME_TOO_OLD', {
    maxAge: 300,
  }),
  token('id_token max_age (auth_time missing)', 'no-auth_time', 'ID_TOKEN_AUTH_TIME_MISSING', {
    maxAge: 300,
  }),
  {
    id: 'id_token HS256 to a client that registered RS256',
    fault: { idTokenHeader: { alg: 'HS256' } },
    code: 'ID_TOKEN_ALG_NOT_ALLOWED',
    clientInput: { id_token_signed_response_alg: 'RS256' },
  },
  {
    id: 'id_token against a JWKS without keys',
    fault: { jwks: 'empty' },
    code: 'JWKS_NO_MATCHING_KEY',
  },
]

export function idTokenCases(env: Env): Case[] {
  const { lib } = env
  const faultCases: Case[] = FAULTS.map((f) => ({
    name: `${f.id}: refused with ${f.code}, the same sign-in passes without the fault`,
    async run() {
      const { op, config } = await env.rp(
        f.client ?? 'basic',
        {
          policy: {
            responseType: f.responseType ?? 'code',
            ...(f.maxAge === undefined
              ? {}
              : { parameters: [{ name: 'max_age', value: String(f.maxAge) }] }),
          },
        },
        f.clientInput,
      )
      op.misbehave(f.fault)
      await env.expectCode(env.signIn(config, op), f.code)
      // A fresh configuration: the refused sign-in may have cached the faulty JWKS (refetch cooldown).
      const twin = await env.rp(f.client ?? 'basic', { policy: config.policy }, f.clientInput)
      const result = await env.signIn(twin.config, op)
      equal(result.idTokenClaims.sub, 'alice', 'twin')
    },
  }))
  return [
    ...faultCases,
    {
      name: 'rp-id_token-sig-hs256: an HS256 ID token is verified with the client secret',
      async run() {
        const { op, config } = await env.rp('hs256')
        const result = await env.signIn(config, op)
        equal(result.idTokenClaims.aud, 'hs256', 'aud')
        equal(op.requests.filter((r) => r.endpoint === 'jwks').length, 0, 'no JWKS needed')
      },
    },
    {
      name: 'rp-id_token-sig-es256: an ES256 ID token is verified with the OP key',
      async run() {
        const { op, config } = await env.rp('basic', {}, { id_token_signed_response_alg: 'ES256' })
        op.misbehave({ idTokenHeader: { alg: 'ES256' } })
        const result = await env.signIn(config, op)
        equal(result.idTokenClaims.sub, 'alice', 'sub')
        op.misbehave({ idTokenHeader: { alg: 'RS256' } })
        await env.expectCode(env.signIn(config, op), 'ID_TOKEN_ALG_NOT_ALLOWED')
      },
    },
    {
      name: 'id_token EdDSA: an Ed25519 ID token is verified through WebCrypto',
      async run() {
        const op = await env.soloOp(
          { id_token_signed_response_alg: 'EdDSA' },
          { signingAlgs: ['EdDSA'] },
        )
        const config = env.soloConfig(op, { id_token_signed_response_alg: 'EdDSA' })
        const result = await env.signIn(config, op)
        equal(result.idTokenClaims.sub, 'alice', 'sub')
        op.misbehave({ idToken: 'bad-signature' })
        await env.expectCode(env.signIn(config, op), 'ID_TOKEN_SIGNATURE_INVALID')
      },
    },
    {
      name: 'rp-id_token-sig+enc, rp-userinfo-enc: an RSA-OAEP-256 ID token and an ECDH-ES UserInfo response are decrypted',
      async run() {
        const [rsa, ec] = await Promise.all([
          encryptionKeyPair('RSA-OAEP-256', 'rp-enc-rsa'),
          encryptionKeyPair('ECDH-ES', 'rp-enc-ec'),
        ])
        const registered = {
          id_token_encrypted_response_alg: 'RSA-OAEP-256',
          id_token_encrypted_response_enc: 'A128GCM',
          userinfo_encrypted_response_alg: 'ECDH-ES',
          userinfo_encrypted_response_enc: 'A256GCM',
        }
        const op = await env.soloOp({
          ...registered,
          jwks: { keys: [rsa.publicJwk, ec.publicJwk] as never },
        })
        const config = env.soloConfig(
          op,
          { ...registered, keys: [rsa.key, ec.key] },
          { policy: { scopes: ['openid', 'email'] } },
        )
        const returned = await env.authorize(config, op)
        const result = await env.callback(config, returned.input)
        equal(result.idToken.split('.').length, 5, 'the ID token came as a JWE')
        equal(result.idTokenClaims.sub, 'alice', 'decrypted and verified')
        equal(result.userinfo?.email, 'alice@example.com', 'UserInfo decrypted')
        await env.expectCode(env.signIn(env.soloConfig(op), op), 'ID_TOKEN_DECRYPTION_FAILED')
        const noKey = env.soloConfig(op, { ...registered, keys: [ec.key] })
        await env.expectCode(env.signIn(noKey, op), 'MISSING_CREDENTIALS')
      },
    },
    {
      name: 'rp-id_token-kid-absent-single-jwks: an ID token without kid is verified with the only candidate',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({ idToken: 'no-kid' })
        ok(await env.signIn(config, op), 'signed in without kid')
      },
    },
    {
      name: 'validateIdToken: a token forged by another key is refused; the OP-signed one passes',
      async run() {
        const { op, config } = await env.rp('basic')
        const now = Math.floor(Date.now() / 1000)
        const claims = {
          iss: op.issuer,
          sub: 'alice',
          aud: 'basic',
          iat: now,
          exp: now + 60,
          nonce: 'n-123',
        }
        const good = await op.signJwt(claims)
        const validated = await lib.validateIdToken(config, good, {
          source: 'token',
          nonce: 'n-123',
        })
        equal(validated.sub, 'alice', 'sub')
        await env.expectCode(
          lib.validateIdToken(config, good, { source: 'token', nonce: 'other' }),
          'ID_TOKEN_NONCE_MISMATCH',
        )
        const [h, p, s] = good.split('.')
        const tampered = `${h}.${btoa(JSON.stringify({ ...claims, sub: 'mallory' }))
          .replace(/=+$/, '')
          .replace(/\+/g, '-')
          .replace(/\//g, '_')}.${s}`
        await env.expectCode(
          lib.validateIdToken(config, tampered, { source: 'token', nonce: lib.expectNoNonce }),
          'ID_TOKEN_SIGNATURE_INVALID',
        )
        await env.expectCode(
          lib.validateIdToken(config, `${h}.${p}`, { source: 'token', nonce: lib.expectNoNonce }),
          'JWT_MALFORMED',
        )
      },
    },
  ]
}
