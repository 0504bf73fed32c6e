/**
 * The bundle-size entry for this SDK: discovery, the authorization URL, the code callback (with
 * UserInfo, its default) and UserInfo on its own, as a single-page application ships them: its
 * pending sign-in in `sessionStorage` (`oidc-rp/browser`'s web-storage store), on the lean entry
 * `oidc-rp/core` (no optional feature installed).
 */
import { createWebStorageTransactionStore } from '../../src/browser/index.js'
import {
  type ClientInput,
  type Configuration,
  createAuthorizationRequest,
  discover,
  fetchUserInfo,
  handleCallback,
} from '../../src/core.js'

export function configure(issuer: string, client: ClientInput): Promise<Configuration> {
  return discover(issuer, client, { store: createWebStorageTransactionStore() })
}

export async function signIn(config: Configuration): Promise<{ url: string; cookie?: string }> {
  const { url, browserBinding } = await createAuthorizationRequest(config)
  return { url: url.href, ...(browserBinding && { cookie: browserBinding.value }) }
}

export async function callback(
  config: Configuration,
  url: string,
  browserBinding?: string,
): Promise<unknown> {
  const result = await handleCallback(config, url, browserBinding ? { browserBinding } : {})
  const again = await fetchUserInfo(config, result.accessToken!.value, {
    expectedSubject: result.idTokenClaims.sub,
  })
  return { result, again }
}
