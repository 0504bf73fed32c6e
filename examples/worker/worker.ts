/**
 * Cloudflare Workers: sign-in, a protected page, refresh and logout with `oidc-rp/web`, as an ES
 * module worker (`export default { fetch }`). The configuration is discovered once per isolate, on
 * its first request, from the bindings ISSUER, CLIENT_ID, CLIENT_SECRET, APP_URL and
 * SESSION_SECRET (32 random bytes, base64url; `wrangler secret put` it with CLIENT_SECRET).
 *
 * Run locally on workerd: `node --import tsx examples/worker/serve.ts` (bundles with esbuild).
 *
 * Production: requests of one browser reach many isolates on many machines. The pending sign-in
 * travels sealed in its cookie here (`createSealedTransactionStore`: no server state to share), but
 * the session records stay in the isolate's memory, the default `sessionStore`: a back-channel
 * logout reaches one isolate only, and concurrent refreshes may run in several. Give
 * `createWebAuth` a shared `SessionStore` (your implementation over a KV namespace or, for the
 * lock a refresh wants with `sessionData: 'store'`, a Durable Object) before relying on OP-ended
 * sessions. The memory replay guard of the sealed store is per isolate too.
 * @module
 */
import { createSealedTransactionStore, discover } from 'oidc-rp'
import { createWebAuth, type WebAuth, type WebSession } from 'oidc-rp/web'

/** The worker's bindings (text; the secrets as Worker secrets). */
interface Env {
  readonly ISSUER: string
  readonly CLIENT_ID: string
  readonly CLIENT_SECRET: string
  readonly APP_URL: string
  readonly SESSION_SECRET: string
}

/**
 * Runs `init` once per isolate, on first use, sharing its promise; again after a failure.
 * @param init - the initialisation
 * @returns its memoised form
 */
function once<A, T>(init: (arg: A) => Promise<T>): (arg: A) => Promise<T> {
  let pending: Promise<T> | undefined
  return (arg) => {
    pending ??= init(arg).catch((error: unknown) => {
      pending = undefined // e.g. the OP was unreachable: discover again on the next request
      throw error
    })
    return pending
  }
}

const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** `GET /protected` with a session: who is signed in, and when the access token expires. */
const protectedJson = ({ sub, claims, accessToken }: WebSession) =>
  Response.json({ sub, name: claims.name, accessTokenExpiresAt: accessToken?.expiresAt })

/** `GET /`: the user and the logout form, or the sign-in link; 404 elsewhere. */
async function home(auth: WebAuth, request: Request): Promise<Response> {
  if (new URL(request.url).pathname !== '/') return new Response('Not found', { status: 404 })
  const session = await auth.getSession(request) // refreshes the access token when due
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8' })
  for (const cookie of session?.setCookie ?? []) headers.append('set-cookie', cookie)
  const body = session
    ? `<p id="user">${esc(session.sub)}</p><p id="name">${esc(session.claims.name)}</p>${auth.logoutForm(session)}`
    : '<a id="login" href="/auth/login?returnTo=/">Sign in</a>'
  return new Response(`<!doctype html><meta charset="utf-8">${body}`, { headers })
}

// --- authentication (1 of 2: the configuration, once per isolate) ---
const authOf = once(async (env: Env) => {
  const client = {
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: [`${env.APP_URL}/auth/callback`],
    post_logout_redirect_uris: [`${env.APP_URL}/auth/signed-out`],
  }
  const store = createSealedTransactionStore({ keys: [env.SESSION_SECRET] }) // survives isolates
  const config = await discover(env.ISSUER, client, { store })
  return createWebAuth(config, { secrets: [env.SESSION_SECRET] }) // asks openid profile email
})
// --- end of authentication ---

export default {
  /**
   * Serves `/auth/*` through `oidc-rp/web`, `/protected` and `/`.
   * @param request - the request
   * @param env - the bindings
   * @returns the response
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    // --- authentication (2 of 2: the routes) ---
    const auth = await authOf(env) // discovers on the isolate's first request
    if (new URL(request.url).pathname === '/protected') return auth.protect(request, protectedJson)
    return (await auth.handle(request)) ?? home(auth, request) // /auth/login, /auth/callback…
    // --- end of authentication ---
  },
}
