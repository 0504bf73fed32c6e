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

  test('never throws: no header, an empty one, a non-string, pairs without =, an empty name', () => {
    assert.equal(parseCookies(null).size, 0)
    assert.equal(parseCookies(undefined).size, 0)
    assert.equal(parseCookies('').size, 0)
    assert.equal(parseCookies(' ; ;; ').size, 0)
    assert.equal(parseCookies(42 as unknown as string).size, 0)
    assert.equal(parseCookies('novalue; =x').size, 0)
  })

  test('a header past 64 KB is not parsed; twin: one just under 64 KB is', () => {
    const under = `a=${'x'.repeat(64 * 1024 - 2)}`
    assert.equal(parseCookies(under).get('a')?.[0]?.length, 64 * 1024 - 2)
    assert.equal(parseCookies(`${under}x`).size, 0)
  })

  test('keeps quotes and inner spaces as sent, and every = after the first in the value', () => {
    const cookies = parseCookies('q="a b"; e==x==; sp=a b ;  n  =  v  ')
    assert.deepEqual(cookies.get('q'), ['"a b"'])
    assert.deepEqual(cookies.get('e'), ['=x=='])
    assert.deepEqual(cookies.get('sp'), ['a b'])
    assert.deepEqual(cookies.get('n'), ['v'])
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

  test('refuses a path with ; or not absolute, and a Max-Age that is not finite; twin: /a b and 0 pass', async () => {
    for (const path of ['/; Domain=evil.example', 'relative', '/x\n']) {
      await expectCode(
        () => serializeCookie('n', 'v', { maxAge: 1, secure: true, path }),
        'INVALID_ARGUMENT',
      )
    }
    for (const maxAge of [Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectCode(
        () => serializeCookie('n', 'v', { maxAge, secure: true }),
        'INVALID_ARGUMENT',
      )
    }
    assert.equal(
      serializeCookie('n', 'v', { maxAge: 0, secure: true, path: '/a b' }),
      'n=v; Path=/a b; Max-Age=0; HttpOnly; Secure',
    )
  })

  test('refuses the cookies a browser drops: __Host-/__Secure- or SameSite=None without Secure, __Host- off /; twin: with Secure (and /) they pass', async () => {
    const refused = [
      ['__Host-n', { maxAge: 1, secure: false }],
      ['__host-n', { maxAge: 1, secure: false }],
      ['__Host-n', { maxAge: 1, secure: true, path: '/app' }],
      ['__Secure-n', { maxAge: 1, secure: false }],
      ['n', { maxAge: 1, secure: false, sameSite: 'None' }],
    ] as const
    for (const [name, attributes] of refused) {
      await expectCode(() => serializeCookie(name, 'v', attributes), 'INVALID_ARGUMENT')
    }
    assert.equal(
      serializeCookie('__Host-n', 'v', { maxAge: 1, secure: true, path: '/' }),
      '__Host-n=v; Path=/; Max-Age=1; HttpOnly; Secure',
    )
    assert.equal(
      serializeCookie('__Secure-n', 'v', { maxAge: 1, secure: true, path: '/app' }),
      '__Secure-n=v; Path=/app; Max-Age=1; HttpOnly; Secure',
    )
    assert.equal(
      serializeCookie('n', 'v', { maxAge: 1, secure: true, sameSite: 'None' }),
      'n=v; Path=/; Max-Age=1; HttpOnly; Secure; SameSite=None',
    )
  })
})
