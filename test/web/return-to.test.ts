import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkReturnTo } from '../../src/web/return-to.js'
import { expectCode } from '../support/helpers.js'

const APP = 'https://app.example'
const NONE: ReadonlySet<string> = new Set()

describe('checkReturnTo', () => {
  test('a path of the application passes, query and hash kept; absent is /', () => {
    assert.equal(checkReturnTo('/account?tab=1#top', APP, NONE), '/account?tab=1#top')
    assert.equal(checkReturnTo(undefined, APP, NONE), '/')
    assert.equal(checkReturnTo('', APP, NONE), '/')
    assert.equal(checkReturnTo(`${APP}/x`, APP, NONE), '/x')
  })

  test('other origins and tricks are RETURN_TO_NOT_ALLOWED', async () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      'data:text/html,x',
      '/x\r\nLocation: https://evil.example',
      'http://app.example/',
      `/${'x'.repeat(2100)}`,
    ]) {
      await expectCode(() => checkReturnTo(value, APP, NONE), 'RETURN_TO_NOT_ALLOWED')
    }
  })

  test('an allowed origin passes as a URL; twin: not allowed, refused', async () => {
    const allowed = new Set(['https://docs.example'])
    assert.equal(checkReturnTo('https://docs.example/a', APP, allowed), 'https://docs.example/a')
    await expectCode(
      () => checkReturnTo('https://docs.example/a', APP, NONE),
      'RETURN_TO_NOT_ALLOWED',
    )
  })
})
