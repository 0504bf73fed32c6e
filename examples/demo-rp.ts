/**
 * The demo's Relying Party: plain `node:http` and the SDK. Three connections to one OP (the code
 * flow, the implicit flow with form_post, a signed request object), one administrator's policy
 * with locked `acr_values` and `prompt`, an attribute mapping, and the sealed transaction store
 * (the pending sign-in travels in a cookie, which also binds it to this browser).
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JWK } from 'jose'
import {
  type AttributeMappingRule,
  type Configuration,
  createAuthorizationRequest,
  createEndSessionRequest,
  createMemorySessionStore,
  createSealedTransactionStore,
  discover,
  handleBackChannelLogout,
  handleCallback,
  handlePostLogoutRedirect,
  isOidcRpError,
  type RequestPolicyInput,
  recordSession,
  reloadMetadata,
  type SignInResult,
} from '../src/index.js'
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

/** What the RP needs. */
export interface DemoRpOptions {
  readonly issuer: string
  /** Where the RP listens, e.g. `http://127.0.0.1:4000`. */
  readonly origin: string
  readonly clientSecret: string
  /** The private key that signs request objects. */
  readonly privateKey: JWK
  /** Demo only: make the OP change its claims (restarts it), to show a metadata reload. */
  readonly changeOp?: () => Promise<void>
}

/**
 * Discovers the OP and returns the RP's request handler.
 * @param options - the OP, where the RP listens, credentials
 * @returns a `node:http` request listener
 */
export async function createDemoRp(options: DemoRpOptions) {
  const { issuer, origin, clientSecret } = options
  const store = createSealedTransactionStore({ keys: [randomBytes(32)] })
  const common = { store, attributeMapping: MAPPING }
  const redirect = (flow: Flow) => [`${origin}/callback/${flow}`]
  const signedOut = [`${origin}/signed-out`]
  const connections: Record<Flow, Configuration> = {
    code: await discover(
      issuer,
      {
        client_id: 'demo-rp',
        client_secret: clientSecret,
        redirect_uris: redirect('code'),
        post_logout_redirect_uris: signedOut,
      },
      { ...common, policy: POLICY },
    ),
    implicit: await discover(
      issuer,
      {
        client_id: 'demo-implicit',
        token_endpoint_auth_method: 'none',
        redirect_uris: redirect('implicit'),
        post_logout_redirect_uris: signedOut,
      },
      {
        ...common,
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
        redirect_uris: redirect('jar'),
        post_logout_redirect_uris: signedOut,
      },
      { ...common, policy: { ...POLICY, transport: 'request-object' } },
    ),
  }
  // the SDK's session store (for logout: sid, sub, the ID token) and what the pages show of each
  const sessions = createMemorySessionStore()
  const views = new Map<string, SessionView & { flow: Flow }>()

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const cookies = readCookies(req)
    const session = await sessions.get(cookies.sid ?? '')
    const view = session && views.get(session.id)
    const [, first, flow] = url.pathname.split('/') as [string, string, Flow | undefined]
    if (req.method === 'GET' && url.pathname === '/') {
      return html(res, 200, homePage(view, url.searchParams.has('signed-out')))
    }
    if (req.method === 'GET' && url.pathname === '/session.json') {
      return send(res, 200, 'application/json', JSON.stringify(view ?? null))
    }
    if (req.method === 'GET' && first === 'login' && flow && FLOWS.includes(flow)) {
      // the application may pass what the policy allows: login_hint, ui_locales; acr_values is locked
      const appParams = Object.fromEntries(url.searchParams)
      const { url: target, browserBinding } = await createAuthorizationRequest(
        connections[flow],
        appParams,
      )
      // the sign-in finishes only in this browser: the callback is refused without this cookie
      if (browserBinding) res.setHeader('set-cookie', browserBinding.setCookie)
      res.writeHead(302, { location: target.href }).end()
      return
    }
    if (first === 'callback' && flow && FLOWS.includes(flow)) {
      // handleCallback reads the browser-binding cookie from the request's Cookie header
      const result = await handleCallback(connections[flow], await toRequest(req, url))
      const { sessionId } = await recordSession(connections[flow], sessions, result)
      views.set(sessionId, summarize(flow, result))
      res.setHeader('set-cookie', [
        ...(result.clearBrowserBinding ? [result.clearBrowserBinding] : []),
        cookie('sid', sessionId, 28800),
      ])
      res.writeHead(303, { location: '/' }).end()
      return
    }
    if (req.method === 'POST' && url.pathname === '/logout' && session && view) {
      // end the RP session first, then ask the OP to end its own (RP-initiated logout)
      await sessions.delete(session.id)
      views.delete(session.id)
      const end = createEndSessionRequest(connections[view.flow], { session })
      res.setHeader('set-cookie', [
        cookie('sid', '', 0),
        cookie('logout-state', end.state ?? '', 600),
      ])
      res.writeHead(302, { location: end.url.href }).end()
      return
    }
    if (req.method === 'GET' && url.pathname === '/signed-out') {
      res.setHeader('set-cookie', cookie('logout-state', '', 0))
      const expectedState = cookies['logout-state'] || undefined
      await handlePostLogoutRedirect(connections.code, await toRequest(req, url), { expectedState })
      res.writeHead(303, { location: '/?signed-out' }).end()
      return
    }
    if (req.method === 'POST' && first === 'backchannel' && flow && FLOWS.includes(flow)) {
      // the OP ends this client's sessions of its OP session (back-channel logout)
      const request = await toRequest(req, url)
      const done = await handleBackChannelLogout(connections[flow], request, {
        sessionStore: sessions,
      })
      for (const ended of done.ended) views.delete(ended.id)
      if (done.error) console.warn('back-channel logout refused:', done.error.code)
      res.writeHead(done.response.status, Object.fromEntries(done.response.headers))
      res.end(await done.response.text())
      return
    }
    if (req.method === 'GET' && url.pathname === '/admin') {
      return html(res, 200, adminPage(connections.code, undefined))
    }
    if (req.method === 'POST' && url.pathname === '/admin/reload') {
      const reloaded = await Promise.all(FLOWS.map((f) => reloadMetadata(connections[f])))
      FLOWS.forEach((f, i) => {
        connections[f] = reloaded[i]!.config
      })
      return html(res, 200, adminPage(connections.code, reloaded[0]!.diff))
    }
    if (req.method === 'POST' && url.pathname === '/admin/op-change' && options.changeOp) {
      await options.changeOp()
      res.writeHead(303, { location: '/admin' }).end()
      return
    }
    html(res, 404, errorPage('Not found', 'NOT_FOUND', url.pathname))
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin)
    route(req, res, url).catch((err: unknown) => {
      // the SDK's errors carry a stable code and a message without secrets: safe to show
      const code = isOidcRpError(err) ? err.code : 'INTERNAL_ERROR'
      const message = isOidcRpError(err) ? err.message : 'unexpected error'
      if (!isOidcRpError(err)) console.error(err)
      html(res, 400, errorPage('Refused', code, message))
    })
  }
}

/** What the pages show of a sign-in: claims and attributes, the access token's metadata only. */
function summarize(flow: Flow, result: SignInResult): SessionView & { flow: Flow } {
  const token = result.accessToken
  return {
    flow,
    idTokenClaims: result.idTokenClaims,
    userinfo: result.userinfo,
    attributes: result.attributes,
    missingAttributes: result.missingAttributes,
    contract: result.contract,
    accessToken: token && {
      type: token.type,
      scope: token.scope,
      expiresAt:
        token.expiresAt === undefined ? undefined : new Date(token.expiresAt * 1000).toISOString(),
      preview: `${token.value.slice(0, 4)}… (${token.value.length} characters)`,
    },
    refreshToken: result.refreshToken !== undefined,
  }
}

/** The Web `Request` the SDK reads: GET with its query, or the form_post POST with its body. */
async function toRequest(req: IncomingMessage, url: URL): Promise<Request> {
  const headers = { cookie: req.headers.cookie ?? '' }
  if (req.method !== 'POST') return new Request(url, { headers })
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new Request(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': req.headers['content-type'] ?? '' },
    body: Buffer.concat(chunks),
  })
}

function readCookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0) out[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim())
  }
  return out
}

/** A cookie for this origin. `Secure` belongs here too on https; the demo is on http loopback. */
function cookie(name: string, value: string, maxAge: number): string {
  return `${name}=${encodeURIComponent(value)}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax`
}

function html(res: ServerResponse, status: number, body: string): void {
  send(res, status, 'text/html; charset=utf-8', body)
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  })
  res.end(body)
}
