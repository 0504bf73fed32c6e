/**
 * The mock OP's internal state: clients, users, keys, grants and the fault queue.
 * @module
 */

import type { JWK } from 'jose'
import type { MockClaimSource } from './claim-source-types.js'
import type { DPoPState } from './dpop-types.js'

import type { FaultEntry } from './faults.js'
import type { KeyStore } from './keys.js'
import type { LogoutDelivery } from './logout-types.js'
import { MockOPError } from './mock-op-error.js'
import type { MockWebFingerOptions, RegistrationState } from './registration-types.js'
import type {
  ClaimsRequest,
  MockClient,
  MockSecurityProfile,
  OpSession,
  RecordedRequest,
} from './types.js'

/** What the user granted to a client: the basis of codes, access tokens and refresh tokens. */
export interface Grant {
  /** The client the grant is for. */
  clientId: string
  /** The user. */
  sub: string
  /** The granted scope. */
  scope: string
  /** The `nonce` of the authorization request. */
  nonce?: string
  /** When the user authenticated, seconds since the epoch. */
  authTime: number
  /** Whether ID tokens carry `auth_time`. */
  includeAuthTime: boolean
  /** The `acr` to report. */
  acr?: string
  /** The `amr` to report. */
  amr?: string[]
  /** The session id. */
  sid?: string
  /**
   * The tokens of one authorization.
   *
   * Revoking a refresh token revokes every token of its family (RFC 7009 §2.1).
   */
  family?: string
  /** The `claims` request parameter. */
  claims: ClaimsRequest
  /** The JWK thumbprint of the DPoP key the tokens are bound to (`cnf.jkt`, RFC 9449 §6). */
  jkt?: string
}

/** An authorization code waiting for the token endpoint. */
export interface CodeGrant extends Grant {
  /** The `redirect_uri` of the authorization request. */
  redirectUri: string
  /** The PKCE S256 challenge. */
  codeChallenge?: string
  /** The `dpop_jkt` of the authorization request: the code is bound to that key. */
  dpopJkt?: string
  /** Expiry, ms since the epoch. */
  expiresAt: number
  /** Whether the code was redeemed. */
  used: boolean
  /** Tokens issued for it, revoked when it is replayed. */
  issued: string[]
}

/** An access token. */
export interface AccessGrant extends Grant {
  /** Expiry, ms since the epoch. */
  expiresAt: number
  /** The certificate it is bound to (RFC 8705 §3.1 `x5t#S256`), when bound. */
  certificateThumbprint?: string
}

/** A pushed authorization request (RFC 9126). */
export interface PushedRequest {
  /** The client that pushed it. */
  clientId: string
  /** The authorization parameters, request object already resolved. */
  params: Record<string, string>
  /** Expiry, ms since the epoch. */
  expiresAt: number
}

/** The endpoint URLs. */
export interface Endpoints {
  discovery: string
  jwks: string
  authorization: string
  par: string
  token: string
  userinfo: string
  end_session: string
  revocation: string
  introspection: string
  /** RFC 7591 §3; each client's configuration endpoint is under it (RFC 7592). */
  registration: string
  /** RFC 7033 §4: on the issuer's origin, whatever its path. */
  webfinger: string
}

/** The mutual-TLS aliases of the endpoints a client calls directly (RFC 8705 §5). */
export interface MtlsEndpoints {
  token: string
  par: string
  userinfo: string
}

/** Everything the mock OP knows. */
export interface OpState {
  issuer: string
  /** The multi-tenant issuer template (with `{tenantid}`), when the OP acts as one. */
  issuerTemplate: string | undefined
  endpoints: Endpoints
  /** The mutual-TLS aliases, where the OP reads the client certificate. */
  mtlsEndpoints: MtlsEndpoints
  /** Which certificate a request's connection presented (PEM or thumbprint). */
  clientCertificate:
    | ((request: Request) => string | undefined | Promise<string | undefined>)
    | undefined
  clients: Map<string, MockClient>
  users: Record<string, Record<string, unknown>>
  signingAlgs: string[]
  claimsSupported: string[]
  now: () => number
  accessTokenTtl: number
  idTokenTtl: number
  autoLogin: string | undefined
  strictAssertionAudience: boolean
  keys: KeyStore
  metadataOverrides: Record<string, unknown>
  codes: Map<string, CodeGrant>
  accessTokens: Map<string, AccessGrant>
  refreshTokens: Map<string, Grant>
  /** With rotation: whether refresh tokens rotate, and each used one with its successor. */
  rotateRefreshTokens: boolean
  usedRefreshTokens: Map<string, string>
  pushed: Map<string, PushedRequest>
  jtis: Map<string, number>
  /** DPoP: what is required, the current nonce, the proofs' jtis. */
  dpop: DPoPState
  /** The FAPI 2.0 profile enforced, if any. */
  securityProfile: MockSecurityProfile | undefined
  faults: FaultEntry[]
  requests: RecordedRequest[]
  /** OP sessions by `sid`. */
  sessions: Map<string, OpSession>
  /** The fetch that reaches RPs' logout URIs. */
  rpFetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** Logout requests sent to RPs. */
  deliveries: LogoutDelivery[]
  /** The JWT bearer grant's trusted assertion issuers: `iss` → public keys. */
  jwtBearerIssuers: Map<string, JWK[]>
  /** The claim sources named for every end-user, and the providers `op.fetch` serves. */
  claimSources: readonly MockClaimSource[]
  /** Dynamic registration (RFC 7591, RFC 7592), when enabled. */
  registration: RegistrationState | undefined
  /** The WebFinger responder, when enabled. */
  webfinger: MockWebFingerOptions | undefined
}

/** One HTTP request being handled. */
export interface RequestContext {
  state: OpState
  request: Request
  url: URL
  /** The form body parameters (empty unless the body is urlencoded). */
  form: URLSearchParams
  record: RecordedRequest
  signal: AbortSignal | undefined
  /** The thumbprint of the client certificate presented (mutual-TLS aliases only). */
  certificate?: string
}

/**
 * The current time in whole seconds.
 * @param state - the OP state
 * @returns seconds since the epoch
 */
export function nowSeconds(state: OpState): number {
  return Math.floor(state.now() / 1000)
}

/**
 * Finds a registered client, or throws a `MockOPError` (an OP error page, never a redirect).
 * @param state - the OP state
 * @param clientId - the client_id
 * @returns the client
 */
export function requireClient(state: OpState, clientId: string | null | undefined): MockClient {
  const client = clientId ? state.clients.get(clientId) : undefined
  if (!client) throw new MockOPError(`unknown client_id "${clientId ?? ''}"`)
  return client
}

/**
 * The endpoint URLs under an issuer (which may have a path).
 * @param issuer - the issuer identifier
 * @returns the endpoints
 */
export function endpointsOf(issuer: string): Endpoints {
  const base = issuer.replace(/\/+$/, '')
  return {
    discovery: `${base}/.well-known/openid-configuration`,
    jwks: `${base}/jwks`,
    authorization: `${base}/authorize`,
    par: `${base}/par`,
    token: `${base}/token`,
    userinfo: `${base}/userinfo`,
    end_session: `${base}/end_session`,
    revocation: `${base}/revoke`,
    introspection: `${base}/introspect`,
    registration: `${base}/register`,
    webfinger: `${new URL(issuer).origin}/.well-known/webfinger`,
  }
}

/**
 * The mutual-TLS aliases under an issuer: the same endpoints under `/mtls`.
 * @param issuer - the issuer identifier
 * @returns the aliases
 */
export function mtlsEndpointsOf(issuer: string): MtlsEndpoints {
  const base = `${issuer.replace(/\/+$/, '')}/mtls`
  return { token: `${base}/token`, par: `${base}/par`, userinfo: `${base}/userinfo` }
}
