/**
 * The base URL of request objects passed by reference (`request_uri`, RFC 9101 §5.2).
 *
 * Shared by the request policy and dynamic registration's `request_uris`.
 *
 * @module
 */
import { invalidConfiguration } from '../lib/checks.js'

/**
 * Checks a base URL of request objects by reference.
 *
 * https (http on loopback), ending in `/`, without query or fragment.
 * @param value - the base URL
 * @param member - what it is, for the error (`policy.requestUriBase`)
 * @returns the normalised URL
 * @throws `UsageError` `INVALID_CONFIGURATION` naming the member
 * @internal
 */
export function requestUriBaseOf(value: unknown, member = 'policy.requestUriBase'): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined
  const loopback = url !== undefined && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
  if (
    url === undefined ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) ||
    url.search !== '' ||
    url.hash !== '' ||
    !url.pathname.endsWith('/')
  ) {
    throw invalidConfiguration(
      member,
      'an https URL (http only on loopback) ending in /, without query or fragment',
    )
  }
  return url.href
}
