/**
 * The public types of the mock OpenID Provider.
 *
 * Its options, its registered clients, what `MockOP.authorize` returns and what `MockOP.requests`
 * records.
 *
 * @module
 */

import type { JWK } from 'jose'
import type { MockClaimSource } from './claim-source-types.js'
import type { MockDPoPOptions } from './dpop-types.js'
import type { Fault, MisbehaveOptions } from './faults.js'
import type {
  BackChannelDeliveryOptions,
  FrontChannelDeliveryOptions,
  LogoutDelivery,
  LogoutTokenOptions,
  OpLogoutOptions,
} from './logout-types.js'
import type { MockRegistrationOptions, MockWebFingerOptions } from './registration-types.js'

/**
 * A security profile the mock OP enforces, as a FAPI 2.0 authorization server would.
 *
 * - `fapi2`: the FAPI 2.0 Security Profile;
 * - `fapi2-message-signing`: plus signed request objects at PAR and JARM responses.
 * @group Mock OP
 */
export type MockSecurityProfile = 'fapi2' | 'fapi2-message-signing'

/**
 * An asymmetric algorithm the mock OP generates a signing key pair for.
 * @group Configuration
 */
export type SigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA'

/**
 * A client authentication method at the token and PAR endpoints (RFC 6749 §2.3, OIDC Core §9).
 * @group Configuration
 */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'

/**
 * A client registered at the mock OP.
 *
 * With the members of OIDC Dynamic Client Registration §2 the mock honours.
 *
 * @example
 * ```ts
 * const client: MockClient = {
 *   client_id: 'web-app',
 *   client_secret: 'a-long-enough-secret-for-hs256-0123456789',
 *   redirect_uris: ['https://rp.example/callback'],
 * }
 * ```
 * @group Configuration
 */
export interface MockClient {
  /** The client identifier. */
  client_id: string
  /** The shared secret (`client_secret_*` methods, HS* ID tokens and request objects). */
  client_secret?: string
  /**
   * The client's PUBLIC keys.
   *
   * `use: 'sig'` (or no `use`) keys verify `private_key_jwt` assertions and signed request objects;
   * `use: 'enc'` keys receive encrypted ID tokens and UserInfo responses.
   */
  jwks?: {
    /** The public JWKs, each with a `kid` and `use`. */
    keys: JWK[]
  }
  /** The redirect URIs; `redirect_uri` must equal one of them exactly. */
  redirect_uris: string[]
  /** The URIs `end_session` may redirect to. */
  post_logout_redirect_uris?: string[]
  /** Where the OP POSTs logout tokens (Back-Channel Logout §2.2). */
  backchannel_logout_uri?: string
  /** Logout tokens sent on the OP's own initiative then carry `sid` only (no `sub`). */
  backchannel_logout_session_required?: boolean
  /** The page the OP loads in an iframe at logout (Front-Channel Logout §2). */
  frontchannel_logout_uri?: string
  /** The OP always adds `iss` and `sid` to the front-channel logout URI. */
  frontchannel_logout_session_required?: boolean
  /**
   * The only client authentication method the OP accepts for this client.
   *
   * Default `client_secret_basic`.
   */
  token_endpoint_auth_method?: ClientAuthMethod
  /**
   * The response types the client may use.
   *
   * `code`, `id_token`, `id_token token`, `code id_token`, `code token`, `code id_token token`.
   * Default `['code']`.
   */
  response_types?: string[]
  /**
   * The ID token JWS algorithm.
   *
   * Default `RS256`; `HS256`/`HS384`/`HS512` use `client_secret`; `none` only at the token
   * endpoint.
   */
  id_token_signed_response_alg?: string
  /**
   * The JWE `alg` to encrypt ID tokens to the client's `enc` key with.
   *
   * `RSA-OAEP-256` or `ECDH-ES`.
   */
  id_token_encrypted_response_alg?: string
  /** The JWE `enc` for encrypted ID tokens. Default `A128GCM`. */
  id_token_encrypted_response_enc?: string
  /** When set, UserInfo answers with a JWT signed with this algorithm (`application/jwt`). */
  userinfo_signed_response_alg?: string
  /** When set, UserInfo answers encrypted to the client's `enc` key with this JWE `alg`. */
  userinfo_encrypted_response_alg?: string
  /** The JWE `enc` for encrypted UserInfo responses. Default `A128GCM`. */
  userinfo_encrypted_response_enc?: string
  /** The JWS alg of JARM responses (JARM §3). Default `RS256`; `HS*` use `client_secret`. */
  authorization_signed_response_alg?: string
  /** When set, JARM responses are encrypted to the client's `enc` key with this JWE `alg`. */
  authorization_encrypted_response_alg?: string
  /** The JWE `enc` of encrypted JARM responses. Default `A128CBC-HS256` (JARM §3). */
  authorization_encrypted_response_enc?: string
  /** When set, request objects must be signed with exactly this algorithm. */
  request_object_signing_alg?: string
  /**
   * The URLs the client's request objects by reference may come from (OIDC Registration §2).
   *
   * When set, a `request_uri` that does not start with one of them is refused with
   * `invalid_request_uri` (the mock matches prefixes, so one-time URLs under a registered base
   * pass; some OPs, oidc-provider among them, match whole URLs).
   */
  request_uris?: string[]
  /**
   * The certificates that authenticate the client by mutual TLS (RFC 8705 §2).
   *
   * PEM, or their base64url SHA-256 thumbprints, for `tls_client_auth` or
   * `self_signed_tls_client_auth`.
   *
   * The mock has no PKI: a listed certificate stands for "issued by a trusted CA to the registered
   * subject" (`tls_client_auth`) or "in the registered `jwks`" (`self_signed_tls_client_auth`).
   */
  tls_client_certificates?: string[]
  /**
   * Access tokens issued to the client are bound to its certificate (RFC 8705 §3).
   *
   * `cnf.x5t#S256`, checked at UserInfo. Default false.
   */
  tls_client_certificate_bound_access_tokens?: boolean
  /** Every token request of this client must carry a DPoP proof (RFC 9449 §5.2). */
  dpop_bound_access_tokens?: boolean
  /**
   * When set, introspection can answer a JWT signed with this algorithm (RFC 9701).
   *
   * It does to a request that accepts `application/token-introspection+jwt`.
   */
  introspection_signed_response_alg?: string
  /**
   * When set, JWT introspection responses are encrypted to the client's `enc` key with this `alg`.
   *
   * They are signed with RS256 unless `introspection_signed_response_alg` says otherwise; a request
   * that does not accept them is refused.
   */
  introspection_encrypted_response_alg?: string
  /** The JWE `enc` for encrypted introspection responses. Default `A128CBC-HS256`. */
  introspection_encrypted_response_enc?: string
  /**
   * The grant types the client registered (RFC 7591 §2).
   *
   * `client_credentials`, `urn:ietf:params:oauth:grant-type:token-exchange` and
   * `urn:ietf:params:oauth:grant-type:jwt-bearer` are answered only for a client that lists them
   * (otherwise `unauthorized_client`); the authorization code and refresh grants are always open.
   */
  grant_types?: string[]
}

/**
 * An issuer of JWT bearer assertions the mock OP trusts (RFC 7523 §3).
 * @group Configuration
 */
export interface JwtBearerIssuer {
  /** The assertion's `iss`. */
  issuer: string
  /** The issuer's PUBLIC keys, which verify its assertions. */
  jwks: {
    /** The public JWKs. */
    keys: JWK[]
  }
}

/**
 * Options of `createMockOP`.
 * @group Configuration
 */
export interface MockOPOptions {
  /** The issuer identifier; it may have a path. Default `https://op.example.com`. */
  issuer?: string
  /**
   * Act as a multi-tenant OP (Microsoft Entra's `common` endpoint) with this issuer template.
   *
   * The metadata's issuer is the template, with `{tenantid}`, and each ID token's `iss` is it
   * filled with the user's `tid` claim.
   * The endpoints stay under `issuer`; no RFC 9207 `iss` is sent.
   */
  issuerTemplate?: string
  /** The registered clients. */
  clients: MockClient[]
  /** The end-users: `sub` → claims (`name`, `email`, `email_verified`, `given_name`…). */
  users: Record<string, Record<string, unknown>>
  /** The asymmetric signing keys to generate. Default `['RS256', 'ES256']`. */
  signingAlgs?: SigningAlg[]
  /**
   * The `claims_supported` metadata. Default: the protocol claims plus name, email and their kin.
   */
  claimsSupported?: string[]
  /** Metadata members merged over the defaults; a member set to `undefined` is removed. */
  metadata?: Record<string, unknown>
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number
  /**
   * The `fetch` the OP reaches RPs' logout URIs with. Default `globalThis.fetch`.
   *
   * Used for back-channel and front-channel logout URIs (e.g. one that hands the `Request` to the
   * RP's handler).
   */
  rpFetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** Lifetime of access tokens in seconds. Default 3600. */
  accessTokenTtlInSeconds?: number
  /** Lifetime of ID tokens in seconds. Default 600. */
  idTokenTtlInSeconds?: number
  /**
   * Rotate refresh tokens: each refresh answers a new one and the old one is used up.
   *
   * Presenting a used refresh token again revokes its successor too (reuse detection, RFC 9700
   * §4.14.2), as OPs that rotate do: the test of an RP that refreshes twice at once. Default false.
   */
  rotateRefreshTokens?: boolean
  /**
   * When set, a browser `GET /authorize` through the mock OP completes as this user.
   *
   * Through {@link MockOP.fetch} or {@link MockOP.handler}: a 302 redirect, or an auto-submitting
   * form_post page. Without it that request answers 400 and tests use {@link MockOP.authorize}.
   */
  autoLogin?: string
  /**
   * Accept as a client assertion's `aud` only the URL of the endpoint it is sent to.
   *
   * As some OPs do (Glewlwyd): the token or PAR endpoint. Default false: the issuer, the token
   * endpoint, and at PAR also the PAR endpoint (RFC 9126 §2).
   */
  strictAssertionAudience?: boolean
  /**
   * Which client certificate the "connection" of a request presented (RFC 8705).
   *
   * A PEM or its base64url SHA-256 thumbprint; undefined for none.
   *
   * The mock has no TLS: the test's fetch marks its requests (e.g. a header, as a TLS-terminating
   * proxy forwards the certificate) and this reads the mark. It is asked only at the
   * `mtls_endpoint_aliases` (the OP's `/mtls/…` endpoints): a certificate sent to a plain endpoint
   * is not seen, as on an OP that asks for certificates on its mutual-TLS host only.
   * @example
   * ```ts
   * clientCertificate: (request) => request.headers.get('x-test-client-certificate') ?? undefined
   * ```
   */
  clientCertificate?: (request: Request) => string | undefined | Promise<string | undefined>
  /**
   * DPoP (RFC 9449): require proofs at the token endpoint, demand nonces, the algorithms accepted.
   *
   * Proofs that come are always checked, tokens bound to their key (`token_type: DPoP`).
   */
  dpop?: MockDPoPOptions
  /**
   * Act as a FAPI 2.0 authorization server (docs/fapi.md). Default none.
   *
   * Pushed requests only, PKCE, the `code` response type, `private_key_jwt` or mutual TLS,
   * sender-constrained tokens only; with Message Signing, signed request objects and JARM. Every
   * client must fit (FAPI signing algs).
   */
  securityProfile?: MockSecurityProfile
  /**
   * The issuers whose JWT assertions the JWT bearer grant accepts (RFC 7523 §2.1).
   *
   * An assertion must be signed by one of them, with `aud` the OP's issuer or token endpoint, a
   * `sub` (the token's subject) and an unexpired `exp`; otherwise `invalid_grant`. Default none.
   */
  jwtBearerIssuers?: JwtBearerIssuer[]
  /**
   * Aggregated and distributed claims (OIDC Core §5.6.2) named for every end-user.
   *
   * Each from a mock claims provider (`createMockClaimsProvider`), whose URLs `op.fetch` serves
   * too. Default none.
   */
  claimSources?: MockClaimSource[]
  /**
   * Dynamic client registration (RFC 7591) and client management (RFC 7592). Default off.
   *
   * A `registration_endpoint` at `/register`; registered clients sign in like the static ones.
   */
  registration?: MockRegistrationOptions
  /**
   * A WebFinger responder (RFC 7033) on the issuer's origin. Default off.
   *
   * It names the OP's issuer for the given resources (OIDC Discovery §2).
   */
  webfinger?: MockWebFingerOptions
}

/**
 * How the end-user completes an authorization request in {@link MockOP.authorize}.
 * @group Everyday use
 */
export interface AuthorizeOptions {
  /** The `sub` of the user who signs in (a key of {@link MockOPOptions.users}). */
  user: string
  /**
   * When the user authenticated, in seconds since the epoch.
   *
   * Also forces `auth_time` into the ID token. Default: now.
   */
  authTime?: number
  /**
   * The `acr` to report.
   *
   * Default: the first requested `acr_values` entry (only when some were requested).
   */
  acr?: string
  /** The `amr` to report. */
  amr?: string[]
  /** The session id to put in the ID token as `sid`. */
  sid?: string
  /** The user refuses: the response is `error=access_denied`. */
  deny?: boolean
}

/**
 * What the browser does after the OP's authorization endpoint: follow a redirect or post a form.
 * @group Everyday use
 */
export interface AuthorizationResponse {
  /** `GET` for query and fragment responses, `POST` for form_post. */
  method: 'GET' | 'POST'
  /**
   * The redirect URI, with the parameters in its query or fragment for `GET`.
   *
   * The plain redirect URI for `POST`.
   */
  url: string
  /**
   * How the parameters travel.
   *
   * A JARM mode (`*.jwt`, `jwt` resolved to the response type's default) carries `response` alone.
   */
  responseMode: 'query' | 'fragment' | 'form_post' | 'query.jwt' | 'fragment.jwt' | 'form_post.jwt'
  /**
   * The response parameters (`code`, `state`, `iss`, `id_token`… or `error`…).
   *
   * In a JARM mode, the signed `response` alone.
   */
  params: URLSearchParams
  /** form_post only: the urlencoded body the browser posts. */
  body?: string
  /** form_post only: the auto-submitting HTML page the OP sends. */
  html?: string
}

/**
 * Which endpoint a recorded request reached.
 * @group Inspection
 */
export type RecordedEndpoint =
  | 'discovery'
  | 'jwks'
  | 'authorization'
  | 'par'
  | 'token'
  | 'userinfo'
  | 'end_session'
  | 'revocation'
  | 'introspection'
  | 'unknown'
  | 'registration'
  | 'webfinger'

/**
 * One request the mock OP received, as listed in {@link MockOP.requests}.
 * @group Inspection
 */
export interface RecordedRequest {
  /** The endpoint it reached. */
  endpoint: RecordedEndpoint
  /** The HTTP method. */
  method: string
  /** The full request URL. */
  url: string
  /** The request headers, names lower-cased. */
  headers: Record<string, string>
  /** The query and form parameters merged; a repeated parameter keeps its last value. */
  params: Record<string, string>
  /** The raw request body, when there was one. */
  rawBody?: string
  /** token, PAR, revocation and introspection: the client authentication method the OP detected. */
  clientAuthMethod?: ClientAuthMethod
  /** userinfo: where the access token came. */
  accessTokenIn?: 'header' | 'body'
  /** token, PAR and userinfo: the request reached the endpoint's mutual-TLS alias (RFC 8705 §5). */
  mtlsAlias?: boolean
  /** token, PAR, userinfo: the JWK thumbprint of an accepted DPoP proof's key. */
  dpopJkt?: string
  /** authorization: the `request_uri` the OP fetched its request object from (RFC 9101 §5.2). */
  requestUriFetched?: string
  /** authorization: the answers to its fetches of the `request_uri`, in order (HTTP statuses). */
  requestUriAnswers?: number[]
  /** authorization and PAR: the request object, when `request=` or `request_uri` was used. */
  requestObject?: RecordedRequestObject
}

/**
 * A request object the OP received (`request=` at the authorization or PAR endpoint).
 * @group Inspection
 */
export interface RecordedRequestObject {
  /** The JWS `alg` of the request object (`none` when unsigned). */
  alg: string
  /** Whether it came encrypted to the OP (a JWE). */
  encrypted: boolean
  /** Its claims. */
  claims: Record<string, unknown>
}

/**
 * Options of {@link MockOP.signJwt}.
 * @group Inspection
 */
export interface SignJwtOptions {
  /**
   * The JWS algorithm.
   *
   * Default `RS256` (or the first signing algorithm when RS256 was not generated).
   */
  alg?: string
  /** The `kid` header: default the key's kid; `null` omits it; a string replaces it. */
  kid?: string | null
  /** Extra protected header members. */
  header?: Record<string, unknown>
  /** The HMAC secret for HS* algorithms. */
  secret?: string
}

/**
 * Options of {@link MockOP.rotateKeys}.
 * @group Inspection
 */
export interface RotateKeysOptions {
  /** Keep publishing the previous signing keys beside the new ones. Default false. */
  keepOld?: boolean
}

/**
 * The in-memory OpenID Provider returned by `createMockOP`.
 * @group Everyday use
 */
export interface MockOP {
  /** The issuer identifier. */
  readonly issuer: string
  /** Every request received so far (live array, oldest first). */
  readonly requests: RecordedRequest[]
  /**
   * A `fetch` with the OP behind it: no sockets; honours `init.signal`. Unknown URLs answer 404.
   */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** The same logic as a `Request` → `Response` handler, e.g. to mount in a test server. */
  handler: (request: Request) => Promise<Response>
  /**
   * Returns a copy of the current discovery metadata.
   * @returns the metadata document
   */
  metadata(): Record<string, unknown>
  /**
   * Returns the current public JWKS (signing keys and encryption keys).
   * @returns the JWK Set document
   */
  jwks(): {
    /** The public JWKs. */
    keys: JWK[]
  }
  /**
   * Completes an authorization request as a user and returns what the browser would do next.
   * @param authorizationUrl - the URL the RP sent the browser to
   * @param options - the user and how they authenticate
   * @returns the redirect or form post to the client's redirect URI
   * @throws `MockOPError` when the client or redirect URI is unknown (a real OP never redirects
   * then)
   */
  authorize(
    authorizationUrl: string | URL,
    options: AuthorizeOptions,
  ): Promise<AuthorizationResponse>
  /**
   * Makes the OP misbehave on its next matching responses.
   * @param fault - what goes wrong
   * @param options - how many times, and for which client
   */
  misbehave(fault: Fault, options?: MisbehaveOptions): void
  /** Removes every pending fault. */
  clearMisbehaviour(): void
  /**
   * Replaces the signing keys with fresh ones (new kids).
   * @param options - `keepOld` keeps publishing the previous keys
   */
  rotateKeys(options?: RotateKeysOptions): Promise<void>
  /**
   * Changes the metadata served from now on; a member set to `undefined` is removed.
   * @param patch - members to set or remove
   */
  setMetadata(patch: Record<string, unknown>): void
  /** Empties {@link MockOP.requests}. */
  clearRequests(): void
  /** Every logout request the OP sent to RPs so far (live array, oldest first). */
  readonly deliveries: LogoutDelivery[]
  /**
   * Builds a logout token for a client, well-formed or with a fault, without sending it.
   * @param options - the client, the user and/or session, a fault, claim and header patches
   * @returns the compact logout token (a JWE when the client registered ID token encryption)
   * @throws `MockOPError` for an unknown client, or neither user nor sid
   */
  logoutToken(options: LogoutTokenOptions): Promise<string>
  /**
   * POSTs a logout token to the client's `backchannel_logout_uri` (Back-Channel Logout §2.5).
   * @param options - the token's options and the fetch to use
   * @returns the delivery, with the RP's response
   * @throws `MockOPError` when the client registered no `backchannel_logout_uri`
   */
  backChannelLogout(options: BackChannelDeliveryOptions): Promise<LogoutDelivery>
  /**
   * Loads the client's `frontchannel_logout_uri` with `iss` and `sid`, as the OP's iframe would.
   * @param options - the client, the session, a fault, headers and the fetch to use
   * @returns the delivery, with the RP's response
   * @throws `MockOPError` when the client registered no `frontchannel_logout_uri`
   */
  frontChannelLogout(options: FrontChannelDeliveryOptions): Promise<LogoutDelivery>
  /**
   * Ends OP sessions and tells every client that used them, through its logout channels.
   *
   * The sessions are those signed in through `authorize` with a `sid`. `end_session` does the same
   * for the session of its `id_token_hint`.
   *
   * @param options - the session, or every session of a user
   * @returns the deliveries
   */
  logout(options: OpLogoutOptions): Promise<LogoutDelivery[]>
  /**
   * Signs any payload with the OP's current key of an algorithm, or with an HMAC secret.
   * @param payload - the JWT claims
   * @param options - algorithm, kid, extra header, secret
   * @returns the compact JWS
   */
  signJwt(payload: Record<string, unknown>, options?: SignJwtOptions): Promise<string>
}

/** One member of the `claims` parameter: null, or `{ essential, value, values }`. */
export type ClaimRequest = { essential?: boolean; value?: unknown; values?: unknown[] } | null

/** The `claims` request parameter (OIDC Core §5.5). */
export interface ClaimsRequest {
  /** Claims asked for in the ID token. */
  id_token?: Record<string, ClaimRequest>
  /** Claims asked for at UserInfo. */
  userinfo?: Record<string, ClaimRequest>
}

/** An end-user's session at the OP and the clients that signed in with it. */
export interface OpSession {
  /** The user. */
  sub: string
  /** The clients that received ID tokens carrying this session's `sid`. */
  clients: Set<string>
}
