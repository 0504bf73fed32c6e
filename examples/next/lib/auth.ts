/**
 * The application's `oidc-rp/web` handlers, made once per server process (discovery on first use).
 *
 * Kept on `globalThis`: Next may load this module once per route bundle, and one process must share
 * one `createWebAuth` (its refreshes in flight), as it must share one database client.
 * @module
 */
import { discover } from 'oidc-rp'
import { createWebAuth, type WebAuth } from 'oidc-rp/web'

const env = process.env as Record<string, string>

// --- authentication (1 of 3: the configuration) ---
const shared = globalThis as { oidcRpAuth?: Promise<WebAuth> }
export function auth(): Promise<WebAuth> {
  shared.oidcRpAuth ??= discover(env.ISSUER!, {
    client_id: env.CLIENT_ID!,
    client_secret: env.CLIENT_SECRET!,
    redirect_uris: [`${env.APP_URL}/auth/callback`],
    post_logout_redirect_uris: [`${env.APP_URL}/auth/signed-out`],
  }).then((config) => createWebAuth(config, { secrets: [env.SESSION_SECRET!] }))
  return shared.oidcRpAuth
}
// --- end of authentication ---
