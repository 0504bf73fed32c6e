/**
 * The bundle-size entry for this SDK: discovery, the authorization URL with `scope`, the code
 * callback (with UserInfo, its default) and UserInfo on its own, as a single-page application ships
 * them: the lean sign-in of `oidc-rp/browser` (a public client, its pending sign-in in
 * `sessionStorage`).
 */
import {
  createAuthorizationRequest,
  discover,
  fetchUserInfo,
  handleCallback,
  type PageClient,
  type PageConfiguration,
} from '../../src/browser/index.js'

export function configure(issuer: string, client: PageClient): Promise<PageConfiguration> {
  return discover(issuer, client)
}

export async function signIn(config: PageConfiguration): Promise<{ url: string }> {
  // the scope, as openid-client's entry sends it: what every page gives, so the parameters' checks
  // are on the path
  const { url } = await createAuthorizationRequest(config, { scope: 'openid' })
  return { url: url.href }
}

export async function callback(config: PageConfiguration, url: string): Promise<unknown> {
  const result = await handleCallback(config, url)
  const again = await fetchUserInfo(config, result.accessToken, {
    expectedSubject: result.idTokenClaims.sub,
  })
  return { result, again }
}
