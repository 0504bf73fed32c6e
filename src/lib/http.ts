/**
 * The one place that calls `fetch`.
 *
 * Timeout, streamed size limit, no redirects, the https rule, and typed errors for status, content
 * type and JSON.
 *
 * @module
 */
import { TransportError, UsageError } from '../errors.js'
import { decodeUtf8, isPlainObject, MAX_JSON_DEPTH, nestedDeeperThan } from './json.js'
import { lazy } from './lazy.js'
import { readAtMost } from './read-stream.js'
import type { Redactor } from './redact.js'

/**
 * The headers of a form posted to the OP: JSON asked for, the form's type.
 * @internal
 */
export const FORM_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json',
  'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
}

/** Limits and rules for one HTTP exchange with the OP (internal: applications set `Settings`). */
export interface HttpOptions {
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Abort the request after this many milliseconds, body included. Default 10,000. */
  readonly timeoutInMs?: number
  /** Refuse a response body larger than this many bytes, counted while streaming. Default 1 MiB. */
  readonly maxResponseBytes?: number
  /**
   * Allow plain `http:` URLs outside loopback.
   *
   * Loopback (`localhost`, `127.0.0.0/8`, `[::1]`) is always allowed.
   *
   * > [!WARNING]
   * > For development only: tokens and codes then cross the network in the clear.
   */
  readonly allowInsecureRequests?: boolean
  /** The caller's signal; aborting it aborts the request with `HTTP_ABORTED`. */
  readonly signal?: AbortSignal
}

/** A fully read HTTP response. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: Uint8Array
  /** The URL requested, without query or fragment, for error messages. */
  readonly url: string
  /**
   * Takes out of a text of the OP's what the request sent.
   *
   * Its credentials, code, verifier or token, in every encoding it may be echoed in. Every OP text
   * an error carries goes through it.
   */
  readonly redact: Redactor
}

/** The defaults of {@link HttpOptions}. */
export const HTTP_DEFAULTS = { timeoutInMs: 10_000, maxResponseBytes: 1024 * 1024 } as const

/**
 * Throws unless the URL is https, loopback, or insecure requests are allowed.
 * @param url - the URL to check
 * @param allowInsecureRequests - the caller's explicit opt-in to plain http
 * @param parameter - what the URL is, for the message
 * @throws {@link UsageError} `INSECURE_URL`
 */
export function assertSecureUrl(
  url: URL,
  allowInsecureRequests: boolean | undefined,
  parameter: string,
): void {
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && (allowInsecureRequests === true || isLoopback(url.hostname)))
    return
  throw new UsageError(
    'INSECURE_URL',
    `${parameter} must be an https URL, got ${url.protocol}//${url.host}`,
    {
      parameter,
    },
  )
}

/**
 * Tells whether a URL host name (as `URL` normalises it) reaches the machine itself.
 *
 * `localhost` and its subdomains (RFC 6761 §6.3), `127.0.0.0/8`, `[::1]`, IPv4-mapped
 * `[::ffff:127.x.y.z]`, and the unspecified `0.0.0.0` and `[::]`, which connect to the local host.
 *
 * @param hostname - `url.hostname`
 * @returns true for a loopback host
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === '0.0.0.0' ||
    host === '[::1]' ||
    host === '[::]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)
  )
}

/**
 * Sends one request with a timeout, `redirect: 'manual'` and the https rule, and reads the body.
 *
 * The body's bytes are counted while it streams. A failure of `fetch` or of the body stream becomes
 * the `cause` of a transport error as a copy with what the request sent redacted (a `fetch` may
 * quote a header).
 *
 * @param url - the absolute URL
 * @param init - method, headers, body
 * @param options - fetch, limits, signal
 * @returns the status, headers and body
 * @throws {@link TransportError} `HTTP_TIMEOUT`, `HTTP_ABORTED`, `HTTP_NETWORK_ERROR`,
 * `HTTP_RESPONSE_TOO_LARGE`, `HTTP_REDIRECT_REFUSED`
 * @throws {@link UsageError} `INSECURE_URL`
 */
export async function httpRequest(
  url: URL,
  init: { method?: string; headers?: HeadersInit; body?: BodyInit },
  options: HttpOptions = {},
): Promise<HttpResponse> {
  assertSecureUrl(url, options.allowInsecureRequests, 'URL')
  const where = `${url.origin}${url.pathname}`
  const timeoutInMs = options.timeoutInMs ?? HTTP_DEFAULTS.timeoutInMs
  const maxBytes = options.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes
  const controller = new AbortController()
  // An injected fetch may ignore the signal: every await below races against this promise.
  let stop: (error: TransportError) => void = () => {}
  const abortion = new Promise<never>((_, reject) => {
    stop = reject
  })
  abortion.catch(() => {})
  const abort = (timedOut: boolean) => {
    if (controller.signal.aborted) return
    controller.abort()
    stop(
      timedOut
        ? new TransportError(
            'HTTP_TIMEOUT',
            `no complete answer from ${where} within ${timeoutInMs} ms`,
            {
              url: where,
            },
          )
        : new TransportError('HTTP_ABORTED', `the request to ${where} was aborted`, { url: where }),
    )
  }
  const timer = setTimeout(abort, timeoutInMs, true)
  const callerSignal = options.signal
  const onCallerAbort = () => abort(false)
  if (callerSignal?.aborted) abort(false)
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  try {
    if (controller.signal.aborted) await abortion
    let response: Response
    try {
      response = await Promise.race([
        (options.fetch ?? globalThis.fetch)(url.href, {
          ...init,
          redirect: 'manual',
          signal: controller.signal,
        }),
        abortion,
      ])
    } catch (cause) {
      if (cause instanceof TransportError) throw cause
      if (controller.signal.aborted) await abortion
      throw new TransportError('HTTP_NETWORK_ERROR', `the request to ${where} failed`, {
        url: where,
        cause: await redactedCause(cause, init),
      })
    }
    if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
      response.body?.cancel().catch(() => {})
      throw new TransportError(
        'HTTP_REDIRECT_REFUSED',
        `${where} answered with a redirect, which is not followed`,
        {
          url: where,
          status: response.status,
        },
      )
    }
    const body = await readBody(response, maxBytes, abortion, where, init)
    // An error answer, or a body that is not JSON, may quote what the request sent: its redactor is
    // loaded now. A JSON success never needs one; it gets the redactor that hides a whole text.
    const type = mediaTypeOf(response.headers)
    const redact =
      response.status >= 400 || !isJsonType(type) ? await redactorOf(init) : redactWhole
    return { status: response.status, headers: response.headers, body, url: where, redact }
  } finally {
    clearTimeout(timer)
    callerSignal?.removeEventListener('abort', onCallerAbort)
  }
}

/**
 * Reads a body up to `maxBytes`, cancelling the stream as soon as it grows past it.
 *
 * Or as soon as the request aborts.
 */
async function readBody(
  response: Response,
  maxBytes: number,
  abortion: Promise<never>,
  where: string,
  sent: SentRequest,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new TransportError(
      'HTTP_RESPONSE_TOO_LARGE',
      `the response from ${where} is larger than ${maxBytes} bytes`,
      {
        url: where,
        status: response.status,
      },
    )
  if (Number(response.headers.get('content-length')) > maxBytes) {
    response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  if (response.body === null) return new Uint8Array(0)
  let body: Uint8Array | undefined
  try {
    body = await readAtMost(response.body, maxBytes, abortion)
  } catch (cause) {
    if (cause instanceof TransportError) throw cause
    throw new TransportError('HTTP_NETWORK_ERROR', `reading the response from ${where} failed`, {
      url: where,
      cause: await redactedCause(cause, sent),
    })
  }
  if (body === undefined) throw tooLarge()
  return body
}

/**
 * Throws unless the response status is the expected one.
 * @param response - the response read by {@link httpRequest}
 * @param expected - the status expected, default 200
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS`
 */
export function expectStatus(response: HttpResponse, expected = 200): void {
  if (response.status !== expected) {
    throw new TransportError(
      'HTTP_UNEXPECTED_STATUS',
      `${response.url} answered with status ${response.status}, expected ${expected}`,
      { url: response.url, status: response.status },
    )
  }
}

/** The media type of a response, lower-cased, without parameters. */
export function mediaType(response: HttpResponse): string {
  return mediaTypeOf(response.headers)
}

function mediaTypeOf(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json')
}

/** What a request sent: the secrets its redactor takes out of what the OP says. */
interface SentRequest {
  readonly headers?: HeadersInit | undefined
  readonly body?: BodyInit | null | undefined
}

/** The redaction of what a request sent (src/lib/redact.ts), loaded with the first need. */
const loadRedaction = /* @__PURE__ */ lazy(() => import('./redact.js'))

/** Hides a whole text: for a response that should never need redacting, and if loading fails. */
const redactWhole: Redactor = (text) => (text === '' ? text : '[redacted]')

async function redactorOf(sent: SentRequest): Promise<Redactor> {
  try {
    return (await loadRedaction()).requestRedactor(sent.headers, sent.body)
  } catch {
    return redactWhole
  }
}

/** A copy of a thrown value with what the request sent redacted; none if redaction cannot load. */
async function redactedCause(thrown: unknown, sent: SentRequest): Promise<Error | undefined> {
  try {
    const { redactedError, requestRedactor } = await loadRedaction()
    return redactedError(thrown, requestRedactor(sent.headers, sent.body))
  } catch {
    return undefined
  }
}

/**
 * Parses a JSON object body; anything else is a typed error.
 * @param response - the response read by {@link httpRequest}
 * @returns the parsed object
 * @throws {@link TransportError} `HTTP_BAD_CONTENT_TYPE`, `HTTP_INVALID_JSON`,
 * `HTTP_JSON_NOT_OBJECT`
 */
export function parseJsonObject(response: HttpResponse): Record<string, unknown> {
  const type = mediaType(response)
  if (!isJsonType(type)) {
    throw new TransportError(
      'HTTP_BAD_CONTENT_TYPE',
      `${response.url} answered with content type "${response.redact(type).slice(0, 60)}", expected application/json`,
      { url: response.url, status: response.status },
    )
  }
  let value: unknown
  try {
    value = JSON.parse(decodeUtf8(response.body))
  } catch (cause) {
    throw new TransportError(
      'HTTP_INVALID_JSON',
      `${response.url} answered with a body that is not valid JSON`,
      {
        url: response.url,
        status: response.status,
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      },
    )
  }
  if (!isPlainObject(value)) {
    throw new TransportError(
      'HTTP_JSON_NOT_OBJECT',
      `${response.url} answered with a JSON ${Array.isArray(value) ? 'array' : typeof value}, expected an object`,
      { url: response.url, status: response.status },
    )
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new TransportError(
      'HTTP_INVALID_JSON',
      `${response.url} answered with JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      { url: response.url, status: response.status },
    )
  }
  return value
}
