/**
 * {@link createMockOP}: an in-memory OpenID Provider for testing relying parties, with no sockets.
 * @module
 */

import { runAuthorization } from './authorize.js'
import { checkClient } from './client-checks.js'
import { dpopStateOf } from './dpop.js'
import { checkProfileClient } from './fapi.js'
import { addFault } from './faults.js'
import {
  createKeyStore,
  currentKid,
  publicJwks,
  rotateSigningKeys,
  signCompact,
  signingMaterial,
} from './keys.js'
import { opLogout, sendBackChannelLogout, sendFrontChannelLogout } from './logout.js'
import { issueLogoutToken } from './logout-token.js'
import { currentMetadata, DEFAULT_CLAIMS_SUPPORTED } from './metadata.js'
import { MockOPError } from './mock-op-error.js'
import { registrationStateOf } from './registration.js'
import { handleRequest } from './router.js'
import { endpointsOf, mtlsEndpointsOf, type OpState } from './state.js'
import type { MockClient, MockOP, MockOPOptions, RecordedRequest, SignJwtOptions } from './types.js'

/**
 * Creates a mock OpenID Provider that checks what a real OP checks and can misbehave on cue.
 *
 * It checks PKCE, client authentication, request object signatures and redirect URI registration.
 *
 * Drive it with plain HTTP through `op.fetch` (pass it as the RP's `fetch`), and play the user
 * with `op.authorize(url, { user })`.
 * @param options - issuer, clients, users, signing algorithms, metadata, clock
 * @returns the mock OP, its keys generated
 * @throws {@link MockOPError} for impossible options (a client alg without a key, a duplicate
 * client…)
 * @example
 * ```ts
 * import { createAuthorizationRequest, discover, handleCallback } from 'oidc-rp'
 * import { createMockOP } from 'oidc-rp/testing'
 *
 * const op = await createMockOP({
 *   clients: [{ client_id: 'app', client_secret: 'secret', redirect_uris: ['https://rp.example/cb'] }],
 *   users: { alice: { name: 'Alice', email: 'alice@example.com', email_verified: true } },
 * })
 * const client = { client_id: 'app', client_secret: 'secret', redirect_uris: ['https://rp.example/cb'] }
 * const config = await discover(op.issuer, client, { fetch: op.fetch }) // the RP under test
 * const { url, browserBinding } = await createAuthorizationRequest(config)
 * const response = await op.authorize(url, { user: 'alice' }) // the redirect to the callback
 * // the browser brings the sign-in's browser-binding cookie back with the redirect
 * const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
 * const result = await handleCallback(config, response.url, { cookie }) // result.claims.sub: 'alice'
 *
 * op.misbehave({ idToken: 'wrong-nonce' })
 * // … the next sign-in must be refused with ID_TOKEN_NONCE_MISMATCH
 * ```
 * @group Everyday use
 */
export async function createMockOP(options: MockOPOptions): Promise<MockOP> {
  const state = await createState(options)
  const handler = (request: Request) => handleRequest(state, request, request.signal)
  return {
    issuer: state.issuer,
    requests: state.requests,
    handler,
    fetch: (input, init) => mockFetch(state, input, init),
    metadata: () => currentMetadata(state),
    jwks: () => publicJwks(state.keys),
    authorize: (authorizationUrl, authorizeOptions) => {
      const url = new URL(authorizationUrl)
      if (`${url.origin}${url.pathname}` !== state.endpoints.authorization) {
        return Promise.reject(
          new MockOPError(`${url.origin}${url.pathname} is not the authorization endpoint`),
        )
      }
      const record: RecordedRequest = {
        endpoint: 'authorization',
        method: 'GET',
        url: url.href,
        headers: {},
        params: Object.fromEntries(url.searchParams),
      }
      state.requests.push(record)
      return runAuthorization(state, url, authorizeOptions, record)
    },
    misbehave: (fault, misbehaveOptions) => addFault(state.faults, fault, misbehaveOptions),
    clearMisbehaviour: () => {
      state.faults.length = 0
    },
    rotateKeys: (rotateOptions) => rotateSigningKeys(state.keys, rotateOptions?.keepOld ?? false),
    setMetadata: (patch) => {
      Object.assign(state.metadataOverrides, patch)
    },
    clearRequests: () => {
      state.requests.length = 0
    },
    signJwt: (payload, signOptions) => signJwt(state, payload, signOptions),
    deliveries: state.deliveries,
    logoutToken: (tokenOptions) => issueLogoutToken(state, tokenOptions),
    backChannelLogout: (deliveryOptions) => sendBackChannelLogout(state, deliveryOptions),
    frontChannelLogout: (deliveryOptions) => sendFrontChannelLogout(state, deliveryOptions),
    logout: (logoutOptions) => opLogout(state, logoutOptions),
  }
}

/** The OP's `fetch`: builds the Request, rejects with the signal's reason when it aborts. */
async function mockFetch(state: OpState, input: RequestInfo | URL, init?: RequestInit) {
  const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
  signal?.throwIfAborted()
  const request = new Request(input, init)
  const provider = state.claimSources.find((s) => s.provider.handles(request.url))?.provider
  const handling = provider ? provider.fetch(request) : handleRequest(state, request, signal)
  if (!signal) return handling
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    handling.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Signs a payload with the OP's key for an algorithm, or an HMAC secret. */
async function signJwt(
  state: OpState,
  payload: Record<string, unknown>,
  options: SignJwtOptions = {},
): Promise<string> {
  const alg = options.alg ?? (state.signingAlgs.includes('RS256') ? 'RS256' : state.signingAlgs[0])
  if (alg === undefined) throw new MockOPError('no signing algorithm')
  const key = signingMaterial(state.keys, alg, options.secret)
  const kid = options.kid === null ? undefined : (options.kid ?? currentKid(state.keys, alg))
  const header = { ...options.header, alg, ...(kid === undefined ? {} : { kid }) }
  return signCompact(payload, header, key)
}

/** Checks the options and builds the state, generating the keys. */
async function createState(options: MockOPOptions): Promise<OpState> {
  const issuer = options.issuer ?? 'https://op.example.com'
  if (!isUrl(issuer)) throw new MockOPError(`issuer ${issuer} is not a URL`)
  const signingAlgs = [...new Set(options.signingAlgs ?? ['RS256', 'ES256'])]
  const clients = new Map<string, MockClient>()
  for (const client of options.clients) {
    if (clients.has(client.client_id)) throw new MockOPError(`duplicate client ${client.client_id}`)
    checkClient(client, signingAlgs)
    checkProfileClient(options.securityProfile, client)
    clients.set(client.client_id, client)
  }
  if (options.autoLogin !== undefined && options.users[options.autoLogin] === undefined) {
    throw new MockOPError(`autoLogin user ${options.autoLogin} is not in users`)
  }
  const template = options.issuerTemplate
  if (template !== undefined && !(isUrl(template) && template.includes('{tenantid}'))) {
    throw new MockOPError(`issuerTemplate ${template} is not a URL with {tenantid}`)
  }
  return {
    issuer,
    issuerTemplate: template,
    endpoints: endpointsOf(issuer),
    mtlsEndpoints: mtlsEndpointsOf(issuer),
    clientCertificate: options.clientCertificate,
    clients,
    users: options.users,
    signingAlgs,
    claimsSupported: options.claimsSupported ?? DEFAULT_CLAIMS_SUPPORTED,
    now: options.now ?? Date.now,
    accessTokenTtl: options.accessTokenTtlInSeconds ?? 3600,
    idTokenTtl: options.idTokenTtlInSeconds ?? 600,
    autoLogin: options.autoLogin,
    strictAssertionAudience: options.strictAssertionAudience ?? false,
    keys: await createKeyStore(signingAlgs),
    metadataOverrides: { ...options.metadata },
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    usedRefreshTokens: new Map(),
    pushed: new Map(),
    jtis: new Map(),
    dpop: dpopStateOf(options.dpop),
    securityProfile: options.securityProfile,
    faults: [],
    requests: [],
    sessions: new Map(),
    rpFetch: options.rpFetch ?? ((input, init) => globalThis.fetch(input, init)),
    deliveries: [],
    jwtBearerIssuers: new Map(
      (options.jwtBearerIssuers ?? []).map((trusted) => [trusted.issuer, trusted.jwks.keys]),
    ),
    claimSources: [...(options.claimSources ?? [])],
    registration: registrationStateOf(options.registration),
    webfinger: options.webfinger,
  }
}

/** Tells whether a string is an absolute URL. */
function isUrl(value: string): boolean {
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}
