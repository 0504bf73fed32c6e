/**
 * The demo's Relying Party, on `oidc-rp/web`: three connections to one OP (the code flow, the
 * implicit flow with form_post, a signed request object), each a `createWebAuth` with its own
 * routes and session cookie; one administrator's policy with locked `acr_values` and `prompt`; an
 * attribute mapping; the sealed transaction store (a pending sign-in travels in its cookie). The
 * whole RP is one Web handler, served on Node by the `oidc-rp/web` bridge.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { JWK } from 'jose'
import {
  type AttributeMappingRule,
  type Configuration,
  type ConfigurationOptions,
  createMemorySessionStore,
  createSealedTransactionStore,
  discover,
  type MetadataDiff,
  type RequestPolicyInput,
  reloadMetadata,
  type SignInResult,
} from '../src/index.js'
import { createConnectionRegistry } from '../src/registry/index.js'
import { createWebAuth, type WebAuth, type WebSession } from '../src/web/index.js'
import { adminPage, errorPage, homePage, type SessionView } from './demo-views.js'

/** The sign-in flows of the demo, one connection (client) each. */
export type Flow = 'code' | 'implicit' | 'jar'
const FLOWS: readonly Flow[] = ['code', 'implicit', 'jar']

/** The administrator's request policy: acr_values and prompt are locked. */
export const POLICY: RequestPolicyInput = {
  scopes: ['openid', 'profile', 'email', 'org'],
  parameters: [
    { name: 'acr_values', value: 'urn:mace:incommon:iap:silver', rule: 'fixed' },
    { name: 'prompt', value: 'login', rule: 'fixed' },
    { name: 'login_hint', rule: 'overridable' },
    { name: 'ui_locales', value: 'en', rule: 'allowed', allowed: ['en', 'fr'] },
  ],
  protect: { acr_values: true, prompt: true },
}

/** The application's attributes, from the contract's claims. */
export const MAPPING: AttributeMappingRule[] = [
  { attribute: 'displayName', claim: 'name' },
  { attribute: 'mail', claim: 'email' },
  { attribute: 'mailVerified', claim: 'email_verified', default: false },
  { attribute: 'department', claim: 'department' },
  { attribute: 'phone', claim: 'phone_number' },
]

/** The parameters a sign-in link may carry; the policy decides which it accepts. */
const LINK_PARAMETERS = ['login_hint', 'ui_locales', 'acr_values', 'prompt'] as const

/**
 * The RP's paths of a flow: its routes under `/auth/<flow>/`, its redirect URI and post-logout
 * redirect URI there too. The demo OP registers the same.
 * @param origin - the RP's origin
 * @param flow - the flow
 * @returns the URLs the OP knows
 */
export function flowUrls(origin: string, flow: Flow | 'sso') {
  const base = `${origin}/auth/${flow}`
  return {
    redirectUri: `${base}/callback`,
    postLogoutRedirectUri: `${base}/signed-out`,
    backChannelLogoutUri: `${base}/backchannel-logout`,
  }
}

/**
 * The RP's paths of its connection registry: one callback for every OP.
 * @param origin - the RP's origin
 * @returns the URLs each OP knows
 */
export function ssoUrls(origin: string) {
  return flowUrls(origin, 'sso')
}

/** What the RP needs. */
export interface DemoRpOptions {
  readonly issuer: string
  /** The partner's OP: with `issuer`, the two connections of the registry. */
  readonly partnerIssuer: string
  /** Where the RP listens, e.g. `http://127.0.0.1:4000`. */
  readonly origin: string
  readonly clientSecret: string
  /** The private key that signs request objects. */
  readonly privateKey: JWK
  /** Demo only: make the OP change its claims (restarts it), to show a metadata reload. */
  readonly changeOp?: () => Promise<void>
}

/**
 * Discovers the OP for each flow and returns the RP as one Web handler.
 * @param options - the OP, where the RP listens, credentials
 * @returns `(request) => response`
 */
export async function createDemoRp(options: DemoRpOptions) {
  const { issuer, origin, clientSecret } = options
  const store = createSealedTransactionStore({ keys: [randomBytes(32)] })
  const deps = { store, attributeMapping: MAPPING }
  const client = (flow: Flow) => {
    const urls = flowUrls(origin, flow)
    return {
      redirect_uris: [urls.redirectUri],
      post_logout_redirect_uris: [urls.postLogoutRedirectUri],
    }
  }
  let connections: Record<Flow, Configuration> = {
    code: await discover(
      issuer,
      { client_id: 'demo-rp', client_secret: clientSecret, ...client('code') },
      { ...deps, policy: POLICY },
    ),
    implicit: await discover(
      issuer,
      { client_id: 'demo-implicit', token_endpoint_auth_method: 'none', ...client('implicit') },
      {
        ...deps,
        policy: { ...POLICY, responseType: 'id_token token', responseMode: 'form_post' },
      },
    ),
    jar: await discover(
      issuer,
      {
        client_id: 'demo-jar',
        client_secret: clientSecret,
        keys: [options.privateKey],
        request_object_signing_alg: 'RS256',
        ...client('jar'),
      },
      { ...deps, policy: { ...POLICY, transport: 'request-object' } },
    ),
  }

  // One session store and one set of keys for the three: sessions survive a metadata reload
  // (which makes new handlers), and a back-channel logout finds the session of any flow.
  const sessionStore = createMemorySessionStore()
  const secrets = [randomBytes(32)]
  const webAuth = (flow: Flow): WebAuth =>
    createWebAuth(connections[flow], {
      secrets,
      sessionStore,
      cookieName: `demo.${flow}`,
      routes: {
        login: `/auth/${flow}/login`,
        logout: `/auth/${flow}/logout`,
        backChannelLogout: `/auth/${flow}/backchannel-logout`,
        frontChannelLogout: `/auth/${flow}/frontchannel-logout`,
        error: '/error',
      },
      // a sign-in link may ask for a login_hint, a locale, or (refused: locked) another acr
      loginParameters: (request) => {
        const query = new URL(request.url).searchParams
        return Object.fromEntries(
          LINK_PARAMETERS.flatMap((n) => (query.has(n) ? [[n, query.get(n)]] : [])),
        )
      },
      // what the pages show, kept in the sealed session; never a token
      onSignIn: (result) => viewOf(flow, result),
    })
  // The connection registry: the corporate OP and the partner's, side by side, one callback.
  const sso = ssoUrls(origin)
  const registry = createConnectionRegistry({
    credentials: {
      corp: { client_secret: clientSecret },
      partner: { client_secret: clientSecret },
    },
  })
  const ssoClient = {
    client_id: 'demo-sso',
    client_secret: clientSecret,
    redirect_uris: [sso.redirectUri],
    post_logout_redirect_uris: [sso.postLogoutRedirectUri],
  }
  const ssoOptions = {
    attributeMapping: MAPPING,
    policy: { scopes: ['openid', 'profile', 'email'] },
  }
  const corp: ConfigurationOptions = {
    ...ssoOptions,
    // the application speaks of mfa and password; the OP of InCommon assurance profiles
    acrMapping: {
      request: [
        { local: 'mfa', remote: 'urn:mace:incommon:iap:silver' },
        { local: 'password', remote: 'urn:mace:incommon:iap:bronze' },
      ],
      response: [
        { remote: 'urn:mace:incommon:iap:silver', local: 'mfa' },
        { remote: 'urn:mace:incommon:iap:bronze', local: 'password' },
        { remote: '*', local: '*' },
      ],
    },
    issuanceCriteria: { rules: [{ id: 'has-email', name: 'email', condition: 'present' }] },
  }
  const partner: ConfigurationOptions = {
    ...ssoOptions,
    // the partner's users must have a verified address at example.test
    issuanceCriteria: {
      rules: [
        { id: 'verified-email', name: 'email_verified', condition: 'equals', value: 'true' },
        {
          id: 'partner-domain',
          name: 'email',
          condition: 'matches',
          value: '[^@]+@example\\.test',
        },
      ],
    },
  }
  await registry.add('corp', await discover(issuer, ssoClient, corp), {
    label: 'Corporate OP',
    domains: ['example.test'],
  })
  await registry.add('partner', await discover(options.partnerIssuer, ssoClient, partner), {
    label: 'Partner OP',
  })
  const ssoAuth = createWebAuth(registry, {
    secrets,
    sessionStore,
    cookieName: 'demo.sso',
    redirectUri: sso.redirectUri,
    postLogoutRedirectUri: sso.postLogoutRedirectUri,
    routes: {
      login: '/auth/sso/login',
      logout: '/auth/sso/logout',
      backChannelLogout: '/auth/sso/backchannel-logout',
      frontChannelLogout: '/auth/sso/frontchannel-logout',
      error: '/error',
    },
    onSignIn: (result) => viewOf('sso', result),
  })
  let auths: { flow: Flow | 'sso'; auth: WebAuth }[] = [
    ...FLOWS.map((flow) => ({ flow, auth: webAuth(flow) })),
    { flow: 'sso', auth: ssoAuth },
  ]
  let lastDiff: MetadataDiff | undefined

  /** The signed-in end-user of a request, with the flow that signed them in. */
  async function currentSession(request: Request) {
    for (const { flow, auth } of auths) {
      const session = await auth.getSession(request)
      if (session) return { flow, auth, session }
    }
    return undefined
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const method = request.method
    if (method === 'GET' && url.pathname === '/error') {
      return html(errorPage(url.searchParams.get('code')), 400)
    }
    for (const { auth } of auths) {
      const handled = await auth.handle(request)
      if (handled) return handled
    }
    if (method === 'GET' && url.pathname === '/') {
      const current = await currentSession(request)
      const view = current && sessionView(current.flow, current.session)
      const logout = current?.auth.logoutForm(current.session, '/?signed-out')
      const body = homePage(view, logout, url.searchParams.has('signed-out'))
      return withCookies(html(body), current?.session.setCookie)
    }
    if (method === 'GET' && url.pathname === '/session.json') {
      const current = await currentSession(request)
      const view = current ? sessionView(current.flow, current.session) : null
      return withCookies(Response.json(view, { headers: NO_STORE }), current?.session.setCookie)
    }
    if (method === 'GET' && url.pathname === '/admin') {
      return html(adminPage(connections.code, lastDiff, await registry.list()))
    }
    if (method === 'POST' && url.pathname.startsWith('/admin/')) {
      if (!sameOrigin(request, origin)) return html(errorPage('CROSS_SITE_POST'), 403)
      if (url.pathname === '/admin/reload') {
        const reloaded = await Promise.all(FLOWS.map((f) => reloadMetadata(connections[f])))
        connections = Object.fromEntries(FLOWS.map((f, i) => [f, reloaded[i]!.config])) as Record<
          Flow,
          Configuration
        >
        auths = [
          ...FLOWS.map((flow) => ({ flow, auth: webAuth(flow) })),
          { flow: 'sso', auth: ssoAuth },
        ]
        lastDiff = reloaded[0]!.diff
        return html(adminPage(connections.code, lastDiff, await registry.list()))
      }
      if (url.pathname === '/admin/op-change' && options.changeOp) {
        await options.changeOp()
        lastDiff = undefined
        return new Response(null, { status: 303, headers: { location: '/admin' } })
      }
    }
    return html(errorPage('NOT_FOUND'), 404)
  }
  return route
}

const NO_STORE = { 'cache-control': 'no-store' }

/** Whether a POST comes from a page of the RP (the browser says so). */
function sameOrigin(request: Request, origin: string): boolean {
  const site = request.headers.get('sec-fetch-site')
  if (site !== null) return site === 'same-origin'
  return request.headers.get('origin') === origin
}

/** What the session keeps for the pages: the ID token's claims, UserInfo, the contract report. */
function viewOf(flow: Flow | 'sso', result: SignInResult): Record<string, unknown> {
  return {
    flow,
    idTokenClaims: result.idTokenClaims,
    ...(result.userinfo ? { userinfo: result.userinfo } : {}),
    contract: result.contract,
    missingAttributes: result.missingAttributes,
    refreshToken: result.refreshToken !== undefined,
  }
}

/** The page's view of a session: the kept view, the attributes, the access token's metadata. */
function sessionView(flow: Flow | 'sso', session: WebSession): SessionView {
  const data = session.data as Omit<SessionView, 'attributes' | 'accessToken' | 'sessionEndsAt'>
  const token = session.accessToken
  return {
    ...data,
    flow,
    ...(session.connection === undefined ? {} : { connection: session.connection }),
    attributes: session.attributes,
    accessToken: token && {
      type: token.type,
      ...(token.scope === undefined ? {} : { scope: token.scope }),
      ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
    },
    sessionEndsAt: session.expiresAt,
  }
}

function html(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      ...NO_STORE,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
  })
}

function withCookies(response: Response, cookies: readonly string[] = []): Response {
  for (const value of cookies) response.headers.append('set-cookie', value)
  return response
}
