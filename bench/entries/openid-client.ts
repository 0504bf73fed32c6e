/**
 * The bundle-size entry for openid-client doing what bench/entries/oidc-rp.ts does: discovery, the
 * authorization URL (state, nonce, PKCE), the code grant with its checks and the ID token's
 * signature verified (`enableNonRepudiationChecks`: its default skips it), and UserInfo.
 */
import * as client from 'openid-client'

export async function configure(issuer: string, clientId: string, secret: string) {
  const config = await client.discovery(new URL(issuer), clientId, secret)
  client.enableNonRepudiationChecks(config)
  return config
}

export async function signIn(config: client.Configuration, redirectUri: string) {
  const state = client.randomState()
  const nonce = client.randomNonce()
  const verifier = client.randomPKCECodeVerifier()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  return { url: url.href, state, nonce, verifier }
}

export async function callback(
  config: client.Configuration,
  url: string,
  pending: { state: string; nonce: string; verifier: string },
) {
  const tokens = await client.authorizationCodeGrant(config, new URL(url), {
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    pkceCodeVerifier: pending.verifier,
    idTokenExpected: true,
  })
  const claims = tokens.claims()!
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  return { tokens, claims, userinfo }
}
