/**
 * Client authentication at the token and PAR endpoints, and the authenticated form POST.
 *
 * The seven methods of OIDC Core §9 and RFC 8705 §2.
 *
 * The methods are oauth4webapi's strategies; this module holds the one function that POSTs an
 * authenticated form.
 *
 * @module
 */
import * as oauth from 'oauth4webapi'
import type * as ClientAssertion from './client-assertion.js'
import type { Configuration } from './config/configuration.js'
import { configurationCachesOf, credentialsOf, runtimeOf } from './config/runtime.js'
import { responseLimit } from './config/settings.js'
import { clientSecret } from './lib/client-keys.js'
import { need } from './lib/features.js'
import { type HttpResponse, httpRequest } from './lib/http.js'

/** The oauth4webapi view of the configuration's OP and client, with our clock as its clock skew. */
function oauthParties(config: Configuration): {
  as: oauth.AuthorizationServer
  client: oauth.Client
} {
  const skew = Math.round((runtimeOf(config).now() - Date.now()) / 1000)
  return {
    as: config.provider as unknown as oauth.AuthorizationServer,
    client: { client_id: config.client.client_id, [oauth.clockSkew]: skew },
  }
}

declare module './config/runtime.js' {
  interface ConfigurationCaches {
    /** The configuration's client authentication, made once. */
    clientAuthentication: ClientAuthentication
  }
}

/** A configuration's client authentication: per endpoint, and what a fixed method adds. */
interface ClientAuthentication {
  /** oauth4webapi's strategy per endpoint (a client assertion's audience may be the endpoint). */
  readonly byEndpoint: Map<string, oauth.ClientAuth>
  /**
   * What a fixed method adds to every request; `null` when it changes per request; unset at first.
   */
  fixed?: FixedAuth | null
}

function clientAuthentication(config: Configuration): ClientAuthentication {
  const caches = configurationCachesOf(config)
  caches.clientAuthentication ??= { byEndpoint: new Map() }
  return caches.clientAuthentication
}

async function strategy(config: Configuration, endpoint: string): Promise<oauth.ClientAuth> {
  const { byEndpoint } = clientAuthentication(config)
  let auth = byEndpoint.get(endpoint)
  if (auth === undefined) {
    auth = await makeStrategy(config, endpoint)
    byEndpoint.set(endpoint, auth)
  }
  return auth
}

const FORM_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json',
  'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
}

/**
 * What a client authentication that is the same on every request adds: headers and form members.
 */
interface FixedAuth {
  readonly headers: Readonly<Record<string, string>>
  readonly params: readonly (readonly [string, string])[]
}

/** Basic, POST and none add the same on every request; the JWT methods sign a fresh assertion. */
const FIXED_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'none',
  'tls_client_auth',
  'self_signed_tls_client_auth',
])

/** Runs the strategy once on empty parts and keeps what it added, for fixed methods. */
async function fixedAuth(config: Configuration, endpoint: string): Promise<FixedAuth | null> {
  let fixed: FixedAuth | null = null
  if (FIXED_METHODS.has(config.client.token_endpoint_auth_method)) {
    const { as, client } = oauthParties(config)
    const headers = new Headers()
    const body = new URLSearchParams()
    await (await strategy(config, endpoint))(as, client, body, headers)
    fixed = { headers: Object.fromEntries(headers), params: [...body] }
  }
  clientAuthentication(config).fixed = fixed
  return fixed
}

async function makeStrategy(config: Configuration, endpoint: string): Promise<oauth.ClientAuth> {
  const method = config.client.token_endpoint_auth_method
  switch (method) {
    case 'client_secret_basic':
      return formEncodedBasic(config.client.client_id, clientSecret(credentialsOf(config), method))
    case 'client_secret_post':
      return oauth.ClientSecretPost(clientSecret(credentialsOf(config), method))
    case 'client_secret_jwt':
    case 'private_key_jwt':
      return need<typeof ClientAssertion>(
        'clientAssertions',
        `token_endpoint_auth_method ${method}`,
      ).assertionStrategy(config, endpoint, method)
    case 'none':
      return oauth.None()
    // RFC 8705 §2: the TLS connection authenticates; the form names the client only. The
    // certificate is the injected fetch's to present (checked when the configuration was made).
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return oauth.TlsClientAuth()
  }
}

/**
 * `client_secret_basic` with the client id and secret encoded the WHATWG form way.
 *
 * Each is encoded as `application/x-www-form-urlencoded` (RFC 6749 §2.3.1): letters, digits and
 * `*-._` stay as they are, a space is `+`. oauth4webapi also escapes `-._~!*'()`, which OPs that do
 * not decode the credentials (Glewlwyd, LemonLDAP::NG) then fail to match: every UUID client id has
 * a `-`. Secrets with `+ : % & =`, spaces or non-ASCII still round-trip through an OP that decodes
 * as the RFC says.
 */
function formEncodedBasic(clientId: string, secret: string): oauth.ClientAuth {
  const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1)
  const credentials = `${encode(clientId)}:${encode(secret)}`
  // the form encoding leaves only ASCII, which btoa takes
  const authorization = `Basic ${btoa(credentials)}`
  return (_as, _client, _body, headers) => {
    headers.set('authorization', authorization)
  }
}

/**
 * POSTs a form to an OP endpoint, authenticated with the client's `token_endpoint_auth_method`.
 *
 * `tls_client_auth` and `self_signed_tls_client_auth` (RFC 8705 §2) add `client_id` to the form
 * and nothing else: the client certificate is presented by the configuration's `fetch`, which the
 * application must give (the default `globalThis.fetch` presents none; see docs/mtls.md). The
 * caller picks the endpoint's mutual-TLS alias (`endpointFor`).
 * @param config - the configuration: the client's auth method and credentials, its HTTP settings
 * and fetch
 * @param endpoint - the absolute endpoint URL
 * @param params - the form parameters (client authentication is added)
 * @param signal - aborts the request
 * @param kind - which endpoint it is, for its response size limit
 * @param headers - headers over the form's defaults (a DPoP proof, another `accept`)
 * @returns the response, fully read
 * @throws {@link TransportError} `HTTP_*`
 * @throws {@link UsageError} `MISSING_CREDENTIALS`, `INSECURE_URL`
 */
export async function postAuthenticatedForm(
  config: Configuration,
  endpoint: string,
  params: URLSearchParams,
  signal?: AbortSignal,
  kind: 'token' | 'par' = 'token',
  headers: Readonly<Record<string, string>> = {},
): Promise<HttpResponse> {
  const body = new URLSearchParams(params)
  let sent: HeadersInit
  let fixed = clientAuthentication(config).fixed
  if (fixed === undefined) fixed = await fixedAuth(config, endpoint)
  if (fixed !== null) {
    for (const [name, value] of fixed.params) body.set(name, value)
    sent = { ...FORM_HEADERS, ...headers, ...fixed.headers }
  } else {
    const { as, client } = oauthParties(config)
    sent = new Headers({ ...FORM_HEADERS, ...headers })
    await (await strategy(config, endpoint))(as, client, body, sent)
  }
  return httpRequest(
    new URL(endpoint),
    { method: 'POST', headers: sent, body },
    {
      ...config.settings,
      maxResponseBytes: responseLimit(config.settings, kind),
      fetch: runtimeOf(config).fetch,
      ...(signal ? { signal } : {}),
    },
  )
}
