/**
 * DPoP through the SDK against the mock OP (RFC 9449): dpop_jkt, proofs at PAR, token, refresh and
 * UserInfo, the one nonce retry, and the token_type asked for.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, sep } from 'node:path'
import { describe, test } from 'node:test'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose'
import { createAuthorizationRequest } from '../src/authorization/request.js'
import { handleCallback } from '../src/callback/sign-in.js'
import type { Configuration } from '../src/config/configuration.js'
import { createDPoPHandle, generateDPoPKeyPair } from '../src/dpop.js'
import type { OAuthResponseError, UsageError } from '../src/errors.js'
import type { DPoPHandle } from '../src/lib/dpop.js'
import type { MockDPoPOptions } from '../src/testing/dpop-types.js'
import { refreshTokens } from '../src/token.js'
import { fetchUserInfo } from '../src/userinfo.js'
import { expectCode, registerSecret } from './support/helpers.js'
import { resolveImport } from './support/layers.js'
import { browserRequest, createFixture, type Fixture } from './support/sign-in.js'

async function fixture(dpop: MockDPoPOptions = {}, authMethod?: 'none') {
  return createFixture({
    op: { dpop },
    ...(authMethod ? { authMethod } : {}),
    client: { response_types: ['code'] },
  })
}

/** A sign-in through createAuthorizationRequest with `dpop`, and the callback with `callbackDpop`. */
async function signIn(
  f: Fixture,
  dpop: DPoPHandle | undefined,
  callbackDpop: DPoPHandle | undefined = dpop,
  config: Configuration = f.config,
) {
  const request = await createAuthorizationRequest(config, undefined, dpop ? { dpop } : {})
  registerSecret(request.transaction.nonce, request.transaction.codeVerifier)
  const response = await f.op.authorize(request.url, { user: 'alice' })
  registerSecret(response.params.get('code') ?? undefined)
  const cookie = request.browserBinding
    ? `${request.browserBinding.name}=${request.browserBinding.value}`
    : ''
  const result = await handleCallback(config, browserRequest(response), {
    cookie,
    ...(callbackDpop ? { dpop: callbackDpop } : {}),
  })
  registerSecret(result.accessToken?.value, result.refreshToken)
  return { request, result }
}

const requestsTo = (f: Fixture, endpoint: string) =>
  f.op.requests.filter((r) => r.endpoint === endpoint)

describe('the code flow with DPoP (RFC 9449 §5, §10)', () => {
  test('dpop_jkt is the key thumbprint, the code is redeemed with a proof, the token is DPoP and UserInfo gets it with the DPoP scheme', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { request, result } = await signIn(f, dpop)
    assert.equal(request.url.searchParams.get('dpop_jkt'), dpop.thumbprint)
    assert.equal(request.transaction.dpopJkt, dpop.thumbprint)
    assert.equal(result.accessToken?.type, 'DPoP')
    const [token] = requestsTo(f, 'token')
    assert.equal(token?.dpopJkt, dpop.thumbprint)
    const proof = token!.headers.dpop!
    assert.equal(decodeProtectedHeader(proof).typ, 'dpop+jwt')
    assert.equal(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!), dpop.thumbprint)
    const [userinfo] = requestsTo(f, 'userinfo')
    assert.match(userinfo!.headers.authorization!, /^DPoP /)
    assert.equal(decodeJwt(userinfo!.headers.dpop!).ath !== undefined, true)
    assert.equal(userinfo?.dpopJkt, dpop.thumbprint)
    assert.equal(result.userinfo?.sub, 'alice')
  })

  test('a callback with another DPoP key than the dpop_jkt sent is refused: DPOP_KEY_MISMATCH', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const other = await createDPoPHandle(await generateDPoPKeyPair())
    await expectCode<UsageError>(signIn(f, dpop, other), 'DPOP_KEY_MISMATCH')
    assert.equal(requestsTo(f, 'token').length, 0)
  })

  test('a callback without the DPoP key the dpop_jkt named is refused: DPOP_KEY_MISMATCH', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const request = await createAuthorizationRequest(f.config, undefined, { dpop })
    const response = await f.op.authorize(request.url, { user: 'alice' })
    const cookie = `${request.browserBinding!.name}=${request.browserBinding!.value}`
    await expectCode(
      handleCallback(f.config, browserRequest(response), { cookie }),
      'DPOP_KEY_MISMATCH',
    )
  })

  test('the twin of both: the same key at the callback completes the sign-in', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop, dpop)
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('the OP refuses a code bound by dpop_jkt when redeemed with another key (its own check)', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const other = await createDPoPHandle(await generateDPoPKeyPair())
    const request = await createAuthorizationRequest(f.config, undefined, { dpop })
    const response = await f.op.authorize(request.url, { user: 'alice' })
    // the transaction forgets its key, as a tampered store would: the OP still refuses
    const code = response.params.get('code')!
    const sent = await f.op.fetch(`${f.op.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`rp-client:${'fixture-client-secret-0123456789-abcdefghij'}`)}`,
        dpop: await other.proof('POST', `${f.op.issuer}/token`),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://rp.example/cb',
        code_verifier: request.transaction.codeVerifier!,
      }),
    })
    assert.equal(sent.status, 400)
    assert.equal(((await sent.json()) as { error: string }).error, 'invalid_grant')
  })

  test('a DPoP-bound token answered as Bearer is refused: TOKEN_TYPE_UNEXPECTED', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    f.op.misbehave({ dpop: 'bearer-token-type' })
    const error = await expectCode<{ expected: string }>(signIn(f, dpop), 'TOKEN_TYPE_UNEXPECTED')
    assert.equal(error.expected, 'DPoP')
  })

  test('a DPoP-bound token answered as Bearer, the twin: answered as DPoP it is accepted', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    assert.equal(result.accessToken?.type, 'DPoP')
  })

  test('without DPoP, a DPoP token_type is refused: TOKEN_TYPE_UNEXPECTED; the twin: Bearer passes', async () => {
    const f = await fixture()
    const { result } = await signIn(f, undefined)
    assert.equal(result.accessToken?.type, 'Bearer')
    assert.equal(requestsTo(f, 'token')[0]?.headers.dpop, undefined)
  })
})

describe('the nonce retry (RFC 9449 §8, §9)', () => {
  test('an OP that demands nonces: the token request is retried once with its nonce and the sign-in completes', async () => {
    const f = await fixture({ nonces: true })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    assert.equal(result.accessToken?.type, 'DPoP')
    const tokens = requestsTo(f, 'token')
    assert.equal(tokens.length, 2)
    assert.equal(decodeJwt(tokens[0]!.headers.dpop!).nonce, undefined)
    assert.equal(typeof decodeJwt(tokens[1]!.headers.dpop!).nonce, 'string')
    // the nonce is remembered for the origin: UserInfo's first proof carries it
    assert.equal(requestsTo(f, 'userinfo').length, 1)
  })

  test('an OP that demands a nonce twice in a row: no second retry, TOKEN_ERROR_RESPONSE use_dpop_nonce', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    f.op.misbehave({ dpop: 'demand-nonce' }, { times: 2 })
    const error = await expectCode<OAuthResponseError>(signIn(f, dpop), 'TOKEN_ERROR_RESPONSE')
    assert.equal(error.error, 'use_dpop_nonce')
    assert.equal(requestsTo(f, 'token').length, 2)
  })

  test('an OP that demands a nonce once, the twin: the one retry completes the sign-in', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    f.op.misbehave({ dpop: 'demand-nonce' }, { times: 1 })
    const { result } = await signIn(f, dpop)
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.equal(requestsTo(f, 'token').length, 2)
  })

  test('an OP that demands a nonce but sends none: no retry, TOKEN_ERROR_RESPONSE use_dpop_nonce', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    f.op.misbehave({ dpop: 'nonce-without-header' })
    const error = await expectCode<OAuthResponseError>(signIn(f, dpop), 'TOKEN_ERROR_RESPONSE')
    assert.equal(error.error, 'use_dpop_nonce')
    assert.equal(requestsTo(f, 'token').length, 1)
  })

  test('UserInfo demands a nonce: retried once with it (the 401 DPoP challenge)', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    f.op.clearRequests()
    f.op.misbehave({ dpop: 'demand-nonce' })
    const claims = await fetchUserInfo(f.config, result.accessToken!, {
      expectedSubject: 'alice',
      dpop,
    })
    assert.equal(claims.sub, 'alice')
    assert.equal(requestsTo(f, 'userinfo').length, 2)
  })

  test('UserInfo demands a nonce twice: USERINFO_BEARER_CHALLENGE use_dpop_nonce after one retry', async () => {
    const f = await fixture()
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    f.op.clearRequests()
    f.op.misbehave({ dpop: 'demand-nonce' }, { times: 2 })
    const error = await expectCode<OAuthResponseError>(
      fetchUserInfo(f.config, result.accessToken!, { expectedSubject: 'alice', dpop }),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(error.error, 'use_dpop_nonce')
    assert.equal(requestsTo(f, 'userinfo').length, 2)
  })
})

/** The files of src/ that import lib/dpop.ts as a value (not `import type`), statically. */
function valueImportsOfProofMaker(sources: ReadonlyMap<string, string>): string[] {
  const found: string[] = []
  for (const [path, source] of sources) {
    for (const match of source.matchAll(
      /^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms,
    )) {
      if (resolveImport(path, match[1]!) === 'lib/dpop.ts') found.push(path)
    }
  }
  return found
}

function sourcesOf(dir: string): Map<string, string> {
  const sources = new Map<string, string>()
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    if (entry.endsWith('.ts') && !entry.startsWith('testing')) {
      sources.set(entry.split(sep).join('/'), readFileSync(join(dir, entry), 'utf8'))
    }
  }
  return sources
}

describe('the browser bundle: the proof maker loads only for an application that makes a handle', () => {
  test('no file of src/ imports lib/dpop.ts as a value: src/dpop.ts loads it with import()', () => {
    const sources = sourcesOf('src')
    assert.deepEqual(valueImportsOfProofMaker(sources), [])
    assert.match(sources.get('dpop.ts')!, /import\('\.\/lib\/dpop\.js'\)/)
  })

  test('the twin: a value import of lib/dpop.ts in a made-up tree is found', () => {
    const sources = new Map([
      ['token.ts', "import { makeHandle } from './lib/dpop.js'\n"],
      [
        'callback/sign-in.ts',
        "import {\n  type DPoPHandle,\n  makeHandle,\n} from '../lib/dpop.js'\n",
      ],
      ['userinfo.ts', "import type { DPoPHandle } from './lib/dpop.js'\n"],
    ])
    assert.deepEqual(valueImportsOfProofMaker(sources), ['token.ts', 'callback/sign-in.ts'])
  })
})

describe('refresh and PAR with DPoP', () => {
  test('refreshTokens with the handle: a proof is sent and the new token is DPoP', async () => {
    const f = await fixture({}, 'none')
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    const refreshed = await refreshTokens(f.config, result.refreshToken!, { dpop })
    assert.equal(refreshed.accessToken.type, 'DPoP')
    assert.equal(requestsTo(f, 'token').at(-1)?.dpopJkt, dpop.thumbprint)
  })

  test("a public client's refresh token without its DPoP key: the OP refuses it (TOKEN_ERROR_RESPONSE invalid_grant)", async () => {
    const f = await fixture({}, 'none')
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop)
    const other = await createDPoPHandle(await generateDPoPKeyPair())
    const error = await expectCode<OAuthResponseError>(
      refreshTokens(f.config, result.refreshToken!, { dpop: other }),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(error.error, 'invalid_grant')
  })

  test('refresh without the handle where DPoP was asked at sign-in: a Bearer answer is accepted, a DPoP one refused (TOKEN_TYPE_UNEXPECTED)', async () => {
    const f = await fixture()
    const { result } = await signIn(f, undefined)
    const refreshed = await refreshTokens(f.config, result.refreshToken!)
    assert.equal(refreshed.accessToken.type, 'Bearer')
    f.op.misbehave({
      respond: {
        endpoint: 'token',
        response: () =>
          Response.json({
            access_token: 'a-dpop-bound-token-value',
            token_type: 'DPoP',
            expires_in: 60,
          }),
      },
    })
    await expectCode(refreshTokens(f.config, refreshed.refreshToken), 'TOKEN_TYPE_UNEXPECTED')
  })

  test('PAR carries a proof of the same key as dpop_jkt, and the sign-in completes', async () => {
    const f = await fixture({ nonces: true })
    const config = await f.reconfigure({ policy: { transport: 'par' } })
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    const { result } = await signIn(f, dpop, dpop, config)
    const pars = requestsTo(f, 'par')
    assert.equal(pars.length, 2, 'the PAR endpoint demanded a nonce once')
    assert.equal(pars[1]?.dpopJkt, dpop.thumbprint)
    assert.equal(pars[1]?.params.dpop_jkt, dpop.thumbprint)
    assert.equal(result.accessToken?.type, 'DPoP')
    assert.equal(requestsTo(f, 'token').length, 1, 'the nonce of PAR served the token request')
  })

  test('an OP that requires DPoP refuses a token request without a proof (TOKEN_ERROR_RESPONSE invalid_dpop_proof); the twin with a proof passes', async () => {
    const f = await fixture({ required: true })
    const error = await expectCode<OAuthResponseError>(signIn(f, undefined), 'TOKEN_ERROR_RESPONSE')
    assert.equal(error.error, 'invalid_dpop_proof')
    const dpop = await createDPoPHandle(await generateDPoPKeyPair())
    assert.equal((await signIn(f, dpop)).result.accessToken?.type, 'DPoP')
  })
})
