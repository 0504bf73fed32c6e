/**
 * A real OpenID Provider for the interop suite and the demo: `oidc-provider` 8 on 127.0.0.1, with
 * a few users, our own interaction routes (a tiny login page for people, the same form for
 * the browser driver of `browser.ts`, which drives it over HTTP like a browser would).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider'
import {
  completeLogin,
  completeLogout,
  type LoginOptions,
  type LoginResult,
  type LogoutOptions,
} from './browser.js'

export type { LoginOptions, LoginResult, LogoutOptions } from './browser.js'

/** The users of the OP: claims by account id. */
export const USERS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  alice: {
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    email: 'alice@example.test',
    email_verified: true,
    department: 'Engineering',
    employee_number: 'E-1001',
  },
  bob: {
    name: 'Bob <b>Tables</b>',
    given_name: 'Bob',
    family_name: 'Tables',
    email: 'bob@example.test',
    email_verified: false,
    department: '<script>alert(1)</script>',
    employee_number: 'E-1002',
  },
}

/** The claims configuration: which claims each scope releases (claims_supported is made of it). */
export const CLAIMS: Readonly<Record<string, string[] | null>> = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
  org: ['department', 'employee_number'],
  acr: null,
  auth_time: null,
  sid: null,
}

/** The authentication context classes the OP supports. */
export const ACR_VALUES = ['urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:bronze']

/** Options of {@link startOp}. */
export interface OpOptions {
  /** The clients, in oidc-provider's (registration) metadata. */
  readonly clients: ClientMetadata[]
  /** The port; default 0 (ephemeral). Give the old port to restart an OP on the same issuer. */
  readonly port?: number
  /** The claims configuration; default {@link CLAIMS}. */
  readonly claims?: Readonly<Record<string, string[] | null>>
  /** The OP's private signing keys; default fresh RS256 and ES256 keys. */
  readonly jwks?: { keys: JWK[] }
  /** Allow http and localhost redirect URIs for implicit web clients (the demo's RP is on loopback). */
  readonly allowHttpImplicit?: boolean
  /** The users (claims by account id); default {@link USERS}. */
  readonly users?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /**
   * `true`: every refresh rotates the refresh token (a second use of a rotated one revokes the
   * grant). Default oidc-provider's own rule (rotate once 70% of the token's lifetime passed).
   */
  readonly rotateRefreshTokens?: boolean
  /** The lifetime of each access token issued, in seconds, read at issuance; default 600. */
  readonly accessTokenTtl?: () => number
  /**
   * The origins whose pages may call the OP's client endpoints (token, UserInfo…) from the
   * browser, e.g. a single-page application's. Default none (discovery and JWKS are open to every
   * origin anyway).
   */
  readonly corsOrigins?: readonly string[]
  /**
   * Changes oidc-provider's configuration before the OP starts (features such as `dPoP`,
   * `jwtResponseModes`, `revocation`; response types; extra grant types through `provider`).
   * @param configuration - the configuration this module made; change it in place
   */
  readonly adjust?: (configuration: Configuration) => void
  /** Runs on the OP once made, before it listens (`registerGrantType`, `provider.use`…). */
  readonly setup?: (provider: Provider) => void
}

/** A running OP. */
export interface RunningOp {
  readonly issuer: string
  readonly url: URL
  readonly port: number
  readonly provider: Provider
  /** The OP's private keys, to restart it with the same ones. */
  readonly jwks: { keys: JWK[] }
  /** Plays the browser from the authorization URL to the response sent back to the RP. */
  completeLogin(authorizationUrl: URL | string, options: LoginOptions): Promise<LoginResult>
  /** Plays the browser at the end-session endpoint: confirms, returns where the OP sends it. */
  completeLogout(endSessionUrl: URL | string, options?: LogoutOptions): Promise<URL>
  close(): Promise<void>
}

/**
 * Starts the OP on 127.0.0.1.
 * @param options - clients, port, claims, keys
 * @returns the running OP
 */
export async function startOp(options: OpOptions): Promise<RunningOp> {
  const jwks = options.jwks ?? (await generateJwks())
  const server = createServer()
  // The hono-bun recipe's rare failed sign-in showed HTTP_NETWORK_ERROR at the callback: the RP's
  // request to this OP failed at the network level. The case before it took 5.2 s, about Node's
  // 5 s keep-alive timeout. The suspected race, not reproduced alone: Bun's fetch
  // reuses the pooled connection just as Node closes it, and a POST is not retried
  // (oven-sh/bun#3801). An OP that keeps idle connections longer than a test run takes it away.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const port = (server.address() as AddressInfo).port
  const issuer = `http://127.0.0.1:${port}`
  const made = configuration(options, jwks)
  options.adjust?.(made)
  const provider = new Provider(issuer, made)
  options.setup?.(provider)
  if (options.allowHttpImplicit === true) allowHttpImplicit(provider)
  const callback = provider.callback()
  const users = options.users ?? USERS
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const route = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? '/', issuer).pathname)
    if (route === null) return callback(req, res)
    interaction(provider, users, req, res).catch((err: unknown) => {
      res.statusCode = 400
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      res.end(err instanceof Error ? `${err.name}: ${err.message}` : 'interaction failed')
    })
  })
  return {
    issuer,
    url: new URL(issuer),
    port,
    provider,
    jwks,
    completeLogin,
    completeLogout,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Fresh RS256 and ES256 signing keys (oidc-provider's dev keys are public knowledge). */
async function generateJwks(): Promise<{ keys: JWK[] }> {
  const keys: JWK[] = []
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true })
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg}-${Date.now()}` })
  }
  return { keys }
}

/** The OP's storage: one Map per OP (oidc-provider's own in-memory adapter is process-wide). */
function memoryAdapter() {
  const items = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>()
  const live = (key: string) => {
    const item = items.get(key)
    return item !== undefined && item.expiresAt > Date.now() ? item.payload : undefined
  }
  return class Adapter {
    constructor(readonly model: string) {}
    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
      // dynamically registered clients and their registration access tokens never expire
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
      items.set(`${this.model}:${id}`, { payload, expiresAt })
      if (this.model === 'Session') items.set(`uid:${payload.uid}`, { payload, expiresAt })
      if (typeof payload.grantId === 'string') {
        items.set(`grant:${payload.grantId}:${this.model}:${id}`, { payload, expiresAt })
      }
    }
    async find(id: string) {
      return live(`${this.model}:${id}`)
    }
    async findByUid(uid: string) {
      return live(`uid:${uid}`)
    }
    async findByUserCode() {
      return undefined
    }
    async consume(id: string) {
      const payload = live(`${this.model}:${id}`)
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
    }
    async destroy(id: string) {
      items.delete(`${this.model}:${id}`)
    }
    async revokeByGrantId(grantId: string) {
      for (const key of [...items.keys()]) {
        if (key.startsWith(`grant:${grantId}:`)) {
          items.delete(key)
          items.delete(key.slice(`grant:${grantId}:`.length))
        }
      }
    }
  }
}

function configuration(options: OpOptions, jwks: { keys: JWK[] }): Configuration {
  const users = options.users ?? USERS
  return {
    adapter: memoryAdapter(),
    clients: options.clients,
    jwks: jwks as Configuration['jwks'],
    claims: { ...(options.claims ?? CLAIMS) },
    acrValues: ACR_VALUES,
    responseTypes: ['code', 'id_token', 'id_token token', 'code id_token'],
    pkce: { methods: ['S256'], required: (_ctx, client) => client.clientAuthMethod === 'none' },
    cookies: { keys: ['interop-cookie-key'] },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 600,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      requestObjects: { request: true, requireSignedRequestObject: false, mode: 'strict' },
      pushedAuthorizationRequests: { enabled: true },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
      introspection: { enabled: false },
    },
    // every client that may refresh gets a refresh token, offline_access or not
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ...(options.rotateRefreshTokens === true ? { rotateRefreshToken: true } : {}),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: (_ctx, origin) => options.corsOrigins?.includes(origin) ?? false,
    findAccount: (_ctx, sub) => {
      const user = users[sub]
      if (user === undefined) return undefined
      return { accountId: sub, claims: () => ({ sub, ...user }) }
    },
    renderError: (ctx, out) => {
      ctx.type = 'text/plain; charset=utf-8'
      ctx.body = `${out.error}: ${out.error_description ?? ''}`
    },
  }
}

/** oidc-provider's documented escape hatch for http/localhost redirect URIs of implicit web clients. */
function allowHttpImplicit(provider: Provider): void {
  const schema = (provider.Client as unknown as { Schema: { prototype: Record<string, unknown> } })
    .Schema.prototype
  const invalidate = schema.invalidate as (message: string, code?: string) => void
  schema.invalidate = function (this: unknown, message: string, code?: string) {
    if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return
    invalidate.call(this, message, code)
  }
}

/**
 * The interaction route: GET shows the login page, POST signs the user in and grants the requested
 * scopes and claims at once (first-party consent), or cancels.
 */
async function interaction(
  provider: Provider,
  users: Readonly<Record<string, unknown>>,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const details = await provider.interactionDetails(req, res)
  const params = details.params as Record<string, string | undefined>
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(loginPage(details.uid, String(params.client_id), Object.keys(users), params.acr_values))
    return
  }
  const form = new URLSearchParams(await readBody(req))
  if (form.get('decision') === 'cancel') {
    const error = { error: 'access_denied', error_description: 'the user cancelled' }
    await provider.interactionFinished(req, res, error, { mergeWithLastSubmission: false })
    return
  }
  const accountId = form.get('user') ?? ''
  if (!Object.hasOwn(users, accountId)) throw new Error('unknown user')
  const acr = form.get('acr') || acrChoices(params.acr_values)[0]
  const grant = new provider.Grant({ accountId, clientId: String(params.client_id) })
  grant.addOIDCScope(String(params.scope ?? 'openid'))
  const claims = params.claims ? (JSON.parse(params.claims) as Record<string, object>) : {}
  grant.addOIDCClaims([
    ...Object.keys(claims.id_token ?? {}),
    ...Object.keys(claims.userinfo ?? {}),
  ])
  const grantId = await grant.save()
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId, acr }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  )
}

/** The requested acr values first, then the others the OP supports (bronze first: the default). */
function acrChoices(requested: string | undefined): string[] {
  const first = (requested ?? '').split(' ').filter((v) => ACR_VALUES.includes(v))
  return [...new Set([...first, ...ACR_VALUES.slice().reverse()])]
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Escapes text for HTML content and attribute values. */
function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

function loginPage(uid: string, clientId: string, accounts: string[], acrValues?: string): string {
  const users = accounts.map((u) => `<option>${escapeHtml(u)}</option>`).join('')
  const acrOptions = acrChoices(acrValues)
    .map((a) => `<option>${escapeHtml(a)}</option>`)
    .join('')
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in to the demo OP</title></head>
<body style="font-family:sans-serif;max-width:30em;margin:3em auto">
<h1>Demo OP</h1><p>${escapeHtml(clientId)} asks you to sign in. Any listed user works, no password.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<p><label>User <select name="user">${users}</select></label></p>
<p><label>Authentication context <select name="acr">${acrOptions}</select></label></p>
<p><button name="decision" value="login">Sign in</button> <button name="decision" value="cancel">Cancel</button></p>
</form></body></html>`
}

function logoutSource(ctx: { body: unknown }, form: string): void {
  ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head>
<body style="font-family:sans-serif;max-width:30em;margin:3em auto">${form}
<h1>Sign out of the demo OP?</h1><button form="op.logoutForm" name="logout" value="yes">Sign out</button>
</body></html>`
}

function postLogoutSuccessSource(ctx: { body: unknown }): void {
  ctx.body = '<!DOCTYPE html><html><body><h1>Signed out of the demo OP</h1></body></html>'
}
