/**
 * The bundle-size entry for oidc-client-ts's `UserManager` doing what bench/entries/oidc-rp.ts does:
 * discovery, the authorization redirect (state, nonce, PKCE), the code callback and UserInfo
 * (`loadUserInfo`). It does not verify the ID token's signature (by design: it trusts TLS), so it is
 * a size reference only. It needs a browser (`window`, `sessionStorage`), so the benchmark only
 * bundles it.
 */
import { UserManager } from 'oidc-client-ts'

export function configure(authority: string, clientId: string, redirectUri: string): UserManager {
  return new UserManager({
    authority,
    client_id: clientId,
    redirect_uri: redirectUri,
    loadUserInfo: true,
  })
}

export function signIn(manager: UserManager): Promise<void> {
  return manager.signinRedirect()
}

export function callback(manager: UserManager, url: string): Promise<unknown> {
  return manager.signinCallback(url)
}
