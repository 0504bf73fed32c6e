/**
 * Distributed claims: the endpoint called, only when the connection allows it.
 *
 * @module
 */
import type { ClaimSources } from '../config/claim-sources.js'
import type { Configuration } from '../config/configuration.js'
import { runtimeOf } from '../config/runtime.js'
import { TransportError, ValidationError } from '../errors.js'
import { isCompactJws } from '../lib/compact.js'
import { httpRequest } from '../lib/http.js'
import { decodeUtf8, describe } from '../lib/json.js'

/**
 * Fetches a distributed claim: only from an allowed endpoint, with its access token.
 * @param config - the configuration: its settings and fetch
 * @param sources - its claim sources (the allow-list, the timeout)
 * @param name - the source's name, for messages
 * @param endpoint - the source's `endpoint`, as the OP sent it
 * @param accessToken - the source's `access_token`, as the OP sent it
 * @param signal - aborts the request
 * @returns the JWT the endpoint answered, not yet verified
 * @throws {@link ValidationError} `CLAIM_SOURCE_INVALID`, `CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED`,
 * `CLAIM_SOURCE_RESPONSE_INVALID`
 * @throws {@link TransportError} `CLAIM_SOURCE_UNAVAILABLE` for a status other than 200, `HTTP_*`
 * @internal
 */
export async function fetchDistributed(
  config: Configuration,
  sources: ClaimSources,
  name: string,
  endpoint: unknown,
  accessToken: unknown,
  signal: AbortSignal | undefined,
): Promise<string> {
  const at = `_claim_sources.${name}`
  const url = typeof endpoint === 'string' && URL.canParse(endpoint) ? new URL(endpoint) : undefined
  if (url === undefined)
    throw invalidSource(
      `${at}.endpoint`,
      `the claim source ${describe(name)} endpoint is not an absolute URL`,
      'an absolute URL',
      typeof endpoint,
    )
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) {
    throw invalidSource(
      `${at}.access_token`,
      `the claim source ${describe(name)} access_token is not a string`,
      'a non-empty string',
      typeof accessToken,
    )
  }
  const where = `${url.origin}${url.pathname}`
  if (!isAllowedEndpoint(sources, url)) {
    throw new ValidationError(
      'CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED',
      `the claim source ${describe(name)} endpoint ${describe(where)} is not on claimSources.endpoints: nothing was sent`,
      { claim: `${at}.endpoint`, expected: 'an endpoint on claimSources.endpoints', actual: where },
    )
  }
  const { settings } = config
  const response = await httpRequest(
    url,
    {
      method: 'GET',
      headers: {
        accept: 'application/jwt',
        ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
      },
    },
    {
      allowInsecureRequests: settings.allowInsecureRequests,
      timeoutInMs: sources.timeoutInMs,
      maxResponseBytes: settings.maxJwtLength,
      fetch: runtimeOf(config).fetch,
      ...(signal ? { signal } : {}),
    },
  )
  if (response.status !== 200) {
    throw new TransportError(
      'CLAIM_SOURCE_UNAVAILABLE',
      `the claim source ${describe(name)} endpoint ${where} answered with status ${response.status}, expected 200`,
      { url: where, status: response.status },
    )
  }
  let text: string
  try {
    text = decodeUtf8(response.body).trim()
  } catch {
    text = ''
  }
  if (!isCompactJws(text)) {
    throw new ValidationError(
      'CLAIM_SOURCE_RESPONSE_INVALID',
      `the claim source ${describe(name)} endpoint ${where} did not answer with a JWT (OIDC Core §5.6.2)`,
      {
        claim: `${at}.endpoint`,
        expected: 'a compact JWS',
        actual: response.headers.get('content-type')?.slice(0, 60),
      },
    )
  }
  return text
}

function invalidSource(claim: string, message: string, expected: unknown, actual: unknown) {
  return new ValidationError('CLAIM_SOURCE_INVALID', message, { claim, expected, actual })
}

/**
 * Whether an endpoint is on the allow-list.
 *
 * The same URL as an entry, or under an entry ending in `/` (compared after URL normalisation, so
 * dot segments cannot climb out of a prefix).
 * @param sources - the validated claim sources
 * @param endpoint - the endpoint the OP named, parsed
 * @returns true when the RP may call it
 * @internal
 */
export function isAllowedEndpoint(sources: ClaimSources, endpoint: URL): boolean {
  if (endpoint.username !== '' || endpoint.password !== '' || endpoint.hash !== '') return false
  const href = endpoint.href
  return sources.endpoints.some(
    (entry) => href === entry || (entry.endsWith('/') && href.startsWith(entry)),
  )
}
