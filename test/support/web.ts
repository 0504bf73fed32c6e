/**
 * A fixture for the `oidc-rp/web` tests: a mock OP, an application at https://app.example served by
 * `createWebAuth`, and a test browser that keeps the application's cookies and follows nothing by
 * itself (each step is the test's).
 */

import { randomBytes } from 'node:crypto'
import type { Configuration, ConfigurationOptions } from '../../src/config/configuration.js'
import { RESPONSE_TYPES } from '../../src/config/policy.js'
import { discover } from '../../src/discovery.js'
import { createMemorySessionStore } from '../../src/stores/memory.js'
import { createMockOP, type MockOP, type MockOPOptions } from '../../src/testing/index.js'
import { createWebAuth, type WebAuth, type WebAuthOptions } from '../../src/web/index.js'
import { CookieJar } from './cookie-jar.js'
import { registerSecret } from './helpers.js'

export const APP = 'https://app.example'
export const CLIENT_ID = 'web-app'
export const CLIENT_SECRET = 'web-app-secret-0123456789-abcdefghijklmnop'
registerSecret(CLIENT_SECRET)

/** A fresh 32-byte sealing key. */
export function newSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/** The fixture. */
export interface WebFixture {
  readonly op: MockOP
  readonly config: Configuration
  readonly auth: WebAuth
  /** The clock (ms) shared by the OP and the RP. */
  readonly clock: { now: number }
  /** A new test browser. */
  browser(): TestBrowser
  /** Another application instance on the same configuration (other options, e.g. other keys). */
  another(options?: Partial<WebAuthOptions>): WebAuth
}

/** One browser: its cookies at the application, and requests made with them. */
export interface TestBrowser {
  readonly jar: CookieJar
  /** A request to the application with this browser's cookies (not sent). */
  request(path: string, init?: RequestInit): Request
  /** Sends a request through `auth.handle` (or the given handler), keeping the cookies it sets. */
  send(path: string, init?: RequestInit, auth?: WebAuth): Promise<Response>
  /** Logs in at the OP as alice from the login route's redirect, and sends the OP's answer back. */
  signIn(returnTo?: string, options?: { sid?: string; auth?: WebAuth }): Promise<Response>
  /** Keeps the cookies of a response. */
  keep(response: Response): Response
}

/** Options of {@link createWebFixture}. */
export interface WebFixtureOptions {
  readonly web?: Partial<WebAuthOptions>
  readonly op?: Partial<MockOPOptions>
  readonly config?: ConfigurationOptions
}

/**
 * Builds the mock OP, the configuration and the application.
 * @param options - web, OP and configuration tweaks
 * @returns the fixture
 */
export async function createWebFixture(options: WebFixtureOptions = {}): Promise<WebFixture> {
  const clock = { now: Date.now() }
  let auth: WebAuth | undefined
  const op = await createMockOP({
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${APP}/auth/callback`],
        post_logout_redirect_uris: [`${APP}/auth/signed-out`],
        backchannel_logout_uri: `${APP}/auth/backchannel-logout`,
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: `${APP}/auth/frontchannel-logout`,
        frontchannel_logout_session_required: true,
        response_types: [...RESPONSE_TYPES],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    users: {
      alice: { name: 'Alice Example', email: 'alice@example.com', email_verified: true },
    },
    now: () => clock.now,
    rpFetch: async (input, init) => (await auth!.handle(new Request(input, init))) ?? notFound(),
    ...options.op,
  })
  const config = await discover(
    op.issuer,
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${APP}/auth/callback`],
      post_logout_redirect_uris: [`${APP}/auth/signed-out`],
    },
    { fetch: op.fetch, now: () => clock.now, ...options.config },
  )
  const secrets = [newSecret()]
  // one session store for every instance: a cookie is refused for its seal, not a missing record
  const sessionStore = createMemorySessionStore()
  auth = createWebAuth(config, { secrets, sessionStore, ...options.web })
  const fixture: WebFixture = {
    op,
    config,
    auth,
    clock,
    browser: () => testBrowser(fixture),
    another: (other) => createWebAuth(config, { secrets, sessionStore, ...options.web, ...other }),
  }
  return fixture
}

function notFound(): Response {
  return new Response(null, { status: 404 })
}

function testBrowser(f: WebFixture): TestBrowser {
  const jar = new CookieJar()
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) jar.set(line)
    return response
  }
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    const cookie = jar.header()
    if (cookie !== '') headers.set('cookie', cookie)
    return new Request(new URL(path, APP), { ...init, headers })
  }
  const send = async (path: string, init: RequestInit = {}, auth = f.auth) => {
    const response = await auth.handle(request(path, init))
    if (response === undefined) throw new Error(`${path} is not a route of oidc-rp/web`)
    return keep(response)
  }
  return {
    jar,
    request,
    send,
    keep,
    async signIn(returnTo = '/', options = {}) {
      const login = await send(
        `/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
        {},
        options.auth,
      )
      const answer = await f.op.authorize(login.headers.get('location')!, {
        user: 'alice',
        ...(options.sid ? { sid: options.sid } : {}),
      })
      for (const name of ['code', 'access_token', 'id_token']) {
        registerSecret(answer.params.get(name) ?? undefined)
      }
      if (answer.method === 'POST') {
        return send(
          answer.url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: answer.body!,
          },
          options.auth,
        )
      }
      const url = new URL(answer.url)
      if (url.hash !== '') {
        // the fragment relay: the page posts the fragment back
        return send(
          url.pathname,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: url.hash.slice(1),
          },
          options.auth,
        )
      }
      return send(answer.url, {}, options.auth)
    },
  }
}
