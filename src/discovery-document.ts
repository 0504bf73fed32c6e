/**
 * The OP's discovery document (OpenID Connect Discovery §4), on plain inputs.
 *
 * Its request to the well-known URL, and its response read: a JSON object naming the issuer asked
 * for. The core's `discover`, dynamic registration, aggregated claims' providers and a page's
 * `discover` (`oidc-rp/browser`) fetch it so.
 *
 * @module
 */

import { responseLimit, type Settings } from './config/settings.js'
import { UsageError, ValidationError } from './errors.js'
import {
  expectStatus,
  type HttpOptions,
  type HttpResponse,
  httpRequest,
  parseJsonObject,
} from './lib/http.js'
import { describe } from './lib/json.js'

/**
 * The options of a discovery request: fetch, time, the https rule and the response limits.
 * @internal
 */
export type DiscoveryRequestOptions = HttpOptions &
  Partial<Pick<Settings, 'maxResponseBytesByEndpoint'>>

/**
 * GETs the issuer's well-known OpenID configuration document (Discovery §4.1).
 * @param issuer - the issuer identifier
 * @param options - fetch, limits and the https rule
 * @returns the response, read in full
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an issuer that is not an absolute URL
 * @internal
 */
export async function sendDiscoveryRequest(
  issuer: string,
  options: DiscoveryRequestOptions,
): Promise<HttpResponse> {
  if (!URL.canParse(issuer)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `issuer must be an absolute URL, got ${describe(issuer)}`,
      {
        parameter: 'issuer',
      },
    )
  }
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  const limit = responseLimit(options, 'discovery')
  return httpRequest(
    url,
    { headers: { accept: 'application/json' } },
    limit === undefined ? options : { ...options, maxResponseBytes: limit },
  )
}

/**
 * Reads a discovery response.
 *
 * A 200 with a JSON object whose `issuer` is the one asked for (Discovery §4.3).
 *
 * @param response - the response to the discovery request
 * @param issuer - the issuer asked for
 * @param fillsTemplate - for a multi-tenant OP (the `tenants` option), whether the issuer asked
 * for fills the metadata's `{tenantid}` template issuer
 * @returns the metadata, not yet validated member by member
 * @throws {@link TransportError} for another status or a body that is not a JSON object
 * @throws {@link ValidationError} `DISCOVERY_ISSUER_MISMATCH`
 * @internal
 */
export function readDiscoveryResponse(
  response: HttpResponse,
  issuer: string,
  fillsTemplate?: (template: string, issuer: string) => boolean,
): Record<string, unknown> {
  expectStatus(response)
  const metadata = parseJsonObject(response)
  const template = typeof metadata.issuer === 'string' ? metadata.issuer : undefined
  if (
    metadata.issuer !== issuer &&
    !(template !== undefined && fillsTemplate?.(template, issuer) === true)
  ) {
    throw new ValidationError(
      'DISCOVERY_ISSUER_MISMATCH',
      `the OP metadata issuer ${describe(metadata.issuer)} is not the issuer asked for, ${describe(issuer)}`,
      { claim: 'issuer', expected: issuer, actual: metadata.issuer },
    )
  }
  return metadata
}
