/**
 * Client authentication at the token and PAR endpoints, and the authenticated form POST.
 *
 * The seven methods of OIDC Core §9 and RFC 8705 §2. The ones that add the same to every request
 * (a secret in Basic or in the form, a client id alone) are made here once per configuration; the
 * JWT methods sign a fresh assertion per request with oauth4webapi (the `clientAssertions` feature,
 * client-assertion.ts).
 *
 * @module
 */
import type * as ClientAssertion from './client-assertion.js'
import type { SignedAuth } from './client-assertion.js'
import type { Configuration } from './config/configuration.js'
import { configurationCachesOf, credentialsOf, runtimeOf } from './config/runtime.js'
import { responseLimit } from './config/settings.js'
import { clientSecret } from './lib/client-keys.js'
import { need } from './lib/features.js'
import { FORM_HEADERS, type HttpResponse, httpRequest } from './lib/http.js'

declare module './config/runtime.js' {
  interface ConfigurationCaches {
    /** The configuration's client authentication, made once. */
    clientAuthentication: ClientAuthentication
  }
}

/** A configuration's client authentication: per endpoint, and what a fixed method adds. */
interface ClientAuthentication {
  /** A JWT method's authentication per endpoint (the assertion's audience may be the endpoint). */
  readonly byEndpoint: Map<string, SignedAuth>
  /**
   * What a fixed method adds to every request; `null` for the JWT methods; unset at first.
   */
  fixed?: FixedAuth | null
}

function clientAuthentication(config: Configuration): ClientAuthentication {
  const caches = configurationCachesOf(config)
  caches.clientAuthentication ??= { byEndpoint: new Map() }
  return caches.clientAuthentication
}

async function signedAuth(config: Configuration, endpoint: string): Promise<SignedAuth> {
  const { byEndpoint } = clientAuthentication(config)
  let auth = byEndpoint.get(endpoint)
  if (auth === undefined) {
    const method = config.client.token_endpoint_auth_method as Parameters<
      typeof ClientAssertion.assertionStrategy
    >[2]
    auth = await need<typeof ClientAssertion>(
      'clientAssertions',
      `token_endpoint_auth_method ${method}`,
    ).assertionStrategy(config, endpoint, method)
    byEndpoint.set(endpoint, auth)
  }
  return auth
}

/**
 * What a client authentication that is the same on every request adds: headers and form members.
 */
interface FixedAuth {
  readonly headers: Readonly<Record<string, string>>
  readonly params: readonly (readonly [string, string])[]
}

/**
 * What Basic, POST, none and the mutual-TLS methods add, or `null` for the JWT methods.
 * @throws {@link UsageError} `MISSING_CREDENTIALS` for a secret method without a secret
 */
function fixedAuth(config: Configuration): FixedAuth | null {
  const method = config.client.token_endpoint_auth_method
  const clientId = config.client.client_id
  switch (method) {
    case 'client_secret_basic': {
      const secret = clientSecret(credentialsOf(config), method)
      return { headers: { authorization: basicAuthorization(clientId, secret) }, params: [] }
    }
    // OIDC Core §9: the client id and secret as form members
    case 'client_secret_post':
      return {
        headers: {},
        params: [
          ['client_id', clientId],
          ['client_secret', clientSecret(credentialsOf(config), method)],
        ],
      }
    // RFC 8705 §2: the TLS connection authenticates; the form names the client only. The
    // certificate is the injected fetch's to present (checked when the configuration was made).
    case 'none':
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return { headers: {}, params: [['client_id', clientId]] }
    case 'client_secret_jwt':
    case 'private_key_jwt':
      return null
  }
}

/**
 * The `Authorization` header of `client_secret_basic`.
 *
 * The client id and secret are each encoded the WHATWG form way, as
 * `application/x-www-form-urlencoded` (RFC 6749 §2.3.1): letters, digits and `*-._` stay as they
 * are, a space is `+`. oauth4webapi also escapes `-._~!*'()`, which OPs that do not decode the
 * credentials (Glewlwyd, LemonLDAP::NG) then fail to match: every UUID client id has a `-`.
 * Secrets with `+ : % & =`, spaces or non-ASCII still round-trip through an OP that decodes as the
 * RFC says.
 */
function basicAuthorization(clientId: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1)
  // the form encoding leaves only ASCII, which btoa takes
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`
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
  const auth = clientAuthentication(config)
  if (auth.fixed === undefined) auth.fixed = fixedAuth(config)
  const { fixed } = auth
  if (fixed !== null) {
    for (const [name, value] of fixed.params) body.set(name, value)
    sent = { ...FORM_HEADERS, ...headers, ...fixed.headers }
  } else {
    sent = new Headers({ ...FORM_HEADERS, ...headers })
    await (await signedAuth(config, endpoint))(body, sent)
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
