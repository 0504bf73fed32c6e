import assert from 'node:assert/strict'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { isOidcRpError } from '../../src/errors.js'
import {
  appendSetCookies,
  type NodeMiddleware,
  type NodeRequest,
  type NodeResponse,
  sendWebResponse,
  toNodeMiddleware,
  toWebRequest,
} from '../../src/web/node.js'
import { expectCode } from '../support/helpers.js'

/** A fake secret a handler's error carries; no answer may show it. */
const ERROR_SECRET = 'handler-failed-with-s3cr3t-detail'
const FORM = 'application/x-www-form-urlencoded'

interface Answer {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

interface Sent {
  readonly method?: string
  readonly path?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

const servers: Server[] = []
after(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

/** Serves a node:http listener on a free loopback port; returns its origin. */
async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(listener)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** One HTTP/1.1 request with full control over the target and the Host header. */
function send(origin: string, sent: Sent = {}): Promise<Answer> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: sent.method ?? 'GET',
        path: sent.path ?? '/',
        headers: sent.headers,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(sent.body)
  })
}

/** A handler that answers what it saw of the Request, reading the body when `reads` says so. */
function echo(reads = true) {
  return async (request: Request): Promise<Response> =>
    Response.json({
      url: request.url,
      method: request.method,
      host: request.headers.get('host'),
      body: reads && request.body !== null ? await request.text() : null,
    })
}

function formPost(path: string, body: string): Sent {
  return { method: 'POST', path, headers: { 'content-type': FORM }, body }
}

/** A structural Node request, for cases no real client sends. */
function fakeRequest(fields: Partial<NodeRequest>, chunks: unknown[] = []) {
  let iterated = 0
  const req = {
    method: 'GET',
    url: '/',
    headers: {},
    ...fields,
    async *[Symbol.asyncIterator]() {
      iterated++
      yield* chunks
    },
  }
  return { req, iterations: () => iterated }
}

describe('toNodeMiddleware over node:http', () => {
  it('a GET keeps its path and query on the application origin', async () => {
    let origin = ''
    origin = await listen((req, res) => void toNodeMiddleware(echo(), origin)(req, res))
    const answer = await send(origin, { path: '/auth/login?returnTo=%2Fa%20b&x=1&x=2' })
    assert.equal(answer.status, 200)
    assert.deepEqual(JSON.parse(answer.body), {
      url: `${origin}/auth/login?returnTo=%2Fa%20b&x=1&x=2`,
      method: 'GET',
      host: new URL(origin).host,
      body: null,
    })
  })

  it('a POST form body is streamed into the Request and read once, by its reader', async () => {
    let origin = ''
    let secondRead: unknown
    let streamEnded: boolean | undefined
    origin = await listen((req, res) => {
      void toNodeMiddleware(async (request) => {
        const text = await request.text()
        secondRead = await request.text().catch((error: unknown) => error)
        streamEnded = req.readableEnded
        return new Response(text)
      }, origin)(req, res)
    })
    const big = `state=abc&pad=${'x'.repeat(200_000)}`
    const answer = await send(origin, formPost('/auth/callback', big))
    assert.equal(answer.body, big)
    assert.equal(streamEnded, true)
    assert.ok(secondRead instanceof TypeError, 'the body cannot be read a second time')
  })

  it('several Set-Cookie values stay separate, after one the app set earlier on res', async () => {
    let origin = ''
    origin = await listen((req, res) => {
      res.setHeader('set-cookie', 'early=1; Path=/')
      const headers = new Headers({ location: '/' })
      headers.append('set-cookie', 'a=1; Path=/; HttpOnly')
      headers.append('set-cookie', 'b=2, still b; Path=/')
      void toNodeMiddleware(async () => new Response(null, { status: 303, headers }), origin)(
        req,
        res,
      )
    })
    const answer = await send(origin)
    assert.equal(answer.status, 303)
    assert.equal(answer.headers.location, '/')
    assert.deepEqual(answer.headers['set-cookie'], [
      'early=1; Path=/',
      'a=1; Path=/; HttpOnly',
      'b=2, still b; Path=/',
    ])
  })

  it('without next, a request the handler does not take gets a 404', async () => {
    let origin = ''
    origin = await listen(
      (req, res) => void toNodeMiddleware(async () => undefined, origin)(req, res),
    )
    const answer = await send(origin, { path: '/elsewhere' })
    assert.equal(answer.status, 404)
  })

  it('without next, a handler error answers a plain 500 that shows nothing of it', async () => {
    let origin = ''
    origin = await listen((req, res) => {
      void toNodeMiddleware(async () => {
        throw new Error(ERROR_SECRET)
      }, origin)(req, res)
    })
    const answer = await send(origin)
    assert.equal(answer.status, 500)
    assert.equal(answer.body, 'Internal Server Error')
    assert.ok(!JSON.stringify(answer).includes(ERROR_SECRET))
  })

  it('twin: without next, a handler that answers is not a 500', async () => {
    let origin = ''
    origin = await listen((req, res) => {
      void toNodeMiddleware(async () => new Response('fine'), origin)(req, res)
    })
    const answer = await send(origin)
    assert.deepEqual([answer.status, answer.body], [200, 'fine'])
  })
})

describe('the URL origin is the application origin, never the Host header', () => {
  it('a spoofed Host header does not change the URL origin (it stays a header)', async () => {
    let origin = ''
    origin = await listen((req, res) => void toNodeMiddleware(echo(), origin)(req, res))
    const answer = await send(origin, {
      path: '/auth/login?x=1',
      headers: { host: 'evil.example' },
    })
    const seen = JSON.parse(answer.body)
    assert.equal(seen.url, `${origin}/auth/login?x=1`)
    assert.equal(seen.host, 'evil.example')
  })

  it('twin: the true Host header gives the same URL', async () => {
    let origin = ''
    origin = await listen((req, res) => void toNodeMiddleware(echo(), origin)(req, res))
    const answer = await send(origin, {
      path: '/auth/login?x=1',
      headers: { host: new URL(origin).host },
    })
    assert.equal(JSON.parse(answer.body).url, `${origin}/auth/login?x=1`)
  })

  it('an absolute-form target naming another origin is refused (REQUEST_INVALID)', async () => {
    let origin = ''
    let refused: unknown
    origin = await listen((req, res) => {
      void toNodeMiddleware(echo(), origin)(req, res, (error) => {
        refused = error
        res.statusCode = 400
        res.end()
      })
    })
    const answer = await send(origin, { path: 'http://evil.example/auth/login' })
    assert.equal(answer.status, 400)
    assert.ok(isOidcRpError(refused) && refused.code === 'REQUEST_INVALID')
  })

  it('twin: an absolute-form target naming the application origin is taken as its path', async () => {
    let origin = ''
    origin = await listen((req, res) => void toNodeMiddleware(echo(), origin)(req, res))
    const answer = await send(origin, { path: `${origin}/auth/login?x=1` })
    assert.equal(JSON.parse(answer.body).url, `${origin}/auth/login?x=1`)
  })

  it('a target starting with // or /\\ stays a path on the application origin', async () => {
    let origin = ''
    origin = await listen((req, res) => void toNodeMiddleware(echo(), origin)(req, res))
    for (const path of ['//evil.example/x', '/\\evil.example/x']) {
      const url = new URL(JSON.parse((await send(origin, { path })).body).url)
      assert.equal(url.origin, origin)
      assert.equal(url.pathname, '//evil.example/x')
    }
  })

  it('a # in the target is no fragment: it stays in the query, encoded', () => {
    const { req } = fakeRequest({ url: '/auth/callback?state=1#code=2' })
    const url = new URL(toWebRequest(req, 'https://app.example').url)
    assert.equal(url.hash, '')
    assert.equal(url.searchParams.get('state'), '1#code=2')
  })

  it('an asterisk-form or authority-form target is refused (REQUEST_INVALID)', async () => {
    for (const url of ['*', 'app.example:443']) {
      const { req } = fakeRequest({ method: 'OPTIONS', url })
      const error = await expectCode(
        () => toWebRequest(req, 'https://app.example'),
        'REQUEST_INVALID',
      )
      assert.equal((error as { claim?: string }).claim, 'request-target')
    }
  })

  it('twin: an OPTIONS to a path is taken', () => {
    const { req } = fakeRequest({ method: 'OPTIONS', url: '/auth/login' })
    assert.equal(toWebRequest(req, 'https://app.example').url, 'https://app.example/auth/login')
  })
})

describe('toWebRequest', () => {
  it('an origin with a path or another scheme is refused (INVALID_ARGUMENT)', async () => {
    const { req } = fakeRequest({})
    for (const origin of ['https://app.example/base', 'ftp://app.example', 'app.example', '']) {
      await expectCode(() => toWebRequest(req, origin), 'INVALID_ARGUMENT')
      await expectCode(() => toNodeMiddleware(async () => undefined, origin), 'INVALID_ARGUMENT')
    }
  })

  it('twin: an origin with or without its trailing slash is taken', () => {
    const { req } = fakeRequest({ url: '/p' })
    assert.equal(toWebRequest(req, 'https://app.example/').url, 'https://app.example/p')
    assert.equal(toWebRequest(req, 'http://127.0.0.1:4100').url, 'http://127.0.0.1:4100/p')
  })

  it('repeated headers are joined (cookie with "; "), set-cookie and pseudo-headers left out', () => {
    const { req } = fakeRequest({
      headers: {
        cookie: ['a=1', 'b=2'],
        accept: ['text/html', 'application/json'],
        'set-cookie': ['x=1'],
        ':path': '/',
        'x-gone': undefined,
      },
    })
    const headers = toWebRequest(req, 'https://app.example').headers
    assert.deepEqual(
      [...headers],
      [
        ['accept', 'text/html, application/json'],
        ['cookie', 'a=1; b=2'],
      ],
    )
  })

  it('a method a Request refuses is REQUEST_INVALID; twin: a custom method is taken', async () => {
    const { req } = fakeRequest({ method: 'TRACE' })
    const error = await expectCode(
      () => toWebRequest(req, 'https://app.example'),
      'REQUEST_INVALID',
    )
    assert.equal((error as { claim?: string }).claim, 'method')
    const { req: purge } = fakeRequest({ method: 'PURGE' })
    assert.equal(toWebRequest(purge, 'https://app.example').method, 'PURGE')
  })

  it('the body is not touched until the Request is read', async () => {
    const { req, iterations } = fakeRequest({ method: 'POST' }, [new TextEncoder().encode('a=1')])
    const request = toWebRequest(req, 'https://app.example')
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(iterations(), 0)
    assert.equal(await request.text(), 'a=1')
    assert.equal(iterations(), 1)
  })

  it('text chunks (setEncoding) are taken as UTF-8', async () => {
    const { req } = fakeRequest({ method: 'POST' }, ['é=', 'ü'])
    assert.equal(await toWebRequest(req, 'https://app.example').text(), 'é=ü')
  })

  it('a body that ends before the message is complete fails to read (REQUEST_INVALID)', async () => {
    const { req } = fakeRequest({ method: 'POST', complete: false }, [new Uint8Array([0x61])])
    await expectCode(toWebRequest(req, 'https://app.example').text(), 'REQUEST_INVALID')
  })

  it('twin: the same body from a complete message reads whole', async () => {
    const { req } = fakeRequest({ method: 'POST', complete: true }, [new Uint8Array([0x61])])
    assert.equal(await toWebRequest(req, 'https://app.example').text(), 'a')
  })

  it('a JSON body already parsed is rebuilt as JSON, its content-length dropped', async () => {
    const { req } = fakeRequest({
      method: 'POST',
      readableEnded: true,
      headers: { 'content-type': 'application/json', 'content-length': '999' },
      body: { a: [1, 'é'] },
    })
    const request = toWebRequest(req, 'https://app.example')
    assert.equal(request.headers.get('content-length'), null)
    assert.deepEqual(await request.json(), { a: [1, 'é'] })
  })

  it('a body already read with nothing in req.body fails to read (REQUEST_BODY_ALREADY_READ)', async () => {
    const { req } = fakeRequest({ method: 'POST', readableEnded: true })
    const request = toWebRequest(req, 'https://app.example')
    await expectCode(request.text(), 'REQUEST_BODY_ALREADY_READ')
  })

  it('twin: the same request with its text left in req.body reads it', async () => {
    const { req } = fakeRequest({ method: 'POST', readableEnded: true, body: 'a=1' })
    assert.equal(await toWebRequest(req, 'https://app.example').text(), 'a=1')
  })
})

describe('with Express 5', () => {
  async function expressApp(parse: 'urlencoded' | 'extended' | 'none') {
    const app = express()
    if (parse !== 'none') app.use(express.urlencoded({ extended: parse === 'extended' }))
    // the middleware needs the origin, known once the server listens
    let bridge: NodeMiddleware | undefined
    app.use((req, res, next) => bridge?.(req, res, next))
    app.post('/other', (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => res.type('text/plain').send(`app read: ${Buffer.concat(chunks)}`))
    })
    let caught: unknown
    app.use(
      (
        error: unknown,
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        caught = error
        res.status(502).send('app error page')
      },
    )
    const origin = await listen(app)
    bridge = toNodeMiddleware(async (request) => {
      if (!new URL(request.url).pathname.startsWith('/auth/')) return undefined
      if (request.url.endsWith('/fail')) throw new Error(ERROR_SECRET)
      const form = await request.formData()
      return Response.json([...form])
    }, origin)
    return { origin, caught: () => caught }
  }

  it('a form body express.urlencoded() already parsed is rebuilt from req.body', async () => {
    const { origin } = await expressApp('urlencoded')
    const answer = await send(origin, formPost('/auth/callback', 'state=s%20t&x=1&x=2'))
    assert.deepEqual(JSON.parse(answer.body), [
      ['state', 's t'],
      ['x', '1'],
      ['x', '2'],
    ])
  })

  it('twin: the same form, not parsed before, is streamed', async () => {
    const { origin } = await expressApp('none')
    const answer = await send(origin, formPost('/auth/callback', 'state=s%20t&x=1&x=2'))
    assert.deepEqual(JSON.parse(answer.body), [
      ['state', 's t'],
      ['x', '1'],
      ['x', '2'],
    ])
  })

  it('a nested form (extended parser) cannot be rebuilt: next(REQUEST_BODY_ALREADY_READ)', async () => {
    const app = await expressApp('extended')
    const answer = await send(app.origin, formPost('/auth/callback', 'a[b]=1'))
    assert.equal(answer.status, 502)
    const caught = app.caught()
    assert.ok(isOidcRpError(caught) && caught.code === 'REQUEST_BODY_ALREADY_READ')
  })

  it('twin: a flat form through the extended parser is rebuilt', async () => {
    const app = await expressApp('extended')
    const answer = await send(app.origin, formPost('/auth/callback', 'a=1'))
    assert.deepEqual(JSON.parse(answer.body), [['a', '1']])
  })

  it('a path the handler does not take goes to next() with its body unread', async () => {
    const { origin } = await expressApp('none')
    const answer = await send(origin, formPost('/other', 'mine=1'))
    assert.deepEqual([answer.status, answer.body], [200, 'app read: mine=1'])
  })

  it('a handler error goes to next(error), the app error page shows nothing of it', async () => {
    const app = await expressApp('none')
    const answer = await send(app.origin, formPost('/auth/fail', 'a=1'))
    assert.deepEqual([answer.status, answer.body], [502, 'app error page'])
    assert.equal((app.caught() as Error).message, ERROR_SECRET)
  })

  it('twin: the same app with a handler that answers calls no error handler', async () => {
    const app = await expressApp('none')
    const answer = await send(app.origin, formPost('/auth/callback', 'a=1'))
    assert.equal(answer.status, 200)
    assert.equal(app.caught(), undefined)
  })
})

describe('with Fastify 5 (reply.hijack(), req.raw, reply.raw)', () => {
  it('a GET and a streamed form POST reach the handler; other routes stay Fastify’s', async () => {
    const app = Fastify()
    // leave form bodies unread for the bridge
    app.addContentTypeParser(FORM, (_request, _payload, done) => done(null, undefined))
    let bridge: NodeMiddleware | undefined
    app.all('/auth/*', (request, reply) => {
      reply.hijack()
      return bridge?.(request.raw, reply.raw)
    })
    app.get('/', async () => 'fastify home')
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    bridge = toNodeMiddleware(echo(), origin)
    try {
      const get = JSON.parse((await send(origin, { path: '/auth/login?returnTo=%2F' })).body)
      assert.equal(get.url, `${origin}/auth/login?returnTo=%2F`)
      const post = JSON.parse((await send(origin, formPost('/auth/callback', 'state=1'))).body)
      assert.deepEqual([post.method, post.body], ['POST', 'state=1'])
      assert.equal((await send(origin)).body, 'fastify home')
    } finally {
      await app.close()
    }
  })
})

describe('sendWebResponse and appendSetCookies', () => {
  it('a response whose headers were already sent is refused (RESPONSE_ALREADY_SENT)', async () => {
    let refused: unknown
    const origin = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.flushHeaders()
      sendWebResponse(res, new Response('late'))
        .catch((error: unknown) => {
          refused = error
        })
        .finally(() => res.end('first'))
    })
    const answer = await send(origin)
    assert.equal(answer.body, 'first')
    assert.ok(isOidcRpError(refused) && refused.code === 'RESPONSE_ALREADY_SENT')
  })

  it('twin: the same response not started yet is sent', async () => {
    const origin = await listen((_req, res) => void sendWebResponse(res, new Response('sent')))
    assert.equal((await send(origin)).body, 'sent')
  })

  it('appendSetCookies after the headers went out is refused; before, it appends', async () => {
    let refused: unknown
    const origin = await listen((_req, res) => {
      res.setHeader('set-cookie', ['a=1'])
      appendSetCookies(res, ['b=2', 'c=3'])
      res.writeHead(204)
      try {
        appendSetCookies(res, ['d=4'])
      } catch (error) {
        refused = error
      }
      res.end()
    })
    const answer = await send(origin)
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2', 'c=3'])
    assert.ok(isOidcRpError(refused) && refused.code === 'RESPONSE_ALREADY_SENT')
  })

  it('a Set-Cookie value with a line break is refused (INVALID_ARGUMENT), nothing set', async () => {
    const res = fakeResponse()
    await expectCode(
      () => appendSetCookies(res, ['a=1', 'b=2\r\nx-injected: 1']),
      'INVALID_ARGUMENT',
    )
    assert.equal(res.getHeader('set-cookie'), undefined)
  })

  it('twin: the same values on one line each are set', () => {
    const res = fakeResponse()
    appendSetCookies(res, ['a=1', 'b=2'])
    assert.deepEqual(res.getHeader('set-cookie'), ['a=1', 'b=2'])
  })

  it('a body that fails at once leaves res untouched; one that fails later destroys res', async () => {
    const failing = (chunks: number) => {
      let sent = 0
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ < chunks) controller.enqueue(new Uint8Array([0x61]))
            else controller.error(new Error('body broke'))
          },
        }),
        { headers: { 'set-cookie': 'session=1' } },
      )
    }
    const early = fakeResponse()
    await assert.rejects(sendWebResponse(early, failing(0)), /body broke/)
    assert.deepEqual([early.getHeader('set-cookie'), early.destroyed], [undefined, false])
    const late = fakeResponse()
    await assert.rejects(sendWebResponse(late, failing(1)), /body broke/)
    assert.deepEqual([late.written.length, late.destroyed, late.ended], [1, true, false])
  })

  it('a client gone (before, or while waiting for drain) cancels the body, nothing more written', async () => {
    const endless = () => {
      const seen = { cancelled: false }
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(new Uint8Array([0x61])),
        cancel: () => {
          seen.cancelled = true
        },
      })
      return { seen, response: new Response(body) }
    }
    const before = fakeResponse()
    before.destroyed = true
    const first = endless()
    await sendWebResponse(before, first.response)
    assert.deepEqual([first.seen.cancelled, before.written.length], [true, 0])

    const during = fakeResponse({ full: true })
    const second = endless()
    const sending = sendWebResponse(during, second.response)
    await during.waiting('drain')
    during.emit('close')
    await sending
    assert.deepEqual([second.seen.cancelled, during.written.length, during.ended], [true, 1, false])
  })

  it('twin: a client that drains gets the next chunks, until the body ends', async () => {
    const res = fakeResponse({ full: true })
    const sending = sendWebResponse(res, new Response('abc'))
    // one chunk: 'abc' is written, then the writer waits for drain before reading on
    await res.waiting('drain')
    res.emit('drain')
    await sending
    assert.deepEqual([Buffer.concat(res.written).toString(), res.ended], ['abc', true])
  })

  it('twin: a body that does not fail is written whole and ended', async () => {
    const res = fakeResponse()
    await sendWebResponse(res, new Response('ab', { status: 201 }))
    assert.deepEqual([res.statusCode, res.destroyed, res.ended], [201, false, true])
    assert.equal(Buffer.concat(res.written).toString(), 'ab')
  })
})

/**
 * A structural Node response that records what was done to it; `full`: each write asks the writer
 * to wait for `drain`, which the test emits.
 */
function fakeResponse(options: { full?: boolean } = {}) {
  const headers = new Map<string, number | string | readonly string[]>()
  const listeners = new Map<string, (() => void)[]>()
  const waiters = new Map<string, () => void>()
  const res = {
    statusCode: 200,
    headersSent: false,
    destroyed: false,
    ended: false,
    written: [] as Uint8Array[],
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader(name: string, value: number | string | readonly string[]) {
      headers.set(name.toLowerCase(), value)
    },
    write(chunk: Uint8Array) {
      res.headersSent = true
      res.written.push(chunk)
      return options.full !== true
    },
    end() {
      res.headersSent = true
      res.ended = true
    },
    destroy() {
      res.destroyed = true
    },
    once(event: 'drain' | 'close', listener: () => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      waiters.get(event)?.()
    },
    /** Calls the listeners of an event, once each. */
    emit(event: 'drain' | 'close') {
      const called = listeners.get(event) ?? []
      listeners.delete(event)
      for (const listener of called) listener()
    },
    /** Resolves once a listener waits for the event. */
    waiting(event: 'drain' | 'close'): Promise<void> {
      if (listeners.has(event)) return Promise.resolve()
      return new Promise((resolve) => waiters.set(event, resolve))
    },
  }
  return res satisfies NodeResponse
}
