/**
 * The application's own API calls with an access token (RFC 6750 §2.1, RFC 9449 §7).
 *
 * @module
 */
import type { Configuration } from './config/configuration.js'
import { runtimeOf } from './config/runtime.js'
import { accessTokenScheme, sendWithDPoP } from './dpop.js'
import type { AccessToken } from './grants/token-messages.js'
import { invalidArgument } from './lib/checks.js'
import type { DPoPHandle } from './lib/dpop.js'
import { httpRequest } from './lib/http.js'
import { challengeError } from './lib/oauth-error.js'

/**
 * Options of {@link fetchProtectedResource}.
 * @group Everyday use
 */
export interface ProtectedResourceOptions {
  /** The HTTP method. Default `GET`. */
  readonly method?: string
  /** Request headers; `Authorization` and `DPoP` are set by the SDK. */
  readonly headers?: HeadersInit
  /** The request body (not with `GET` or `HEAD`). */
  readonly body?: BodyInit | null
  /**
   * The DPoP key the access token is bound to (RFC 9449 §7).
   *
   * The token goes as `Authorization: DPoP` with a proof carrying its hash. Required for a `DPoP`
   * {@link AccessToken}.
   */
  readonly dpop?: DPoPHandle
  /** Aborts the request. */
  readonly signal?: AbortSignal
}

/**
 * Calls a protected resource (the application's API) with an access token.
 *
 * A `Bearer` token goes as `Authorization: Bearer` (RFC 6750 §2.1); a `DPoP` token as
 * `Authorization: DPoP` with a fresh proof (`htm`, `htu`, `iat`, `jti`, `ath`, and the nonce the
 * resource server last sent). When the server answers 401 with a `DPoP` challenge
 * `error="use_dpop_nonce"` and a new `DPoP-Nonce`, the request is sent once more with it (RFC 9449
 * §9). The configuration's HTTP rules apply: its `fetch`, timeout, `maxResponseBytes`, https
 * outside loopback, no redirects followed.
 *
 * @param config - the configuration: its `fetch`, clock and HTTP settings
 * @param url - the resource's absolute URL
 * @param accessToken - the access token, as the SDK returned it (a bare string is sent as `Bearer`,
 * or as `DPoP` when `dpop` is given)
 * @param options - method, headers, body, the DPoP key, a signal
 * @returns the response, its body fully read (any status but a refused token)
 * @throws {@link OAuthResponseError} `PROTECTED_RESOURCE_CHALLENGE` on a 401 or 403 with
 * `WWW-Authenticate` (its `error`, e.g. `invalid_token`, `insufficient_scope`,
 * `use_dpop_nonce` when the retry was refused too, and every challenge parsed)
 * @throws {@link TransportError} `HTTP_*` for timeouts, size limits, redirects and network failures
 * @throws {@link UsageError} `INVALID_ARGUMENT` (an empty token, a `DPoP` token without `dpop`, a
 * relative URL), `INSECURE_URL`
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7 | RFC 9449 §7},
 * {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 * @example
 * ```ts
 * const response = await fetchProtectedResource(config, 'https://api.example/orders', result.accessToken!, {
 *   dpop, // the handle of the sign-in, for a DPoP token
 * })
 * const orders = await response.json()
 * ```
 * @group Everyday use
 */
export async function fetchProtectedResource(
  config: Configuration,
  url: string | URL,
  accessToken: string | AccessToken,
  options: ProtectedResourceOptions = {},
): Promise<Response> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw invalidArgument('url', 'an absolute URL')
  }
  const token = accessTokenScheme(accessToken, options.dpop)
  const method = options.method ?? 'GET'
  if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~\w-]+$/.test(method)) {
    throw invalidArgument('method', 'an HTTP method')
  }
  const headers = new Headers(options.headers)
  headers.set('authorization', `${token.scheme} ${token.value}`)
  headers.delete('dpop')
  const dpop = token.scheme === 'DPoP' ? options.dpop : undefined
  const { signal } = options
  const response = await sendWithDPoP(
    config,
    dpop,
    { method, url: target.href, accessToken: token.value },
    (extra) => {
      const sent = new Headers(headers)
      for (const [name, value] of Object.entries(extra)) sent.set(name, value)
      return httpRequest(
        target,
        { method, headers: sent, ...(options.body == null ? {} : { body: options.body }) },
        {
          ...config.settings,
          fetch: runtimeOf(config).fetch,
          ...(signal ? { signal } : {}),
        },
      )
    },
    'resource',
  )
  const challenge = await challengeError(
    response,
    'PROTECTED_RESOURCE_CHALLENGE',
    token.scheme === 'DPoP' ? 'dpop' : 'bearer',
  )
  if (challenge !== undefined) throw challenge
  const nullBody = response.status === 204 || response.status === 205 || response.status === 304
  return new Response(nullBody ? null : (response.body as Uint8Array<ArrayBuffer>), {
    status: response.status,
    headers: response.headers,
  })
}
