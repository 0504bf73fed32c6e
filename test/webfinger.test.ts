/**
 * WebFinger issuer discovery (OIDC Discovery §2, RFC 7033) through the mock OP's responder: the
 * identifier normalisation of §2.1 with the examples of §2.2, the request, and the strict reading
 * of the JSON Resource Descriptor. Every refusal has its twin.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { discover } from '../src/discovery.js'
import type { ValidationError } from '../src/errors.js'
import { createMockOP, type WebFingerFault } from '../src/testing/index.js'
import { discoverIssuer, ISSUER_LINK_RELATION, normalizeIdentifier } from '../src/webfinger.js'
import { client } from './support/fixtures.js'
import { expectCode } from './support/helpers.js'

const op = await createMockOP({
  issuer: 'https://example.com',
  clients: [],
  users: {},
  webfinger: {
    resources: ['acct:joe@example.com', 'https://example.com/joe', 'https://example.com/'],
  },
})

describe('identifier normalisation (Discovery §2.1, the examples of §2.2)', () => {
  const cases: [string, string, string][] = [
    ['joe@example.com', 'acct:joe@example.com', 'example.com'],
    ['https://example.com/joe', 'https://example.com/joe', 'example.com'],
    ['example.com:8080', 'https://example.com:8080/', 'example.com:8080'],
    [
      'acct:juliet%40capulet.example@shopping.example.com',
      'acct:juliet%40capulet.example@shopping.example.com',
      'shopping.example.com',
    ],
    ['example.com', 'https://example.com/', 'example.com'],
    ['https://example.com:8080/', 'https://example.com:8080/', 'example.com:8080'],
    ['example.com/joe#fragment', 'https://example.com/joe', 'example.com'],
    ['https://example.com/joe#fragment', 'https://example.com/joe', 'example.com'],
    ['joe@example.com:8080', 'https://joe@example.com:8080/', 'example.com:8080'],
    ['https://joe@example.com:8080/', 'https://joe@example.com:8080/', 'example.com:8080'],
    [
      'juliet@capulet.example@shopping.example.com',
      'acct:juliet%40capulet.example@shopping.example.com',
      'shopping.example.com',
    ],
    ['joe@example.com/path', 'https://joe@example.com/path', 'example.com'],
    [
      'example.com/joe@elsewhere.example',
      'https://example.com/joe@elsewhere.example',
      'example.com',
    ],
    ['  joe@example.com  ', 'acct:joe@example.com', 'example.com'],
  ]
  for (const [input, resource, host] of cases) {
    test(`${input.trim()} → ${resource} at ${host}`, () => {
      assert.deepEqual(normalizeIdentifier(input), { resource, host })
    })
  }

  test('refused identifiers: XRIs, other schemes, no host, white space, empty', async () => {
    for (const input of [
      '=example',
      '@example',
      '+example',
      '!example',
      'mailto:joe@example.com',
      'acct:example.com',
      'acct:@example.com',
      'https://',
      'joe @example.com',
      '',
      'x'.repeat(3000),
    ]) {
      await expectCode(() => normalizeIdentifier(input), 'WEBFINGER_IDENTIFIER_INVALID')
    }
    // the twin: the same shapes, well formed
    assert.equal(normalizeIdentifier('acct:joe@example.com').host, 'example.com')
    assert.equal(normalizeIdentifier('joe@example.com').host, 'example.com')
  })

  test('loopback and private-address hosts are refused without allowInsecureRequests', async () => {
    for (const input of [
      'joe@localhost',
      'joe@127.0.0.1',
      'http://127.0.0.1:3000/joe',
      'https://10.0.0.8/',
      'joe@192.168.1.1',
      'https://169.254.169.254/latest',
      'joe@172.20.0.1',
      'https://[::1]/',
      'https://[fd00::1]/',
      'https://[::ffff:10.0.0.1]/',
    ]) {
      await expectCode(() => normalizeIdentifier(input), 'WEBFINGER_IDENTIFIER_INVALID')
    }
  })

  test('the twin: with allowInsecureRequests a loopback host is normalised', () => {
    assert.deepEqual(
      normalizeIdentifier('http://127.0.0.1:3000/joe', { allowInsecureRequests: true }),
      {
        resource: 'http://127.0.0.1:3000/joe',
        host: '127.0.0.1:3000',
      },
    )
    assert.equal(normalizeIdentifier('joe@172.32.0.1').host, '172.32.0.1')
  })
})

describe('discoverIssuer', () => {
  test('rp-discovery-webfinger-acct: an e-mail-like identifier finds the issuer through acct:', async () => {
    op.clearRequests()
    const found = await discoverIssuer('joe@example.com', { fetch: op.fetch })
    assert.deepEqual(found, {
      resource: 'acct:joe@example.com',
      host: 'example.com',
      issuer: 'https://example.com',
      subject: 'acct:joe@example.com',
    })
    const url = new URL(op.requests[0]!.url)
    assert.equal(`${url.origin}${url.pathname}`, 'https://example.com/.well-known/webfinger')
    assert.equal(url.searchParams.get('resource'), 'acct:joe@example.com')
    assert.equal(url.searchParams.get('rel'), ISSUER_LINK_RELATION)
    // the issuer found is one discover accepts
    const config = await discover(found.issuer, client, { fetch: op.fetch })
    assert.equal(config.issuer, 'https://example.com')
  })

  test('rp-discovery-webfinger-url: a URL identifier finds the issuer with the URL as resource', async () => {
    op.clearRequests()
    const found = await discoverIssuer('https://example.com/joe', { fetch: op.fetch })
    assert.equal(found.issuer, 'https://example.com')
    assert.equal(found.resource, 'https://example.com/joe')
    assert.equal(
      new URL(op.requests[0]!.url).searchParams.get('resource'),
      'https://example.com/joe',
    )
  })

  test('a host name alone asks for https://host/', async () => {
    const found = await discoverIssuer('example.com', { fetch: op.fetch })
    assert.equal(found.resource, 'https://example.com/')
    assert.equal(found.issuer, 'https://example.com')
  })

  test('an unknown resource answers 404: HTTP_UNEXPECTED_STATUS, the twin a known one', async () => {
    await expectCode(
      discoverIssuer('mallory@example.com', { fetch: op.fetch }),
      'HTTP_UNEXPECTED_STATUS',
    )
    assert.equal((await discoverIssuer('joe@example.com', { fetch: op.fetch })).issuer, op.issuer)
  })

  const refusals: [WebFingerFault, string][] = [
    ['http-issuer', 'WEBFINGER_ISSUER_INVALID'],
    ['issuer-with-query', 'WEBFINGER_ISSUER_INVALID'],
    ['issuer-with-fragment', 'WEBFINGER_ISSUER_INVALID'],
    ['wrong-rel', 'WEBFINGER_ISSUER_MISSING'],
    ['two-issuers', 'WEBFINGER_RESPONSE_INVALID'],
    ['links-not-array', 'WEBFINGER_RESPONSE_INVALID'],
    ['xrd-content-type', 'HTTP_BAD_CONTENT_TYPE'],
  ]
  for (const [fault, code] of refusals) {
    test(`a WebFinger answer with ${fault} is refused with ${code}; the twin without it passes`, async () => {
      op.misbehave({ webfinger: fault })
      await expectCode(
        discoverIssuer('joe@example.com', { fetch: op.fetch }),
        code as 'WEBFINGER_ISSUER_INVALID',
      )
      assert.equal((await discoverIssuer('joe@example.com', { fetch: op.fetch })).issuer, op.issuer)
    })
  }

  test('the refused href is named as evidence', async () => {
    op.misbehave({ webfinger: 'http-issuer' })
    const err = await expectCode<ValidationError>(
      discoverIssuer('joe@example.com', { fetch: op.fetch }),
      'WEBFINGER_ISSUER_INVALID',
    )
    assert.equal(err.actual, 'http://example.com')
  })

  test('HTTP-level failures are transport errors; the twin passes', async () => {
    for (const [kind, code] of [
      ['not-json', 'HTTP_BAD_CONTENT_TYPE'],
      ['wrong-content-type', 'HTTP_BAD_CONTENT_TYPE'],
      ['json-array', 'HTTP_JSON_NOT_OBJECT'],
      ['server-error', 'HTTP_UNEXPECTED_STATUS'],
      ['redirect', 'HTTP_REDIRECT_REFUSED'],
      ['oversized', 'HTTP_RESPONSE_TOO_LARGE'],
    ] as const) {
      op.misbehave({ http: { endpoint: 'webfinger', kind, bytes: 100_000 } })
      await expectCode(discoverIssuer('joe@example.com', { fetch: op.fetch }), code)
    }
    assert.equal((await discoverIssuer('joe@example.com', { fetch: op.fetch })).issuer, op.issuer)
  })

  test('application/json is accepted as well as application/jrd+json', async () => {
    op.misbehave({
      respond: {
        endpoint: 'webfinger',
        response: () =>
          Response.json({ links: [{ rel: ISSUER_LINK_RELATION, href: 'https://example.com' }] }),
      },
    })
    const found = await discoverIssuer('joe@example.com', { fetch: op.fetch })
    assert.equal(found.issuer, 'https://example.com')
    assert.equal(found.subject, undefined)
  })

  test('a loopback issuer over http: refused without allowInsecureRequests, the twin with it', async () => {
    const local = await createMockOP({
      issuer: 'http://127.0.0.1:9000',
      clients: [],
      users: {},
      webfinger: { resources: () => true },
    })
    await expectCode(
      discoverIssuer('http://127.0.0.1:9000/joe', { fetch: local.fetch }),
      'WEBFINGER_IDENTIFIER_INVALID',
    )
    const found = await discoverIssuer('http://127.0.0.1:9000/joe', {
      fetch: local.fetch,
      allowInsecureRequests: true,
    })
    assert.equal(found.issuer, 'http://127.0.0.1:9000')
    assert.equal(new URL(local.requests[0]!.url).protocol, 'http:')
  })

  test('an acct: identifier is always asked over https, even with allowInsecureRequests', async () => {
    op.clearRequests()
    await discoverIssuer('joe@example.com', { fetch: op.fetch, allowInsecureRequests: true })
    assert.equal(new URL(op.requests[0]!.url).protocol, 'https:')
  })
})
