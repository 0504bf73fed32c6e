/**
 * Fuzzing ID token validation: valid tokens mutated byte-wise, tokens re-signed with a mutated
 * header and claims set (as a compromised or misconfigured OP would send them), and JWE where a
 * JWS is expected and the reverse. A token is accepted exactly when an independent model of OIDC
 * Core §3.1.3.7 says it is valid; every rejection is a documented `OidcRpError` that leaks nothing.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { CompactEncrypt } from 'jose'
import { type IdTokenExpectations, validateIdToken } from '../../src/index.js'
import {
  claimEdit,
  duplicateAlg,
  headerEdits,
  headerText,
  isNumber,
  isObject,
  parse,
  payloadText,
  RAW_PAYLOADS,
  rarely,
  SIGNERS,
  signatureAccepted,
} from './jwt-arbitraries.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  fuzzConfig,
  fuzzFetch,
  ISSUER,
  NONCE,
  NOW,
  SECRETS,
  type Signer,
  signJson,
  signRaw,
  validIdTokenClaims,
} from './op.js'
import {
  applyEdits,
  assertDocumentedFailure,
  assertNoUnhandledRejections,
  byteEdit,
  createTally,
  decodedSegments,
  documentedCodes,
  fuzzParameters,
  settle,
} from './support.js'

const DOCUMENTED = documentedCodes('src/id-token.ts', 'validateIdToken')
const TOLERANCE = 30
const MAX_JWT_LENGTH = 16 * 1024

const jwks = fuzzFetch()
const config = fuzzConfig(jwks.fetch)

const EXPECTATIONS: readonly IdTokenExpectations[] = [
  { source: 'token', nonce: NONCE },
  { source: 'refresh', nonce: NONCE },
  { source: 'authorization', nonce: NONCE },
]

/** Fails the case if the RP fetched anything but the OP's JWKS (key injection via jku, x5u). */
function assertOnlyJwksFetched(urls: readonly string[]): void {
  const other = urls.find((url) => url !== `${ISSUER}/jwks`)
  assert.equal(other, undefined, `the RP fetched ${other}`)
}

// ---------------------------------------------------------------------------------------------
// An independent model of which ID tokens are valid (OIDC Core §2, §3.1.3.7).

function claimsValid(claims: Record<string, unknown>): boolean {
  const { iss, sub, aud, azp, exp, iat, nbf, nonce, auth_time: authTime, amr } = claims
  if (iss !== ISSUER) return false
  const audiences = typeof aud === 'string' ? [aud] : aud
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === 'string')) return false
  if (!audiences.includes(CLIENT_ID) || audiences.some((a) => a !== CLIENT_ID)) return false
  if (azp !== undefined && azp !== CLIENT_ID) return false
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined) return false
  if (!isNumber(exp) || NOW >= exp + TOLERANCE) return false
  if (!isNumber(iat) || iat > NOW + TOLERANCE) return false
  if (nbf !== undefined && (!isNumber(nbf) || nbf > NOW + TOLERANCE)) return false
  if (typeof sub !== 'string' || sub === '') return false
  for (const name of ['sid', 'acr', 'at_hash', 'c_hash']) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') return false
  }
  if (nonce !== NONCE) return false
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((v) => typeof v === 'string'))) {
    return false
  }
  return authTime === undefined || isNumber(authTime)
}

/** Whether the RP must accept a JWS made of this header and payload text, signed by `signer`. */
function modelAccepts(signer: Signer, headerText: string, payloadText: string, token: string) {
  if (!signatureAccepted(signer, headerText, token, MAX_JWT_LENGTH)) return false
  const claims = parse(payloadText)
  return isObject(claims) && claimsValid(claims)
}

// ---------------------------------------------------------------------------------------------
// Mutations of the header and the claims set.

const CLAIM_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  iss: [ISSUER, `${ISSUER}/`, ISSUER.toUpperCase(), ISSUER.replace('https', 'http'), [ISSUER]],
  sub: ['alice', '', 'bob', ['alice']],
  aud: [
    CLIENT_ID,
    [CLIENT_ID],
    [CLIENT_ID, 'other'],
    [],
    [CLIENT_ID, CLIENT_ID],
    'other',
    CLIENT_ID.toUpperCase(),
    [[CLIENT_ID]],
  ],
  azp: [CLIENT_ID, 'other', ''],
  exp: [NOW - 31, NOW - 30, NOW - 29, NOW + 1, NOW + 600, String(NOW + 600)],
  iat: [NOW + 29, NOW + 30, NOW + 31, NOW - 1e6, String(NOW)],
  nbf: [NOW + 29, NOW + 30, NOW + 31, NOW, String(NOW)],
  nonce: [NONCE, `${NONCE}x`, NONCE.toUpperCase(), '', [NONCE]],
  auth_time: [NOW, String(NOW), NOW - 1e9],
  amr: [['pwd'], 'pwd', [1], []],
  acr: ['urn:acr:1', 1],
  sid: ['s', 2],
  at_hash: ['abc', 3],
  c_hash: ['abc', 4],
  ['__proto__']: [{ iss: 'https://evil.example' }, 'x'],
  constructor: ['x', { prototype: {} }],
}

const crafted = fc.record({
  signer: fc.constantFrom(...SIGNERS),
  header: headerEdits,
  duplicateAlg,
  claims: fc.array(claimEdit(CLAIM_VALUES), { maxLength: 4 }),
  rawPayload: rarely(fc.constantFrom(...RAW_PAYLOADS)),
  expectations: fc.constantFrom(...EXPECTATIONS),
})

test('fuzz: ID tokens re-signed with mutated headers and claims are accepted exactly when valid', async (t) => {
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(crafted, async (c) => {
      jwks.urls.length = 0
      const header = headerText(c.signer, c.header, c.duplicateAlg, 'JWT')
      const payload = c.rawPayload ?? payloadText(validIdTokenClaims(), c.claims)
      const token = await signRaw(header, payload, c.signer)
      const outcome = await settle(() => validateIdToken(config, token, c.expectations))
      const expected = modelAccepts(c.signer, header, payload, token)
      tally.record(outcome)
      if (!outcome.ok) assertDocumentedFailure(outcome.error, DOCUMENTED, [...SECRETS, token])
      assert.equal(
        outcome.ok,
        expected,
        outcome.ok
          ? 'accepted an invalid ID token'
          : `refused a valid ID token: ${(outcome as { error: Error }).error.message}`,
      )
      assertOnlyJwksFetched(jwks.urls)
    }),
    fuzzParameters(800),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no crafted token was valid: the property proved nothing')
  await assertNoUnhandledRejections()
})

// ---------------------------------------------------------------------------------------------
// Byte-wise mutations of valid tokens: never accepted unless they decode to the same bytes.

const validTokens = await Promise.all([
  signJson({ alg: 'RS256', kid: 'rs-1', typ: 'JWT' }, validIdTokenClaims(), 'op-rs'),
  signJson({ alg: 'ES256' }, validIdTokenClaims(), 'op-es'),
  signJson({ alg: 'HS256' }, validIdTokenClaims(), 'secret'),
])

test('fuzz: byte-wise mutated ID tokens are never accepted', async (t) => {
  const tally = createTally()
  for (const token of validTokens) {
    await validateIdToken(config, token, EXPECTATIONS[0]!) // the unmutated twin passes
  }
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...validTokens),
      fc.array(byteEdit, { minLength: 1, maxLength: 4 }),
      async (valid, edits) => {
        const token = applyEdits(valid, edits)
        const outcome = await settle(() => validateIdToken(config, token, EXPECTATIONS[0]!))
        tally.record(outcome)
        if (outcome.ok) {
          assert.deepEqual(
            decodedSegments(token),
            decodedSegments(valid),
            'accepted a mutated token',
          )
        } else {
          assertDocumentedFailure(outcome.error, DOCUMENTED, [...SECRETS, valid, token])
        }
      },
    ),
    fuzzParameters(1000),
  )
  t.diagnostic(tally.summary())
  await assertNoUnhandledRejections()
})

// ---------------------------------------------------------------------------------------------
// JWE where a JWS is expected and the reverse.

const ENC_KEY = new Uint8Array(
  await crypto.subtle.digest('SHA-256', new TextEncoder().encode(CLIENT_SECRET)),
)
const encryptingConfig = fuzzConfig(jwks.fetch, {
  id_token_encrypted_response_alg: 'dir',
  id_token_encrypted_response_enc: 'A128CBC-HS256',
})

async function encrypt(
  plaintext: string,
  header: Record<string, unknown> = {},
  enc = 'A128CBC-HS256',
): Promise<string> {
  const key = enc === 'A128GCM' ? ENC_KEY.slice(0, 16) : ENC_KEY
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'dir', enc, ...header, ...(header.crit ? { exp: NOW } : {}) })
    .encrypt(key, { crit: { exp: true } })
}

const validJwe = await encrypt(validTokens[0]!)

const jweCase = fc.oneof(
  fc.record({
    kind: fc.constant('mutated-jwe' as const),
    edits: fc.array(byteEdit, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('jws-to-encrypting-client' as const),
    token: fc.constantFrom(...validTokens),
  }),
  fc.record({ kind: fc.constant('jwe-to-plain-client' as const) }),
  fc.record({
    kind: fc.constant('odd-plaintext' as const),
    plaintext: fc.oneof(
      fc.constantFrom('', '{}', 'not a jwt', validJwe, `${validTokens[0]}.extra`),
      fc.string({ maxLength: 200 }),
    ),
    header: fc.record(
      {
        enc: fc.constantFrom('A128GCM', 'A256GCM'),
        crit: fc.constantFrom<unknown>(['exp']),
        cty: fc.constantFrom('JWT', 'json'),
        zip: fc.constantFrom('DEF'),
      },
      { requiredKeys: [] },
    ),
  }),
)

test('fuzz: JWE where a JWS is expected (and the reverse) and mutated JWEs are refused', async (t) => {
  const tally = createTally()
  await validateIdToken(encryptingConfig, validJwe, EXPECTATIONS[0]!) // the valid twin passes
  await fc.assert(
    fc.asyncProperty(jweCase, async (c) => {
      let token: string
      let target = encryptingConfig
      let mayPass = false
      if (c.kind === 'mutated-jwe') {
        token = applyEdits(validJwe, c.edits)
        mayPass = true
      } else if (c.kind === 'jws-to-encrypting-client') {
        token = c.token
      } else if (c.kind === 'jwe-to-plain-client') {
        token = validJwe
        target = config
      } else {
        const enc = typeof c.header.enc === 'string' ? c.header.enc : 'A128CBC-HS256'
        token = await encrypt(c.plaintext, c.header, enc)
      }
      const outcome = await settle(() => validateIdToken(target, token, EXPECTATIONS[0]!))
      tally.record(outcome)
      if (outcome.ok) {
        assert.ok(mayPass, `accepted a ${c.kind}`)
        assert.deepEqual(
          decodedSegments(token),
          decodedSegments(validJwe),
          'accepted a mutated JWE',
        )
      } else {
        assertDocumentedFailure(outcome.error, DOCUMENTED, [
          ...SECRETS,
          validJwe,
          token,
          ...validTokens,
        ])
      }
    }),
    fuzzParameters(500),
  )
  t.diagnostic(tally.summary())
  await assertNoUnhandledRejections()
})
