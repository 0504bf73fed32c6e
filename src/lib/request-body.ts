import { decodeUtf8 } from './json.js'

/**
 * Tells whether a value looks like a Fetch API `Request` (structurally, so requests of any runtime or
 * framework polyfill qualify).
 * @internal
 */
export function isRequest(input: unknown): input is Request {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as Request).method === 'string' &&
    typeof (input as Request).url === 'string' &&
    typeof (input as Request).headers?.get === 'function'
  )
}

/**
 * Reads a request body as UTF-8 text, at most `maxBytes`, counted while streaming.
 * @returns the text, or the problem (already read, too large, cut off, not UTF-8) for the caller's
 * own error; the stream's error is never kept, as it may carry anything
 * @internal
 */
export async function readRequestBody(
  request: Request,
  maxBytes: number,
): Promise<{ ok: true; text: string } | { ok: false; problem: string }> {
  if (request.bodyUsed) return { ok: false, problem: 'the request body was already read' }
  const tooLarge = {
    ok: false,
    problem: `the request body is larger than ${maxBytes} bytes`,
  } as const
  if (Number(request.headers.get('content-length')) > maxBytes) return tooLarge
  if (request.body === null) return { ok: true, text: '' }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      return { ok: false, problem: 'the request body could not be read to its end' }
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      return tooLarge
    }
    chunks.push(chunk.value)
  }
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(size)
  if (chunks.length !== 1) {
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
  }
  try {
    return { ok: true, text: decodeUtf8(bytes) }
  } catch {
    return { ok: false, problem: 'the request body is not valid UTF-8' }
  }
}
