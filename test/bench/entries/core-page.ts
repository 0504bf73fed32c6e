/**
 * A page's sign-in on the core (`oidc-rp/core`) instead of `oidc-rp/browser`'s lean one: the same
 * path as bench/entries/oidc-rp.ts, with every check of a server's sign-in. The bundle test's twin.
 */
import {
  type ClientInput,
  type Configuration,
  createAuthorizationRequest,
  createWebStorageTransactionStore,
  discover,
  fetchUserInfo,
  handleCallback,
} from '../../../src/core.js'

export function configure(issuer: string, client: ClientInput): Promise<Configuration> {
  return discover(
    issuer,
    { ...client, token_endpoint_auth_method: 'none' },
    { store: createWebStorageTransactionStore() },
  )
}

export async function signIn(config: Configuration): Promise<{ url: string; cookie?: string }> {
  const { url, browserBinding } = await createAuthorizationRequest(config, { scope: 'openid' })
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
