/**
 * Client management (RFC 7592): read, update and delete a dynamically registered client.
 *
 * Each request goes to the client configuration endpoint, with the registration access token.
 *
 * The endpoint is the registration's `registration_client_uri`, which must be on the OP's origin
 * (its issuer's or its registration endpoint's): an OP cannot send the RP, and its registration
 * access token, to another host.
 *
 * @module
 */
import type { OAuthResponseError, TransportError, ValidationError } from '../errors.js'
import { UsageError } from '../errors.js'
import { httpRequest } from '../lib/http.js'
import { oauthError } from '../lib/oauth-error.js'
import {
  type ClientRegistration,
  type ClientRegistrationMetadata,
  checkClientUri,
} from './client-registration.js'
import { checkRegistrationMetadata, type RegistrationOptions } from './register.js'
import { readRegistrationResponse } from './response.js'

/**
 * Options of client management: the HTTP options of {@link registerClient}.
 *
 * For {@link readClientRegistration}, {@link updateClientRegistration} and
 * {@link deleteClientRegistration}.
 * @group Registration
 */
export type ClientManagementOptions = Omit<RegistrationOptions, 'initialAccessToken'>

/**
 * Reads the client's current registration from the OP (RFC 7592 §2.1).
 *
 * The answer is checked as a registration's (same `client_id`; no URI the RP does not host), and
 * compared with what the RP knew: changes are in `adjustments`. A secret or access token the OP
 * renews replaces the old one; otherwise the old ones carry over.
 *
 * @param registration - the registration (from {@link registerClient} or
 * {@link restoreClientRegistration})
 * @param options - fetch, limits, signal
 * @returns the registration as the OP has it now
 * @throws {@link OAuthResponseError} `REGISTRATION_ERROR_RESPONSE` (`invalid_token` for a revoked
 * access token or a deleted client)
 * @throws {@link ValidationError} `REGISTRATION_RESPONSE_INVALID`,
 * `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `REGISTRATION_UNAVAILABLE` without a client configuration endpoint or
 * access token
 * @see {@link https://www.rfc-editor.org/rfc/rfc7592#section-2.1 | RFC 7592 §2.1}
 * @example
 * ```ts
 * const current = await readClientRegistration(registration)
 * console.log(current.adjustments) // what changed at the OP
 * ```
 * @group Registration
 */
export async function readClientRegistration(
  registration: ClientRegistration,
  options: ClientManagementOptions = {},
): Promise<ClientRegistration> {
  const { url, token } = managementTarget(registration, options)
  const response = await httpRequest(
    url,
    { headers: { accept: 'application/json', authorization: `Bearer ${token}` } },
    options,
  )
  return readRegistrationResponse(
    response,
    200,
    contextOf(registration, registration.client, options),
  )
}

/**
 * Replaces the client's metadata at the OP (RFC 7592 §2.2).
 *
 * The request carries the whole metadata: a member left out is removed at the OP. Start from
 * `registration.client` and change what must change. The `client_id` is added; the secret, the
 * access token and the timestamps are never sent.
 *
 * @param registration - the registration to update
 * @param metadata - the client's full new metadata (`redirect_uris` and all)
 * @param options - software statement, fetch, limits, signal
 * @returns the registration as updated
 * @throws {@link OAuthResponseError} `REGISTRATION_ERROR_RESPONSE`
 * @throws {@link ValidationError} `REGISTRATION_RESPONSE_INVALID`,
 * `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `REGISTRATION_UNAVAILABLE`, `INVALID_ARGUMENT`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7592#section-2.2 | RFC 7592 §2.2}
 * @example
 * ```ts
 * const { client_id, ...metadata } = registration.client
 * const updated = await updateClientRegistration(registration, { ...metadata, client_name: 'New name' })
 * ```
 * @group Registration
 */
export async function updateClientRegistration(
  registration: ClientRegistration,
  metadata: ClientRegistrationMetadata,
  options: ClientManagementOptions = {},
): Promise<ClientRegistration> {
  const { client_id: _id, ...rest } = metadata as ClientRegistrationMetadata & {
    client_id?: unknown
  }
  const requested = checkRegistrationMetadata(rest, options.softwareStatement !== undefined)
  const { url, token } = managementTarget(registration, options)
  const statement = options.softwareStatement
  const body = {
    ...requested,
    client_id: registration.client.client_id,
    ...(statement === undefined ? {} : { software_statement: statement }),
  }
  const response = await httpRequest(
    url,
    {
      method: 'PUT',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    },
    options,
  )
  return readRegistrationResponse(response, 200, contextOf(registration, requested, options))
}

/**
 * Deletes the client at the OP (RFC 7592 §2.3): its client_id, secret and tokens stop working.
 *
 * A 204 is success. Remove the connection that used the client too.
 *
 * @param registration - the registration to delete
 * @param options - fetch, limits, signal
 * @throws {@link OAuthResponseError} `REGISTRATION_ERROR_RESPONSE` (`invalid_token` when already
 * deleted)
 * @throws {@link TransportError} `HTTP_UNEXPECTED_STATUS` for another status (405: the OP does not
 * allow deletion), and the other `HTTP_*` codes
 * @throws {@link ValidationError} `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @throws {@link UsageError} `REGISTRATION_UNAVAILABLE`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7592#section-2.3 | RFC 7592 §2.3}
 * @example
 * ```ts
 * await deleteClientRegistration(registration)
 * ```
 * @group Registration
 */
export async function deleteClientRegistration(
  registration: ClientRegistration,
  options: ClientManagementOptions = {},
): Promise<void> {
  const { url, token } = managementTarget(registration, options)
  const response = await httpRequest(
    url,
    { method: 'DELETE', headers: { authorization: `Bearer ${token}` } },
    options,
  )
  if (response.status !== 204) throw await oauthError(response, 'REGISTRATION_ERROR_RESPONSE', 204)
}

/** The client configuration endpoint, checked, and the registration access token. */
function managementTarget(
  registration: ClientRegistration,
  options: ClientManagementOptions,
): { url: URL; token: string } {
  const uri = registration?.registrationClientUri
  const token = registration?.secrets?.registrationAccessToken()
  if (uri === undefined || token === undefined) {
    throw new UsageError(
      'REGISTRATION_UNAVAILABLE',
      'the registration has no registration_client_uri or registration access token: the OP does not manage it (RFC 7592)',
      { parameter: uri === undefined ? 'registrationClientUri' : 'registration_access_token' },
    )
  }
  checkClientUri(uri, { ...registration, allowInsecureRequests: options.allowInsecureRequests })
  return { url: new URL(uri), token }
}

function contextOf(
  registration: ClientRegistration,
  requested: Readonly<Record<string, unknown>>,
  options: ClientManagementOptions,
) {
  return {
    issuer: registration.issuer,
    registrationEndpoint: registration.registrationEndpoint,
    requested,
    clientId: registration.client.client_id,
    previous: registration.secrets,
    previousClientUri: registration.registrationClientUri,
    allowInsecureRequests: options.allowInsecureRequests,
  }
}
