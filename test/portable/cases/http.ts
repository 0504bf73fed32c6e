/** Error classes, and HTTP failures of the OP seen through discovery, token and UserInfo calls. */

import type { ErrorCode } from '../../../src/index.js'
import type { HttpFaultKind } from '../../../src/testing/index.js'
import { deepEqual, equal, ok } from '../assert.js'
import { type Env, REDIRECT, SECRET } from '../fixtures.js'
import type { Case } from '../harness.js'

export function httpCases(env: Env): Case[] {
  const { lib } = env
  const client = { client_id: 'basic', client_secret: SECRET, redirect_uris: [REDIRECT] }

  /** Discovery fails with the code while the fault lasts; the same call then succeeds. */
  const discoveryFault = (
    kind: HttpFaultKind,
    code: ErrorCode,
    options: { timeoutInMs?: number; maxResponseBytes?: number } = {},
    fault: { bytes?: number; delayInMs?: number } = {},
  ): Case => ({
    name: `http: discovery answering ${kind} fails with ${code}`,
    async run() {
      const { op } = await env.sharedOp()
      op.misbehave({ http: { endpoint: 'discovery', kind, ...fault } })
      const err = await env.expectCode(
        lib.discover(op.issuer, client, { fetch: op.fetch, ...options }),
        code,
      )
      ok(err instanceof lib.TransportError, 'a TransportError')
      equal(err.url, `${op.issuer}/.well-known/openid-configuration`, 'url')
      const twin = await lib.discover(op.issuer, client, { fetch: op.fetch, ...options })
      equal(twin.issuer, op.issuer, 'twin')
    },
  })

  return [
    {
      name: 'errors: every class is an OidcRpError with a stable code and name',
      async run() {
        const usage = new lib.UsageError('INVALID_ARGUMENT', 'x must be y', { parameter: 'x' })
        const validation = new lib.ValidationError('ID_TOKEN_EXPIRED', 'expired', {
          claim: 'exp',
          expected: 1,
          actual: 0,
        })
        const transport = new lib.TransportError('HTTP_TIMEOUT', 'slow', {
          url: 'https://op.example/x',
        })
        const oauth = new lib.OAuthResponseError('TOKEN_ERROR_RESPONSE', {
          error: 'invalid_grant',
          errorDescription: 'bad code',
          status: 400,
        })
        for (const [err, name] of [
          [usage, 'UsageError'],
          [validation, 'ValidationError'],
          [transport, 'TransportError'],
          [oauth, 'OAuthResponseError'],
        ] as const) {
          ok(err instanceof lib.OidcRpError && err instanceof Error, `${name} extends OidcRpError`)
          ok(lib.isOidcRpError(err), `${name} is recognised`)
          equal(err.name, name, 'name')
        }
        equal(usage.parameter, 'x', 'parameter')
        deepEqual(
          [validation.claim, validation.expected, validation.actual],
          ['exp', 1, 0],
          'details',
        )
        equal(transport.url, 'https://op.example/x', 'url')
        equal(oauth.error, 'invalid_grant', 'error')
        equal(oauth.status, 400, 'status')
        ok(oauth.message.includes('invalid_grant') && oauth.message.includes('bad code'), 'message')
        equal(lib.isOidcRpError(new Error('plain')), false, 'a plain Error is not one')
        equal(lib.isOidcRpError({ code: 'HTTP_TIMEOUT' }), false, 'a look-alike object is not one')
      },
    },
    discoveryFault(
      'oversized',
      'HTTP_RESPONSE_TOO_LARGE',
      { maxResponseBytes: 16 * 1024 },
      { bytes: 64 * 1024 },
    ),
    discoveryFault('not-json', 'HTTP_BAD_CONTENT_TYPE'),
    discoveryFault('json-array', 'HTTP_JSON_NOT_OBJECT'),
    discoveryFault('wrong-content-type', 'HTTP_BAD_CONTENT_TYPE'),
    discoveryFault('redirect', 'HTTP_REDIRECT_REFUSED'),
    discoveryFault('server-error', 'HTTP_UNEXPECTED_STATUS'),
    discoveryFault('empty', 'HTTP_INVALID_JSON'),
    discoveryFault('slow', 'HTTP_TIMEOUT', { timeoutInMs: 100 }, { delayInMs: 5_000 }),
    {
      name: 'http: a caller abort ends a slow request with HTTP_ABORTED',
      async run() {
        const { op } = await env.sharedOp()
        op.misbehave({ http: { endpoint: 'discovery', kind: 'slow', delayInMs: 5_000 } })
        const controller = new AbortController()
        const pending = lib.discover(op.issuer, client, {
          fetch: op.fetch,
          signal: controller.signal,
        })
        setTimeout(() => controller.abort(), 20)
        await env.expectCode(pending, 'HTTP_ABORTED')
        ok(await lib.discover(op.issuer, client, { fetch: op.fetch }), 'twin')
      },
    },
    {
      name: 'http: a fetch that throws gives HTTP_NETWORK_ERROR',
      async run() {
        const { op } = await env.sharedOp()
        const failing: typeof fetch = async () => {
          throw new TypeError('fetch failed')
        }
        await env.expectCode(
          lib.discover(op.issuer, client, { fetch: failing }),
          'HTTP_NETWORK_ERROR',
        )
        ok(await lib.discover(op.issuer, client, { fetch: op.fetch }), 'twin')
      },
    },
    {
      name: 'http: an oversized token response is cut off while streaming',
      async run() {
        const { op, config } = await env.rp('basic', { maxResponseBytes: 32 * 1024 })
        op.misbehave({ http: { endpoint: 'token', kind: 'oversized', bytes: 256 * 1024 } })
        await env.expectCode(env.signIn(config, op), 'HTTP_RESPONSE_TOO_LARGE')
        equal((await env.signIn(config, op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'http: a token response that is not JSON fails with TOKEN_RESPONSE_INVALID',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({ http: { endpoint: 'token', kind: 'not-json' } })
        await env.expectCode(env.signIn(config, op), 'TOKEN_RESPONSE_INVALID')
        equal((await env.signIn(config, op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
    {
      name: 'http: a JWKS served with the wrong content type fails the sign-in',
      async run() {
        const { op, config } = await env.rp('basic')
        op.misbehave({ http: { endpoint: 'jwks', kind: 'wrong-content-type' } })
        await env.expectCode(env.signIn(config, op), 'HTTP_BAD_CONTENT_TYPE')
        // Within the cooldown the same configuration gives the failure again without a fetch.
        await env.expectCode(env.signIn(config, op), 'HTTP_BAD_CONTENT_TYPE')
        const twin = await env.rp('basic')
        equal((await env.signIn(twin.config, twin.op)).idTokenClaims.sub, 'alice', 'twin')
      },
    },
  ]
}
