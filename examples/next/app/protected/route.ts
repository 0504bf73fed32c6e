/** A protected JSON route: signed out, it goes through the login and comes back. */
import { auth } from '../../lib/auth'

export const dynamic = 'force-dynamic'

// --- authentication (3 of 3: a protected route; refreshes the access token when due) ---
export async function GET(request: Request) {
  return (await auth()).protect(request, (session) =>
    Response.json({
      sub: session.sub,
      name: session.claims.name,
      accessTokenExpiresAt: session.accessToken?.expiresAt,
    }),
  )
}
// --- end of authentication ---
