/**
 * The client as registered at the OP.
 *
 * Its metadata, what the application gives (metadata plus secret and keys), the validation of both,
 * and the check that the auth method has its credentials.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import type { ClientKey } from '../lib/client-keys.js'
import { cloneJson, deepFreeze, isPlainObject } from '../lib/json.js'

/**
 * How the client authenticates at the token and PAR endpoints (OIDC Core §9, RFC 8705 §2).
 *
 * `tls_client_auth` (a certificate from a CA the OP trusts, RFC 8705 §2.1) and
 * `self_signed_tls_client_auth` (a self-signed certificate registered at the OP, RFC 8705 §2.2)
 * authenticate with the TLS connection itself: the certificate is presented by the `fetch` the
 * configuration is given (see docs/mtls.md), and the form carries only `client_id`.
 * @group Configuration
 */
export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'

/**
 * The two mutual-TLS client authentication methods (RFC 8705 §2).
 * @internal
 */
export const MTLS_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
]

/**
 * The client's registration at the OP (OIDC Dynamic Client Registration §2 names), without secrets.
 * @group Configuration
 */
export interface ClientMetadata {
  readonly client_id: string
  /** Registered redirect URIs; the first is the default. */
  readonly redirect_uris: readonly string[]
  readonly post_logout_redirect_uris?: readonly string[]
  /** Default `client_secret_basic`. */
  readonly token_endpoint_auth_method: TokenEndpointAuthMethod
  readonly token_endpoint_auth_signing_alg?: string
  /**
   * The ID token signing alg registered.
   *
   * When absent, any alg the OP advertises in `id_token_signing_alg_values_supported` is accepted,
   * except `none`.
   */
  readonly id_token_signed_response_alg?: string
  readonly id_token_encrypted_response_alg?: string
  readonly id_token_encrypted_response_enc?: string
  readonly userinfo_signed_response_alg?: string
  readonly userinfo_encrypted_response_alg?: string
  readonly userinfo_encrypted_response_enc?: string
  /**
   * The JWS alg of JWT introspection responses (RFC 9701 §6).
   *
   * Set, introspection asks for `application/token-introspection+jwt` and accepts only that.
   */
  readonly introspection_signed_response_alg?: string
  /** The JWE alg of encrypted JWT introspection responses (RFC 9701 §6). */
  readonly introspection_encrypted_response_alg?: string
  /** The JWE enc of encrypted JWT introspection responses; default `A128CBC-HS256`. */
  readonly introspection_encrypted_response_enc?: string
  readonly request_object_signing_alg?: string
  readonly request_object_encryption_alg?: string
  readonly request_object_encryption_enc?: string
  /**
   * The JWS alg of JWT-secured authorization responses (JARM §3). Default `RS256`; never `none`.
   */
  readonly authorization_signed_response_alg?: string
  /**
   * The JWE alg of JWT-secured authorization responses (JARM §3).
   *
   * When set, only encrypted responses are accepted.
   */
  readonly authorization_encrypted_response_alg?: string
  /** The JWE enc of JWT-secured authorization responses (JARM §3). Default `A128CBC-HS256`. */
  readonly authorization_encrypted_response_enc?: string
  /** Default `max_age` in seconds for every authorization request. */
  readonly default_max_age?: number
  /** Always require `auth_time` in ID tokens. */
  readonly require_auth_time?: boolean
  /**
   * Audiences besides the client_id that ID tokens may also name (OIDC Core §3.1.3.7 step 3).
   *
   * An ID token with any other extra audience is refused. Not a registration parameter: a local
   * setting.
   */
  readonly trusted_audiences?: readonly string[]
  /**
   * The certificate subject the OP expects for `tls_client_auth` (RFC 8705 §2.1.2).
   *
   * Registration data, at most one of it and the `tls_client_auth_san_*` members. The RP does not
   * check it.
   */
  readonly tls_client_auth_subject_dn?: string
  /** A `dNSName` SAN the certificate carries (RFC 8705 §2.1.2); registration data. */
  readonly tls_client_auth_san_dns?: string
  /** A `uniformResourceIdentifier` SAN (RFC 8705 §2.1.2); registration data. */
  readonly tls_client_auth_san_uri?: string
  /** An `iPAddress` SAN (RFC 8705 §2.1.2); registration data. */
  readonly tls_client_auth_san_ip?: string
  /** An `rfc822Name` SAN (RFC 8705 §2.1.2); registration data. */
  readonly tls_client_auth_san_email?: string
  /**
   * The client asks for access tokens bound to its TLS certificate (RFC 8705 §3.4).
   *
   * The token, PAR and UserInfo requests then go to the OP's `mtls_endpoint_aliases` (RFC 8705
   * §5), through the configuration's certificate-presenting `fetch`.
   */
  readonly tls_client_certificate_bound_access_tokens?: boolean
}

/**
 * The client as the application gives it: its metadata plus its secret and private keys.
 * @group Configuration
 */
export type ClientInput = Omit<ClientMetadata, 'token_endpoint_auth_method'> & {
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod
  /**
   * The client secret (`client_secret_*` methods, HS* ID tokens and request objects).
   *
   * Never serialised.
   */
  readonly client_secret?: string
  /**
   * The client's private keys (`private_key_jwt`, request objects, decryption). Never serialised.
   */
  readonly keys?: readonly ClientKey[]
}

// concat, not a spread: a bundler keeps a spread (iterating may have effects), and with it these
// lists in a page that never validates a core client
const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = /* @__PURE__ */ (
  [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
    'none',
  ] as TokenEndpointAuthMethod[]
).concat(MTLS_AUTH_METHODS)
/** The certificate subject members of RFC 8705 §2.1.2: at most one is registered. */
const TLS_SUBJECT_MEMBERS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const
const CLIENT_STRINGS: readonly (keyof ClientMetadata)[] = /* @__PURE__ */ (
  [
    'token_endpoint_auth_signing_alg',
    'id_token_encrypted_response_alg',
    'id_token_encrypted_response_enc',
    'userinfo_signed_response_alg',
    'userinfo_encrypted_response_alg',
    'userinfo_encrypted_response_enc',
    'request_object_signing_alg',
    'request_object_encryption_alg',
    'request_object_encryption_enc',
    'authorization_signed_response_alg',
    'authorization_encrypted_response_alg',
    'authorization_encrypted_response_enc',
    'introspection_signed_response_alg',
    'introspection_encrypted_response_alg',
    'introspection_encrypted_response_enc',
  ] as (keyof ClientMetadata)[]
).concat(TLS_SUBJECT_MEMBERS)

/**
 * Validates the client as the application gives it and keeps its metadata.
 *
 * The secret and keys are left out of the metadata.
 *
 * @param client - the client's metadata, secret and keys
 * @returns the frozen metadata, `token_endpoint_auth_method` filled
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the member at fault
 * @internal
 */
export function validateClient(client: ClientInput): ClientMetadata {
  checkClientBasics(client)
  const method = client.token_endpoint_auth_method ?? 'client_secret_basic'
  if (!AUTH_METHODS.includes(method)) {
    throw invalidConfiguration('token_endpoint_auth_method', `one of ${AUTH_METHODS.join(', ')}`)
  }
  for (const member of CLIENT_STRINGS) {
    if (
      client[member] !== undefined &&
      (typeof client[member] !== 'string' || client[member] === '')
    ) {
      throw invalidConfiguration(member, 'a non-empty string')
    }
  }
  if (client.authorization_signed_response_alg === 'none') {
    throw invalidConfiguration('authorization_signed_response_alg', 'a JWS alg other than none')
  }
  const bound = client.tls_client_certificate_bound_access_tokens
  if (bound !== undefined && typeof bound !== 'boolean') {
    throw invalidConfiguration('tls_client_certificate_bound_access_tokens', 'a boolean')
  }
  const subjects = TLS_SUBJECT_MEMBERS.filter((member) => client[member] !== undefined)
  if (subjects.length > 1) {
    throw invalidConfiguration(subjects.join(', '), 'only one of them (RFC 8705 §2.1.2)')
  }
  const { client_secret: _secret, keys: _keys, ...metadata } = client
  return deepFreeze(
    cloneJson({ ...metadata, token_endpoint_auth_method: method }),
  ) as ClientMetadata
}

/**
 * Checks the members every client has, a page's public client too.
 *
 * The `client_id`, the redirect URIs (absolute, without fragment), the ID token's signing alg, the
 * `default_max_age`, `require_auth_time` and the trusted audiences.
 * @param client - the client as given
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the member
 * @internal
 */
export function checkClientBasics(client: unknown): asserts client is ClientInput {
  if (!isPlainObject(client)) throw invalidConfiguration('client', 'an object')
  if (typeof client.client_id !== 'string' || client.client_id === '') {
    throw invalidConfiguration('client_id', 'a non-empty string')
  }
  const redirectUris = client.redirect_uris
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw invalidConfiguration('redirect_uris', 'a non-empty array of absolute URLs')
  }
  for (const member of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    for (const uri of (client[member] as unknown[] | undefined) ?? []) {
      if (typeof uri !== 'string' || !URL.canParse(uri) || uri.includes('#')) {
        throw invalidConfiguration(member, 'absolute URLs without fragment')
      }
    }
  }
  const alg = client.id_token_signed_response_alg
  if (alg !== undefined && (typeof alg !== 'string' || alg === '')) {
    throw invalidConfiguration('id_token_signed_response_alg', 'a non-empty string')
  }
  const maxAge = client.default_max_age
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && (maxAge as number) >= 0)) {
    throw invalidConfiguration('default_max_age', 'a non-negative integer')
  }
  if (client.require_auth_time !== undefined && typeof client.require_auth_time !== 'boolean') {
    throw invalidConfiguration('require_auth_time', 'a boolean')
  }
  const trusted = client.trusted_audiences
  if (
    trusted !== undefined &&
    !(Array.isArray(trusted) && trusted.every((aud) => typeof aud === 'string' && aud !== ''))
  ) {
    throw invalidConfiguration('trusted_audiences', 'an array of non-empty strings')
  }
}

/**
 * Tells whether the client speaks mutual TLS to the OP (RFC 8705 §5).
 *
 * It authenticates with `tls_client_auth` or `self_signed_tls_client_auth`, or asked for
 * certificate-bound access tokens: either way its requests go to the `mtls_endpoint_aliases`.
 *
 * @param client - the validated client metadata
 * @returns true for a mutual-TLS client
 * @internal
 */
export function usesMutualTls(client: ClientMetadata): boolean {
  return (
    MTLS_AUTH_METHODS.includes(client.token_endpoint_auth_method) ||
    client.tls_client_certificate_bound_access_tokens === true
  )
}

/**
 * Checks that the client's auth method has what it needs.
 *
 * A secret for `client_secret_*`, a signing key for `private_key_jwt`, and for a mutual-TLS client
 * ({@link usesMutualTls}) a `fetch` of the application's: the default one (`globalThis.fetch`)
 * presents no client certificate on Node, Deno, Bun or workers, so the OP would refuse every
 * request; in a browser the page's own TLS stack picks the certificate, and an explicit
 * `fetch: globalThis.fetch` says so.
 *
 * @param client - the validated client metadata
 * @param secret - the client secret, if any
 * @param keys - the client's keys
 * @param fetchGiven - whether the application gave the configuration its own `fetch`
 * @throws {@link UsageError} `MISSING_CREDENTIALS` naming `client_secret`, `keys` or `fetch`
 * @internal
 */
export function checkCredentials(
  client: ClientMetadata,
  secret: string | undefined,
  keys: readonly ClientKey[],
  fetchGiven = true,
): void {
  const method = client.token_endpoint_auth_method
  if (!fetchGiven && usesMutualTls(client)) {
    const why = MTLS_AUTH_METHODS.includes(method)
      ? `token_endpoint_auth_method ${method}`
      : 'tls_client_certificate_bound_access_tokens'
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `${why} needs a fetch that presents the client certificate (options.fetch; see docs/mtls.md): the default fetch presents none`,
      { parameter: 'fetch' },
    )
  }
  if (method.startsWith('client_secret_') && (typeof secret !== 'string' || secret === '')) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      `token_endpoint_auth_method ${method} needs client_secret`,
      {
        parameter: 'client_secret',
      },
    )
  }
  if (method === 'private_key_jwt' && !keys.some((key) => key.use !== 'enc')) {
    throw new UsageError(
      'MISSING_CREDENTIALS',
      'token_endpoint_auth_method private_key_jwt needs a signing key in keys',
      {
        parameter: 'keys',
      },
    )
  }
}
