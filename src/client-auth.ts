/**
 * Client authentication at the token and PAR endpoints, through oauth4webapi's strategies, and the
 * one function that POSTs an authenticated form.
 * @module
 */
import * as oauth from 'oauth4webapi'
import type { Configuration } from './configuration.js'
import { type HttpResponse, httpRequest } from './http.js'
import { clientSecret, signingKey } from './lib/keys.js'
import { RUNTIME } from './lib/runtime.js'

/** The oauth4webapi view of the configuration's OP and client, with our clock as its clock skew. */
export function oauthParties(config: Configuration): {
  as: oauth.AuthorizationServer
  client: oauth.Client
} {
  const skew = Math.round((config[RUNTIME].now() - Date.now()) / 1000)
  return {
    as: config.provider as unknown as oauth.AuthorizationServer,
    client: { client_id: config.client.client_id, [oauth.clockSkew]: skew },
  }
}

async function strategy(config: Configuration): Promise<oauth.ClientAuth> {
  const method = config.client.token_endpoint_auth_method
  switch (method) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(clientSecret(config, method))
    case 'client_secret_post':
      return oauth.ClientSecretPost(clientSecret(config, method))
    case 'client_secret_jwt':
      return oauth.ClientSecretJwt(clientSecret(config, method))
    case 'private_key_jwt': {
      const key = await signingKey(config, config.client.token_endpoint_auth_signing_alg, method)
      return oauth.PrivateKeyJwt(key.kid === undefined ? key.key : { key: key.key, kid: key.kid })
    }
    case 'none':
      return oauth.None()
  }
}

/**
 * POSTs a form to an OP endpoint, authenticated with the client's `token_endpoint_auth_method`.
 * @param config - the configuration
 * @param endpoint - the absolute endpoint URL
 * @param params - the form parameters (client authentication is added)
 * @param signal - aborts the request
 * @returns the response, fully read
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `MISSING_CREDENTIALS`, `INSECURE_URL`
 */
export async function postAuthenticatedForm(
  config: Configuration,
  endpoint: string,
  params: URLSearchParams,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  const { as, client } = oauthParties(config)
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  })
  const body = new URLSearchParams(params)
  await (await strategy(config))(as, client, body, headers)
  return httpRequest(
    new URL(endpoint),
    { method: 'POST', headers, body },
    { ...config.settings, fetch: config[RUNTIME].fetch, ...(signal ? { signal } : {}) },
  )
}
