import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ValidationError } from '../../src/errors.js'
import type { DecodedJws } from '../../src/lib/compact.js'
import {
  checkIdTokenClaims,
  type IdTokenKeys,
  type IdTokenRules,
  verifyIdToken,
} from '../../src/lib/id-token-checks.js'
import { verifiesWith } from '../../src/lib/webcrypto-jws.js'
import { thrownCode } from '../support/helpers.js'

const NOW = 1_800_000_000
const RULES: IdTokenRules = {
  issuer: 'https://op.example.com',
  client: { client_id: 'client' },
  now: NOW,
  tolerance: 60,
  source: 'token',
  nonce: 'n-0S6_WzA2Mj',
  maxAgeInSeconds: undefined,
  requireAuthTime: false,
  requiredAcr: undefined,
}
const CLAIMS = {
  iss: 'https://op.example.com',
  sub: 'alice',
  aud: 'client',
  exp: NOW + 300,
  iat: NOW,
  nonce: 'n-0S6_WzA2Mj',
}

function decoded(claims: Record<string, unknown>): DecodedJws {
  return { jws: 'h.p.s', header: { alg: 'RS256' }, claims }
}

/** The code a check fails with, or `undefined` when it passes. */
function failure(claims: Record<string, unknown>, rules: Partial<IdTokenRules> = {}) {
  return thrownCode(
    () => checkIdTokenClaims(decoded(claims), { ...RULES, ...rules }),
    ValidationError,
  )
}

describe('checkIdTokenClaims', () => {
  it('passes a token that meets every rule', () => {
    assert.equal(failure(CLAIMS), undefined)
  })

  it('applies the shared JWT rules: the issuer, the audience, the expiry', () => {
    assert.equal(
      failure({ ...CLAIMS, iss: 'https://evil.example.com' }),
      'ID_TOKEN_ISSUER_MISMATCH',
    )
    assert.equal(failure({ ...CLAIMS, aud: 'another' }), 'ID_TOKEN_AUDIENCE_MISMATCH')
    assert.equal(failure({ ...CLAIMS, exp: NOW - 120 }), 'ID_TOKEN_EXPIRED')
    assert.equal(failure({ ...CLAIMS, sub: undefined }), 'ID_TOKEN_SUB_MISSING')
  })

  it('nonce: the one sent, present; none when none was sent; unchecked when not stated', () => {
    assert.equal(failure({ ...CLAIMS, nonce: 'other' }), 'ID_TOKEN_NONCE_MISMATCH')
    assert.equal(failure({ ...CLAIMS, nonce: undefined }), 'ID_TOKEN_NONCE_MISSING')
    assert.equal(failure(CLAIMS, { nonce: null }), 'ID_TOKEN_NONCE_MISMATCH')
    assert.equal(failure({ ...CLAIMS, nonce: undefined }, { nonce: null }), undefined)
    assert.equal(failure({ ...CLAIMS, nonce: 'anything' }, { nonce: undefined }), undefined)
  })

  it('amr must be an array of strings; the twin passes', () => {
    assert.equal(failure({ ...CLAIMS, amr: 'pwd' }), 'ID_TOKEN_CLAIM_INVALID')
    assert.equal(failure({ ...CLAIMS, amr: ['pwd', 'otp'] }), undefined)
  })

  it('acr: one of the required values; any without a requirement', () => {
    const requiredAcr = ['urn:mace:incommon:iap:silver']
    assert.equal(
      failure({ ...CLAIMS, acr: 'bronze' }, { requiredAcr }),
      'ID_TOKEN_ACR_NOT_SATISFIED',
    )
    assert.equal(failure(CLAIMS, { requiredAcr }), 'ID_TOKEN_ACR_NOT_SATISFIED')
    assert.equal(failure({ ...CLAIMS, acr: requiredAcr[0] }, { requiredAcr }), undefined)
    assert.equal(failure({ ...CLAIMS, acr: 'bronze' }), undefined)
  })

  it('auth_time: required by max_age or by the rule, and no older than max_age plus the tolerance', () => {
    assert.equal(failure(CLAIMS, { maxAgeInSeconds: 600 }), 'ID_TOKEN_AUTH_TIME_MISSING')
    assert.equal(failure(CLAIMS, { requireAuthTime: true }), 'ID_TOKEN_AUTH_TIME_MISSING')
    assert.equal(failure(CLAIMS), undefined)
    const old = { ...CLAIMS, auth_time: NOW - 600 - 61 }
    assert.equal(failure(old, { maxAgeInSeconds: 600 }), 'ID_TOKEN_AUTH_TIME_TOO_OLD')
    assert.equal(failure({ ...old, auth_time: NOW - 660 }, { maxAgeInSeconds: 600 }), undefined)
    assert.equal(failure({ ...CLAIMS, auth_time: 'yesterday' }), 'ID_TOKEN_CLAIM_INVALID')
  })

  it("the client's default_max_age and require_auth_time apply; default_max_age not to a refresh", () => {
    const byDefault = { ...RULES.client, default_max_age: 600 }
    assert.equal(failure(CLAIMS, { client: byDefault }), 'ID_TOKEN_AUTH_TIME_MISSING')
    const refresh = { client: byDefault, source: 'refresh' as const, nonce: undefined }
    assert.equal(failure(CLAIMS, refresh), undefined)
    const old = { ...CLAIMS, auth_time: NOW - 600 - 61 }
    assert.equal(failure(old, { client: byDefault }), 'ID_TOKEN_AUTH_TIME_TOO_OLD')
    const always = { ...RULES.client, require_auth_time: true }
    assert.equal(failure(CLAIMS, { client: always }), 'ID_TOKEN_AUTH_TIME_MISSING')
    assert.equal(failure({ ...CLAIMS, auth_time: NOW }, { client: always }), undefined)
  })
})

describe('verifyIdToken', async () => {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64url')
  async function sign(header: Record<string, unknown>, claims: Record<string, unknown>) {
    const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      pair.privateKey,
      new TextEncoder().encode(input),
    )
    return `${input}.${b64(new Uint8Array(signature))}`
  }
  /** The OP's keys: the pair's public key, verified with WebCrypto, never at once. */
  const KEYS: IdTokenKeys = {
    maxJwtLength: 16_384,
    registeredAlg: undefined,
    advertisedAlgs: ['ES256'],
    allowNone: false,
    hasSecret: false,
    opKeys: {
      async verify(jws, header, code) {
        if (!(await verifiesWith(jws, pair.publicKey, header.alg))) {
          throw new ValidationError(code, 'does not verify', { claim: 'signature' })
        }
      },
      verifyCached: () => false,
    },
    secret: { hmacKey: () => Promise.reject(new Error('no secret')) },
    decrypt: undefined,
  }

  it('decodes a token that verifies with the OP key', async () => {
    const token = await sign({ alg: 'ES256' }, CLAIMS)
    const decoded = await verifyIdToken(token, KEYS)
    assert.deepEqual(decoded.claims, CLAIMS)
  })

  it('refuses a signature that does not verify; the twin above passes', async () => {
    const token = await sign({ alg: 'ES256' }, CLAIMS)
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${b64(new Uint8Array(64))}`
    await assert.rejects(verifyIdToken(forged, KEYS), { code: 'ID_TOKEN_SIGNATURE_INVALID' })
  })

  it('refuses an alg other than the registered one, and none unless allowed', async () => {
    const token = await sign({ alg: 'ES256' }, CLAIMS)
    await assert.rejects(verifyIdToken(token, { ...KEYS, registeredAlg: 'RS256' }), {
      code: 'ID_TOKEN_ALG_NOT_ALLOWED',
    })
    const unsigned = `${b64(JSON.stringify({ alg: 'none' }))}.${b64(JSON.stringify(CLAIMS))}.`
    await assert.rejects(verifyIdToken(unsigned, KEYS), { code: 'ID_TOKEN_ALG_NOT_ALLOWED' })
    const allowed = { ...KEYS, registeredAlg: 'none', allowNone: true }
    assert.deepEqual((await verifyIdToken(unsigned, allowed)).claims, CLAIMS)
  })

  it('refuses an encrypted token when no encryption is registered', async () => {
    const jwe = `${b64(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A128GCM' }))}.a.b.c.d`
    await assert.rejects(verifyIdToken(jwe, KEYS), { code: 'ID_TOKEN_DECRYPTION_FAILED' })
  })

  it('twin: with a registered decryption the token is decrypted first, then verified', async () => {
    const token = await sign({ alg: 'ES256' }, CLAIMS)
    const jwe = `${b64(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A128GCM' }))}.a.b.c.d`
    const opened: string[] = []
    const decrypt = async (sealed: string) => {
      opened.push(sealed)
      return token
    }
    assert.deepEqual((await verifyIdToken(jwe, { ...KEYS, decrypt })).claims, CLAIMS)
    assert.deepEqual(opened, [jwe])
  })
})
