/**
 * `oidc-rp/web` over a connection registry: each request served with its connection.
 *
 * The sign-in with the connection the end-user chose (`?connection=`, an e-mail domain, what
 * WebFinger finds for `?identifier=`, the only one, or a chooser page); the callback with the
 * connection its transaction names; a session, its refresh and its logout with the connection
 * sealed in its cookie; a back-channel logout with the connection whose issuer and client the
 * logout token names.
 *
 * @module
 */
import { serveRequestObject } from '../authorization/serve-request-object.js'
import type { Configuration } from '../config/configuration.js'
import { validateSettings } from '../config/settings.js'
import { UsageError } from '../errors.js'
import { decodeJws } from '../lib/compact.js'
import { readRequestInput } from '../lib/request-input.js'
import type { ConnectionRegistry } from '../registry/registry.js'
import type { ConnectionRecord } from '../storage.js'
import { createSharedContext, type WebContext, withConfiguration } from './context.js'
import type { Contexts } from './contexts.js'
import type { WebAuthOptions } from './options.js'
import { escapeHtml, page } from './pages.js'
import { openCookie } from './session.js'

/**
 * Options `createWebAuth` needs with a registry: where the application's one callback is.
 * @group Web
 */
export interface RegistryWebOptions {
  /**
   * The one redirect URI of every connection: its path is the callback route.
   *
   * Each connection's client must have it first in its `redirect_uris`.
   */
  readonly redirectUri: string
  /** The post-logout redirect URI every connection registered, when they do. */
  readonly postLogoutRedirectUri?: string
  /**
   * The `requestUriBase` of the connections whose policy passes request objects by reference.
   *
   * GETs under it are served to the OP by the connection that made the request object.
   */
  readonly requestUriBase?: string
}

/**
 * The contexts of a registry's connections.
 * @param registry - the registry
 * @param options - the application's options, with the redirect URIs
 * @returns the contexts
 * @throws `UsageError` `INVALID_ARGUMENT` for a bad option or redirect URI
 * @internal
 */
export function registryContexts(
  registry: ConnectionRegistry,
  options: WebAuthOptions & RegistryWebOptions,
): Contexts {
  const settings = validateSettings({})
  const shared = createSharedContext(options, {
    redirectUri: options.redirectUri,
    redirectUris: [options.redirectUri],
    postLogoutRedirectUri: options.postLogoutRedirectUri,
    now: registry.now,
    formLimits: {
      maxParameters: settings.maxCallbackParameters,
      maxBytes: settings.maxCallbackBytes,
    },
  })
  const made = new Map<string, WebContext>()
  const contextOf = (id: string, config: Configuration): WebContext => {
    const known = made.get(id)
    if (known?.config === config) return known
    if (config.client.redirect_uris[0] !== options.redirectUri) {
      throw new UsageError(
        'INVALID_CONFIGURATION',
        `connection ${id}: its client's first redirect_uri must be the application's, ${options.redirectUri}`,
        { parameter: 'client.redirect_uris' },
      )
    }
    const ctx = withConfiguration(shared, config, id)
    made.set(id, ctx)
    return ctx
  }
  const connection = async (id: string) => contextOf(id, await registry.configuration(id))
  /** The context of a connection that may be gone: `undefined` then. */
  const ifAvailable = async (id: unknown) => {
    if (typeof id !== 'string') return undefined
    try {
      return await connection(id)
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CONNECTION_UNAVAILABLE') return undefined
      throw err
    }
  }
  /** The one enabled connection for an issuer (and client), preferring the session's. */
  const byIssuer = async (
    issuer: string,
    clients: readonly string[] | undefined,
    hint?: string,
  ) => {
    const matching = (await registry.list()).filter(
      (record) =>
        record.enabled &&
        record.configuration.issuer === issuer &&
        (clients === undefined || clients.includes(clientIdOf(record))),
    )
    const chosen =
      matching.find((record) => record.id === hint) ??
      (matching.length === 1 ? matching[0] : undefined)
    return chosen === undefined ? undefined : ifAvailable(chosen.id)
  }
  const { dpop } = options
  return {
    shared,
    async signIn(request) {
      const signedIn = await registry.handleCallback(request, dpop ? { dpop } : {})
      return { ctx: contextOf(signedIn.connection, signedIn.config), result: signedIn.result }
    },
    async login(request) {
      const query = new URL(request.url).searchParams
      const id = query.get('connection')
      if (id !== null) return connection(id)
      const email = query.get('email')
      if (email !== null) return connection(await registry.choose({ email }))
      const identifier = query.get('identifier')
      if (identifier !== null) return connection(await registry.choose({ identifier }))
      const enabled = (await registry.list()).filter((record) => record.enabled)
      if (enabled.length === 1) return connection(enabled[0]!.id)
      return chooserPage(enabled, shared.settings.routes.login, query.get('returnTo'))
    },
    async session(request) {
      const cookie = await openCookie(shared, request)
      return cookie === undefined ? undefined : ifAvailable(cookie.connection)
    },
    ofSession: (cookie) => ifAvailable(cookie.connection),
    ofLogout: (opened) => ifAvailable(opened.connection),
    async backChannel(request) {
      const read = await readRequestInput(request.clone(), {
        ...shared.formLimits,
        methods: ['POST'],
      })
      const token = read.ok ? read.params.logout_token : undefined
      if (token === undefined) return undefined
      let claims: Record<string, unknown>
      try {
        claims = decodeJws(token, settings.maxJwtLength, 'logout token').claims
      } catch {
        return undefined
      }
      const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud
      if (typeof claims.iss !== 'string' || !Array.isArray(aud)) return undefined
      return byIssuer(
        claims.iss,
        aud.filter((a): a is string => typeof a === 'string'),
      )
    },
    async requestObject(request) {
      const base = options.requestUriBase
      if (base === undefined || !request.url.startsWith(base)) return undefined
      // each connection's store holds its own request objects: the one that has the id answers
      let answer: Response | undefined
      for (const record of await registry.list()) {
        const policy = record.configuration.policy as { requestUriBase?: unknown } | undefined
        if (!record.enabled || policy?.requestUriBase !== base) continue
        const ctx = await ifAvailable(record.id)
        answer = ctx === undefined ? answer : await serveRequestObject(ctx.config, request)
        if (answer?.ok || answer?.status === 405) return answer
      }
      return answer ?? new Response(null, { status: 404, headers: { 'cache-control': 'no-store' } })
    },
    async frontChannel(request) {
      const iss = new URL(request.url).searchParams.get('iss')
      if (iss === null) return undefined
      return byIssuer(iss, undefined, (await openCookie(shared, request))?.connection)
    },
  }
}

function clientIdOf(record: ConnectionRecord): string {
  const client = record.configuration.client as { client_id?: unknown } | undefined
  return typeof client?.client_id === 'string' ? client.client_id : ''
}

/** The page listing the enabled connections, each a link to the login route with its id. */
function chooserPage(
  enabled: readonly ConnectionRecord[],
  loginPath: string,
  returnTo: string | null,
): Response {
  const back = returnTo === null ? '' : `&returnTo=${encodeURIComponent(returnTo)}`
  const items = enabled
    .map((record) => {
      const href = `${loginPath}?connection=${encodeURIComponent(record.id)}${back}`
      return `<li><a href="${escapeHtml(href)}">${escapeHtml(record.label ?? record.id)}</a></li>`
    })
    .join('')
  const body =
    enabled.length === 0
      ? '<h1>Sign in</h1><p>No sign-in is available.</p>'
      : `<h1>Sign in with</h1><ul>${items}</ul>`
  return page('Sign in', body, enabled.length === 0 ? 503 : 200)
}
