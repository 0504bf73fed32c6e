/** A protected JSON route: signed out, it goes through the login and comes back. */
import type { WebSession } from 'oidc-rp/web'
import { auth } from '../../lib/auth'

export const dynamic = 'force-dynamic'

/** What the page shows: who is signed in, and when the access token expires. */
const showUser = ({ sub, claims, accessToken }: WebSession) =>
  Response.json({ sub, name: claims.name, accessTokenExpiresAt: accessToken?.expiresAt })

// --- authentication (3 of 3: a protected route; refreshes the access token when due) ---
export const GET = async (request: Request) => (await auth()).protect(request, showUser)
// --- end of authentication ---
