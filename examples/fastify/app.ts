/**
 * Fastify: sign-in, a protected page, refresh and logout with `oidc-rp/web`, through its Node bridge
 * (no adapter package).
 *
 * Run: ISSUER=… CLIENT_ID=… CLIENT_SECRET=… APP_URL=http://127.0.0.1:3000 PORT=3000
 * SESSION_SECRET=<32 random bytes, base64url> node --import tsx examples/fastify/app.ts
 * @module
 */
import Fastify from 'fastify'
import { discover } from 'oidc-rp'
import { createWebAuth, nodeMiddleware, nodeSession, toWebRequest } from 'oidc-rp/web'

const env = process.env as Record<string, string>
const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const app = Fastify()

// --- authentication ---
const config = await discover(env.ISSUER!, {
  client_id: env.CLIENT_ID!,
  client_secret: env.CLIENT_SECRET!,
  redirect_uris: [`${env.APP_URL}/auth/callback`],
  post_logout_redirect_uris: [`${env.APP_URL}/auth/signed-out`],
})
const auth = createWebAuth(config, { secrets: [env.SESSION_SECRET!] }) // asks openid profile email
// /auth/login, /auth/callback, /auth/logout…, before Fastify reads the body
app.addHook('onRequest', (req, reply, done) =>
  req.url.startsWith('/auth/') ? nodeMiddleware(auth)(req.raw, reply.hijack().raw) : done(),
)
// Fastify sends the Web Response that protect() returns; it refreshes the access token when due
app.get('/protected', (req) =>
  auth.protect(toWebRequest(req.raw, auth.origin), ({ sub, claims, accessToken }) =>
    Response.json({ sub, name: claims.name, accessTokenExpiresAt: accessToken?.expiresAt }),
  ),
)
// --- end of authentication ---

app.get('/', async (req, reply) => {
  const session = await nodeSession(auth, req.raw, reply.raw)
  reply.type('text/html')
  return session
    ? `<p id="user">${esc(session.sub)}</p><p id="name">${esc(session.claims.name)}</p>${auth.logoutForm(session)}`
    : '<a id="login" href="/auth/login?returnTo=/">Sign in</a>'
})
await app.listen({ port: Number(env.PORT), host: '127.0.0.1' })
console.log(`listening ${env.APP_URL}`)
