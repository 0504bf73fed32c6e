/**
 * Client authentication by a signed assertion: `client_secret_jwt` and `private_key_jwt`.
 *
 * The `clientAssertions` feature (lib/features.ts): a public client or one with a secret in
 * Basic or POST never bundles the assertion signing.
 *
 * @module
 */
import type * as oauth from 'oauth4webapi'
import type { Configuration } from './config/configuration.js'
import { credentialsOf, runtimeOf } from './config/runtime.js'
import { FAPI2_SIGNING_ALGS } from './lib/algorithms.js'
import { clientSecret, signingKey } from './lib/client-keys.js'
import { lazy } from './lib/lazy.js'

const oauthAssertions = /* @__PURE__ */ lazy(() => import('./lib/lazy-oauth/assertions.js'))

/**
 * A client assertion method's authentication: adds a freshly signed assertion to a request.
 * @internal
 */
export type SignedAuth = (body: URLSearchParams, headers: Headers) => Promise<void>

/**
 * The authentication of a client assertion method.
 *
 * oauth4webapi signs a fresh assertion per request.
 * @param config - the client's method, credentials and assertion audience setting
 * @param endpoint - the endpoint the assertion is for (its `aud` when so configured)
 * @param method - `client_secret_jwt` or `private_key_jwt`
 * @returns the authentication
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 * @internal
 */
export async function assertionStrategy(
  config: Configuration,
  endpoint: string,
  method: 'client_secret_jwt' | 'private_key_jwt',
): Promise<SignedAuth> {
  const o = await oauthAssertions()
  let strategy: oauth.ClientAuth
  if (method === 'client_secret_jwt') {
    strategy = o.ClientSecretJwt(
      clientSecret(credentialsOf(config), method),
      assertionAudience(o, config, endpoint),
    )
  } else {
    const key = await signingKey(
      credentialsOf(config),
      config.client.token_endpoint_auth_signing_alg ??
        (config.securityProfile && FAPI2_SIGNING_ALGS),
      method,
    )
    strategy = o.PrivateKeyJwt(
      key.kid === undefined ? key.key : { key: key.key, kid: key.kid },
      assertionAudience(o, config, endpoint),
    )
  }
  const as = config.provider as unknown as oauth.AuthorizationServer
  return async (body, headers) => {
    // the assertion's iat and exp by the configuration's clock
    const skew = Math.round((runtimeOf(config).now() - Date.now()) / 1000)
    const client: oauth.Client = { client_id: config.client.client_id, [o.clockSkew]: skew }
    await strategy(as, client, body, headers)
  }
}

/**
 * Sets a client assertion's `aud` per `settings.clientAssertionAudience`.
 *
 * Oauth4webapi's is the issuer.
 */
function assertionAudience(
  o: typeof import('./lib/lazy-oauth/assertions.js'),
  config: Configuration,
  endpoint: string,
): oauth.ModifyAssertionOptions {
  const setting = config.settings.clientAssertionAudience
  if (setting === 'issuer') return {}
  const aud = setting === 'endpoint' ? endpoint : setting
  return {
    [o.modifyAssertion]: (_header, payload) => {
      payload.aud = aud
    },
  }
}
