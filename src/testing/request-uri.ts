/**
 * Request objects passed by reference (`request_uri` of an http(s) URL, RFC 9101 §5.2).
 *
 * The OP fetches the URL from the RP through `rpFetch`, as a real OP fetches it over the network,
 * and can mishandle it on cue (the `requestUri` faults).
 *
 * @module
 */

import { takeFault } from './faults.js'
import { OAuthFailure } from './http.js'
import { currentMetadata } from './metadata.js'
import type { OpState } from './state.js'
import type { MockClient, RecordedRequest } from './types.js'

/** The media types a request object may come with (RFC 9101 §5.2.3, RFC 7519 §10.3.1). */
const REQUEST_OBJECT_TYPES = ['application/oauth-authz-req+jwt', 'application/jwt']

/**
 * Fetches a request object passed by reference.
 *
 * Refused with `request_uri_not_supported` when the metadata says
 * `request_uri_parameter_supported: false`; with `invalid_request_uri` for a URL that is not
 * http(s), outside the client's registered `request_uris` (prefixes, when it registered some), or
 * whose answer is not a `200` with a request object media type.
 * @param state - the OP state
 * @param client - the client named by the request
 * @param uri - the `request_uri`
 * @param record - the recorded request (gets the URL and the statuses answered)
 * @returns the request object (JWS, unsecured JWT, or JWE)
 * @throws OAuthFailure `request_uri_not_supported`, `invalid_request_uri`
 */
export async function fetchRequestUri(
  state: OpState,
  client: MockClient,
  uri: string,
  record: RecordedRequest,
): Promise<string> {
  const fault = takeFault(state.faults, client.client_id, (f) =>
    'requestUri' in f ? f.requestUri : undefined,
  )
  if (currentMetadata(state).request_uri_parameter_supported === false || fault === 'not-fetched') {
    throw new OAuthFailure('request_uri_not_supported', 'request_uri is not supported')
  }
  if (!/^https?:\/\//.test(uri)) {
    throw new OAuthFailure('invalid_request_uri', 'request_uri is neither PAR nor an http(s) URL')
  }
  const registered = client.request_uris
  if (registered !== undefined && !registered.some((prefix) => uri.startsWith(prefix))) {
    throw new OAuthFailure('invalid_request_uri', 'request_uri is not under a registered one')
  }
  record.requestUriFetched = uri
  record.requestUriAnswers = []
  let answer = await fetchOnce(state, uri, record.requestUriAnswers)
  if (fault === 'fetched-twice') answer = await fetchOnce(state, uri, record.requestUriAnswers)
  return answer
}

/** One GET of the URL: the request object, or `invalid_request_uri`. */
async function fetchOnce(state: OpState, uri: string, answers: number[]): Promise<string> {
  let response: Response
  try {
    response = await state.rpFetch(uri, { headers: { accept: REQUEST_OBJECT_TYPES.join(', ') } })
  } catch {
    throw new OAuthFailure('invalid_request_uri', 'the request_uri could not be fetched')
  }
  answers.push(response.status)
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? ''
  const body = (await response.text()).trim()
  if (response.status !== 200 || body === '') {
    throw new OAuthFailure('invalid_request_uri', `the request_uri answered ${response.status}`)
  }
  if (!REQUEST_OBJECT_TYPES.includes(type)) {
    throw new OAuthFailure('invalid_request_uri', `the request_uri answered ${type || 'no type'}`)
  }
  return body
}
