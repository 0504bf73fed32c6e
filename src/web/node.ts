/**
 * The Node bridge: a Node request and response to and from a Web `Request` and `Response`.
 *
 * For `node:http`'s, Express's and Fastify's raw ones, around the handlers of `oidc-rp/web`.
 * Typed structurally, so this file needs no Node types: any object with the members named in
 * {@link NodeRequest} and {@link NodeResponse} fits. The URL's origin is always the application's
 * (never the `Host` header), and a request body is streamed lazily, so a request the handler does
 * not take keeps its body unread for the application's own routes.
 *
 * @module
 */
import { UsageError, ValidationError } from '../errors.js'

/**
 * What the bridge reads of a Node request (`http.IncomingMessage`, Express's or Fastify's `raw`).
 * @group Node
 */
export interface NodeRequest extends AsyncIterable<unknown> {
  /** The method, e.g. `GET`. */
  readonly method?: string | undefined
  /** The request target as it came, e.g. `/auth/callback?code=…`. */
  readonly url?: string | undefined
  /** The headers, names lower-cased; a repeated header as an array or already joined. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  /** True once the body stream was read to its end (by a body parser, say). */
  readonly readableEnded?: boolean
  /** False when the connection closed before the whole message came. */
  readonly complete?: boolean
  /** A body a framework already parsed (`express.urlencoded()`, `express.text()`…). */
  readonly body?: unknown
}

/**
 * What the bridge uses of a Node response (`http.ServerResponse`, Express's, Fastify's `raw`).
 * @group Node
 */
export interface NodeResponse {
  /** The status code to send. */
  statusCode: number
  /** True once the status line and headers went out. */
  readonly headersSent: boolean
  /** True once the response or its connection was destroyed. */
  readonly destroyed?: boolean
  /** Reads a header set earlier (`set-cookie` as an array). */
  getHeader(name: string): number | string | readonly string[] | undefined
  /** Sets a header (an array sends one header line per value). */
  setHeader(name: string, value: number | string | readonly string[]): unknown
  /** Writes a body chunk; false asks the writer to wait for `drain`. */
  write(chunk: Uint8Array): boolean
  /** Ends the response, with a last chunk or none. */
  end(chunk?: string | Uint8Array): unknown
  /** Calls the listener once, on `drain` (room to write again) or `close`. */
  once?(event: 'drain' | 'close', listener: () => void): unknown
  /** Closes the connection without ending the response cleanly. */
  destroy?(): unknown
}

/**
 * A connect/Express-style middleware, as {@link toNodeMiddleware} returns.
 * @group Node
 */
export type NodeMiddleware = (
  req: NodeRequest,
  res: NodeResponse,
  next?: (error?: unknown) => void,
) => Promise<void>

/**
 * The Web `Request` of a Node request, its URL on the application's origin.
 *
 * The URL is `origin` followed by the request target: the `Host` header is never trusted for it.
 * An absolute-form target (`GET http://host/path`) is taken only when it names `origin`. Repeated
 * headers are joined (`cookie` with `; `); `set-cookie` and HTTP/2 pseudo-headers are left out.
 *
 * The body (of any method but GET and HEAD) is streamed from the Node request when, and only when,
 * the `Request` is read, so it is read once, by whoever reads the `Request`, and never buffered
 * here. When a body parser already read the stream (`req.readableEnded`) and left `req.body`, the
 * body is rebuilt from it with the original `content-type`: an object as a form
 * (`application/x-www-form-urlencoded`) or JSON (`application/json`), a string or bytes as they
 * are. Reading a body that cannot be rebuilt fails with `REQUEST_BODY_ALREADY_READ`.
 *
 * @param req - the Node request
 * @param origin - the application's origin, e.g. `https://app.example` (the origin of its
 *   redirect URI)
 * @returns the `Request`
 * @throws `UsageError` `INVALID_ARGUMENT` when `origin` is not an http(s) origin
 * @throws `ValidationError` `REQUEST_INVALID` for a target that is not a path on `origin`, or
 *   a method or header a `Request` refuses
 * @group Node
 */
export function toWebRequest(req: NodeRequest, origin: string): Request {
  const base = appOrigin(origin)
  const url = new URL(base + targetPath(req.url, base))
  const method = req.method ?? 'GET'
  const headers = headersOf(req.headers)
  const init: RequestInit & { duplex?: 'half' } = { method, headers }
  if (!/^(GET|HEAD)$/i.test(method)) {
    init.body = req.readableEnded === true ? parsedBody(req.body, headers) : streamOf(req)
    init.duplex = 'half'
  }
  try {
    return new Request(url, init)
  } catch (cause) {
    throw new ValidationError('REQUEST_INVALID', 'the request method is not one a Request takes', {
      claim: 'method',
      cause,
    })
  }
}

/**
 * Sends a Web `Response` through a Node response.
 *
 * Status, every header, each `Set-Cookie` on its own line after those already set on `res`, then
 * the body, streamed with backpressure. Nothing is set on `res` until the body's first chunk (or
 * its end) came, so a body that fails at once leaves `res` untouched. A body that fails later
 * destroys `res` (a cut response never looks whole). When the client goes away, the body is
 * cancelled and the promise resolves.
 *
 * @param res - the Node response
 * @param response - what to send
 * @returns when the response was sent
 * @throws `UsageError` `RESPONSE_ALREADY_SENT` when `res` already sent its headers; rejects
 *   with the body's own error when the body stream fails
 * @group Node
 */
export async function sendWebResponse(res: NodeResponse, response: Response): Promise<void> {
  if (res.headersSent) throw alreadySent()
  const reader = response.body?.getReader()
  let chunk = reader === undefined ? { done: true as const } : await reader.read()
  if (res.headersSent) {
    await reader?.cancel()
    throw alreadySent()
  }
  res.statusCode = response.status
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  appendSetCookies(res, response.headers.getSetCookie())
  if (reader === undefined) {
    res.end()
    return
  }
  if (res.destroyed === true) {
    await reader.cancel()
    return
  }
  let closed = false
  const gone = new Promise<void>((resolve) => {
    res.once?.('close', () => {
      closed = true
      resolve()
    })
  })
  try {
    while (!chunk.done) {
      if (!res.write(chunk.value) && res.once !== undefined) {
        await Promise.race([gone, new Promise<void>((resolve) => res.once?.('drain', resolve))])
      }
      if (closed) {
        await reader.cancel()
        return
      }
      chunk = await reader.read()
    }
  } catch (error) {
    res.destroy?.()
    throw error
  }
  res.end()
}

/**
 * Adds `Set-Cookie` values to a Node response, after those already set on it.
 *
 * @param res - the Node response
 * @param values - whole `Set-Cookie` values (e.g. a web session's `setCookie`)
 * @throws `UsageError` `RESPONSE_ALREADY_SENT` when `res` already sent its headers;
 *   `INVALID_ARGUMENT` for a value that is not a string or holds a line break
 * @group Node
 */
export function appendSetCookies(res: NodeResponse, values: readonly string[]): void {
  for (const value of values) {
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        'each Set-Cookie value must be a string on one line',
        { parameter: 'values' },
      )
    }
  }
  if (values.length === 0) return
  if (res.headersSent) throw alreadySent()
  const earlier = res.getHeader('set-cookie')
  const kept = earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)]
  res.setHeader('set-cookie', [...kept, ...values])
}

/**
 * A connect/Express middleware around a Web handler.
 *
 * Each request goes to `handler` as a Web `Request` ({@link toWebRequest}). Its `Response` is sent
 * ({@link sendWebResponse}); `undefined` (not the handler's route) calls `next()`, or answers 404
 * without a `next`, and leaves the request body unread for what comes next. A thrown error goes to
 * `next(error)`, or without a `next` answers a plain 500 that shows nothing of the error.
 *
 * @param handler - e.g. `(request) => auth.handle(request)`
 * @param origin - the application's origin (see {@link toWebRequest})
 * @returns the middleware; its promise never rejects
 * @throws `UsageError` `INVALID_ARGUMENT` when `origin` is not an http(s) origin
 * @example
 * ```ts
 * app.use(toNodeMiddleware((request) => auth.handle(request), 'https://app.example'))
 * ```
 * @group Node
 */
export function toNodeMiddleware(
  handler: (request: Request) => Promise<Response | undefined>,
  origin: string,
): NodeMiddleware {
  appOrigin(origin)
  return async (req, res, next) => {
    let response: Response | undefined
    try {
      response = await handler(toWebRequest(req, origin))
    } catch (error) {
      failed(res, error, next)
      return
    }
    if (response === undefined && next !== undefined) {
      next()
      return
    }
    const sent = response ?? plain(404, 'Not Found')
    try {
      await sendWebResponse(res, sent)
    } catch (error) {
      failed(res, error, next)
    }
  }
}

function failed(res: NodeResponse, error: unknown, next?: (error?: unknown) => void): void {
  if (next !== undefined) next(error)
  else if (res.headersSent) res.destroy?.()
  else {
    res.statusCode = 500
    res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.end('Internal Server Error')
  }
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}

function alreadySent(): UsageError {
  return new UsageError(
    'RESPONSE_ALREADY_SENT',
    'the Node response already sent its headers; send the Web Response before writing to it',
    { parameter: 'res' },
  )
}

/** The origin `origin` names (no trailing slash), or a usage error. */
function appOrigin(origin: string): string {
  const url = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin) : undefined
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.href !== `${url.origin}/`
  ) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'origin must be an http(s) origin such as https://app.example, with no path or query',
      { parameter: 'origin' },
    )
  }
  return url.origin
}

/**
 * The path and query of a request target, to follow the application's origin.
 *
 * A `#` (no part of a request target) is encoded, so it cannot add a fragment.
 */
function targetPath(target: string | undefined, origin: string): string {
  if (typeof target === 'string' && target.startsWith('/')) return target.replaceAll('#', '%23')
  const url = typeof target === 'string' && URL.canParse(target) ? new URL(target) : undefined
  if (url !== undefined && url.origin === origin) return url.pathname + url.search
  throw new ValidationError(
    'REQUEST_INVALID',
    'the request target is not a path on the application origin',
    { claim: 'request-target', expected: origin, actual: url?.origin },
  )
}

function headersOf(source: NodeRequest['headers']): Headers {
  const headers = new Headers()
  try {
    for (const [name, value] of Object.entries(source)) {
      const lower = name.toLowerCase()
      if (value === undefined || lower === 'set-cookie' || lower.startsWith(':')) continue
      const joined =
        typeof value === 'string' ? value : value.join(lower === 'cookie' ? '; ' : ', ')
      headers.append(lower, joined)
    }
  } catch (cause) {
    throw new ValidationError('REQUEST_INVALID', 'a request header is not one a Request takes', {
      claim: 'headers',
      cause,
    })
  }
  return headers
}

/** The Node request's body, pulled chunk by chunk only as the `Request` is read. */
function streamOf(req: NodeRequest): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<unknown> | undefined
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= req[Symbol.asyncIterator]()
        const next = await chunks.next()
        if (next.done === true) {
          if (req.complete === false) controller.error(cutShort())
          else controller.close()
        } else if (typeof next.value === 'string') {
          controller.enqueue(new TextEncoder().encode(next.value))
        } else if (next.value instanceof Uint8Array) {
          controller.enqueue(next.value)
        } else {
          controller.error(
            new UsageError('INVALID_ARGUMENT', 'the request body yields neither bytes nor text', {
              parameter: 'req',
            }),
          )
        }
      },
      async cancel() {
        await chunks?.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

function cutShort(): ValidationError {
  return new ValidationError('REQUEST_INVALID', 'the request body ended before it was complete', {
    claim: 'body',
  })
}

/**
 * The body a body parser left in `req.body`, as bytes again, or a stream that fails when read.
 *
 * `content-length` is dropped: the rebuilt body may differ in length from the one that came.
 */
function parsedBody(parsed: unknown, headers: Headers): BodyInit {
  headers.delete('content-length')
  headers.delete('transfer-encoding')
  if (typeof parsed === 'string' || parsed instanceof ArrayBuffer) return parsed
  if (parsed instanceof Uint8Array) return parsed.slice()
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (isRecord(parsed)) {
    if (type === 'application/json' || type.endsWith('+json')) return JSON.stringify(parsed)
    if (type === 'application/x-www-form-urlencoded') {
      const form = formOf(parsed)
      if (form !== undefined) return form
    }
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(
        new UsageError(
          'REQUEST_BODY_ALREADY_READ',
          'the request body was read before the Node bridge, and req.body cannot be rebuilt ' +
            '(mount the bridge before body parsers)',
          { parameter: 'req' },
        ),
      )
    },
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A flat form (each value a string or a list of strings), or `undefined` for nested ones. */
function formOf(parsed: Record<string, unknown>): URLSearchParams | undefined {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? value : [value]
    for (const one of values) {
      if (typeof one !== 'string') return undefined
      form.append(name, one)
    }
  }
  return form
}
