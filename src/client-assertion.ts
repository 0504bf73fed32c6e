/**
 * Client authentication by a signed assertion: `client_secret_jwt` and `private_key_jwt`.
 *
 * The `clientAssertions` feature (lib/features.ts): a public client or one with a secret in
 * Basic or POST never bundles the assertion signing.
 *
 * @module
 */
import * as oauth from 'oauth4webapi'
import type { Configuration } from './config/configuration.js'
import { credentialsOf } from './config/runtime.js'
import { FAPI2_SIGNING_ALGS } from './lib/algorithms.js'
import { clientSecret, signingKey } from './lib/client-keys.js'

/**
 * oauth4webapi's strategy for a client assertion method, signing a fresh assertion per request.
 * @param config - the client's method, credentials and assertion audience setting
 * @param endpoint - the endpoint the assertion is for (its `aud` when so configured)
 * @param method - `client_secret_jwt` or `private_key_jwt`
 * @returns the strategy
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 * @internal
 */
export async function assertionStrategy(
  config: Configuration,
  endpoint: string,
  method: 'client_secret_jwt' | 'private_key_jwt',
): Promise<oauth.ClientAuth> {
  if (method === 'client_secret_jwt') {
    return oauth.ClientSecretJwt(
      clientSecret(credentialsOf(config), method),
      assertionAudience(config, endpoint),
    )
  }
  const key = await signingKey(
    credentialsOf(config),
    config.client.token_endpoint_auth_signing_alg ?? (config.securityProfile && FAPI2_SIGNING_ALGS),
    method,
  )
  return oauth.PrivateKeyJwt(
    key.kid === undefined ? key.key : { key: key.key, kid: key.kid },
    assertionAudience(config, endpoint),
  )
}

/**
 * Sets a client assertion's `aud` per `settings.clientAssertionAudience`.
 *
 * Oauth4webapi's is the issuer.
 */
function assertionAudience(config: Configuration, endpoint: string): oauth.ModifyAssertionOptions {
  const setting = config.settings.clientAssertionAudience
  if (setting === 'issuer') return {}
  const aud = setting === 'endpoint' ? endpoint : setting
  return {
    [oauth.modifyAssertion]: (_header, payload) => {
      payload.aud = aud
    },
  }
}
