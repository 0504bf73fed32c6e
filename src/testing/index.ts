/**
 * `oidc-rp/testing`: a faithful, in-memory OpenID Provider to test relying parties with.
 *
 * {@link createMockOP} builds an OP that checks what a real OP checks (PKCE, every client
 * authentication method, request object signatures, redirect URI registration), answers through a
 * socket-free `fetch`, and can be scripted with {@link MockOP.misbehave} to send each fault an RP
 * must refuse. It uses only Web APIs, so the same tests run on Node, Deno, Bun, browsers and
 * workers.
 * @example
 * ```ts
 * import { createMockOP } from 'oidc-rp/testing'
 *
 * const op = await createMockOP({
 *   clients: [{ client_id: 'app', client_secret: 's3cret', redirect_uris: ['https://rp.example/cb'] }],
 *   users: { alice: { name: 'Alice' } },
 * })
 * const discovery = await op.fetch(`${op.issuer}/.well-known/openid-configuration`)
 * ```
 * @module
 */

export type {
  ClaimSourceFault,
  ClaimsJwtOptions,
  ClaimsProviderRequest,
  MockClaimSource,
  MockClaimsProvider,
  MockClaimsProviderOptions,
} from './claim-source-types.js'
export { createMockClaimsProvider } from './claims-provider.js'
export type { DPoPFault, MockDPoPOptions } from './dpop-types.js'
export type {
  AuthorizationResponseFault,
  Fault,
  GrantResponseFault,
  HttpFault,
  HttpFaultEndpoint,
  HttpFaultKind,
  IdTokenEndpoint,
  IdTokenFault,
  IntrospectionFault,
  JarmFault,
  MisbehaveOptions,
  MtlsFault,
  OAuthErrorFault,
  RegistrationFault,
  RequestUriFault,
  RespondFault,
  WebFingerFault,
} from './faults.js'
export type {
  BackChannelDeliveryOptions,
  FrontChannelDeliveryOptions,
  FrontChannelFault,
  LogoutDelivery,
  LogoutTokenFault,
  LogoutTokenOptions,
  OpLogoutOptions,
} from './logout-types.js'
export { createMockOP } from './mock-op.js'
export { MockOPError } from './mock-op-error.js'
export type { MockRegistrationOptions, MockWebFingerOptions } from './registration-types.js'
export type {
  AuthorizationResponse,
  AuthorizeOptions,
  ClientAuthMethod,
  JwtBearerIssuer,
  MockClient,
  MockOP,
  MockOPOptions,
  MockSecurityProfile,
  RecordedEndpoint,
  RecordedRequest,
  RecordedRequestObject,
  RotateKeysOptions,
  SigningAlg,
  SignJwtOptions,
} from './types.js'
