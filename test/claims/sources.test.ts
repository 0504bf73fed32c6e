/**
 * Aggregated and distributed claims (OIDC Core §5.6.2) through the mock OP and a mock claims
 * provider: the OpenID Foundation tests rp-claims-aggregated and rp-claims-distributed end to end,
 * each refusal beside its twin (the same setup without the fault), the merge rules, and
 * `resolveClaimSources` on its own.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { resolveClaimSources } from '../../src/claims/resolve.js'
import type { ClaimSourcesInput } from '../../src/config/claim-sources.js'
import type { ErrorCode, TransportError, ValidationError } from '../../src/errors.js'
import {
  type ClaimSourceFault,
  createMockClaimsProvider,
  type MockClaimSource,
  type MockClaimsProvider,
} from '../../src/testing/index.js'
import { assertNoSecrets, expectCode, registerSecret } from '../support/helpers.js'
import { createFixture, type Fixture } from '../support/sign-in.js'

const BANK_CLAIMS = { credit_score: 700, account_tier: 'gold', email: 'alice@bank.example' }

interface Setup {
  readonly bank: MockClaimsProvider
  readonly f: Fixture
}

/**
 * A mock OP naming one source of the bank's `credit_score` and `account_tier` for alice, and an RP
 * that trusts the bank and allows its endpoints (each overridable).
 */
async function setup(
  kind: MockClaimSource['kind'],
  options: {
    readonly sources?: (bank: MockClaimsProvider) => MockClaimSource[]
    readonly claimSources?: (bank: MockClaimsProvider) => ClaimSourcesInput | undefined
    /** Wraps the OP's fetch (which serves the bank too), e.g. to spoil the bank's answers. */
    readonly fetch?: (bank: MockClaimsProvider, next: typeof fetch) => typeof fetch
  } = {},
): Promise<Setup> {
  const bank = await createMockClaimsProvider({ users: { alice: BANK_CLAIMS } })
  const sources = options.sources?.(bank) ?? [
    { provider: bank, kind, claims: ['credit_score', 'account_tier'] },
  ]
  const claimSources = options.claimSources
    ? options.claimSources(bank)
    : { providers: [{ issuer: bank.issuer }], endpoints: [`${bank.issuer}/`] }
  const wrap = options.fetch
  const f = await createFixture({
    op: { claimSources: sources },
    config: (op) => ({
      ...(claimSources === undefined ? {} : { claimSources }),
      ...(wrap === undefined ? {} : { fetch: wrap(bank, op.fetch) }),
    }),
  })
  return { bank, f }
}

/** The sign-in passes with the bank's claims merged and attributed. */
async function passes({ bank, f }: Setup, kind: MockClaimSource['kind']): Promise<void> {
  const result = await f.signIn()
  assert.equal(result.claims.credit_score, 700)
  assert.equal(result.claims.account_tier, 'gold')
  assert.deepEqual(result.claimOrigins?.credit_score, {
    source: 'src1',
    kind,
    issuer: bank.issuer,
  })
}

/** The fault makes the sign-in fail with the code; without it the same RP signs in. */
async function rejectsThenPasses(
  setupDone: Setup,
  kind: MockClaimSource['kind'],
  fault: ClaimSourceFault,
  code: ErrorCode,
): Promise<unknown> {
  setupDone.f.op.misbehave({ claimSource: fault })
  const error = await expectCode(setupDone.f.signIn(), code)
  await passes(setupDone, kind)
  return error
}

describe('OIDF rp-claims-aggregated and rp-claims-distributed', () => {
  test('rp-claims-aggregated: the JWT is verified with the provider keys found by discovery, its claims merged', async () => {
    const s = await setup('aggregated')
    const result = await s.f.signIn()
    assert.equal(result.claims.credit_score, 700)
    assert.deepEqual(result.claimOrigins, {
      credit_score: { source: 'src1', kind: 'aggregated', issuer: s.bank.issuer },
      account_tier: { source: 'src1', kind: 'aggregated', issuer: s.bank.issuer },
    })
    assert.deepEqual(result.unresolvedClaims, [])
    assert.equal('_claim_names' in result.claims, false)
    assert.equal('_claim_sources' in result.claims, false)
    assert.deepEqual(result.userinfo?._claim_names, {
      credit_score: 'src1',
      account_tier: 'src1',
    })
    const fetched = s.bank.requests.map((r) => new URL(r.url).pathname)
    assert.deepEqual(fetched, ['/.well-known/openid-configuration', '/jwks'])
  })

  test('rp-claims-distributed: the allowed endpoint is called with its Bearer token, its JWT verified and merged', async () => {
    const s = await setup('distributed')
    const result = await s.f.signIn()
    assert.equal(result.claims.credit_score, 700)
    assert.deepEqual(result.claimOrigins?.account_tier, {
      source: 'src1',
      kind: 'distributed',
      issuer: s.bank.issuer,
    })
    const call = s.bank.requests.find((r) => r.url === s.bank.endpoint)
    assert.match(call?.authorization ?? '', /^Bearer \S+$/)
  })

  test('aggregated claims in the ID token are resolved too', async () => {
    const s = await setup('aggregated', {
      sources: (bank) => [
        { provider: bank, kind: 'aggregated', claims: ['credit_score'], in: 'id_token' },
      ],
    })
    const result = await s.f.signIn({}, { userinfo: 'never' })
    assert.equal(result.claims.credit_score, 700)
    assert.equal(result.claimOrigins?.credit_score?.kind, 'aggregated')
    assert.equal('_claim_names' in result.claims, false)
  })

  test('default off: without claimSources the sources stay unresolved and the provider is never called', async () => {
    const s = await setup('distributed', { claimSources: () => undefined })
    const result = await s.f.signIn()
    assert.equal(result.claims.credit_score, undefined)
    assert.equal(result.claimOrigins, undefined)
    assert.ok(result.userinfo?._claim_sources)
    assert.deepEqual(s.bank.requests, [])
  })
})

describe('aggregated claims: refusals and their twins', () => {
  test('a source JWT with a bad signature is refused; its twin with a good one passes', async () => {
    await rejectsThenPasses(
      await setup('aggregated'),
      'aggregated',
      'bad-signature',
      'CLAIM_SOURCE_SIGNATURE_INVALID',
    )
  })

  test('an unsigned (alg none) source JWT is refused; its signed twin passes', async () => {
    await rejectsThenPasses(
      await setup('aggregated'),
      'aggregated',
      'alg-none',
      'CLAIM_SOURCE_SIGNATURE_INVALID',
    )
  })

  test('a source JWT from another issuer is refused; its twin from the bank passes', async () => {
    const error = (await rejectsThenPasses(
      await setup('aggregated'),
      'aggregated',
      'other-issuer',
      'CLAIM_SOURCE_ISSUER_NOT_ALLOWED',
    )) as ValidationError
    assert.equal(error.claim, 'iss')
    assert.equal(error.actual, 'https://unknown-claims.example')
  })

  test('a provider the configuration does not list is refused (never discovered); its twin, listed, passes', async () => {
    const unlisted = await setup('aggregated', {
      claimSources: () => ({ providers: [{ issuer: 'https://other-provider.example' }] }),
    })
    await expectCode(unlisted.f.signIn(), 'CLAIM_SOURCE_ISSUER_NOT_ALLOWED')
    assert.deepEqual(unlisted.bank.requests, [])
    await passes(await setup('aggregated'), 'aggregated')
  })

  test('a source JWT for another audience is refused; its twin for the client passes', async () => {
    await rejectsThenPasses(
      await setup('aggregated'),
      'aggregated',
      'wrong-audience',
      'CLAIM_SOURCE_AUDIENCE_MISMATCH',
    )
  })

  test('configured keys that are not the provider’s refuse the JWT; its twin with the provider’s keys passes, without discovery', async () => {
    const other = await createMockClaimsProvider({ users: {} })
    const wrongKeys = await setup('aggregated', {
      claimSources: (bank) => ({ providers: [{ issuer: bank.issuer, jwks: other.jwks() }] }),
    })
    const error = await expectCode<ValidationError>(
      wrongKeys.f.signIn(),
      'CLAIM_SOURCE_SIGNATURE_INVALID',
    )
    assert.equal((error.cause as ValidationError).code, 'JWKS_NO_MATCHING_KEY')
    const rightKeys = await setup('aggregated', {
      claimSources: (bank) => ({ providers: [{ issuer: bank.issuer, jwks: bank.jwks() }] }),
    })
    await passes(rightKeys, 'aggregated')
    assert.deepEqual(rightKeys.bank.requests, [])
  })

  test('more sources than maxSources are refused before any is fetched; its twin within the limit passes', async () => {
    const two = (bank: MockClaimsProvider): MockClaimSource[] => [
      { provider: bank, kind: 'distributed', claims: ['credit_score'] },
      { provider: bank, kind: 'distributed', claims: ['account_tier'] },
    ]
    const allow = (max: number) => (bank: MockClaimsProvider) => ({
      providers: [{ issuer: bank.issuer }],
      endpoints: [`${bank.issuer}/`],
      maxSources: max,
    })
    const tooMany = await setup('distributed', { sources: two, claimSources: allow(1) })
    await expectCode(tooMany.f.signIn(), 'CLAIM_SOURCE_TOO_MANY')
    assert.deepEqual(tooMany.bank.requests, [])
    const within = await setup('distributed', { sources: two, claimSources: allow(2) })
    const result = await within.f.signIn()
    assert.equal(result.claimOrigins?.credit_score?.source, 'src1')
    assert.equal(result.claimOrigins?.account_tier?.source, 'src2')
  })
})

describe('distributed claims: refusals and their twins', () => {
  test('an endpoint outside the allow-list is never called; its twin inside the allow-list is', async () => {
    const outside = await setup('distributed', {
      claimSources: (bank) => ({
        providers: [{ issuer: bank.issuer }],
        endpoints: [`${bank.issuer}/other/`],
      }),
    })
    const error = await expectCode<ValidationError>(
      outside.f.signIn(),
      'CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED',
    )
    assert.equal(error.actual, outside.bank.endpoint)
    assert.deepEqual(outside.bank.requests, [])
    const inside = await setup('distributed', {
      claimSources: (bank) => ({
        providers: [{ issuer: bank.issuer }],
        endpoints: [bank.endpoint],
      }),
    })
    await passes(inside, 'distributed')
  })

  test('an OP naming an endpoint elsewhere cannot make the RP call it; its twin passes', async () => {
    const s = await setup('distributed')
    await rejectsThenPasses(
      s,
      'distributed',
      'endpoint-elsewhere',
      'CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED',
    )
    assert.equal(
      s.f.op.requests.some((r) => r.url.startsWith('https://elsewhere.example')),
      false,
    )
  })

  test('an endpoint refusing the access token (401) fails the source, leaking no token; its twin passes', async () => {
    const s = await setup('distributed')
    const error = (await rejectsThenPasses(
      s,
      'distributed',
      'unauthorized',
      'CLAIM_SOURCE_UNAVAILABLE',
    )) as TransportError
    assert.equal(error.status, 401)
    for (const request of s.bank.requests) registerSecret(request.authorization?.slice(7))
    assertNoSecrets(error)
  })

  test('an endpoint answering garbage is refused; its twin answering a JWT passes', async () => {
    await rejectsThenPasses(
      await setup('distributed'),
      'distributed',
      'garbage',
      'CLAIM_SOURCE_RESPONSE_INVALID',
    )
  })

  test('an endpoint answering JSON instead of a JWT is refused (§5.6.2); its twin passes', async () => {
    await rejectsThenPasses(
      await setup('distributed'),
      'distributed',
      'json',
      'CLAIM_SOURCE_RESPONSE_INVALID',
    )
  })

  test('an endpoint answering a JWT with a bad signature is refused; its twin passes', async () => {
    await rejectsThenPasses(
      await setup('distributed'),
      'distributed',
      'bad-signature',
      'CLAIM_SOURCE_SIGNATURE_INVALID',
    )
  })
})

describe('distributed claims: limits', () => {
  /** Answers the bank's claims endpoint with `answer`, everything else as usual. */
  const spoilEndpoint =
    (answer: (init: RequestInit | undefined) => Promise<Response>) =>
    (bank: MockClaimsProvider, next: typeof fetch): typeof fetch =>
    (input, init) =>
      String(input) === bank.endpoint ? answer(init) : next(input, init)

  test('an endpoint answering past maxJwtLength is cut off while streaming; its twin within it passes', async () => {
    const huge = await setup('distributed', {
      fetch: spoilEndpoint(async () => new Response('a'.repeat(64 * 1024))),
    })
    const error = await expectCode<TransportError>(huge.f.signIn(), 'CLAIM_SOURCE_UNAVAILABLE')
    assert.equal((error.cause as TransportError).code, 'HTTP_RESPONSE_TOO_LARGE')
    await passes(await setup('distributed'), 'distributed')
  })

  test('an endpoint that never answers times out after claimSources.timeoutInMs; its twin answers', async () => {
    const stalled = await setup('distributed', {
      claimSources: (bank) => ({
        providers: [{ issuer: bank.issuer }],
        endpoints: [`${bank.issuer}/`],
        timeoutInMs: 20,
      }),
      fetch: spoilEndpoint(
        (init) =>
          new Promise((_, reject) => {
            init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
          }),
      ),
    })
    const error = await expectCode<TransportError>(stalled.f.signIn(), 'CLAIM_SOURCE_UNAVAILABLE')
    assert.equal((error.cause as TransportError).code, 'HTTP_TIMEOUT')
    await passes(await setup('distributed'), 'distributed')
  })
})

describe('merging: local values, onError, sub', () => {
  test('a claim the response already has keeps its local value, reported; its twin, absent locally, is taken', async () => {
    const s = await setup('aggregated', {
      sources: (bank) => [
        { provider: bank, kind: 'aggregated', claims: ['email', 'credit_score'] },
      ],
    })
    const result = await s.f.signIn()
    assert.equal(result.claims.email, 'alice@example.com')
    assert.equal(result.claimOrigins?.email, undefined)
    assert.deepEqual(result.unresolvedClaims, [
      { claim: 'email', source: 'src1', reason: 'local-value-kept' },
    ])
    assert.equal(result.claims.credit_score, 700)
    assert.equal(result.claimOrigins?.credit_score?.source, 'src1')
  })

  test("onError 'skip': a failed source's claims are left out and reported; its twin with 'throw' refuses", async () => {
    const skip = await setup('aggregated', {
      claimSources: (bank) => ({ providers: [{ issuer: bank.issuer }], onError: 'skip' }),
    })
    skip.f.op.misbehave({ claimSource: 'bad-signature' })
    const result = await skip.f.signIn()
    assert.equal(result.claims.credit_score, undefined)
    assert.deepEqual(
      result.unresolvedClaims?.map((u) => [u.claim, u.reason, u.error?.code]),
      [
        ['credit_score', 'source-failed', 'CLAIM_SOURCE_SIGNATURE_INVALID'],
        ['account_tier', 'source-failed', 'CLAIM_SOURCE_SIGNATURE_INVALID'],
      ],
    )
    const strict = await setup('aggregated')
    strict.f.op.misbehave({ claimSource: 'bad-signature' })
    await expectCode(strict.f.signIn(), 'CLAIM_SOURCE_SIGNATURE_INVALID')
  })
})

describe('resolveClaimSources on its own', () => {
  async function resolver() {
    const s = await setup('aggregated')
    const jwt = (names: string[], subject?: string) =>
      s.bank.claimsJwt('alice', names, subject === undefined ? {} : { subject })
    return { ...s, jwt }
  }

  test("a source's sub (the end-user at the provider) is reported, never merged over the OP's", async () => {
    const { f, jwt } = await resolver()
    const resolved = await resolveClaimSources(f.config, {
      sub: 'alice',
      _claim_names: { credit_score: 's' },
      _claim_sources: { s: { JWT: await jwt(['credit_score'], 'customer-42') } },
    })
    assert.deepEqual(resolved.claims, { sub: 'alice', credit_score: 700 })
    assert.equal(resolved.origins.credit_score?.subject, 'customer-42')
  })

  test('a claim missing from its source JWT is refused; its twin, present, is taken', async () => {
    const { f, jwt } = await resolver()
    const token = await jwt(['credit_score'])
    await expectCode(
      resolveClaimSources(f.config, {
        _claim_names: { account_tier: 's' },
        _claim_sources: { s: { JWT: token } },
      }),
      'CLAIM_SOURCE_JWT_INVALID',
    )
    const twin = await resolveClaimSources(f.config, {
      _claim_names: { credit_score: 's' },
      _claim_sources: { s: { JWT: token } },
    })
    assert.equal(twin.claims.credit_score, 700)
  })

  test('a protocol claim or a name pointing nowhere is refused; the well-formed twin resolves', async () => {
    const { f, jwt } = await resolver()
    const token = await jwt(['credit_score'])
    await expectCode(
      resolveClaimSources(f.config, {
        _claim_names: { sub: 's' },
        _claim_sources: { s: { JWT: token } },
      }),
      'CLAIM_SOURCE_INVALID',
    )
    await expectCode(
      resolveClaimSources(f.config, {
        _claim_names: { credit_score: 'missing' },
        _claim_sources: { s: { JWT: token } },
      }),
      'CLAIM_SOURCE_INVALID',
    )
    await expectCode(
      resolveClaimSources(f.config, { _claim_names: ['credit_score'], _claim_sources: {} }),
      'CLAIM_SOURCE_INVALID',
    )
    const twin = await resolveClaimSources(f.config, {
      _claim_names: { credit_score: 's' },
      _claim_sources: { s: { JWT: token } },
    })
    assert.equal(twin.origins.credit_score?.issuer, 'https://claims.example.com')
  })

  test('a configuration without claimSources is a usage error; its twin with them resolves', async () => {
    const { f, jwt } = await resolver()
    const plain = await f.reconfigure({})
    const claims = {
      _claim_names: { credit_score: 's' },
      _claim_sources: { s: { JWT: await jwt(['credit_score']) } },
    }
    await expectCode(resolveClaimSources(plain, claims), 'INVALID_ARGUMENT')
    assert.equal((await resolveClaimSources(f.config, claims)).claims.credit_score, 700)
  })
})
