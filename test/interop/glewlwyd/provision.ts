/**
 * What the suite's Glewlwyd knows, provisioned through its admin API: the OpenID Connect plugin
 * (twice: as configured for the SDK, and with RFC 9207 `iss` on), the `profile` and `email`
 * scopes, the users, and one client per behaviour under test.
 * @module
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { AdminApi } from './server.js'

/** The plugin instance the suite signs in through: the issuer is `<origin>/api/oidc`. */
export const PLUGIN = 'oidc'
/** A second instance with `oauth-as-iss-id` (RFC 9207 `iss` in authorization responses). */
export const PLUGIN_WITH_ISS = 'oidciss'

/** A Glewlwyd user: username, password and the claims it releases. */
export interface User {
  readonly username: string
  readonly password: string
  readonly name: string
  readonly email: string
}

/**
 * A client as Glewlwyd's database client module stores it (its admin API's JSON). Multi-valued
 * properties are arrays.
 */
export interface GlewlwydClient {
  readonly client_id: string
  /** Whether the client authenticates (false: a public client). */
  readonly confidential: boolean
  /** Stored as is; also the HMAC key of `client_secret_jwt` and HS256 request objects. */
  readonly client_secret?: string
  readonly redirect_uri: readonly string[]
  /** The grants and response types it may use: `code`, `token`, `id_token`, `refresh_token`. */
  readonly authorization_type: readonly string[]
  /** The client authentication methods it may use at the token and PAR endpoints. */
  readonly token_endpoint_auth_method?: readonly string[]
  /** Its public keys (private_key_jwt, signed request objects). */
  readonly jwks?: { keys: JWK[] }
  /** Overrides the response mode of every request of the client. */
  readonly response_mode?: string
  readonly post_logout_redirect_uris?: readonly string[]
  readonly backchannel_logout_uri?: string
  /** `"1"` to put `sid` in logout tokens. */
  readonly backchannel_logout_session_required?: string
  /** The scopes the client may be granted without a user (client credentials). Default none. */
  readonly scope?: readonly string[]
  /** JARM: the alg that signs its authorization responses (default the OP's key's alg). */
  readonly authorization_signed_response_alg?: string
  /** JARM: encrypt its authorization responses to its `jwks` with this alg. */
  readonly authorization_encrypted_response_alg?: string
  /** JARM: the content encryption of its encrypted authorization responses. */
  readonly authorization_encrypted_response_enc?: string
}

/**
 * The OP's signing key: RS256, generated per run (Glewlwyd's examples ship keys others know).
 * @returns the private JWK
 */
export async function opSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return { ...(await exportJWK(privateKey)), kid: 'glewlwyd-rs256', alg: 'RS256', use: 'sig' }
}

/**
 * The OpenID Connect plugin's parameters (the admin UI's form, as JSON).
 * @param issuer - `<origin>/api/<name>`
 * @param key - the OP's private signing key
 * @param issInResponse - RFC 9207: add `iss` to every authorization response
 */
export function pluginParameters(issuer: string, key: JWK, issInResponse: boolean) {
  return {
    iss: issuer,
    'jwks-private': JSON.stringify({ keys: [key] }),
    'default-kid': key.kid,
    'jwks-show': true,
    'access-token-duration': 600,
    'refresh-token-duration': 3600,
    'code-duration': 60,
    'refresh-token-rolling': true,
    // a used refresh token is disabled and a new one comes with the new access token
    'refresh-token-one-use': 'always',
    'allow-non-oidc': false,
    'auth-type-code-enabled': true,
    'auth-type-token-enabled': true,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': false,
    'auth-type-device-enabled': false,
    'auth-type-refresh-enabled': true,
    'allowed-scope': ['openid', 'profile', 'email'],
    scope: [],
    'subject-type': 'public',
    // name and email are released with the profile and email scopes
    'name-claim': 'on-demand',
    'name-claim-scope': ['profile'],
    'email-claim': 'on-demand',
    'email-claim-scope': ['email'],
    'scope-claim': 'no',
    claims: [],
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'pkce-required-public-client': true,
    // signed request objects and private_key_jwt: the client's public keys are its `jwks` property
    'request-parameter-allow': true,
    'request-maximum-exp': 600,
    'client-jwks-parameter': 'jwks',
    'oauth-par-allowed': true,
    'oauth-par-required': false,
    'oauth-par-request_uri-prefix': 'urn:ietf:params:oauth:request_uri:',
    'oauth-par-duration': 90,
    'oauth-as-iss-id': issInResponse,
    // the end-session endpoint, and logout tokens to each client's backchannel_logout_uri
    'session-management-allowed': true,
    'session-cookie-name': `GLEWLWYD_OIDC_SID_${issInResponse ? 'ISS' : 'SUITE'}`,
    'session-cookie-expiration': 3600,
    'front-channel-logout-allowed': false,
    'back-channel-logout-allowed': true,
    'introspection-revocation-allowed': false,
    'register-client-allowed': false,
  }
}

/**
 * Provisions the OP: the client module learns the multi-valued `post_logout_redirect_uris` and the
 * JARM properties, then the scopes, both plugin instances, the users and the clients.
 * @param admin - the admin API
 * @param origin - the server's origin
 * @param key - the OP's private signing key
 * @param users - the users
 * @param clients - the clients
 */
export async function provision(
  admin: AdminApi,
  origin: string,
  key: JWK,
  users: readonly User[],
  clients: readonly GlewlwydClient[],
): Promise<void> {
  // the plugin reads post_logout_redirect_uris as a list, which the client module stores only
  // for properties its data format declares multiple
  const module = (await admin.request('GET', '/mod/client/database')) as {
    parameters: { 'data-format': Record<string, unknown> }
  }
  module.parameters['data-format']['post_logout_redirect_uris'] = {
    multiple: true,
    read: true,
    write: true,
  }
  // and keeps only the properties it declares: the JARM ones are not declared by default
  for (const name of [
    'authorization_signed_response_alg',
    'authorization_encrypted_response_alg',
    'authorization_encrypted_response_enc',
  ]) {
    module.parameters['data-format'][name] = { multiple: false, read: true, write: true }
  }
  await admin.request('PUT', '/mod/client/database', module)
  await admin.request('PUT', '/mod/client/database/reset')
  for (const name of ['profile', 'email']) {
    await admin.request('POST', '/scope/', {
      name,
      display_name: name,
      description: `The ${name} claims`,
      password_required: false,
      scheme: {},
    })
  }
  for (const [name, iss] of [
    [PLUGIN, false],
    [PLUGIN_WITH_ISS, true],
  ] as const) {
    await admin.request('POST', '/mod/plugin/', {
      module: 'oidc',
      name,
      display_name: `OpenID Connect (${name})`,
      order_rank: 0,
      readonly: false,
      parameters: pluginParameters(`${origin}/api/${name}`, key, iss),
    })
  }
  for (const user of users) {
    await admin.request('POST', '/user/', {
      username: user.username,
      password: user.password,
      name: user.name,
      email: user.email,
      scope: ['openid', 'profile', 'email'],
      enabled: true,
    })
  }
  for (const client of clients) {
    await admin.request('POST', '/client/', {
      ...client,
      name: client.client_id,
      scope: client.scope ?? [],
      enabled: true,
    })
  }
}
