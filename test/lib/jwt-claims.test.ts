import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { CompactEncrypt, CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose'
import { type Configuration, createConfiguration } from '../../src/config/configuration.js'
import type { ErrorCode } from '../../src/errors.js'
import { expectNoNonce, validateIdToken } from '../../src/id-token.js'
import type { AudienceErrorCodes } from '../../src/lib/jwt-claims.js'
import { BACKCHANNEL_LOGOUT_EVENT, validateLogoutToken } from '../../src/logout/logout-token.js'
import { fetchUserInfo } from '../../src/userinfo.js'
import { CLIENT_SECRET, client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'
import { safeSigningKeys } from '../support/unsafe-keys.js'

const NOW = 1_700_000_000
const ISSUER = 'https://op.example.com'
const TRUSTED = 'https://trusted-api.example'
const UNTRUSTED = 'https://untrusted.example'
const CLIENT_ID = client.client_id
const encoder = new TextEncoder()

const { publicKey, privateKey } = await generateKeyPair('RS256')
const opKey: JWK = { ...(await exportJWK(publicKey)), kid: 'op-1', alg: 'RS256', use: 'sig' }

type Header = Record<string, unknown>
async function sign(claims: object, header: Header = { alg: 'RS256', kid: 'op-1' }) {
  const alg = header.alg as string
  const key = alg.startsWith('HS') ? encoder.encode(CLIENT_SECRET) : privateKey
  return new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader(header as { alg: string })
    .sign(key)
}

/** The A128KW key OIDC Core §10.2 derives from the client secret. */
const secretKey = createHash('sha256').update(CLIENT_SECRET).digest().subarray(0, 16)
const encrypt = (jws: string) =>
  new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({ alg: 'A128KW', enc: 'A128CBC-HS256', cty: 'JWT' })
    .encrypt(secretKey)

/** A configuration whose OP serves the JWKS and, for UserInfo, the token the test sets. */
function setup(encrypted: boolean) {
  const state = { userinfo: '' }
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input)
    if (url.endsWith('/jwks')) {
      return new Response(JSON.stringify({ keys: [opKey] }), {
        headers: { 'content-type': 'application/json' },
      })
    }
    return new Response(state.userinfo, { headers: { 'content-type': 'application/jwt' } })
  }
  const config = createConfiguration(
    providerMetadata(ISSUER),
    {
      ...client,
      trusted_audiences: [TRUSTED],
      id_token_signed_response_alg: 'RS256',
      userinfo_signed_response_alg: 'RS256',
      ...(encrypted
        ? { id_token_encrypted_response_alg: 'A128KW', userinfo_encrypted_response_alg: 'A128KW' }
        : {}),
    },
    { fetch, now: () => NOW * 1000 },
  )
  return { config, state }
}

interface Profile {
  readonly name: string
  /** The claims of a token that passes. */
  claims(): Record<string, unknown>
  /** Validates a compact token with this profile's public function. */
  validate(
    setup: { config: Configuration; state: { userinfo: string } },
    token: string,
  ): Promise<unknown>
}

let jti = 0
const PROFILES: readonly Profile[] = [
  {
    name: 'ID token',
    claims: () => ({ iss: ISSUER, aud: CLIENT_ID, sub: 'alice', iat: NOW, exp: NOW + 300 }),
    validate: ({ config }, token) =>
      validateIdToken(config, token, { source: 'token', nonce: expectNoNonce }),
  },
  {
    name: 'logout token',
    claims: () => ({
      iss: ISSUER,
      aud: CLIENT_ID,
      iat: NOW,
      exp: NOW + 300,
      jti: `jti-${++jti}`,
      sid: 'op-session',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    }),
    validate: ({ config }, token) => validateLogoutToken(config, token),
  },
  {
    name: 'UserInfo JWT',
    claims: () => ({ iss: ISSUER, aud: CLIENT_ID, sub: 'alice', iat: NOW, exp: NOW + 300 }),
    validate: ({ config, state }, token) => {
      state.userinfo = token
      return fetchUserInfo(config, 'access-token', { expectedSubject: 'alice' })
    },
  },
]

/** Per profile: the code a fault is refused with, or `ok` when the profile accepts it by design. */
type Verdicts = readonly [
  idToken: ErrorCode | 'ok',
  logout: ErrorCode | 'ok',
  userinfo: ErrorCode | 'ok',
]

interface Rule {
  readonly name: string
  /** Whether the client registered encryption. */
  readonly encrypted?: boolean
  /** The token with the fault. */
  readonly faulty: (claims: Record<string, unknown>) => Promise<string>
  /** Its twin without the fault. */
  readonly twin: (claims: Record<string, unknown>) => Promise<string>
  readonly verdicts: Verdicts
}

const with_ = (extra: Record<string, unknown>) => (claims: Record<string, unknown>) =>
  sign({ ...claims, ...extra })
const without = (name: string) => (claims: Record<string, unknown>) => {
  const { [name]: _, ...rest } = claims
  return sign(rest)
}
const plain = (claims: Record<string, unknown>) => sign(claims)

const RULES: readonly Rule[] = [
  {
    name: 'alg rule: an HS256 token where RS256 is registered',
    faulty: (claims) => sign(claims, { alg: 'HS256' }),
    twin: plain,
    verdicts: [
      'ID_TOKEN_ALG_NOT_ALLOWED',
      'LOGOUT_TOKEN_ALG_NOT_ALLOWED',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    name: 'alg rule: an unsigned (alg none) token',
    faulty: async (claims) =>
      `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
    twin: plain,
    verdicts: [
      'ID_TOKEN_ALG_NOT_ALLOWED',
      'LOGOUT_TOKEN_ALG_NOT_ALLOWED',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    name: 'decrypt-or-refuse: a JWE where no encryption is registered',
    faulty: async (claims) => encrypt(await sign(claims)),
    twin: plain,
    verdicts: [
      'ID_TOKEN_DECRYPTION_FAILED',
      'LOGOUT_TOKEN_DECRYPTION_FAILED',
      'USERINFO_DECRYPTION_FAILED',
    ],
  },
  {
    name: 'decrypt-or-refuse: a JWS where encryption is registered',
    encrypted: true,
    faulty: plain,
    twin: async (claims) => encrypt(await sign(claims)),
    verdicts: [
      'ID_TOKEN_DECRYPTION_FAILED',
      'LOGOUT_TOKEN_DECRYPTION_FAILED',
      'USERINFO_DECRYPTION_FAILED',
    ],
  },
  {
    name: 'decrypt-or-refuse: neither a JWS nor a JWE where encryption is registered',
    encrypted: true,
    faulty: async () => 'not-a-jwt',
    twin: async (claims) => encrypt(await sign(claims)),
    verdicts: ['JWT_MALFORMED', 'JWT_MALFORMED', 'JWT_MALFORMED'],
  },
  {
    name: 'bad signature',
    faulty: async (claims) => {
      // A character well inside the signature: every bit of it is signature, none is padding.
      const token = await sign(claims)
      const i = token.length - 10
      return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`
    },
    twin: plain,
    verdicts: [
      'ID_TOKEN_SIGNATURE_INVALID',
      'LOGOUT_TOKEN_SIGNATURE_INVALID',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    name: 'iss: another issuer',
    faulty: with_({ iss: 'https://evil.example' }),
    twin: plain,
    verdicts: [
      'ID_TOKEN_ISSUER_MISMATCH',
      'LOGOUT_TOKEN_ISSUER_MISMATCH',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    name: 'aud: without the client_id',
    faulty: with_({ aud: [TRUSTED] }),
    twin: plain,
    verdicts: [
      'ID_TOKEN_AUDIENCE_MISMATCH',
      'LOGOUT_TOKEN_AUDIENCE_MISMATCH',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    // UserInfo (OIDC Core §5.3.2) asks only that aud contain the client_id.
    name: 'aud: an untrusted extra audience (azp = client_id)',
    faulty: with_({ aud: [CLIENT_ID, UNTRUSTED], azp: CLIENT_ID }),
    twin: with_({ aud: [CLIENT_ID, TRUSTED], azp: CLIENT_ID }),
    verdicts: ['ID_TOKEN_UNTRUSTED_AUDIENCE', 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE', 'ok'],
  },
  {
    name: 'azp: another party',
    faulty: with_({ azp: TRUSTED }),
    twin: with_({ azp: CLIENT_ID }),
    verdicts: ['ID_TOKEN_AZP_MISMATCH', 'LOGOUT_TOKEN_AZP_MISMATCH', 'ok'],
  },
  {
    name: 'exp: expired ten minutes ago',
    faulty: with_({ iat: NOW - 900, exp: NOW - 600 }),
    twin: with_({ iat: NOW - 900, exp: NOW + 60 }),
    verdicts: ['ID_TOKEN_EXPIRED', 'LOGOUT_TOKEN_EXPIRED', 'USERINFO_SIGNATURE_INVALID'],
  },
  {
    name: 'iat: ten minutes in the future',
    faulty: with_({ iat: NOW + 600, exp: NOW + 900 }),
    twin: with_({ iat: NOW, exp: NOW + 900 }),
    verdicts: ['ID_TOKEN_IAT_IN_FUTURE', 'LOGOUT_TOKEN_IAT_INVALID', 'USERINFO_SIGNATURE_INVALID'],
  },
  {
    name: 'nbf: ten minutes in the future',
    faulty: with_({ nbf: NOW + 600 }),
    twin: with_({ nbf: NOW }),
    verdicts: [
      'ID_TOKEN_NOT_YET_VALID',
      'LOGOUT_TOKEN_NOT_YET_VALID',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
  {
    name: 'missing required claim (sub; jti for the logout token)',
    faulty: async (claims) => ('jti' in claims ? without('jti')(claims) : without('sub')(claims)),
    twin: plain,
    verdicts: ['ID_TOKEN_SUB_MISSING', 'LOGOUT_TOKEN_JTI_MISSING', 'USERINFO_SUB_MISMATCH'],
  },
  {
    name: 'wrong type: nbf is a string',
    faulty: with_({ nbf: 'soon' }),
    twin: with_({ nbf: NOW - 1 }),
    verdicts: [
      'ID_TOKEN_CLAIM_INVALID',
      'LOGOUT_TOKEN_CLAIM_INVALID',
      'USERINFO_SIGNATURE_INVALID',
    ],
  },
]

describe('one JWT core: every rule against every profile, each fault with its twin', () => {
  for (const rule of RULES) {
    PROFILES.forEach((profile, i) => {
      const verdict = rule.verdicts[i]!
      const faultName =
        verdict === 'ok'
          ? `${rule.name} › ${profile.name}: accepted by design`
          : `${rule.name} › ${profile.name}: refused with ${verdict}`
      it(faultName, async () => {
        const env = setup(rule.encrypted === true)
        const token = await rule.faulty(profile.claims())
        if (verdict === 'ok') assert.ok(await profile.validate(env, token))
        else await expectCode(profile.validate(env, token), verdict)
      })
      it(`${rule.name} › ${profile.name}: twin without the fault is accepted`, async () => {
        const env = setup(rule.encrypted === true)
        const token = await rule.twin(profile.claims())
        assert.ok(await profile.validate(env, token))
      })
    })
  }
})
describe('checkAudience: one audience rule for ID tokens and logout tokens', () => {
  const NOW = 1_700_000_000
  const TRUSTED = 'https://trusted-api.example'
  const UNTRUSTED = 'https://untrusted.example'
  const key = safeSigningKeys()[0]!
  const fetch: typeof globalThis.fetch = async () =>
    new Response(JSON.stringify({ keys: [key.jwk] }), {
      headers: { 'content-type': 'application/json' },
    })
  const config = createConfiguration(
    providerMetadata(),
    { ...client, id_token_signed_response_alg: 'RS256', trusted_audiences: [TRUSTED] },
    { fetch, now: () => NOW * 1000 },
  )
  const id = client.client_id
  /** aud and azp → the kind of refusal, or `ok`. */
  const cases: [string, Record<string, unknown>, keyof AudienceErrorCodes | 'ok'][] = [
    ['aud = client_id', { aud: id }, 'ok'],
    ['aud = [client_id]', { aud: [id] }, 'ok'],
    ['aud = [client_id, trusted], azp = client_id', { aud: [id, TRUSTED], azp: id }, 'ok'],
    ['no aud', {}, 'mismatch'],
    ['aud without the client_id', { aud: [TRUSTED] }, 'mismatch'],
    ['aud = [client_id, untrusted]', { aud: [id, UNTRUSTED] }, 'untrusted'],
    [
      'aud = [client_id, untrusted], foreign azp',
      { aud: [id, UNTRUSTED], azp: UNTRUSTED },
      'untrusted',
    ],
    ['aud = [client_id, trusted] without azp', { aud: [id, TRUSTED] }, 'azp'],
    ['aud = client_id, foreign azp', { aud: id, azp: TRUSTED }, 'azp'],
    ['aud = 7', { aud: 7 }, 'invalid'],
    ['azp = 7', { aud: id, azp: 7 }, 'invalid'],
  ]
  const idCodes: Record<string, ErrorCode> = {
    mismatch: 'ID_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'ID_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'ID_TOKEN_AZP_MISMATCH',
    invalid: 'ID_TOKEN_CLAIM_INVALID',
  }
  const logoutCodes: Record<string, ErrorCode> = {
    mismatch: 'LOGOUT_TOKEN_AUDIENCE_MISMATCH',
    untrusted: 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE',
    azp: 'LOGOUT_TOKEN_AZP_MISMATCH',
    invalid: 'LOGOUT_TOKEN_CLAIM_INVALID',
  }

  let jti = 0
  for (const [name, claims, verdict] of cases) {
    it(`${name}: ${verdict === 'ok' ? 'accepted' : `refused (${verdict})`} by both the ID token and the logout token`, async () => {
      const idToken = key.sign({
        iss: config.issuer,
        sub: 'alice',
        iat: NOW,
        exp: NOW + 60,
        ...claims,
      })
      const logoutToken = key.sign({
        iss: config.issuer,
        iat: NOW,
        jti: `jti-${++jti}`,
        sid: 's',
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        ...claims,
      })
      const validated = [
        validateIdToken(config, idToken, { source: 'token', nonce: expectNoNonce }),
        validateLogoutToken(config, logoutToken),
      ]
      if (verdict === 'ok') {
        for (const result of validated) assert.deepEqual((await result).aud, claims.aud)
        return
      }
      await expectCode(validated[0]!, idCodes[verdict]!)
      await expectCode(validated[1]!, logoutCodes[verdict]!)
    })
  }
})
