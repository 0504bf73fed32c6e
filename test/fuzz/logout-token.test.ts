/**
 * Fuzzing back-channel logout through the public API only (`handleBackChannelLogout`,
 * `validateLogoutToken`): logout tokens re-signed with mutated headers and claims, byte-wise
 * mutated valid tokens, and mutated logout requests. A token is accepted exactly when an
 * independent model of Back-Channel Logout §2.4 and §2.6 says so (replays included); a refused
 * request is a 400 carrying a documented error, ends no session and leaves no `jti` remembered.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  createMemorySessionStore,
  handleBackChannelLogout,
  isOidcRpError,
  recordSession,
  validateLogoutToken,
} from '../../src/index.js'
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
  fuzzConfig,
  fuzzFetch,
  ISSUER,
  NOW,
  REDIRECT_URI,
  SECRETS,
  type Signer,
  signJson,
  signRaw,
} from './op.js'
import {
  applyEdits,
  assertDocumentedFailure,
  assertNoLeak,
  assertNoUnhandledRejections,
  byteEdit,
  createTally,
  decodedSegments,
  documentedCodes,
  fuzzParameters,
  type Outcome,
  settle,
} from './support.js'

const TOLERANCE = 30
const MAX_AGE = 300
/** No logout token is accepted more than a day after its iat, whatever its exp. */
const MAX_LIFETIME = 86_400
const MAX_JWT_LENGTH = 16 * 1024
const SID = 'op-session-fuzz'
const DOCUMENTED = [
  ...documentedCodes('src/logout/logout-token.ts', 'validateLogoutToken'),
  'LOGOUT_REQUEST_INVALID',
]

const jwks = fuzzFetch()
const config = fuzzConfig(jwks.fetch)
const sessions = createMemorySessionStore({ now: () => NOW * 1000 })

let counter = 0
const nextJti = () => `jti-${++counter}`

function validClaims(jti: string): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: CLIENT_ID,
    iat: NOW,
    exp: NOW + 120,
    jti,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    sub: 'alice',
    sid: SID,
  }
}

// ---------------------------------------------------------------------------------------------
// The model (Back-Channel Logout §2.4, §2.6: iss, aud and azp as for ID tokens), with the jti
// values it has seen accepted.

const remembered = new Set<string>()

function claimsValid(c: Record<string, unknown>): boolean {
  const { iss, aud, azp, iat, exp, jti, events, sub, sid } = c
  if (iss !== ISSUER) return false
  const audiences = typeof aud === 'string' ? [aud] : aud
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === 'string')) return false
  if (!audiences.includes(CLIENT_ID) || audiences.some((a) => a !== CLIENT_ID)) return false
  if (azp !== undefined && azp !== CLIENT_ID) return false
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined) return false
  if (!isNumber(iat) || iat > NOW + TOLERANCE) return false
  if (exp !== undefined && !isNumber(exp)) return false
  const expiry = Math.min((exp as number | undefined) ?? iat + MAX_AGE, iat + MAX_LIFETIME)
  if (NOW >= expiry + TOLERANCE) return false
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) return false
  if (!isObject(events) || !isObject(events[BACKCHANNEL_LOGOUT_EVENT])) return false
  for (const value of [sub, sid]) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) return false
  }
  if (sub === undefined && sid === undefined) return false
  return c.nonce === undefined
}

function typAccepted(headerText: string): boolean {
  const typ = (parse(headerText) as Record<string, unknown>).typ
  if (typ === undefined) return true
  if (typeof typ !== 'string') return false
  return ['logout+jwt', 'jwt'].includes(typ.toLowerCase().replace(/^application\//, ''))
}

/** Whether the RP must accept the token, and the claims it would accept. */
function model(signer: Signer, header: string, payload: string, token: string) {
  if (!signatureAccepted(signer, header, token, MAX_JWT_LENGTH) || !typAccepted(header)) {
    return undefined
  }
  const claims = parse(payload)
  if (!isObject(claims) || !claimsValid(claims)) return undefined
  if (remembered.has(claims.jti as string)) return undefined
  return claims
}

/** Whether a logout with these claims ends the session recorded for alice and {@link SID}. */
function ends(claims: Record<string, unknown>): boolean {
  return claims.sid === undefined
    ? claims.sub === 'alice'
    : claims.sid === SID && (claims.sub === undefined || claims.sub === 'alice')
}

// ---------------------------------------------------------------------------------------------
// Requests.

type RequestEdit =
  | 'none'
  | 'extra-parameter'
  | 'duplicate-token'
  | 'empty-token'
  | 'no-token'
  | 'wrong-content-type'
  | 'get'
  | 'broken-body'
  | 'oversized'
  | 'string-body'
  | 'search-params'

const requestEdit = fc.oneof(
  { weight: 8, arbitrary: fc.constant<RequestEdit>('none') },
  fc.constantFrom<RequestEdit>(
    'extra-parameter',
    'duplicate-token',
    'empty-token',
    'no-token',
    'wrong-content-type',
    'get',
    'broken-body',
    'oversized',
    'string-body',
    'search-params',
  ),
)

function logoutRequest(token: string, edit: RequestEdit): Request | string | URLSearchParams {
  const params = new URLSearchParams({ logout_token: token })
  if (edit === 'extra-parameter') params.set('state', 'x')
  if (edit === 'duplicate-token') params.append('logout_token', token)
  if (edit === 'empty-token') params.set('logout_token', '')
  if (edit === 'no-token') params.delete('logout_token')
  if (edit === 'oversized') params.set('padding', 'p'.repeat(70_000))
  if (edit === 'string-body') return params.toString()
  if (edit === 'search-params') return params
  const uri = `${REDIRECT_URI.replace('/cb', '/backchannel-logout')}`
  if (edit === 'get') return new Request(`${uri}?${params}`)
  const headers = {
    'content-type':
      edit === 'wrong-content-type' ? 'application/json' : 'application/x-www-form-urlencoded',
  }
  if (edit !== 'broken-body') return new Request(uri, { method: 'POST', headers, body: params })
  let sent = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) controller.error(new Error('connection reset'))
      else controller.enqueue(new TextEncoder().encode(`${params}`.slice(0, 20)))
      sent = true
    },
  })
  return new Request(uri, { method: 'POST', headers, body, duplex: 'half' } as RequestInit)
}

/** Whether the request itself carries exactly one non-empty logout_token the right way. */
function requestAccepted(edit: RequestEdit): boolean {
  return ['none', 'extra-parameter', 'string-body', 'search-params'].includes(edit)
}

/**
 * Sends one logout request and checks the result against the model: status, error, leaks, the
 * session ended or kept, and the `jti` remembered or not.
 */
async function runCase(
  token: string,
  expected: Record<string, unknown> | undefined,
  edit: RequestEdit,
  secrets: readonly string[],
): Promise<Outcome<unknown>> {
  const { sessionId } = await recordSession(config, sessions, {
    idToken: 'an-id-token',
    idTokenClaims: { iss: ISSUER, sub: 'alice', sid: SID },
  })
  const outcome = await settle(() =>
    handleBackChannelLogout(config, logoutRequest(token, edit), { sessionStore: sessions }),
  )
  const left = await sessions.get(sessionId)
  await sessions.delete(sessionId)
  if (!outcome.ok) {
    // It throws only for the application's mistakes, and there are none here.
    assertDocumentedFailure(outcome.error, ['LOGOUT_REQUEST_INVALID'], secrets)
    assert.fail('handleBackChannelLogout threw')
  }
  const { response, ended, error, claims } = outcome.value
  assert.equal(response.headers.get('cache-control'), 'no-store')
  const accept = expected !== undefined && requestAccepted(edit)
  if (accept) {
    remembered.add(expected.jti as string)
    assert.equal(response.status, 200, `refused a valid logout: ${error?.code} ${error?.message}`)
    assert.deepEqual(claims, expected)
    const shouldEnd = ends(expected)
    assert.equal(left === undefined, shouldEnd, shouldEnd ? 'session kept' : 'wrong session ended')
    assert.equal(ended.length, shouldEnd ? 1 : 0)
    return { ok: true, value: claims }
  }
  assert.equal(response.status, 400, 'accepted a logout the model refuses')
  assertDocumentedFailure(error, DOCUMENTED, secrets)
  const body = await response.text()
  assertNoLeak(new Error(body), secrets)
  assert.deepEqual(Object.keys(JSON.parse(body)), ['error', 'error_description'])
  assert.ok(left !== undefined, 'a refused logout ended a session')
  assert.equal(ended.length, 0)
  return { ok: false, error }
}

// ---------------------------------------------------------------------------------------------

const CLAIM_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  iss: [ISSUER, `${ISSUER}/`, [ISSUER]],
  aud: [
    CLIENT_ID,
    [CLIENT_ID],
    [CLIENT_ID, 'other'],
    [CLIENT_ID, CLIENT_ID],
    [],
    'other',
    [1, CLIENT_ID],
  ],
  azp: [CLIENT_ID, 'other', 5],
  iat: [
    NOW + 29,
    NOW + 31,
    NOW - MAX_AGE - 29,
    NOW - MAX_AGE - 31,
    NOW - MAX_LIFETIME - 29,
    NOW - MAX_LIFETIME - 31,
    String(NOW),
  ],
  exp: [NOW - 31, NOW - 29, NOW + 1, NOW + 1e12, String(NOW + 60)],
  jti: ['', 'j'.repeat(256), 'j'.repeat(257), 5, 'jti-fixed'],
  events: [
    {},
    { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    { [BACKCHANNEL_LOGOUT_EVENT]: [] },
    { [BACKCHANNEL_LOGOUT_EVENT]: 'x' },
    { other: {} },
    [BACKCHANNEL_LOGOUT_EVENT],
  ],
  sub: ['alice', 'bob', '', 5],
  sid: [SID, 'other-sid', '', 5],
  nonce: ['n', ''],
  ['__proto__']: [{ iss: 'https://evil.example' }],
}

const crafted = fc.record({
  signer: fc.constantFrom(...SIGNERS),
  header: headerEdits,
  duplicateAlg,
  claims: fc.array(claimEdit(CLAIM_VALUES), { maxLength: 4 }),
  rawPayload: rarely(fc.constantFrom(...RAW_PAYLOADS)),
  edit: requestEdit,
})

test('fuzz: re-signed logout tokens and mutated requests are accepted exactly when valid', async (t) => {
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(crafted, async (c) => {
      jwks.urls.length = 0
      const header = headerText(c.signer, c.header, c.duplicateAlg, 'logout+jwt')
      const payload = c.rawPayload ?? payloadText(validClaims(nextJti()), c.claims)
      const token = await signRaw(header, payload, c.signer)
      const expected = model(c.signer, header, payload, token)
      tally.record(await runCase(token, expected, c.edit, [...SECRETS, token]))
      const other = jwks.urls.find((url) => url !== `${ISSUER}/jwks`)
      assert.equal(other, undefined, `the RP fetched ${other}`)
    }),
    fuzzParameters(800),
  )
  t.diagnostic(tally.summary())
  assert.ok(tally.accepted > 0, 'no crafted logout token was valid: the property proved nothing')
  await assertNoUnhandledRejections()
})

test('fuzz: byte-wise mutated logout tokens are never accepted, and a replay never is', async (t) => {
  const tally = createTally()
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<Signer>('op-rs', 'op-es', 'secret'),
      fc.array(byteEdit, { maxLength: 4 }),
      async (signer, edits) => {
        const alg = signer === 'op-rs' ? 'RS256' : signer === 'op-es' ? 'ES256' : 'HS256'
        const valid = await signJson({ alg, typ: 'logout+jwt' }, validClaims(nextJti()), signer)
        const token = applyEdits(valid, edits)
        const outcome = await settle(() => validateLogoutToken(config, token))
        tally.record(outcome)
        if (outcome.ok) {
          assert.deepEqual(decodedSegments(token), decodedSegments(valid), 'accepted a mutation')
          // The same token (or any encoding of it) a second time is a replay.
          const again = await settle(() => validateLogoutToken(config, valid))
          assert.ok(!again.ok && isOidcRpError(again.error))
          assert.equal(again.error.code, 'LOGOUT_TOKEN_REPLAYED')
        } else {
          assertDocumentedFailure(outcome.error, DOCUMENTED, [...SECRETS, valid, token])
          // A refused token leaves its jti unremembered: the valid original still passes.
          assert.equal((await validateLogoutToken(config, valid)).sub, 'alice')
        }
      },
    ),
    fuzzParameters(600),
  )
  t.diagnostic(tally.summary())
  await assertNoUnhandledRejections()
})
