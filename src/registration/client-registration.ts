/**
 * The registration value: a dynamically registered client as plain data, its secrets apart.
 *
 * What {@link registerClient} and client management return, how its secrets hide from every
 * printer and serialiser, where its client configuration endpoint may be, and how saved data comes
 * back.
 *
 * @module
 */
import type { JWK } from 'jose'
import type { ClientMetadata, TokenEndpointAuthMethod } from '../config/client.js'
import { ValidationError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { assertSecureUrl } from '../lib/http.js'
import { cloneJson, deepFreeze, describe, isPlainObject } from '../lib/json.js'
import { RedactedHandle } from '../lib/redacted-handle.js'

/** Registration members besides those of {@link ClientMetadata} (OIDC Registration §2). */
interface RegistrationMembers {
  /** The response types the client will use; default `['code']`. */
  readonly response_types?: readonly string[]
  /** The grant types the client will use; default `['authorization_code']`. */
  readonly grant_types?: readonly string[]
  /** `web` (default) or `native`. */
  readonly application_type?: 'web' | 'native'
  /** E-mail addresses of the people responsible for the client. */
  readonly contacts?: readonly string[]
  /** The name shown to end-users. */
  readonly client_name?: string
  readonly logo_uri?: string
  readonly client_uri?: string
  readonly policy_uri?: string
  readonly tos_uri?: string
  /** Where the OP fetches the client's public keys (exclusive with `jwks`). */
  readonly jwks_uri?: string
  /** The client's PUBLIC keys by value (exclusive with `jwks_uri`): never a private key. */
  readonly jwks?: { readonly keys: readonly JWK[] }
  readonly sector_identifier_uri?: string
  /** `public` or `pairwise` subject identifiers. */
  readonly subject_type?: 'public' | 'pairwise'
  readonly default_acr_values?: readonly string[]
  readonly initiate_login_uri?: string
  /** The `request_uri` values the client will use, pre-registered (OIDC Core §6.2). */
  readonly request_uris?: readonly string[]
  /** Where the OP posts logout tokens (Back-Channel Logout §2.2). */
  readonly backchannel_logout_uri?: string
  readonly backchannel_logout_session_required?: boolean
  /** The page the OP loads at logout (Front-Channel Logout §2). */
  readonly frontchannel_logout_uri?: string
  readonly frontchannel_logout_session_required?: boolean
  /** The scope values the client may ask for (RFC 7591 §2). */
  readonly scope?: string
  readonly software_id?: string
  readonly software_version?: string
}

/**
 * The metadata an RP asks to register (OIDC Registration §2, RFC 7591 §2).
 *
 * `redirect_uris` and whatever else the client needs. Members this type does not name are sent as
 * given.
 * @group Registration
 */
export interface ClientRegistrationMetadata
  extends Omit<ClientMetadata, 'client_id' | 'token_endpoint_auth_method' | 'trusted_audiences'>,
    RegistrationMembers {
  /** Default `client_secret_basic` (RFC 7591 §2). */
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod
  readonly [member: string]: unknown
}

/**
 * The client as the OP registered it: a `ClientInput` without its secret.
 *
 * Plus the registration members the OP answered. `{ ...client, client_secret:
 * secrets.clientSecret() }` configures it.
 * @group Registration
 */
export interface RegisteredClient extends ClientMetadata, RegistrationMembers {
  readonly [member: string]: unknown
}

/**
 * A member the OP registered otherwise than asked (RFC 7591 §3.2.1 lets it).
 *
 * Reported, not refused, unless it is a URI the RP hosts or a signature downgraded to `none`.
 * @group Registration
 */
export interface RegistrationAdjustment {
  /** The metadata member. */
  readonly member: string
  /** What the RP asked for. */
  readonly requested: unknown
  /** What the OP registered (`undefined`: it dropped the member). */
  readonly registered: unknown
}

/**
 * The secrets of a registration, behind a handle.
 *
 * `JSON.stringify`, `String` and every inspector show `[oidc-rp registration secrets: redacted]`;
 * only these methods give the values.
 * @group Registration
 */
export interface RegistrationSecrets {
  /** The client secret the OP issued, if any. */
  clientSecret(): string | undefined
  /** The registration access token of client management (RFC 7592 §3), if any. */
  registrationAccessToken(): string | undefined
}

/**
 * A registered client: plain data (`JSON.stringify` it to store it).
 *
 * Its {@link ClientRegistration.secrets | secrets} are kept apart, never serialised or printed.
 * @group Registration
 */
export interface ClientRegistration {
  /** The OP's issuer. */
  readonly issuer: string
  /** The registration endpoint the client was registered at. */
  readonly registrationEndpoint: string
  /** The client's metadata as registered, without its secret. */
  readonly client: RegisteredClient
  /** The client configuration endpoint of RFC 7592, if the OP manages clients. */
  readonly registrationClientUri: string | undefined
  /** When the client_id was issued, seconds since the epoch. */
  readonly clientIdIssuedAt: number | undefined
  /** When the client secret expires, seconds since the epoch; 0: never. */
  readonly clientSecretExpiresAt: number | undefined
  /** The members the OP registered otherwise than asked. */
  readonly adjustments: readonly RegistrationAdjustment[]
  /** The secrets: not enumerable, not serialised, not printed. */
  readonly secrets: RegistrationSecrets
}

const SHOWN = '[oidc-rp registration secrets: redacted]'

/** Where each secrets handle keeps its values: no printer, clone or serialiser reaches it. */
const hidden = new WeakMap<
  object,
  { clientSecret: string | undefined; registrationAccessToken: string | undefined }
>()

class SecretsHandle extends RedactedHandle implements RegistrationSecrets {
  clientSecret(): string | undefined {
    return hidden.get(this)?.clientSecret
  }
  registrationAccessToken(): string | undefined {
    return hidden.get(this)?.registrationAccessToken
  }
  protected get shown(): string {
    return SHOWN
  }
}

/**
 * Reads back a registration saved with `JSON.stringify(registration)`, its secrets given anew.
 *
 * The data is checked again, the `registration_client_uri` rule included.
 *
 * @param data - the parsed JSON (or the JSON text)
 * @param secrets - `client_secret` and `registration_access_token`, which are never serialised
 * @param options - `allowInsecureRequests`, as when it was registered
 * @returns the registration
 * @throws {@link UsageError} `INVALID_ARGUMENT` for data that is no saved registration
 * @throws {@link ValidationError} `REGISTRATION_CLIENT_URI_NOT_ALLOWED`
 * @see {@link https://www.rfc-editor.org/rfc/rfc7592#section-3 | RFC 7592 §3}
 * @group Registration
 */
export function restoreClientRegistration(
  data: unknown,
  secrets: { readonly client_secret?: string; readonly registration_access_token?: string },
  options: { readonly allowInsecureRequests?: boolean } = {},
): ClientRegistration {
  let value = data
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data)
    } catch {
      throw invalidArgument('data', 'a saved registration (valid JSON)')
    }
  }
  if (
    !isPlainObject(value) ||
    typeof value.issuer !== 'string' ||
    typeof value.registrationEndpoint !== 'string' ||
    !URL.canParse(value.registrationEndpoint) ||
    !isPlainObject(value.client) ||
    typeof value.client.client_id !== 'string' ||
    !(value.registrationClientUri === undefined || typeof value.registrationClientUri === 'string')
  ) {
    throw invalidArgument('data', 'a saved registration (issuer, registrationEndpoint, client)')
  }
  const context = {
    issuer: value.issuer,
    registrationEndpoint: value.registrationEndpoint,
    allowInsecureRequests: options.allowInsecureRequests,
  }
  if (value.registrationClientUri !== undefined) {
    checkClientUri(value.registrationClientUri, context)
  }
  const client = deepFreeze(cloneJson(value.client)) as RegisteredClient
  return makeRegistration(
    {
      issuer: value.issuer,
      registrationEndpoint: value.registrationEndpoint,
      client,
      registrationClientUri: value.registrationClientUri,
      clientIdIssuedAt: numberOrUndefined(value.clientIdIssuedAt),
      clientSecretExpiresAt: numberOrUndefined(value.clientSecretExpiresAt),
      adjustments: [],
    },
    {
      clientSecret: secrets.client_secret,
      registrationAccessToken: secrets.registration_access_token,
    },
  )
}

/**
 * Checks the client configuration endpoint: on the OP's own origin, https, no fragment.
 *
 * The origin is the issuer's or the registration endpoint's: an OP cannot make the RP send its
 * registration access token, or any request, to another host.
 * @internal
 */
export function checkClientUri(
  uri: string,
  context: {
    readonly issuer: string
    readonly registrationEndpoint: string
    readonly allowInsecureRequests: boolean | undefined
  },
): void {
  if (!URL.canParse(uri) || uri.includes('#')) {
    throw new ValidationError(
      'REGISTRATION_RESPONSE_INVALID',
      'the registration_client_uri is not an absolute URL without fragment',
      { claim: 'registration_client_uri', actual: describe(uri) },
    )
  }
  const url = new URL(uri)
  const allowed = [context.issuer, context.registrationEndpoint]
    .filter((base) => URL.canParse(base))
    .map((base) => new URL(base).origin)
  if (!allowed.includes(url.origin)) {
    throw new ValidationError(
      'REGISTRATION_CLIENT_URI_NOT_ALLOWED',
      `the registration_client_uri's origin ${describe(url.origin)} is neither the issuer's nor the registration endpoint's`,
      { claim: 'registration_client_uri', expected: allowed, actual: url.origin },
    )
  }
  assertSecureUrl(url, context.allowInsecureRequests, 'registration_client_uri')
}

/**
 * Puts a registration together: its data frozen, its secrets behind a hidden handle.
 * @internal
 */
export function makeRegistration(
  data: Omit<ClientRegistration, 'secrets'>,
  secrets: { clientSecret: string | undefined; registrationAccessToken: string | undefined },
): ClientRegistration {
  const handle = Object.freeze(new SecretsHandle())
  hidden.set(handle, Object.freeze({ ...secrets }))
  const registration = {
    ...data,
    client: deepFreeze(cloneJson(data.client)),
    adjustments: deepFreeze(cloneJson(data.adjustments)),
  }
  Object.defineProperty(registration, 'secrets', { value: handle, enumerable: false })
  return Object.freeze(registration) as ClientRegistration
}

/**
 * Tells whether a value is a time or duration in whole seconds: a non-negative safe integer.
 * @internal
 */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function numberOrUndefined(value: unknown): number | undefined {
  return isTime(value) ? value : undefined
}
