/** The home page: who is signed in, with the sign-out form, or the sign-in link. */
import { auth } from '../lib/auth'

export const dynamic = 'force-dynamic'

const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export async function GET(request: Request) {
  const web = await auth()
  const session = await web.getSession(request)
  const body = session
    ? `<p id="user">${esc(session.sub)}</p><p id="name">${esc(session.claims.name)}</p>${web.logoutForm(session)}`
    : '<a id="login" href="/auth/login?returnTo=/">Sign in</a>'
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8' })
  for (const cookie of session?.setCookie ?? []) headers.append('set-cookie', cookie)
  return new Response(`<!DOCTYPE html><html><body>${body}</body></html>`, { headers })
}
