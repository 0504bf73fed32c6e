/**
 * Small HTTP helpers of the mock OP: responses, OAuth errors, HTTP-level faults, random values.
 * @module
 */

import { base64url } from 'jose'
import type { HttpFault } from './faults.js'

/** An OAuth error to answer with (RFC 6749 §4.1.2.1, §5.2). Internal to the mock OP. */
export class OAuthFailure extends Error {
  /** The `error` code. */
  readonly error: string
  /** The HTTP status for JSON error bodies. */
  readonly status: number

  /**
   * @param error - the `error` code
   * @param description - the `error_description`
   * @param status - the HTTP status, default 400
   */
  constructor(error: string, description: string, status = 400) {
    super(description)
    this.error = error
    this.status = status
  }
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/**
 * A JSON response.
 * @param body - the JSON value
 * @param status - the HTTP status, default 200
 * @param headers - extra headers
 * @returns the response
 */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/**
 * A JSON response that must not be cached (token, PAR, UserInfo).
 * @param body - the JSON value
 * @param status - the HTTP status, default 200
 * @returns the response
 */
export function noStoreJson(body: unknown, status = 200): Response {
  return jsonResponse(body, status, NO_STORE)
}

/**
 * An OAuth error body (RFC 6749 §5.2).
 * @param failure - the error
 * @param headers - extra headers (e.g. `WWW-Authenticate`)
 * @returns the response
 */
export function oauthErrorResponse(failure: OAuthFailure, headers: Record<string, string> = {}) {
  const body = { error: failure.error, error_description: failure.message }
  return jsonResponse(body, failure.status, { ...NO_STORE, ...headers })
}

/**
 * A plain text response.
 * @param text - the body
 * @param status - the HTTP status
 * @param headers - extra headers
 * @returns the response
 */
export function textResponse(text: string, status: number, headers: Record<string, string> = {}) {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain;charset=utf-8', ...headers },
  })
}

/**
 * A 405 answer naming the allowed methods.
 * @param allowed - the methods the endpoint accepts
 * @returns the response
 */
export function methodNotAllowed(allowed: string[]): Response {
  return textResponse('method not allowed', 405, { allow: allowed.join(', ') })
}

/**
 * Finds a parameter that appears more than once (forbidden by RFC 6749 §3.1, §3.2).
 * @param params - the parameters
 * @param mayRepeat - the names an extension lets repeat (`resource`, RFC 8707 §2)
 * @returns the repeated name, or undefined
 */
export function repeatedParameter(
  params: URLSearchParams,
  mayRepeat: ReadonlySet<string> = new Set(),
): string | undefined {
  const seen = new Set<string>()
  for (const [name] of params) {
    if (seen.has(name) && !mayRepeat.has(name)) return name
    seen.add(name)
  }
  return undefined
}

/**
 * Tells whether a request has an `application/x-www-form-urlencoded` body.
 * @param request - the request
 * @returns true for a form body
 */
export function isForm(request: Request): boolean {
  const type = request.headers.get('content-type') ?? ''
  return type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

/**
 * A random URL-safe string.
 * @param bytes - how many random bytes, default 32
 * @returns base64url of the random bytes
 */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)))
}

/**
 * Escapes text for HTML attribute values and content.
 * @param value - the text
 * @returns the escaped text
 */
export function escapeHtml(value: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
  }
  return value.replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

/**
 * Waits, unless the signal aborts first (then rejects with its reason).
 * @param ms - the delay in milliseconds
 * @param signal - the request's abort signal
 * @returns a promise settled after the delay or on abort
 */
export function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Answers an HTTP-level fault, calling the real handler when the fault wraps its response.
 * @param fault - the fault
 * @param real - produces the real response
 * @param signal - the request's abort signal (for `slow`)
 * @returns the faulty response
 */
export async function httpFaultResponse(
  fault: HttpFault,
  real: () => Promise<Response>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const json = { 'content-type': 'application/json' }
  switch (fault.kind) {
    case 'not-json':
      return new Response('<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>', {
        headers: { 'content-type': 'text/html;charset=utf-8' },
      })
    case 'json-array':
      return new Response('[]', { headers: json })
    case 'json-string':
      return new Response('"not an object"', { headers: json })
    case 'server-error':
      return textResponse('Internal Server Error', 500)
    case 'redirect':
      return new Response(null, {
        status: 302,
        headers: { location: 'https://redirect.example/elsewhere' },
      })
    case 'empty':
      return new Response('', { headers: json })
    case 'slow':
      await abortableDelay(fault.delayInMs ?? 30_000, signal)
      return real()
    case 'wrong-content-type':
      return relabel(await real())
    case 'oversized':
      return oversized(await real(), fault.bytes ?? 2 * 1024 * 1024)
  }
}

/** The real response's body labelled `text/plain`. */
async function relabel(response: Response): Promise<Response> {
  const headers = new Headers(response.headers)
  headers.set('content-type', 'text/plain;charset=utf-8')
  return new Response(await response.text(), { status: response.status, headers })
}

/** The real JSON object with a `padding` member that makes it longer than `bytes`, streamed. */
async function oversized(response: Response, bytes: number): Promise<Response> {
  const text = (await response.text()).trim()
  const inner = text.startsWith('{') ? text.slice(1).trim() : '}'
  const tail = inner === '}' ? '"}' : `",${inner}`
  const encoder = new TextEncoder()
  const block = encoder.encode('x'.repeat(64 * 1024))
  let left = bytes
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('{"padding":"'))
    },
    pull(controller) {
      if (left > 0) {
        const size = Math.min(left, block.length)
        controller.enqueue(block.slice(0, size))
        left -= size
        return
      }
      controller.enqueue(encoder.encode(tail))
      controller.close()
    },
  })
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  headers.set('content-type', 'application/json')
  return new Response(body, { status: response.status, headers })
}
