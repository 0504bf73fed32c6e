import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { cookieName, oneCookieValue, parseCookies, serializeCookie } from '../../src/web/cookies.js'
import { expectCode } from '../support/helpers.js'

describe('parseCookies', () => {
  test('reads every value of every name, trimmed, with = inside values kept', () => {
    const cookies = parseCookies(' a=1; b = x=y ; a=2;c=')
    assert.deepEqual(cookies.get('a'), ['1', '2'])
    assert.deepEqual(cookies.get('b'), ['x=y'])
    assert.deepEqual(cookies.get('c'), [''])
  })

  test('never throws: no header, pairs without =, an empty name, a header past 64 KB', () => {
    assert.equal(parseCookies(null).size, 0)
    assert.equal(parseCookies('novalue; =x').size, 0)
    assert.equal(parseCookies(`a=${'x'.repeat(70_000)}`).size, 0)
  })
})

describe('oneCookieValue', () => {
  test('the one value of a name; twin: absent, empty or repeated is undefined', () => {
    assert.equal(oneCookieValue('a=1; b=2', 'b'), '2')
    assert.equal(oneCookieValue('a=1', 'b'), undefined)
    assert.equal(oneCookieValue('b=', 'b'), undefined)
    assert.equal(oneCookieValue('b=1; b=2', 'b'), undefined)
  })
})

describe('cookieName', () => {
  test('__Host- on https, the plain name on http loopback', () => {
    assert.equal(cookieName('oidc-rp.session', true), '__Host-oidc-rp.session')
    assert.equal(cookieName('oidc-rp.session', false), 'oidc-rp.session')
  })
})

describe('serializeCookie', () => {
  test('writes the attributes: Path, Max-Age, HttpOnly, Secure, SameSite', () => {
    assert.equal(
      serializeCookie('n', 'v', { maxAge: 60.7, secure: true, sameSite: 'Lax' }),
      'n=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax',
    )
    assert.equal(
      serializeCookie('n', '', { maxAge: -5, secure: false, httpOnly: false, path: '/x' }),
      'n=; Path=/x; Max-Age=0',
    )
  })

  test('refuses a name or value a cookie cannot carry; twin: base64url and JWE values pass', async () => {
    for (const [name, value] of [
      ['a b', 'v'],
      ['n', 'v;x'],
      ['n', 'v x'],
      ['n', '"v"'],
      ['n', 'v\r\nSet-Cookie: x=1'],
    ] as const) {
      await expectCode(
        () => serializeCookie(name, value, { maxAge: 1, secure: true }),
        'INVALID_ARGUMENT',
      )
    }
    assert.match(
      serializeCookie('__Host-n.0', 'eyJhbGciOiJkaXIifQ..aB-_c.d.e', { maxAge: 1, secure: true }),
      /^__Host-n\.0=eyJhbGciOiJkaXIifQ\.\.aB-_c\.d\.e;/,
    )
  })
})
