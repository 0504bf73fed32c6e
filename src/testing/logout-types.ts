/**
 * The public types of the mock OP's logout side.
 *
 * Logout token faults and options, back- and front-channel deliveries, and OP-initiated logout.
 *
 * @module
 */

/**
 * How a logout token goes wrong (the OIDF `rp-backchannel-rpinitlogout-lt-*` tests and a few more):
 *
 * - `alg-none`: unsigned, `alg: none`, empty signature;
 * - `wrong-alg`: signed with another algorithm than the client's ID token algorithm (another OP
 *   key, else HS256 with the client secret);
 * - `bad-signature`: signature bytes altered;
 * - `wrong-issuer`: `iss` is `https://wrong-issuer.example`;
 * - `wrong-aud`: `aud` is `https://other-client.example`;
 * - `no-event` / `wrong-event`: no `events`, or only an event other than back-channel logout;
 * - `event-not-object`: the back-channel logout event's value is a string;
 * - `with-nonce`: carries a `nonce`;
 * - `no-jti`, `no-iat`: without `jti`, `iat`;
 * - `iat-in-future`: issued an hour ahead; `expired`: issued an hour ago, expired since;
 * - `no-sid-no-sub`: neither `sid` nor `sub`;
 * - `wrong-typ`: `typ: at+jwt`.
 * @group Logout
 */
export type LogoutTokenFault =
  | 'alg-none'
  | 'wrong-alg'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-aud'
  | 'no-event'
  | 'wrong-event'
  | 'event-not-object'
  | 'with-nonce'
  | 'no-jti'
  | 'no-iat'
  | 'iat-in-future'
  | 'expired'
  | 'no-sid-no-sub'
  | 'wrong-typ'

/**
 * Options of {@link MockOP.logoutToken}.
 * @group Logout
 */
export interface LogoutTokenOptions {
  /** The client (the token's `aud`). */
  clientId: string
  /** The user, sent as `sub`. */
  user?: string
  /** The OP session, sent as `sid`. */
  sid?: string
  /** Break the token this way. */
  fault?: LogoutTokenFault
  /** Claims merged over the token's; `undefined` deletes one. */
  claims?: Record<string, unknown>
  /** Members merged over the JWS header (not `alg`); `undefined` deletes one. */
  header?: Record<string, unknown>
}

/**
 * Options of {@link MockOP.backChannelLogout}.
 * @group Logout
 */
export interface BackChannelDeliveryOptions extends LogoutTokenOptions {
  /** The `fetch` to POST with. Default {@link MockOPOptions.rpFetch}. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
}

/**
 * How a front-channel logout call goes wrong.
 *
 * `wrong-issuer` (another `iss`), `wrong-sid` (another `sid`), `sid-only` (no `iss`), `no-iss-sid`
 * (neither).
 *
 * @group Logout
 */
export type FrontChannelFault = 'wrong-issuer' | 'wrong-sid' | 'sid-only' | 'no-iss-sid'

/**
 * Options of {@link MockOP.frontChannelLogout}.
 * @group Logout
 */
export interface FrontChannelDeliveryOptions {
  /** The client whose `frontchannel_logout_uri` is loaded. */
  clientId: string
  /** The OP session, sent as `sid` with `iss`. */
  sid?: string
  /** Break the call this way. */
  fault?: FrontChannelFault
  /** Request headers, e.g. the RP's session `cookie` the browser would send. */
  headers?: Record<string, string>
  /** The `fetch` to GET with. Default {@link MockOPOptions.rpFetch}. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
}

/**
 * Options of {@link MockOP.logout}: which OP sessions end.
 * @group Logout
 */
export interface OpLogoutOptions {
  /** The OP session to end. */
  sid?: string
  /** Without `sid`: every session of this user. */
  user?: string
}

/**
 * One logout request the OP sent to an RP, as listed in {@link MockOP.deliveries}.
 * @group Logout
 */
export interface LogoutDelivery {
  /** Back-channel (a POSTed logout token) or front-channel (an iframe GET). */
  channel: 'back-channel' | 'front-channel'
  /** The client told. */
  clientId: string
  /** The URL called (front-channel: with `iss` and `sid`). */
  url: string
  /** back-channel: the logout token sent. */
  logoutToken?: string
  /** The RP's HTTP status; 0 when the request failed. */
  status?: number
  /** The RP's response (its body unread). */
  response?: Response
  /** Why the request failed, when it did. */
  error?: string
}
