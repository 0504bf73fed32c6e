/**
 * Express: sign-in, a protected page, refresh and logout with `oidc-rp/web`.
 *
 * Run: ISSUER=… CLIENT_ID=… CLIENT_SECRET=… APP_URL=http://127.0.0.1:3000 PORT=3000
 * SESSION_SECRET=<32 random bytes, base64url> node --import tsx examples/express/app.ts
 * @module
 */
import express from 'express'
import { discover } from 'oidc-rp'
import { createWebAuth, nodeMiddleware, nodeSession } from 'oidc-rp/web'

const env = process.env as Record<string, string>
const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const app = express()

// --- authentication ---
const config = await discover(env.ISSUER!, {
  client_id: env.CLIENT_ID!,
  client_secret: env.CLIENT_SECRET!,
  redirect_uris: [`${env.APP_URL}/auth/callback`],
  post_logout_redirect_uris: [`${env.APP_URL}/auth/signed-out`],
})
const auth = createWebAuth(config, { secrets: [env.SESSION_SECRET!] }) // asks openid profile email
app.use(nodeMiddleware(auth)) // /auth/login, /auth/callback, /auth/logout, back-channel logout…
app.get('/protected', async (req, res) => {
  const session = await nodeSession(auth, req, res) // refreshes the access token when due
  if (!session) return res.redirect('/auth/login?returnTo=%2Fprotected')
  const { sub, claims, accessToken } = session
  res.json({ sub, name: claims.name, accessTokenExpiresAt: accessToken?.expiresAt })
})
// --- end of authentication ---

app.get('/', async (req, res) => {
  const session = await nodeSession(auth, req, res)
  res.send(
    session
      ? `<p id="user">${esc(session.sub)}</p><p id="name">${esc(session.claims.name)}</p>${auth.logoutForm(session)}`
      : '<a id="login" href="/auth/login?returnTo=/">Sign in</a>',
  )
})
app.listen(Number(env.PORT), '127.0.0.1', () => console.log(`listening ${env.APP_URL}`))
