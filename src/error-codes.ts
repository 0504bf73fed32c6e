/**
 * The stable codes of oidc-rp's errors, one union per error class, each code with its meaning.
 *
 * `docs/errors.md` is generated from these comments (`npm run docs:errors`). The classes that carry
 * the codes are in errors.ts, which re-exports these types.
 *
 * @module
 */

/**
 * Codes of {@link OAuthResponseError}: the OP answered with an OAuth 2.0 error.
 * @group Errors
 */
export type OAuthResponseErrorCode =
  /**
   * The authorization response (callback) carried `error` (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
   */
  | 'AUTHORIZATION_ERROR_RESPONSE'
  /** The token endpoint answered with an OAuth error body (RFC 6749 §5.2). */
  | 'TOKEN_ERROR_RESPONSE'
  /**
   * The pushed authorization request endpoint answered with an OAuth error body (RFC 9126 §2.3).
   */
  | 'PAR_ERROR_RESPONSE'
  /**
   * The UserInfo endpoint refused the access token with a `WWW-Authenticate` challenge.
   *
   * See RFC 6750 §3.
   */
  | 'USERINFO_BEARER_CHALLENGE'
  /**
   * A protected resource refused the access token with a `WWW-Authenticate` challenge.
   *
   * A 401 or 403 with a `Bearer` (RFC 6750 §3) or `DPoP` (RFC 9449 §7.1) challenge, from
   * `fetchProtectedResource`.
   */
  | 'PROTECTED_RESOURCE_CHALLENGE'
  /**
   * The revocation endpoint answered with an OAuth error body (RFC 7009 §2.2.1).
   *
   * E.g. `unsupported_token_type` or `invalid_client`.
   */
  | 'REVOCATION_ERROR_RESPONSE'
  /** The introspection endpoint answered with an OAuth error body (RFC 7662 §2.3). */
  | 'INTROSPECTION_ERROR_RESPONSE'
  /**
   * The registration endpoint, or the client configuration endpoint, answered with an OAuth error.
   *
   * RFC 7591 §3.2.2 (`invalid_redirect_uri`, `invalid_client_metadata`,
   * `invalid_software_statement`, `unapproved_software_statement`), or RFC 7592 §2 and RFC 6750 §3
   * for a refused initial or registration access token (`invalid_token`).
   */
  | 'REGISTRATION_ERROR_RESPONSE'

/**
 * Codes of {@link ValidationError}: a check on what the OP or the browser sent failed.
 * @group Errors
 */
export type ValidationErrorCode =
  /**
   * The sign-in does not meet the connection's issuance criteria.
   *
   * The message and `claim` name the failed rule, never a value (docs/registry.md).
   */
  | 'ISSUANCE_CRITERIA_UNMET'
  /**
   * A multi-tenant OP's token names a tenant (`tid`) the connection does not allow, or none.
   *
   * See the `tenants` option (docs/registry.md, per-OP quirks).
   */
  | 'TOKEN_TENANT_NOT_ALLOWED'
  /** The discovered `issuer` is not exactly the issuer that was asked for (Discovery §4.3). */
  | 'DISCOVERY_ISSUER_MISMATCH'
  /** A member of the OP metadata is missing, of the wrong type, or not an absolute URL. */
  | 'DISCOVERY_INVALID_METADATA'
  /** An endpoint in the OP metadata uses plain http while https is required. */
  | 'DISCOVERY_INSECURE_ENDPOINT'
  /** The JWKS document is not a JSON object with a `keys` array. */
  | 'JWKS_INVALID'
  /** No key of the OP's JWKS matches the JWS header, even after one re-fetch. */
  | 'JWKS_NO_MATCHING_KEY'
  /** The `kid`-less JWS has more candidate keys than the configured limit. */
  | 'JWKS_TOO_MANY_CANDIDATES'
  /** The JWT is not a well-formed compact JWS (or JWE where one is expected). */
  | 'JWT_MALFORMED'
  /** The JWT is longer than the configured maximum. */
  | 'JWT_TOO_LARGE'
  /**
   * The JWS or JWE header lists `crit` extensions, none of which oidc-rp understands.
   *
   * See RFC 7515 §4.1.11.
   */
  | 'JWT_CRIT_UNSUPPORTED'
  /** The PAR response lacks a valid `request_uri` or `expires_in` (RFC 9126 §2.2). */
  | 'PAR_RESPONSE_INVALID'
  /** The callback has no `state` parameter. */
  | 'CALLBACK_STATE_MISSING'
  /** No pending transaction has this `state`: unknown, already used, or expired. */
  | 'CALLBACK_STATE_UNKNOWN'
  /**
   * The callback came without the browser-binding cookie of its sign-in.
   *
   * Started in another browser, or the cookie was never set (login CSRF defence, RFC 9700 §4.7.1).
   */
  | 'CALLBACK_BROWSER_BINDING_MISSING'
  /**
   * The callback's browser-binding value is not the one of its sign-in: started in another browser.
   */
  | 'CALLBACK_BROWSER_BINDING_MISMATCH'
  /**
   * The OP advertises RFC 9207's `iss` response parameter but the callback has no `iss`.
   *
   * That is, `authorization_response_iss_parameter_supported` is true.
   */
  | 'CALLBACK_ISSUER_MISSING'
  /** The callback's `iss` is not the OP's issuer (RFC 9207 §2.4, mix-up defence). */
  | 'CALLBACK_ISSUER_MISMATCH'
  /**
   * The callback's parameters do not fit the transaction's response type.
   *
   * For example, no `code`, or an `id_token` where none was asked.
   */
  | 'CALLBACK_RESPONSE_TYPE_MISMATCH'
  /** A callback parameter appears more than once (RFC 6749 §3.1). */
  | 'CALLBACK_DUPLICATE_PARAMETER'
  /**
   * The callback came another way than the transaction's response mode.
   *
   * For example, a `form_post` sign-in answered in the query.
   */
  | 'CALLBACK_RESPONSE_MODE_MISMATCH'
  /**
   * A hybrid flow's two ID tokens name another `iss` or `sub` (Core §3.3.3.6).
   *
   * The token endpoint's ID token must match the authorization response's.
   */
  | 'CALLBACK_ID_TOKEN_MISMATCH'
  /** The callback input is malformed or exceeds a limit (too many parameters, wrong method). */
  | 'CALLBACK_INVALID_INPUT'
  /**
   * The token endpoint's success response is not JSON or lacks a required member (RFC 6749 §5.1).
   */
  | 'TOKEN_RESPONSE_INVALID'
  /**
   * The ID token's JWS `alg` is not one the client accepts.
   *
   * Never `none` unless registered, never confused.
   */
  | 'ID_TOKEN_ALG_NOT_ALLOWED'
  /** The ID token's signature does not verify with the OP's key (or the client secret for HS*). */
  | 'ID_TOKEN_SIGNATURE_INVALID'
  /**
   * The ID token is encrypted but could not be decrypted, or is encrypted when it must not be.
   *
   * Or the reverse.
   */
  | 'ID_TOKEN_DECRYPTION_FAILED'
  /** The ID token's `iss` is not exactly the OP's issuer (Core §3.1.3.7 step 2). */
  | 'ID_TOKEN_ISSUER_MISMATCH'
  /** The ID token's `aud` is missing or does not contain the client_id (Core §3.1.3.7 step 3). */
  | 'ID_TOKEN_AUDIENCE_MISMATCH'
  /** The ID token's `aud` contains an audience the client does not trust (Core §3.1.3.7 step 3). */
  | 'ID_TOKEN_UNTRUSTED_AUDIENCE'
  /**
   * The ID token has several audiences but no `azp`, or an `azp` other than the client_id.
   *
   * See Core §3.1.3.7 steps 4, 5.
   */
  | 'ID_TOKEN_AZP_MISMATCH'
  /**
   * The ID token's `exp` is missing or in the past beyond the clock tolerance.
   *
   * See Core §3.1.3.7 step 9.
   */
  | 'ID_TOKEN_EXPIRED'
  /** The ID token's `iat` is missing or not a number (Core §2). */
  | 'ID_TOKEN_IAT_MISSING'
  /** The ID token's `iat` is in the future beyond the clock tolerance (Core §3.1.3.7 step 10). */
  | 'ID_TOKEN_IAT_IN_FUTURE'
  /** The ID token's `nbf` is in the future beyond the clock tolerance. */
  | 'ID_TOKEN_NOT_YET_VALID'
  /** The ID token has no `sub`, or a `sub` that is not a non-empty string (Core §2). */
  | 'ID_TOKEN_SUB_MISSING'
  /** The ID token has no `nonce` although one was sent (Core §3.1.3.7 step 11). */
  | 'ID_TOKEN_NONCE_MISSING'
  /** The ID token's `nonce` differs from the one sent (Core §3.1.3.7 step 11). */
  | 'ID_TOKEN_NONCE_MISMATCH'
  /**
   * `max_age` was sent but the ID token has no numeric `auth_time` (Core §3.1.3.7 step 13).
   *
   * Or `auth_time` requested.
   */
  | 'ID_TOKEN_AUTH_TIME_MISSING'
  /** The end-user authenticated longer ago than `max_age` allows (Core §3.1.3.7 step 13). */
  | 'ID_TOKEN_AUTH_TIME_TOO_OLD'
  /**
   * An access token came from the authorization endpoint but the ID token has no `at_hash`.
   *
   * See Core §3.2.2.9.
   */
  | 'ID_TOKEN_AT_HASH_MISSING'
  /** The ID token's `at_hash` does not match the access token (Core §3.2.2.9). */
  | 'ID_TOKEN_AT_HASH_MISMATCH'
  /**
   * A code came from the authorization endpoint with an ID token that has no `c_hash`.
   *
   * See Core §3.3.2.11.
   */
  | 'ID_TOKEN_C_HASH_MISSING'
  /** The ID token's `c_hash` does not match the code (Core §3.3.2.11). */
  | 'ID_TOKEN_C_HASH_MISMATCH'
  /** The ID token's `acr` is missing or is not one of the locked or essential `acr_values`. */
  | 'ID_TOKEN_ACR_NOT_SATISFIED'
  /**
   * A claim of the ID token has the wrong type.
   *
   * For example, `iss` not a string, `aud` neither string nor array.
   */
  | 'ID_TOKEN_CLAIM_INVALID'
  /** The UserInfo `sub` is not the ID token's `sub` (Core §5.3.2). */
  | 'USERINFO_SUB_MISMATCH'
  /** The UserInfo response is neither a JSON object nor a valid JWT of the registered kind. */
  | 'USERINFO_RESPONSE_INVALID'
  /** The signed UserInfo response does not verify, or its `iss`/`aud` are wrong. */
  | 'USERINFO_SIGNATURE_INVALID'
  /**
   * The encrypted UserInfo response could not be decrypted, or came unencrypted.
   *
   * Unencrypted is refused when encryption is registered.
   */
  | 'USERINFO_DECRYPTION_FAILED'
  /**
   * A refreshed ID token's `iss`, `sub`, `aud` or `auth_time` differs from the original.
   *
   * See Core §12.2.
   */
  | 'REFRESH_ID_TOKEN_MISMATCH'
  /**
   * A sealed transaction value is malformed, tampered with, or sealed with an unknown key.
   *
   * An unknown key is one no longer configured; an expired value is simply absent.
   */
  | 'SEALED_VALUE_INVALID'
  /**
   * The in-memory replay guard of the sealed store holds its maximum of unexpired sign-ins.
   *
   * New ones wait until some expire (fail closed).
   */
  | 'SEALED_REPLAY_GUARD_FULL'
  /**
   * The back-channel logout request is not a form POST with exactly one `logout_token`.
   *
   * See Back-Channel Logout §2.5.
   */
  | 'LOGOUT_REQUEST_INVALID'
  /**
   * The logout token's JWS `alg` is not one the client accepts for ID tokens.
   *
   * `none` never is (Back-Channel Logout §2.6).
   */
  | 'LOGOUT_TOKEN_ALG_NOT_ALLOWED'
  /**
   * The logout token's signature does not verify with the OP's key (or the client secret for HS*).
   */
  | 'LOGOUT_TOKEN_SIGNATURE_INVALID'
  /**
   * The logout token could not be decrypted, or is encrypted when ID tokens are not.
   *
   * Or the reverse.
   */
  | 'LOGOUT_TOKEN_DECRYPTION_FAILED'
  /**
   * The logout token's `typ` header is neither `logout+jwt` nor `JWT`.
   *
   * Cross-JWT confusion defence.
   */
  | 'LOGOUT_TOKEN_TYPE_INVALID'
  /** The logout token's `iss` is not exactly the OP's issuer. */
  | 'LOGOUT_TOKEN_ISSUER_MISMATCH'
  /** The logout token's `aud` is missing or does not contain the client_id. */
  | 'LOGOUT_TOKEN_AUDIENCE_MISMATCH'
  /**
   * The logout token's `iat` is missing, not a number, or in the future beyond the clock tolerance.
   */
  | 'LOGOUT_TOKEN_IAT_INVALID'
  /**
   * The logout token's `exp` (or, without `exp`, its `iat` plus the maximum age) is in the past.
   */
  | 'LOGOUT_TOKEN_EXPIRED'
  /** The logout token has no `jti`, or one that is not a non-empty string. */
  | 'LOGOUT_TOKEN_JTI_MISSING'
  /** A logout token with the same `jti` was already received and is still remembered. */
  | 'LOGOUT_TOKEN_REPLAYED'
  /**
   * The logout token's `events` lacks the back-channel logout event as a JSON object.
   *
   * The member is `http://schemas.openid.net/event/backchannel-logout`.
   */
  | 'LOGOUT_TOKEN_EVENT_INVALID'
  /** The logout token has neither `sid` nor `sub` (Back-Channel Logout §2.4). */
  | 'LOGOUT_TOKEN_SUBJECT_MISSING'
  /**
   * The logout token carries a `nonce`, which is prohibited so it can never pass for an ID token.
   */
  | 'LOGOUT_TOKEN_NONCE_PRESENT'
  /**
   * A logout token claim has the wrong type.
   *
   * For example, `sid` or `sub` not a string, `aud` neither string nor array.
   */
  | 'LOGOUT_TOKEN_CLAIM_INVALID'
  /**
   * The post-logout redirect has no `state` although one was sent (OIDF rp-init-logout-no-state).
   */
  | 'LOGOUT_STATE_MISSING'
  /**
   * The post-logout redirect's `state` is not the one sent, unasked for, or repeated.
   *
   * See OIDF rp-init-logout-other-state.
   */
  | 'LOGOUT_STATE_MISMATCH'
  /**
   * The front-channel logout request is malformed.
   *
   * A repeated parameter, or `iss` without `sid` (or the reverse).
   */
  | 'FRONT_CHANNEL_REQUEST_INVALID'
  /** The front-channel logout request has no `iss` and `sid` although they are required. */
  | 'FRONT_CHANNEL_SESSION_MISSING'
  /** The front-channel logout request's `iss` is not the OP's issuer. */
  | 'FRONT_CHANNEL_ISSUER_MISMATCH'
  /** The front-channel logout request's `sid` is not the session's `sid`. */
  | 'FRONT_CHANNEL_SID_MISMATCH'
  /**
   * An endpoint in the OP metadata points at loopback while the issuer does not.
   *
   * Loopback is `localhost`, `127.0.0.0/8`, `[::1]`: only a loopback (development) issuer may, or
   * `allowInsecureRequests`.
   */
  | 'DISCOVERY_LOOPBACK_ENDPOINT'
  /**
   * The OP key named by the JWS (or every key that could serve) cannot be safe.
   *
   * RSA with an even public exponent, one at most 2^16 or at least 2^256, or a modulus under 2048
   * bits; EC with a point off its curve or coordinates of the wrong length; OKP of the wrong
   * length. Never used to verify or encrypt.
   */
  | 'JWKS_UNSAFE_KEY'
  /**
   * The logout token's `aud` contains an audience the client does not trust.
   *
   * Validated as for ID tokens, Back-Channel Logout §2.6.
   */
  | 'LOGOUT_TOKEN_UNTRUSTED_AUDIENCE'
  /**
   * The logout token has several audiences but no `azp`, or an `azp` other than the client_id.
   *
   * Validated as for ID tokens.
   */
  | 'LOGOUT_TOKEN_AZP_MISMATCH'
  /** The logout token's `nbf` is in the future (beyond the clock tolerance). */
  | 'LOGOUT_TOKEN_NOT_YET_VALID'
  /**
   * A `returnTo` is not a path of the application or an allowed origin (`oidc-rp/web`).
   *
   * An open redirect after sign-in or logout would send the end-user anywhere.
   */
  | 'RETURN_TO_NOT_ALLOWED'
  /**
   * A logout `POST` without the session's CSRF token, or sent from another site (`oidc-rp/web`).
   *
   * Another site cannot sign the end-user out.
   */
  | 'LOGOUT_CSRF_MISMATCH'
  /**
   * The Node bridge cannot take the HTTP request as one to the application (`claim` says why).
   *
   * A target that is not a path on its origin (absolute-form naming another origin, `*`,
   * authority-form), a method or header a Fetch `Request` refuses, or a body cut short.
   */
  | 'REQUEST_INVALID'
  /**
   * The token endpoint's `token_type` is not the one asked for.
   *
   * `DPoP` when a DPoP proof was sent, `Bearer` otherwise (RFC 9449 §5): a DPoP-bound token
   * answered as `Bearer`, or a bound token the client cannot use.
   */
  | 'TOKEN_TYPE_UNEXPECTED'
  /**
   * The sign-in asked for a JWT response mode (JARM) but the callback has no `response` parameter.
   *
   * A plain response where a signed one was asked is refused unread (JARM §2.4).
   */
  | 'JARM_RESPONSE_MISSING'
  /**
   * The callback has a JARM `response` it should not have.
   *
   * The sign-in asked for a plain response mode, or other parameters came beside `response`.
   */
  | 'JARM_RESPONSE_UNEXPECTED'
  /** The JARM response's JWS `alg` is not the registered one (never `none`, JARM §4.1). */
  | 'JARM_ALG_NOT_ALLOWED'
  /** The JARM response's signature does not verify with the OP's key (JARM §4.4 step 4). */
  | 'JARM_SIGNATURE_INVALID'
  /**
   * The JARM response could not be decrypted, or is not encrypted as registered.
   *
   * Encrypted responses are registered with `authorization_encrypted_response_alg` (JARM §4.4
   * step 1); an encrypted one without that registration is refused too.
   */
  | 'JARM_DECRYPTION_FAILED'
  /** The JARM response's `iss` is missing or not the OP's issuer (JARM §4.4 step 2). */
  | 'JARM_ISSUER_MISMATCH'
  /** The JARM response's `aud` is missing or does not contain the client_id (JARM §4.4 step 3). */
  | 'JARM_AUDIENCE_MISMATCH'
  /** The JARM response has no numeric `exp`, or it has passed (JARM §4.4 step 5). */
  | 'JARM_EXPIRED'
  /** A JARM response claim has the wrong type, or its `iat` or `nbf` is in the future. */
  | 'JARM_CLAIM_INVALID'
  /**
   * The introspection response is not what RFC 7662 §2.2 describes.
   *
   * Not a JSON object (or not the registered `application/token-introspection+jwt`), `active`
   * missing or not a boolean, or a member of the wrong type (`claim` names it).
   */
  | 'INTROSPECTION_RESPONSE_INVALID'
  /**
   * The JWT introspection response is not signed as registered (RFC 9701 §5).
   *
   * Another `alg` than `introspection_signed_response_alg` (default RS256), or a signature the
   * OP's keys do not verify.
   */
  | 'INTROSPECTION_SIGNATURE_INVALID'
  /**
   * The JWT introspection response is not encrypted as registered, or does not decrypt.
   *
   * The client registered `introspection_encrypted_response_alg`/`_enc`, or did not; or its keys
   * do not decrypt the response.
   */
  | 'INTROSPECTION_DECRYPTION_FAILED'
  /**
   * A claim of the JWT introspection response fails RFC 9701 §5 (`claim` names it).
   *
   * `typ` not `token-introspection+jwt`, `iss` not the OP's issuer, `aud` without the client_id,
   * `iat` missing or in the future, `token_introspection` missing or not an object.
   */
  | 'INTROSPECTION_CLAIM_INVALID'
  /**
   * The token exchange response has no `issued_token_type`, or one that is not a non-empty string.
   *
   * RFC 8693 §2.2.1 requires it: without it the client cannot tell what token it received.
   */
  | 'TOKEN_EXCHANGE_ISSUED_TOKEN_TYPE_INVALID'
  /**
   * The token exchange response's `token_type` does not fit the issued token.
   *
   * `N_A` (not applicable) is allowed only when the issued token is not an access token (RFC 8693
   * §2.2.1); an issued access token must be `Bearer`.
   */
  | 'TOKEN_EXCHANGE_TOKEN_TYPE_INVALID'
  /**
   * `_claim_names` / `_claim_sources` are malformed (OIDC Core §5.6.2).
   *
   * Not objects, a name pointing to no source, a source with neither (or both) `JWT` and
   * `endpoint`, or a protocol claim (`sub`, `iss`…) named as coming from a source.
   */
  | 'CLAIM_SOURCE_INVALID'
  /** More claim sources than the connection's `claimSources.maxSources` (default 5). */
  | 'CLAIM_SOURCE_TOO_MANY'
  /**
   * A claim source JWT has no `iss`, or one that is not among `claimSources.providers`.
   *
   * The OP cannot introduce a claims provider the connection does not trust.
   */
  | 'CLAIM_SOURCE_ISSUER_NOT_ALLOWED'
  /**
   * A claim source JWT is not signed as it must be.
   *
   * Its alg is not an accepted one (never `none` or `HS*`), or its signature does not verify with
   * the claims provider's keys (`cause`: `JWKS_*` when no key fits).
   */
  | 'CLAIM_SOURCE_SIGNATURE_INVALID'
  /** A claim source JWT has an `aud` that does not contain the client_id. */
  | 'CLAIM_SOURCE_AUDIENCE_MISMATCH'
  /**
   * A claim source JWT is not a valid one (`claim` names what is wrong).
   *
   * Malformed, too large, expired, not yet valid, issued in the future, or without a claim
   * `_claim_names` says it holds.
   */
  | 'CLAIM_SOURCE_JWT_INVALID'
  /**
   * A distributed claim's endpoint is not on the connection's `claimSources.endpoints` allow-list.
   *
   * Nothing was sent to it: an OP cannot make the RP call anywhere.
   */
  | 'CLAIM_SOURCE_ENDPOINT_NOT_ALLOWED'
  /**
   * A distributed claim endpoint answered 200 with something other than a JWT.
   *
   * OIDC Core §5.6.2: the endpoint MUST return the claims as a JWT.
   */
  | 'CLAIM_SOURCE_RESPONSE_INVALID'
  /**
   * The WebFinger answer is not a JSON Resource Descriptor (RFC 7033 §4.4).
   *
   * Not a JSON object, `links` not an array of objects, or several different issuers.
   */
  | 'WEBFINGER_RESPONSE_INVALID'
  /**
   * The WebFinger answer has no link with `rel` `http://openid.net/specs/connect/1.0/issuer`.
   *
   * The host knows no OpenID Provider for the identifier (OIDC Discovery §2).
   */
  | 'WEBFINGER_ISSUER_MISSING'
  /**
   * The issuer the WebFinger answer names is not an https URL without query and fragment.
   *
   * OIDC Discovery §2 and §3: plain http only on loopback with `allowInsecureRequests`.
   */
  | 'WEBFINGER_ISSUER_INVALID'
  /**
   * The registration (or client configuration) response is not what RFC 7591 §3.2.1 describes.
   *
   * No `client_id`, a member of the wrong type, another `client_id` than the one managed, a
   * secret without `client_secret_expires_at`, no secret for a `client_secret_*` method, a URI the
   * RP hosts that it did not ask for, a signing alg downgraded to `none`: `claim` names it.
   */
  | 'REGISTRATION_RESPONSE_INVALID'
  /**
   * The `registration_client_uri` is not on the OP's origin nor the registration endpoint's.
   *
   * An OP cannot make the RP send its registration access token anywhere (RFC 7592 §3).
   */
  | 'REGISTRATION_CLIENT_URI_NOT_ALLOWED'

/**
 * Codes of {@link TransportError}: the exchange with the OP failed below the protocol.
 * @group Errors
 */
export type TransportErrorCode =
  /**
   * The application's attribute lookup threw, was aborted or timed out (`cause` says which).
   *
   * The sign-in is refused; nothing was stored.
   */
  | 'ATTRIBUTE_LOOKUP_FAILED'
  /** The request took longer than the timeout. */
  | 'HTTP_TIMEOUT'
  /** The caller's `AbortSignal` aborted the request. */
  | 'HTTP_ABORTED'
  /**
   * `fetch` failed: DNS, connection, TLS.
   *
   * Or a page could not load a part of oidc-rp that loads on first use (a chunk of its bundle).
   */
  | 'HTTP_NETWORK_ERROR'
  /** The response body is larger than the limit (enforced while streaming). */
  | 'HTTP_RESPONSE_TOO_LARGE'
  /** The response answered with a redirect, which is never followed. */
  | 'HTTP_REDIRECT_REFUSED'
  /** The response status is not the expected one (usually 200). */
  | 'HTTP_UNEXPECTED_STATUS'
  /** The response `Content-Type` is not the expected one. */
  | 'HTTP_BAD_CONTENT_TYPE'
  /** The response body is not valid JSON (or not valid UTF-8, or nested deeper than 64 levels). */
  | 'HTTP_INVALID_JSON'
  /** The response body is JSON but not a JSON object. */
  | 'HTTP_JSON_NOT_OBJECT'
  /**
   * A transaction store, session store or replay guard failed (e.g. Redis unreachable).
   *
   * Or it refused a command; `cause` has the store's error name, message and code, without its
   * arguments.
   */
  | 'STORE_ERROR'
  /**
   * A session's lock stayed taken by another caller longer than the store waits.
   *
   * `withLock` of the Redis session store, after `lockWaitInSeconds`.
   */
  | 'SESSION_LOCK_TIMEOUT'
  /**
   * The browser gives no web storage to the web-storage transaction store.
   *
   * The browser blocks this site's storage (reading it throws `SecurityError`), or there is none
   * (a worker, a server). Allow site data for the site, or give the store a `Storage` or use
   * another transaction store.
   */
  | 'STORE_UNAVAILABLE'
  /**
   * The web storage is full: the transaction did not fit, even after removing the expired ones.
   *
   * Nothing was written.
   */
  | 'STORE_QUOTA_EXCEEDED'
  /**
   * Another tab refreshed the browser session, but its tokens did not reach this tab in time.
   *
   * `oidc-rp/browser`: the tab does not refresh with a refresh token the OP may have rotated away;
   * the session stays as it was, try again.
   */
  | 'SESSION_SYNC_TIMEOUT'
  /**
   * A claim source could not be reached or read.
   *
   * The distributed claim endpoint answered another status than 200 (e.g. 401 for its access
   * token), timed out or failed; or the claims provider's OpenID configuration or JWKS could not
   * be fetched. `cause` is the underlying `HTTP_*` (or `DISCOVERY_*`) error.
   */
  | 'CLAIM_SOURCE_UNAVAILABLE'

/**
 * Codes of {@link UsageError}: the application or its configuration asked for something wrong.
 * @group Errors
 */
export type UsageErrorCode =
  /** The configuration or client metadata is invalid (message names the member). */
  | 'INVALID_CONFIGURATION'
  /** A function got an invalid argument (message names it). */
  | 'INVALID_ARGUMENT'
  /**
   * The configuration or request uses an optional feature the application did not install.
   *
   * Only on the lean entry `oidc-rp/core`: the message names the feature and its export in
   * `oidc-rp/features` (give it to `installFeatures`); the main entry installs every feature.
   */
  | 'FEATURE_NOT_INSTALLED'
  /** A URL uses plain http (outside loopback) and insecure requests were not allowed. */
  | 'INSECURE_URL'
  /**
   * The operation needs a credential the configuration lacks.
   *
   * Client secret, private key, decryption key.
   */
  | 'MISSING_CREDENTIALS'
  /**
   * The operation needs an endpoint the OP does not have.
   *
   * For example, no `pushed_authorization_request_endpoint`.
   */
  | 'ENDPOINT_MISSING'
  /** The application tried to change a parameter the policy fixes. */
  | 'POLICY_PARAMETER_FIXED'
  /** The application tried to set a protected parameter (`acr_values`, `prompt`). */
  | 'POLICY_PARAMETER_PROTECTED'
  /** The application tried to set a parameter the SDK owns (`state`, `nonce`, `client_id`…). */
  | 'POLICY_PARAMETER_RESERVED'
  /** The application sent a parameter the policy does not name. */
  | 'POLICY_PARAMETER_UNKNOWN'
  /** The application's value is not in the policy's list of allowed values. */
  | 'POLICY_VALUE_NOT_ALLOWED'
  /** The application asked for a scope the policy does not allow. */
  | 'POLICY_SCOPE_NOT_ALLOWED'
  /** The OP does not advertise the response type asked for. */
  | 'OP_UNSUPPORTED_RESPONSE_TYPE'
  /** The OP does not advertise the response mode asked for. */
  | 'OP_UNSUPPORTED_RESPONSE_MODE'
  /** The OP does not advertise the request object signing or encryption algorithm asked for. */
  | 'OP_UNSUPPORTED_REQUEST_OBJECT_ALG'
  /** The OP does not advertise the PKCE method asked for. */
  | 'OP_UNSUPPORTED_PKCE_METHOD'
  /** The OP does not advertise the `prompt` value asked for. */
  | 'OP_UNSUPPORTED_PROMPT'
  /**
   * A request object by value was asked for, but the OP does not support it.
   *
   * It does not advertise `request_parameter_supported`.
   */
  | 'OP_UNSUPPORTED_REQUEST_OBJECT'
  /** The OP does not advertise the client authentication method configured. */
  | 'OP_UNSUPPORTED_AUTH_METHOD'
  /** UserInfo was required but the OP has no UserInfo endpoint or no access token came. */
  | 'USERINFO_UNAVAILABLE'
  /**
   * The `post_logout_redirect_uri` asked for is not registered for the client.
   *
   * It must be one of the client's `post_logout_redirect_uris`.
   */
  | 'LOGOUT_REDIRECT_URI_NOT_REGISTERED'
  /**
   * The response was already started (its headers sent) before the Node bridge could send its own.
   */
  | 'RESPONSE_ALREADY_SENT'
  /**
   * Something before the Node bridge read the request body and left no `req.body` it can rebuild.
   *
   * A body parser of a kind the bridge cannot turn back into bytes (multipart, nested objects), or
   * none at all; mount the bridge before body parsers, or use one that sets `req.body`.
   */
  | 'REQUEST_BODY_ALREADY_READ'
  /**
   * The callback's DPoP key is not the one the authorization request named in `dpop_jkt`.
   *
   * Or none was given: the code is bound to that key (RFC 9449 §10).
   */
  | 'DPOP_KEY_MISMATCH'
  /**
   * The OP does not advertise the JARM signing or encryption algorithm the client registered.
   *
   * See `authorization_signing_alg_values_supported` and
   * `authorization_encryption_*_values_supported`.
   */
  | 'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG'
  /** Token revocation was asked for but the OP's metadata has no `revocation_endpoint`. */
  | 'REVOCATION_UNAVAILABLE'
  /** Token introspection was asked for but the OP's metadata has no `introspection_endpoint`. */
  | 'INTROSPECTION_UNAVAILABLE'
  /**
   * The OP lists `grant_types_supported` and the grant asked for is not among them.
   *
   * Client credentials, token exchange or JWT bearer: nothing was sent.
   */
  | 'OP_UNSUPPORTED_GRANT_TYPE'
  /**
   * The connection, or a request under it, breaks its security profile (FAPI 2.0).
   *
   * The message names the member or option at fault and what the profile needs; nothing was sent.
   */
  | 'SECURITY_PROFILE_VIOLATION'
  /**
   * The identifier given to WebFinger discovery cannot be normalised (OIDC Discovery §2.1).
   *
   * Empty, an XRI, a scheme other than `acct`, `https` or `http`, no host, or a host that is
   * loopback or a private address (without `allowInsecureRequests`).
   */
  | 'WEBFINGER_IDENTIFIER_INVALID'
  /**
   * Dynamic registration or client management was asked for without what it needs.
   *
   * The OP's metadata has no `registration_endpoint`, or the registration has no
   * `registration_client_uri` or registration access token (RFC 7591, RFC 7592).
   */
  | 'REGISTRATION_UNAVAILABLE'
  /**
   * The connection registry has no connection with this id, or it is disabled.
   *
   * A callback whose sign-in was started by a connection removed or disabled since is refused too.
   */
  | 'CONNECTION_UNAVAILABLE'
  /**
   * A connection registry change was refused.
   *
   * The id is taken, an e-mail domain belongs to another connection, or another write changed the
   * connection first (reload it and try again).
   */
  | 'CONNECTION_CONFLICT'
  /**
   * No enabled connection, or more than one, serves the e-mail domain or issuer asked for.
   */
  | 'CONNECTION_NOT_CHOSEN'
  /**
   * The application asked for a local acr the connection's `acrMapping.request` has no row for.
   *
   * Nothing was sent.
   */
  | 'ACR_NOT_MAPPED'
  /**
   * The attribute lookup's result is refused.
   *
   * It is not an object of JSON values, or it names a protocol claim.
   */
  | 'ATTRIBUTE_LOOKUP_INVALID'
  /**
   * The clock (the `now` option) returned something that is not a time.
   *
   * `NaN`, `undefined`, `Infinity` or a negative number: every expiry check would pass, so the
   * operation is refused.
   */
  | 'CLOCK_INVALID'
  /**
   * The policy passes request objects by reference, but the OP does not fetch them.
   *
   * Its metadata says `request_uri_parameter_supported: false` (absent means true, Discovery §3).
   */
  | 'OP_UNSUPPORTED_REQUEST_URI'

/**
 * Every code an oidc-rp error can carry. `docs/errors.md` lists each with its meaning.
 * @group Errors
 */
export type ErrorCode =
  | OAuthResponseErrorCode
  | ValidationErrorCode
  | TransportErrorCode
  | UsageErrorCode
