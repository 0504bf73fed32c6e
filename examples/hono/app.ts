/**
 * Hono: sign-in, a protected page, refresh and logout with `oidc-rp/web`. The same file runs on
 * Node (`node --import tsx examples/hono/app.ts`), Bun (`bun examples/hono/app.ts`) and Deno
 * (`deno run -A examples/hono/app.ts`).
 *
 * Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, APP_URL, PORT, SESSION_SECRET (32 random bytes,
 * base64url).
 * @module
 */
import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import { discover } from 'oidc-rp'
import { createWebAuth } from 'oidc-rp/web'
import { serve } from './serve.js'

const env = (name: string) => process.env[name] as string // Node, Bun and Deno 2 all have it

const app = new Hono()

// --- authentication ---
const config = await discover(env('ISSUER'), {
  client_id: env('CLIENT_ID'),
  client_secret: env('CLIENT_SECRET'),
  redirect_uris: [`${env('APP_URL')}/auth/callback`],
  post_logout_redirect_uris: [`${env('APP_URL')}/auth/signed-out`],
})
const auth = createWebAuth(config, { secrets: [env('SESSION_SECRET')] }) // asks openid profile email
app.all('/auth/*', async (c) => (await auth.handle(c.req.raw)) ?? c.notFound())
app.get('/protected', (c) =>
  auth.protect(c.req.raw, ({ sub, claims, accessToken }) =>
    c.json({ sub, name: claims.name, accessTokenExpiresAt: accessToken?.expiresAt }),
  ),
)
// --- end of authentication ---

app.get('/', async (c) => {
  const session = await auth.getSession(c.req.raw)
  for (const cookie of session?.setCookie ?? []) c.header('set-cookie', cookie, { append: true })
  return c.html(
    session
      ? html`<p id="user">${session.sub}</p><p id="name">${String(session.claims.name)}</p>${raw(auth.logoutForm(session))}`
      : html`<a id="login" href="/auth/login?returnTo=/">Sign in</a>`,
  )
})
await serve(app.fetch, Number(env('PORT')), env('APP_URL'))
