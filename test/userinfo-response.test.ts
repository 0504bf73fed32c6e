import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UsageError } from '../src/errors.js'
import { callsUserInfo, readUserInfo } from '../src/userinfo-response.js'
import { expectCode } from './support/helpers.js'
import { httpResponseOf } from './support/http-response.js'

describe('readUserInfo: the same reading on plain inputs, no configuration', () => {
  it('JSON: the claims with the expected sub; another sub is refused', async () => {
    const ok = await httpResponseOf(Response.json({ sub: 'alice', name: 'Alice' }))
    assert.deepEqual(await readUserInfo(ok, 'alice', 'Bearer'), { sub: 'alice', name: 'Alice' })
    const other = await httpResponseOf(Response.json({ sub: 'mallory' }))
    await expectCode(readUserInfo(other, 'alice', 'Bearer'), 'USERINFO_SUB_MISMATCH')
  })

  it('a registered JWT response: the claims its reader gives, their sub checked too', async () => {
    const jwt = await httpResponseOf(
      new Response('h.p.s', { headers: { 'content-type': 'application/jwt' } }),
    )
    const read = async () => ({ sub: 'alice', from: 'jwt' })
    assert.deepEqual(await readUserInfo(jwt, 'alice', 'Bearer', read), {
      sub: 'alice',
      from: 'jwt',
    })
    await expectCode(readUserInfo(jwt, 'bob', 'Bearer', read), 'USERINFO_SUB_MISMATCH')
    // without a reader, the same response is not the JSON expected
    await expectCode(readUserInfo(jwt, 'alice', 'Bearer'), 'USERINFO_RESPONSE_INVALID')
  })
})

describe('callsUserInfo: when a sign-in calls UserInfo', () => {
  it('with an endpoint and an access token it calls, unless never; without either it does not', () => {
    assert.equal(callsUserInfo('when-available', true, true), true)
    assert.equal(callsUserInfo('required', true, true), true)
    assert.equal(callsUserInfo('never', true, true), false)
    assert.equal(callsUserInfo('when-available', false, true), false)
    assert.equal(callsUserInfo('when-available', true, false), false)
  })

  it('required without an endpoint or a token is USERINFO_UNAVAILABLE saying which is missing', () => {
    for (const [endpoint, token, says] of [
      [false, true, 'no userinfo_endpoint'],
      [true, false, 'no access token'],
    ] as const) {
      assert.throws(
        () => callsUserInfo('required', endpoint, token),
        (error) =>
          error instanceof UsageError &&
          error.code === 'USERINFO_UNAVAILABLE' &&
          error.message.includes(says),
      )
    }
  })
})
