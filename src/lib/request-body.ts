/**
 * Reading a Fetch API `Request`: a GET from its URL, a POST from its form body, under the limits.
 *
 * Loaded with the first `Request` handed over (a server's callback or logout request).
 *
 * @module
 */
import { clip, decodeUtf8 } from './json.js'
import { readAtMost } from './read-stream.js'
import { collect, fromUrl, type ReadInput, type ReadRules, refused } from './request-params.js'

const FORM_TYPE = 'application/x-www-form-urlencoded'

/**
 * Reads a request's parameters by its method.
 *
 * A GET from its URL query, a POST from its `application/x-www-form-urlencoded` body (which must
 * not have been read).
 * @param input - the request
 * @param rules - the limits and methods
 * @returns the parameters and their delivery, or the problem found (never the input's values)
 * @internal
 */
export async function readRequest(input: Request, rules: ReadRules): Promise<ReadInput> {
  const method = input.method.toUpperCase()
  if (!(rules.methods as readonly string[]).includes(method)) {
    return refused(`expected a ${rules.methods.join(' or a ')}, got a ${clip(method)}`)
  }
  if (method === 'GET') {
    if (input.url.length > rules.maxBytes) return refused('the URL is too long')
    return fromUrl(new URL(input.url), rules)
  }
  const type = (input.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== FORM_TYPE) return refused(`the content type must be ${FORM_TYPE}`)
  const body = await readBody(input, rules.maxBytes)
  if (typeof body !== 'string') return body
  return collect(new URLSearchParams(body), 'form_post', rules)
}

/**
 * Reads a request body as UTF-8 text, at most `maxBytes`, counted while streaming.
 * @returns the text, or the refusal (already read, too large, cut off, not UTF-8); the stream's
 * error is never kept, as it may carry anything
 */
async function readBody(request: Request, maxBytes: number): Promise<string | ReadInput> {
  if (request.bodyUsed) return refused('the request body was already read')
  const tooLarge = refused(`the request body is larger than ${maxBytes} bytes`)
  if (Number(request.headers.get('content-length')) > maxBytes) return tooLarge
  if (request.body === null) return ''
  let bytes: Uint8Array | undefined
  try {
    bytes = await readAtMost(request.body, maxBytes)
  } catch {
    return refused('the request body could not be read to its end')
  }
  if (bytes === undefined) return tooLarge
  try {
    return decodeUtf8(bytes)
  } catch {
    return refused('the request body is not valid UTF-8')
  }
}
