/**
 * A crafted fetch `Response` as the SDK's `read…` functions receive it (the `HttpResponse` that
 * `httpRequest` makes): body read, URL without query, and a redactor of what the request "sent".
 */
import type { HttpResponse } from '../../src/lib/http.js'
import { redactorOf } from '../../src/lib/redact.js'

/**
 * Reads a crafted `Response` into an `HttpResponse`.
 * @param response - the response an OP might send
 * @param sent - the secrets the request carried (redacted from every OP text an error keeps)
 * @param url - the endpoint, for messages
 * @returns the response as `httpRequest` returns it
 */
export async function httpResponseOf(
  response: Response,
  sent: readonly string[] = [],
  url = 'https://op.example/endpoint',
): Promise<HttpResponse> {
  const body = new Uint8Array(await response.arrayBuffer())
  return { status: response.status, headers: response.headers, body, url, redact: redactorOf(sent) }
}
