/**
 * Scriptable misbehaviour.
 *
 * The {@link Fault} values `MockOP.misbehave` accepts, and the queue that hands each fault to the
 * next matching response.
 *
 * @module
 */

import type { ClaimSourceFault } from './claim-source-types.js'
import type { DPoPFault } from './dpop-types.js'

/**
 * How an ID token goes wrong, wherever one is issued.
 *
 * At the authorization endpoint, the token endpoint or on refresh. Each value breaks exactly one
 * rule an RP must check:
 *
 * - `wrong-issuer`: `iss` is `https://wrong-issuer.example`;
 * - `bad-signature`: a well-formed JWS whose signature bytes are altered;
 * - `alg-none`: unsigned, `alg: none`, empty signature;
 * - `wrong-audience`: `aud` is `https://other-client.example`;
 * - `no-audience`: no `aud`;
 * - `extra-audience`: `aud` is `[client_id, 'https://untrusted.example']` with `azp` = client_id;
 * - `wrong-azp`: `azp` is `another-client` (the `aud` stays the client_id);
 * - `multiple-audiences-no-azp`: `aud` is `[client_id, 'https://other-audience.example']` without
 * `azp`;
 * - `expired`: `exp` an hour ago (`iat` before it);
 * - `iat-in-future`: `iat` an hour ahead (`exp` after it);
 * - `no-iat`: no `iat`;
 * - `nbf-in-future`: `nbf` an hour ahead;
 * - `no-sub`: no `sub`;
 * - `wrong-nonce` / `no-nonce`: another `nonce` / none;
 * - `no-at_hash` / `wrong-at_hash`: `at_hash` missing / of another value;
 * - `no-c_hash` / `wrong-c_hash`: `c_hash` missing / of another value;
 * - `no-auth_time`: no `auth_time`; `old-auth_time`: `auth_time` one day old;
 * - `wrong-acr`: `acr` is `urn:mock:wrong-acr`;
 * - `no-kid`: the `kid` header is omitted;
 * - `unknown-kid`: signed with a fresh key whose kid is not in the JWKS;
 * - `hs256-wrong-secret`: `alg: HS256` signed with a secret that is not the client's.
 * @group Faults
 */
export type IdTokenFault =
  | 'wrong-issuer'
  | 'bad-signature'
  | 'alg-none'
  | 'wrong-audience'
  | 'no-audience'
  | 'extra-audience'
  | 'wrong-azp'
  | 'multiple-audiences-no-azp'
  | 'expired'
  | 'iat-in-future'
  | 'no-iat'
  | 'nbf-in-future'
  | 'no-sub'
  | 'wrong-nonce'
  | 'no-nonce'
  | 'no-at_hash'
  | 'wrong-at_hash'
  | 'no-c_hash'
  | 'wrong-c_hash'
  | 'no-auth_time'
  | 'old-auth_time'
  | 'wrong-acr'
  | 'no-kid'
  | 'unknown-kid'
  | 'hs256-wrong-secret'

/**
 * Where an ID token fault applies.
 *
 * Only to ID tokens issued at the authorization endpoint (the front channel), or only to those of
 * the token endpoint (code redemption and refresh). Without it, a fault spoils the next ID token
 * wherever it is issued; a hybrid sign-in issues two.
 * @group Faults
 */
export type IdTokenEndpoint = 'authorization' | 'token'

/**
 * How a successful authorization response that carries an access token goes wrong.
 *
 * Implicit `id_token token` and hybrid `code token` / `code id_token token`:
 *
 * - `no-access_token`: the `access_token` parameter is left out;
 * - `no-token_type`: the `token_type` parameter is left out;
 * - `mac-token_type`: `token_type` is `mac` instead of `Bearer`.
 * @group Faults
 */
export type AuthorizationResponseFault = 'no-access_token' | 'no-token_type' | 'mac-token_type'

/**
 * How a JWT Secured Authorization Response (JARM) goes wrong.
 *
 * Each value breaks exactly one rule an RP must check (JARM §4.4):
 *
 * - `bad-signature`: a well-formed JWS whose signature bytes are altered;
 * - `wrong-audience`: `aud` is `https://other-client.example`;
 * - `wrong-issuer`: `iss` is `https://wrong-issuer.example`;
 * - `expired`: `exp` two minutes ago (past the default 30 s tolerance);
 * - `no-exp`: no `exp`;
 * - `alg-none`: unsigned, `alg: none`, empty signature;
 * - `plain`: the parameters unwrapped (no `response`), as if no JARM mode was asked;
 * - `signed-only`: signed but not encrypted although the client registered encryption.
 * @group Faults
 */
export type JarmFault =
  | 'bad-signature'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'expired'
  | 'no-exp'
  | 'alg-none'
  | 'plain'
  | 'signed-only'

/**
 * The HTTP endpoints an {@link HttpFault} can hit.
 * @group Faults
 */
export type HttpFaultEndpoint =
  | 'discovery'
  | 'jwks'
  | 'token'
  | 'userinfo'
  | 'par'
  | 'end_session'
  | 'revocation'
  | 'introspection'
  | 'registration'
  | 'webfinger'

/**
 * How an HTTP response goes wrong:
 *
 * - `not-json`: a `text/html` page instead of JSON;
 * - `json-array`: `[]` as `application/json`;
 * - `json-string`: a JSON string as `application/json`;
 * - `wrong-content-type`: the real JSON body, labelled `text/plain`;
 * - `oversized`: the real JSON object padded past {@link HttpFault.bytes}, streamed in chunks;
 * - `slow`: the real response after {@link HttpFault.delayInMs}; the request's signal aborts the
 * wait;
 * - `server-error`: 500;
 * - `redirect`: 302 to `https://redirect.example/elsewhere`;
 * - `empty`: 200 with an empty body.
 * @group Faults
 */
export type HttpFaultKind =
  | 'not-json'
  | 'json-array'
  | 'json-string'
  | 'wrong-content-type'
  | 'oversized'
  | 'slow'
  | 'server-error'
  | 'redirect'
  | 'empty'

/**
 * An HTTP-level fault of one endpoint.
 *
 * Faults that replace the response (`not-json`, `json-array`, `json-string`, `server-error`,
 * `redirect`, `empty`) skip the request's processing (a code is not spent).
 *
 * @group Faults
 */
export interface HttpFault {
  /** The endpoint whose response goes wrong. */
  endpoint: HttpFaultEndpoint
  /** What goes wrong. */
  kind: HttpFaultKind
  /** `oversized`: the body grows past this many bytes. Default 2 MiB. */
  bytes?: number
  /** `slow`: the delay in milliseconds. Default 30000. */
  delayInMs?: number
}

/**
 * An OAuth error the OP answers instead of doing its work.
 * @group Faults
 */
export interface OAuthErrorFault {
  /**
   * `authorization`: an error redirect (with `state` and `iss`); the others: a JSON error body.
   */
  endpoint: 'authorization' | 'token' | 'par' | 'revocation' | 'introspection' | 'registration'
  /** The `error` code, e.g. `temporarily_unavailable`. */
  error: string
  /** The `error_description`. */
  error_description?: string
  /** The `error_uri`. */
  error_uri?: string
  /** Back-channel endpoints: the HTTP status. Default 400. */
  status?: number
}

/**
 * How an introspection response goes wrong (RFC 7662 §2.2, RFC 9701 §5):
 *
 * - `not-json`: a `text/html` page with status 200;
 * - `no-active`: the real answer without `active`;
 * - `active-not-boolean`: `active` is the string `"true"`;
 * - `bad-signature`: a JWT response whose signature bytes are altered (even for a client that
 *   registered plain JSON);
 * - `wrong-audience`: a JWT response with `aud` `https://other-client.example`;
 * - `wrong-issuer`: a JWT response with `iss` `https://wrong-issuer.example`;
 * - `wrong-typ`: a JWT response with `typ` `JWT` instead of `token-introspection+jwt`.
 * @group Faults
 */
export type IntrospectionFault =
  | 'not-json'
  | 'no-active'
  | 'active-not-boolean'
  | 'bad-signature'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'wrong-typ'

/**
 * A response of the test's own making for one endpoint.
 * @group Faults
 */
export interface RespondFault {
  /** The endpoint to answer for (`authorization` covers a browser `GET /authorize`). */
  endpoint: HttpFaultEndpoint | 'authorization'
  /**
   * Builds the response; it receives the request (its body already read: see `MockOP.requests`).
   */
  response: (request: Request) => Response | Promise<Response>
}

/**
 * How the answer to a client credentials, token exchange or JWT bearer grant goes wrong:
 *
 * - `no-issued_token_type`: a token exchange answer without `issued_token_type` (RFC 8693 §2.2.1);
 * - `access-token-as-N_A`: `token_type` `N_A` although `issued_token_type` says access token;
 * - `with-id_token`: an `id_token` member (signed for the client) these grants never carry.
 * @group Faults
 */
export type GrantResponseFault = 'no-issued_token_type' | 'access-token-as-N_A' | 'with-id_token'

/**
 * Something the mock OP does wrong on purpose, so a test can prove the RP refuses it.
 *
 * - `{ idToken }`: a broken ID token ({@link IdTokenFault});
 * - `{ idTokenClaims }`: claims merged over the ID token's (`undefined` deletes one);
 * - `{ idTokenHeader }`: members merged over the ID token's JWS header (a new `alg` picks its key;
 *   `undefined` deletes one);
 * - each of the three with `endpoint` ({@link IdTokenEndpoint}): only the ID token of that
 *   endpoint, e.g. `{ idTokenClaims: { sub: 'mallory' }, endpoint: 'token' }` for a hybrid sign-in
 *   whose token endpoint speaks of another end-user;
 * - `{ authorizationResponse }`: an authorization response with an access token missing a part
 *   ({@link AuthorizationResponseFault});
 * - `{ metadata: 'wrong-issuer' }`: discovery answers with `issuer` =
 * `https://wrong-issuer.example`;
 * - `{ userinfo: 'wrong-sub' }`: UserInfo reports another `sub`;
 * - `{ userinfo: 'bad-signature' }`: UserInfo answers a JWT (`application/jwt`) with altered
 * signature
 *   bytes, even for a client that registered plain JSON;
 * - `{ userinfo: 'unauthorized' }`: UserInfo answers 401 with `WWW-Authenticate: Bearer
 * error="invalid_token"`;
 * - `{ introspection }`: a broken introspection response ({@link IntrospectionFault});
 * - `{ revocation: 'unavailable' }`: revocation answers 503; `{ revocation: 'ignored' }`: 200 but
 *   the token stays active;
 * - `{ oauthError }`: an OAuth error response ({@link OAuthErrorFault});
 * - `{ http }`: an HTTP-level failure ({@link HttpFault});
 * - `{ jwks: 'empty' }`: the JWKS has no keys; `{ jwks: 'no-kid' }`: its keys have no `kid`;
 * - `{ respond }`: a response the test builds ({@link RespondFault});
 * - `{ mtls }`: mutual TLS goes wrong ({@link MtlsFault});
 * - `{ dpop }`: the DPoP handling goes wrong ({@link DPoPFault});
 * - `{ jarm }`: a broken JWT Secured Authorization Response ({@link JarmFault}), for a request in a
 *   JARM response mode;
 * - `{ grantResponse }`: a broken answer to a grant without user ({@link GrantResponseFault});
 * - `{ registration }`: a broken registration or client configuration answer
 *   ({@link RegistrationFault});
 * - `{ webfinger }`: a broken WebFinger answer ({@link WebFingerFault});
 * - `{ requestUri }`: a request object by reference mishandled ({@link RequestUriFault}).
 * @group Faults
 */
export type Fault =
  | {
      /** Break the next ID token this way. */
      idToken: IdTokenFault
      /** Only an ID token issued at this endpoint. Default: the next one anywhere. */
      endpoint?: IdTokenEndpoint
    }
  | {
      /** Claims merged over the next ID token's claims; `undefined` deletes one. */
      idTokenClaims: Record<string, unknown>
      /** Only an ID token issued at this endpoint. Default: the next one anywhere. */
      endpoint?: IdTokenEndpoint
    }
  | {
      /** Members merged over the next ID token's JWS header; `undefined` deletes one. */
      idTokenHeader: Record<string, unknown>
      /** Only an ID token issued at this endpoint. Default: the next one anywhere. */
      endpoint?: IdTokenEndpoint
    }
  | {
      /** Break the next successful authorization response that carries an access token. */
      authorizationResponse: AuthorizationResponseFault
    }
  | {
      /** Serve discovery with `issuer` = `https://wrong-issuer.example`. */
      metadata: 'wrong-issuer'
    }
  | {
      /** Break the next UserInfo response this way. */
      userinfo: 'wrong-sub' | 'bad-signature' | 'unauthorized'
    }
  | {
      /** Break the next introspection response this way. */
      introspection: IntrospectionFault
    }
  | {
      /**
       * Break the next revocation this way.
       *
       * `unavailable`: it answers 503 (RFC 7009 §2.2.1) and revokes nothing; `ignored`: it answers
       * 200 and revokes nothing.
       */
      revocation: 'unavailable' | 'ignored'
    }
  | {
      /** Answer an OAuth error instead. */
      oauthError: OAuthErrorFault
    }
  | {
      /** Fail at the HTTP level. */
      http: HttpFault
    }
  | {
      /** Serve a JWKS without keys, or with keys without `kid`. */
      jwks: 'empty' | 'no-kid'
    }
  | {
      /** Answer with a response the test builds. */
      respond: RespondFault
    }
  | {
      /** Mutual TLS goes wrong ({@link MtlsFault}). */
      mtls: MtlsFault
    }
  | {
      /** Get DPoP wrong this way at the next request with a proof. */
      dpop: DPoPFault
    }
  | {
      /** Break the next JARM response this way. */
      jarm: JarmFault
    }
  | {
      /** Break the next client credentials, token exchange or JWT bearer answer this way. */
      grantResponse: GrantResponseFault
    }
  | {
      /** Break the claim sources of the next response that names some (`claimSources`). */
      claimSource: ClaimSourceFault
    }
  | {
      /** Break the next registration or client configuration answer this way. */
      registration: RegistrationFault
    }
  | {
      /** Break the next WebFinger answer this way. */
      webfinger: WebFingerFault
    }
  | {
      /** Mishandle the next request object passed by reference this way. */
      requestUri: RequestUriFault
    }

/**
 * How mutual TLS (RFC 8705) goes wrong:
 *
 * - `aliases-ignored`: the next request to a `mtls_endpoint_aliases` endpoint is handled as if no
 *   certificate came (an OP, or its TLS terminator, that drops it): TLS client authentication
 *   fails with `invalid_client`, a bound token cannot be issued, a bound token is refused;
 * - `bound-to-other-certificate`: the next access token is bound to a certificate the client does
 *   not hold (`cnf.x5t#S256` of another), so UserInfo refuses it with `invalid_token`.
 * @group Faults
 */
export type MtlsFault = 'aliases-ignored' | 'bound-to-other-certificate'

/**
 * How a registration (RFC 7591 §3.2.1) or client configuration (RFC 7592 §3) answer goes wrong.
 *
 * The client is registered (or read, or updated) all the same; only the answer is broken:
 *
 * - `no-client_id`: no `client_id`;
 * - `other-client_id`: `client_id` is `another-client`;
 * - `other-redirect_uris`: `redirect_uris` is `['https://attacker.example/callback']`;
 * - `changed-metadata`: `client_name` and `default_max_age` are the OP's own (a change an RP
 *   accepts and reports);
 * - `id_token-alg-none`: `id_token_signed_response_alg` is `none`;
 * - `client-uri-elsewhere`: `registration_client_uri` is on `https://elsewhere.example`;
 * - `no-secret-expiry`: a `client_secret` without `client_secret_expires_at`;
 * - `no-secret`: no `client_secret` although the auth method needs one.
 * @group Faults
 */
export type RegistrationFault =
  | 'no-client_id'
  | 'other-client_id'
  | 'other-redirect_uris'
  | 'changed-metadata'
  | 'id_token-alg-none'
  | 'client-uri-elsewhere'
  | 'no-secret-expiry'
  | 'no-secret'

/**
 * How a WebFinger answer (RFC 7033 §4.4) goes wrong:
 *
 * - `http-issuer`: the issuer link's `href` is the issuer with `http:`;
 * - `wrong-rel`: the link has `rel` `http://webfinger.net/rel/profile-page`;
 * - `issuer-with-query` / `issuer-with-fragment`: the `href` has `?tenant=a` / `#top`;
 * - `two-issuers`: a second issuer link, to `https://other-op.example`;
 * - `links-not-array`: `links` is an object;
 * - `xrd-content-type`: the JRD is labelled `application/xrd+xml`.
 * @group Faults
 */
export type WebFingerFault =
  | 'http-issuer'
  | 'wrong-rel'
  | 'issuer-with-query'
  | 'issuer-with-fragment'
  | 'two-issuers'
  | 'links-not-array'
  | 'xrd-content-type'

/**
 * How the OP mishandles a request object passed by reference (RFC 9101 §5.2):
 *
 * - `not-fetched`: it never fetches the `request_uri` and refuses the request with
 *   `request_uri_not_supported` (the RP's request object is left to expire);
 * - `fetched-twice`: it fetches the `request_uri` twice and reads the second answer (a retry
 *   without a cache), so an RP that serves each request object once makes it fail with
 *   `invalid_request_uri`.
 * @group Faults
 */
export type RequestUriFault = 'not-fetched' | 'fetched-twice'

/**
 * Options of `MockOP.misbehave`.
 * @group Faults
 */
export interface MisbehaveOptions {
  /** How many matching responses the fault spoils. Default 1; `Infinity` lasts until cleared. */
  times?: number
  /**
   * Only responses to this client.
   *
   * See Discovery and JWKS requests name no client, so a fault scoped to a client never hits them.
   */
  clientId?: string
}

/** A queued fault and how many more times it applies. */
export interface FaultEntry {
  /** The fault. */
  fault: Fault
  /** Uses left. */
  remaining: number
  /** The client it is scoped to. */
  clientId: string | undefined
}

/**
 * Queues a fault.
 * @param queue - the OP's fault queue
 * @param fault - the fault
 * @param options - times and client scope
 */
export function addFault(queue: FaultEntry[], fault: Fault, options: MisbehaveOptions = {}): void {
  const times = options.times ?? 1
  if (!(times > 0)) throw new TypeError('misbehave: times must be a positive number')
  queue.push({ fault, remaining: times, clientId: options.clientId })
}

/**
 * Takes the first queued fault that `select` accepts for this client, spending one of its uses.
 * @param queue - the OP's fault queue
 * @param clientId - the client the response is for, when known
 * @param select - returns the fault's payload when it applies here
 * @returns the payload, or undefined
 */
export function takeFault<T>(
  queue: FaultEntry[],
  clientId: string | undefined,
  select: (fault: Fault) => T | undefined,
): T | undefined {
  for (const entry of queue) {
    if (entry.clientId !== undefined && entry.clientId !== clientId) continue
    const value = select(entry.fault)
    if (value === undefined) continue
    spend(queue, entry)
    return value
  }
  return undefined
}

/**
 * Takes every queued fault that `select` accepts for this client, spending one use of each.
 * @param queue - the OP's fault queue
 * @param clientId - the client the response is for
 * @param select - returns the fault's payload when it applies here
 * @returns the payloads in queue order
 */
export function takeFaults<T>(
  queue: FaultEntry[],
  clientId: string | undefined,
  select: (fault: Fault) => T | undefined,
): T[] {
  const taken: T[] = []
  for (const entry of [...queue]) {
    if (entry.clientId !== undefined && entry.clientId !== clientId) continue
    const value = select(entry.fault)
    if (value === undefined) continue
    spend(queue, entry)
    taken.push(value)
  }
  return taken
}

/** Spends one use of a queued fault, removing it when none remain. */
function spend(queue: FaultEntry[], entry: FaultEntry): void {
  entry.remaining -= 1
  if (entry.remaining <= 0) queue.splice(queue.indexOf(entry), 1)
}
