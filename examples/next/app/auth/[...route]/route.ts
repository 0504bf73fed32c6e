/** The `/auth/*` routes of `oidc-rp/web`: login, callback, logout, back- and front-channel logout. */
import { auth } from '../../../lib/auth'

export const dynamic = 'force-dynamic'

// --- authentication (2 of 3: the routes) ---
const handle = async (request: Request) =>
  (await (await auth()).handle(request)) ?? new Response(null, { status: 404 })

export { handle as GET, handle as POST }
// --- end of authentication ---
