/**
 * A form POST whose body arrives as a stream, and may break after its first chunk: what a
 * client that drops the connection mid-request looks like to a handler.
 */

/** The error a broken stream fails with; it carries a fake secret a refusal must not keep. */
export const STREAM_ERROR_MESSAGE = 'connection reset by s3cr3t-client-secret-value'

/**
 * A POST of `form` as `application/x-www-form-urlencoded`, streamed in one chunk.
 * @param url - where it is sent
 * @param form - the form body
 * @param fail - true: the stream errors after the chunk; false: it ends cleanly (the twin)
 * @returns the request
 */
export function streamedFormPost(url: string, form: string, fail: boolean): Request {
  let sent = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true
        controller.enqueue(new TextEncoder().encode(form))
      } else if (fail) controller.error(new Error(STREAM_ERROR_MESSAGE))
      else controller.close()
    },
  })
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    duplex: 'half',
  } as RequestInit)
}
