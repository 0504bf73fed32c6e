/**
 * Reading a body stream under a size limit, counted while it streams.
 *
 * The one reader of the response bodies the SDK fetches (lib/http.ts) and of the request bodies it
 * is handed (lib/request-body.ts); each turns the outcome into its own refusal.
 *
 * @module
 */

/**
 * Reads a stream to its end, at most `maxBytes`.
 * @param stream - the body
 * @param maxBytes - the most bytes accepted
 * @param until - rejects to stop waiting (an aborted request); the read then rejects with it
 * @returns the bytes, or `undefined` once the stream grew past `maxBytes` (it is cancelled)
 * @throws what the stream (or `until`) rejects with; the stream is cancelled
 * @internal
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  until?: Promise<never>,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await (until === undefined
        ? reader.read()
        : Promise.race([reader.read(), until]))
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        reader.cancel().catch(() => {})
        return undefined
      }
      chunks.push(value)
    }
  } catch (cause) {
    reader.cancel().catch(() => {})
    throw cause
  }
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
