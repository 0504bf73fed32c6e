import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { refreshTokens } from '../../src/browser/refresh.js'
import type { MockOP } from '../../src/testing/index.js'
import { refreshTokens as coreRefreshTokens } from '../../src/token.js'
import { expectCode, outcomeOf, registerSecret } from '../support/helpers.js'
import {
  createPageFixture,
  PAGE_CLIENT_ID,
  TOKEN_ENDPOINT_ID_TOKEN_FAULTS,
} from '../support/page.js'
import { createFixture } from '../support/sign-in.js'

describe("refreshTokens of a page: a public client's refresh", () => {
  test('new tokens, the rotated refresh token used next, the new ID token of the same end-user', async () => {
    const f = await createPageFixture({ op: { rotateRefreshTokens: true } })
    const first = await f.signIn()
    assert.ok(first.refreshToken)
    f.clock.now += 60_000
    const refreshed = await refreshTokens(f.config, first.refreshToken, {
      original: first.idTokenClaims,
    })
    registerSecret(refreshed.accessToken.value, refreshed.refreshToken)
    assert.notEqual(refreshed.accessToken.value, first.accessToken.value)
    assert.notEqual(refreshed.refreshToken, first.refreshToken)
    assert.equal(refreshed.idTokenClaims?.sub, 'alice')
    const sent = f.op.requests.filter((r) => r.endpoint === 'token').at(-1)
    assert.equal(sent?.params.grant_type, 'refresh_token')
    assert.equal(sent?.params.client_id, PAGE_CLIENT_ID)
    assert.equal(sent?.headers.authorization, undefined)
    // the new refresh token works; the old one was rotated away and the OP refuses it
    const next = await refreshTokens(f.config, refreshed.refreshToken)
    registerSecret(next.accessToken.value, next.refreshToken)
    assert.ok(next.accessToken.value)
    await expectCode(refreshTokens(f.config, first.refreshToken), 'TOKEN_ERROR_RESPONSE')
  })

  test('a narrower scope is sent and reported', async () => {
    const f = await createPageFixture()
    const first = await f.signIn()
    const refreshed = await refreshTokens(f.config, first.refreshToken!, { scope: 'openid' })
    assert.equal(refreshed.accessToken.scope, 'openid')
    assert.equal(f.op.requests.filter((r) => r.endpoint === 'token').at(-1)?.params.scope, 'openid')
  })

  test('a refresh token that is no string, or a configuration not from discover, is INVALID_ARGUMENT; nothing is sent', async () => {
    const f = await createPageFixture()
    await f.signIn()
    f.op.clearRequests()
    await expectCode(refreshTokens(f.config, ''), 'INVALID_ARGUMENT')
    await expectCode(refreshTokens(f.config, 42 as unknown as string), 'INVALID_ARGUMENT')
    await expectCode(refreshTokens({ ...f.config }, 'token'), 'INVALID_ARGUMENT')
    assert.equal(f.op.requests.length, 0)
  })
})

type Misbehaviour = Parameters<MockOP['misbehave']>[0]

describe("the page's refresh checks are the core's: the same faults, the same codes", () => {
  const MISMATCHES: readonly [string, Record<string, unknown>][] = [
    ['another sub', { sub: 'mallory' }],
    ['another auth_time', { auth_time: 1 }],
  ]
  const cases: readonly [string, Misbehaviour][] = [
    ...TOKEN_ENDPOINT_ID_TOKEN_FAULTS.map((fault): [string, Misbehaviour] => [
      fault,
      { idToken: fault },
    ]),
    ...MISMATCHES.map(([name, claims]): [string, Misbehaviour] => [
      name,
      { idTokenClaims: claims },
    ]),
  ]

  for (const [name, fault] of cases) {
    test(`${name}: the page refuses the refreshed ID token as the core does`, async () => {
      // max_age makes the OP put auth_time in the ID tokens, which a refresh must keep
      const page = await createPageFixture()
      const signedIn = await page.signIn({ max_age: 3600 })
      page.op.misbehave(fault)
      const pageCode = await outcomeOf(
        refreshTokens(page.config, signedIn.refreshToken!, {
          original: signedIn.idTokenClaims,
        }),
      )
      const core = await createFixture({ authMethod: 'none' })
      const coreSignedIn = await core.signIn({ maxAge: 3600 })
      core.op.misbehave(fault)
      const coreCode = await outcomeOf(
        coreRefreshTokens(core.config, coreSignedIn.refreshToken!, {
          original: coreSignedIn.idTokenClaims,
        }),
      )
      assert.notEqual(pageCode, 'accepted')
      assert.equal(pageCode, coreCode)
    })
  }

  test('the twin: without a fault both refresh with a new ID token of alice', async () => {
    const page = await createPageFixture()
    const signedIn = await page.signIn()
    const fromPage = await refreshTokens(page.config, signedIn.refreshToken!, {
      original: signedIn.idTokenClaims,
    })
    assert.equal(fromPage.idTokenClaims?.sub, 'alice')
    const core = await createFixture({ authMethod: 'none' })
    const coreSignedIn = await core.signIn()
    const fromCore = await coreRefreshTokens(core.config, coreSignedIn.refreshToken!, {
      original: coreSignedIn.idTokenClaims,
    })
    assert.equal(fromCore.idTokenClaims?.sub, 'alice')
  })
})
