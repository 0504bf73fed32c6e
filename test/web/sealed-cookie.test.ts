import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  clearChunked,
  createCookieSealer,
  readChunked,
  writeChunked,
} from '../../src/web/sealed-cookie.js'
import { expectCode } from '../support/helpers.js'
import { newSecret } from '../support/web.js'

const ATTRIBUTES = { maxAge: 600, secure: true, sameSite: 'Lax' } as const

/** The request `Cookie` header a browser sends after these `Set-Cookie` values. */
function browserHeader(setCookies: readonly string[], before = ''): string {
  const jar = new Map(
    before
      .split(';')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const),
  )
  for (const line of setCookies) {
    const pair = line.slice(0, line.indexOf(';'))
    const name = pair.slice(0, pair.indexOf('='))
    if (/Max-Age=0/.test(line)) jar.delete(name)
    else jar.set(name, pair.slice(pair.indexOf('=') + 1))
  }
  return [...jar].map(([n, v]) => `${n}=${v}`).join('; ')
}

describe('createCookieSealer', () => {
  const clock = { now: Date.now() }
  const key = newSecret()
  const sealer = createCookieSealer({ keys: [key], now: () => clock.now })

  test('a sealed payload opens for its purpose', async () => {
    const sealed = await sealer.seal({ id: 's1', n: 1 }, 'session', 60)
    const opened = await sealer.open(sealed, 'session')
    assert.equal(opened?.id, 's1')
    assert.equal(opened?.n, 1)
  })

  test('a value sealed for another purpose does not open; twin: its own purpose does', async () => {
    const sealed = await sealer.seal({ state: 'x' }, 'logout', 60)
    assert.equal(await sealer.open(sealed, 'session'), undefined)
    assert.equal((await sealer.open(sealed, 'logout'))?.state, 'x')
  })

  test('a tampered value does not open; twin: the untouched one does', async () => {
    const sealed = await sealer.seal({ id: 's2' }, 'session', 60)
    const parts = sealed.split('.')
    const ciphertext = parts[3]!
    parts[3] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`
    assert.equal(await sealer.open(parts.join('.'), 'session'), undefined)
    assert.equal((await sealer.open(sealed, 'session'))?.id, 's2')
  })

  test('an expired value does not open; twin: the same value before its expiry does', async () => {
    const sealed = await sealer.seal({ id: 's3' }, 'session', 60)
    assert.equal((await sealer.open(sealed, 'session'))?.id, 's3')
    clock.now += 61_000
    assert.equal(await sealer.open(sealed, 'session'), undefined)
  })

  test('keys rotate: an old key listed second opens; once removed, nothing opens', async () => {
    const oldKey = newSecret()
    const before = createCookieSealer({ keys: [oldKey], now: () => clock.now })
    const sealed = await before.seal({ id: 'r' }, 'session', 60)
    const rotated = createCookieSealer({ keys: [newSecret(), oldKey], now: () => clock.now })
    assert.equal((await rotated.open(sealed, 'session'))?.id, 'r')
    const dropped = createCookieSealer({ keys: [newSecret()], now: () => clock.now })
    assert.equal(await dropped.open(sealed, 'session'), undefined)
  })

  test('garbage, empty and oversized values do not open, and never throw', async () => {
    for (const value of ['', 'abc', 'a.b.c.d.e', 'x'.repeat(60_000)]) {
      assert.equal(await sealer.open(value, 'session'), undefined)
    }
  })

  test("a value sealed with another application's key does not open; twin: its own sealer opens it", async () => {
    const foreign = createCookieSealer({ keys: [newSecret()], now: () => clock.now })
    const sealed = await foreign.seal({ id: 'f' }, 'session', 60)
    assert.equal(await sealer.open(sealed, 'session'), undefined)
    assert.equal((await foreign.open(sealed, 'session'))?.id, 'f')
  })

  test('seal refuses an empty purpose or a TTL that is not finite; twin: a purpose and 1 s seal', async () => {
    await expectCode(sealer.seal({}, '', 60), 'INVALID_ARGUMENT')
    await expectCode(sealer.seal({}, 'session', Number.NaN), 'INVALID_ARGUMENT')
    await expectCode(sealer.seal({}, 'session', Number.POSITIVE_INFINITY), 'INVALID_ARGUMENT')
    assert.equal(
      (await sealer.open(await sealer.seal({ id: 't' }, 'session', 1), 'session'))?.id,
      't',
    )
  })

  test("keys: a 32-byte Uint8Array or its base64url seal; twin: the same key in both forms opens the other's values", async () => {
    const bytes = newSecret()
    const asBytes = createCookieSealer({ keys: [bytes], now: () => clock.now })
    const asText = createCookieSealer({
      keys: [Buffer.from(bytes).toString('base64url')],
      now: () => clock.now,
    })
    assert.equal(
      (await asText.open(await asBytes.seal({ id: 'k' }, 'session', 60), 'session'))?.id,
      'k',
    )
  })

  test('keys must be 32 bytes, at least one', async () => {
    await expectCode(() => createCookieSealer({ keys: [], now: Date.now }), 'INVALID_ARGUMENT')
    await expectCode(
      () => createCookieSealer({ keys: [new Uint8Array(16)], now: Date.now }),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      () => createCookieSealer({ keys: ['not-base64url!'], now: Date.now }),
      'INVALID_ARGUMENT',
    )
  })
})

describe('writeChunked / readChunked / clearChunked', () => {
  test('a value that fits is one cookie; read back whole', () => {
    const written = writeChunked('s', 'abc', ATTRIBUTES, '')
    assert.deepEqual(written, ['s=abc; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax'])
    assert.equal(readChunked(browserHeader(written), 's'), 'abc')
  })

  test('a 10 KB value is split into chunks within 4,000 bytes each, and read back whole', () => {
    const value = 'v'.repeat(10_000)
    const written = writeChunked('s', value, ATTRIBUTES, '')
    assert.deepEqual(
      written.map((c) => c.slice(0, c.indexOf('='))),
      ['s.0', 's.1', 's.2'],
    )
    assert.ok(written.every((c) => c.length <= 4000))
    assert.equal(readChunked(browserHeader(written), 's'), value)
  })

  test('a smaller value deletes the chunks it no longer needs (and the plain cookie when chunked)', () => {
    const big = writeChunked('s', 'v'.repeat(10_000), ATTRIBUTES, '')
    const header = browserHeader(big)
    const small = writeChunked('s', 'w'.repeat(5_000), ATTRIBUTES, header)
    const after = browserHeader(small, header)
    assert.ok(small.some((c) => c.startsWith('s.2=;') && /Max-Age=0/.test(c)))
    assert.equal(readChunked(after, 's'), 'w'.repeat(5_000))
    const plain = writeChunked('s', 'tiny', ATTRIBUTES, after)
    const final = browserHeader(plain, after)
    assert.equal(final, 's=tiny')
    assert.equal(readChunked(final, 's'), 'tiny')
  })

  test('a missing chunk, a repeated chunk or a gap reads as nothing; twin: the whole set reads', () => {
    const value = 'v'.repeat(10_000)
    const header = browserHeader(writeChunked('s', value, ATTRIBUTES, ''))
    assert.equal(readChunked(header, 's'), value)
    const withoutMiddle = header.replace(/s\.1=[^;]*; /, '')
    assert.equal(readChunked(withoutMiddle, 's'), undefined)
    assert.equal(readChunked(`${header}; s.0=again`, 's'), undefined)
    assert.equal(readChunked(header.replace(/^s\.0=[^;]*; /, ''), 's'), undefined)
  })

  test('a non-adjacent gap, an extra chunk, a non-canonical index or more than 10 chunks read as nothing; twin: 10 chunks read', () => {
    const chunks = (n: number) => Array.from({ length: n }, (_, i) => `s.${i}=c${i}`)
    const ten = chunks(10)
    assert.equal(
      readChunked(ten.join('; '), 's'),
      ten.map((c) => c.slice(c.indexOf('=') + 1)).join(''),
    )
    assert.equal(readChunked(chunks(11).join('; '), 's'), undefined)
    assert.equal(readChunked('s.0=a; s.1=b; s.4=e', 's'), undefined)
    assert.equal(readChunked('s.0=a; s.1=b; s.01=x', 's'), undefined)
    assert.equal(readChunked('s.0=a; s.1=; s.2=c', 's'), undefined)
  })

  test('a realistic __Host- name: every Set-Cookie within 4,000 bytes; one cookie at exactly 4,000, chunks at 4,001', () => {
    const name = '__Host-oidc-rp.session'
    const attributes = { maxAge: 86_400, secure: true, sameSite: 'Strict', path: '/' } as const
    const overhead = writeChunked(name, '', attributes, '')[0]!.length
    const fits = 'a'.repeat(4000 - overhead)
    assert.deepEqual(
      writeChunked(name, fits, attributes, '').map((c) => c.slice(0, c.indexOf('='))),
      [name],
    )
    const over = `${fits}b`
    const written = writeChunked(name, over, attributes, '')
    assert.deepEqual(
      written.map((c) => c.slice(0, c.indexOf('='))),
      [`${name}.0`, `${name}.1`],
    )
    const big = Buffer.from(newSecret()).toString('base64url').repeat(300)
    const many = writeChunked(name, big, attributes, '')
    assert.ok(many.every((c) => Buffer.byteLength(c) <= 4000))
    assert.equal(readChunked(browserHeader(written), name), over)
    assert.equal(readChunked(browserHeader(many), name), big)
  })

  test('a value needing more than 10 cookies is refused with advice to use the store', async () => {
    const err = await expectCode<Error>(
      () => writeChunked('s', 'v'.repeat(45_000), ATTRIBUTES, ''),
      'INVALID_ARGUMENT',
    )
    assert.match(err.message, /sessionData: 'store'/)
  })

  test('clearChunked deletes every cookie of the family the request carries, and no other', () => {
    const cleared = clearChunked('s.0=a; s.1=b; s=c; other=d; s.x=e', 's', ATTRIBUTES)
    assert.deepEqual(
      cleared.map((c) => c.slice(0, c.indexOf('='))),
      ['s.0', 's.1', 's'],
    )
    assert.ok(cleared.every((c) => /Max-Age=0/.test(c)))
  })
})
