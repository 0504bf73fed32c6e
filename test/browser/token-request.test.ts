import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SignJWT } from 'jose'
import { discover } from '../../src/browser/configuration.js'
import { sendTokenForm, validatePageIdToken } from '../../src/browser/token-request.js'
import { refreshGrantForm } from '../../src/grants/token-messages.js'
import { createWebStorageTransactionStore } from '../../src/stores/web-storage.js'
import { MemoryStorage } from '../support/browser.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { createPageFixture, PAGE_CLIENT_ID, PAGE_URI } from '../support/page.js'

const RULES = {
  source: 'refresh',
  nonce: undefined,
  maxAgeInSeconds: undefined,
  requireAuthTime: false,
  requiredAcr: undefined,
} as const

describe("a page's token request", () => {
  test('a public client: its client_id in the form, no Authorization header; the answer read', async () => {
    const f = await createPageFixture()
    const { refreshToken } = await f.signIn()
    f.op.clearRequests()
    const tokens = await sendTokenForm(
      f.config,
      refreshGrantForm(refreshToken!, undefined),
      'optional',
      undefined,
    )
    registerSecret(tokens.accessToken, tokens.refreshToken)
    assert.equal(tokens.tokenType, 'Bearer')
    const [sent] = f.op.requests
    assert.equal(sent?.params.client_id, PAGE_CLIENT_ID)
    assert.equal(sent?.params.grant_type, 'refresh_token')
    assert.equal(sent?.headers.authorization, undefined)
  })

  test('an OP without a token_endpoint is ENDPOINT_MISSING, with nothing sent', async () => {
    const issuer = 'https://implicit-only.example'
    let sent = 0
    const fetch = async () => {
      sent++
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      })
    }
    const config = await discover(
      issuer,
      { client_id: PAGE_CLIENT_ID, redirect_uris: [PAGE_URI] },
      { fetch, store: createWebStorageTransactionStore({ storage: new MemoryStorage() }) },
    )
    const before = sent
    await expectCode(
      sendTokenForm(config, refreshGrantForm('rt', undefined), 'optional', undefined),
      'ENDPOINT_MISSING',
    )
    assert.equal(sent, before)
  })
})

describe("a page's ID token validation", () => {
  test('an HS256 ID token is MISSING_CREDENTIALS: a public client has no secret to verify it', async () => {
    const f = await createPageFixture({ pageClient: { id_token_signed_response_alg: 'HS256' } })
    const now = Math.floor(f.clock.now / 1000)
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(f.op.issuer)
      .setAudience(PAGE_CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode('a secret the page does not have, 32+ bytes'))
    await expectCode(
      validatePageIdToken(f.config, token, RULES, f.clock.now, undefined),
      'MISSING_CREDENTIALS',
    )
  })

  test('an encrypted ID token is refused: a page registers no encryption; the twin, a signed one, is read', async () => {
    const f = await createPageFixture()
    const jwe = `${btoa(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A128GCM' })).replace(/=+$/, '')}.a.b.c.d`
    await expectCode(
      validatePageIdToken(f.config, jwe, RULES, f.clock.now, undefined),
      'ID_TOKEN_DECRYPTION_FAILED',
    )
    const { idToken } = await f.signIn()
    const claims = await validatePageIdToken(f.config, idToken, RULES, f.clock.now, undefined)
    assert.equal(claims.sub, 'alice')
  })
})
