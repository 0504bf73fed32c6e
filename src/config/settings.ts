/**
 * The tunables of a configuration.
 *
 * Timeouts, resource limits, clock tolerance, UserInfo mode. Plain data with stated defaults,
 * validated once.
 *
 * @module
 */
import type { UsageError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import { HTTP_DEFAULTS } from '../lib/http.js'
import { isPlainObject } from '../lib/json.js'

/**
 * The OP endpoints whose response size limit can be set on its own.
 *
 * See {@link Settings.maxResponseBytesByEndpoint}.
 *
 * @group Configuration
 */
export type OpEndpoint = 'discovery' | 'jwks' | 'token' | 'par' | 'userinfo'

const OP_ENDPOINTS: readonly string[] = ['discovery', 'jwks', 'token', 'par', 'userinfo']

/**
 * Tunables of a configuration, all plain data with stated defaults.
 *
 * The resource limits (`timeoutInMs`, `maxResponseBytes*`, `maxJwtLength`, `maxJwksKeys`,
 * `maxKeyCandidates`, `maxCallback*`, `jwksRefetchCooldownInSeconds`, `transactionTtlInSeconds`)
 * bound what a stranger (a browser, or an OP that is compromised or misconfigured) can make the RP
 * do; `docs/security.md` lists them with the threats they answer.
 *
 * @group Configuration
 */
export interface Settings {
  /**
   * Allow plain http outside loopback, and loopback endpoints of a remote issuer (for development).
   *
   * Default false: http is then fine only on loopback, and loopback endpoints only for a loopback
   * issuer (`DISCOVERY_LOOPBACK_ENDPOINT`).
   */
  readonly allowInsecureRequests: boolean
  /** Per-request timeout, body included. Default 10,000 ms. */
  readonly timeoutInMs: number
  /**
   * Largest response body accepted from the OP, counted while streaming.
   *
   * Beyond it: `HTTP_RESPONSE_TOO_LARGE`. Default 1 MiB, for every endpoint without its own limit
   * in {@link Settings.maxResponseBytesByEndpoint}.
   */
  readonly maxResponseBytes: number
  /**
   * Per-endpoint overrides of {@link Settings.maxResponseBytes}, e.g. `{ jwks: 64 * 1024 }`.
   *
   * Default none: every endpoint has `maxResponseBytes`.
   */
  readonly maxResponseBytesByEndpoint: Readonly<Partial<Record<OpEndpoint, number>>>
  /**
   * Longest ID token or logout token accepted, in characters, checked before any decoding.
   *
   * Beyond it: `JWT_TOO_LARGE`. Default 16,384.
   */
  readonly maxJwtLength: number
  /** Most keys read from the OP's JWKS; keys past it are ignored. Default 100. */
  readonly maxJwksKeys: number
  /**
   * Most keys tried for a JWS without `kid`. Default 5.
   *
   * `JWKS_TOO_MANY_CANDIDATES` when more could have signed it.
   */
  readonly maxKeyCandidates: number
  /**
   * Most parameters read from a callback or a logout request. Default 50.
   *
   * Beyond it: `CALLBACK_INVALID_INPUT` for a callback, the logout handler's own code for a logout
   * request (back-channel, front-channel, post-logout redirect).
   */
  readonly maxCallbackParameters: number
  /**
   * Largest callback or logout request accepted. Default 65,536.
   *
   * A form_post body in bytes, or a URL or string in characters. Beyond it:
   * `CALLBACK_INVALID_INPUT`
   * for a callback, the logout handler's own code for a logout request.
   */
  readonly maxCallbackBytes: number
  /** Clock tolerance for `exp`, `iat`, `nbf` and `auth_time`. Default 30 s. */
  readonly clockToleranceInSeconds: number
  /** Least time between two JWKS fetches triggered by an unknown `kid`. Default 5 s. */
  readonly jwksRefetchCooldownInSeconds: number
  /** How long a pending sign-in (state, nonce, PKCE verifier) is kept. Default 600 s. */
  readonly transactionTtlInSeconds: number
  /** When a sign-in calls UserInfo (see {@link UserInfoMode}). Default `when-available`. */
  readonly userinfo: UserInfoMode
  /**
   * The `aud` of the client assertions of `client_secret_jwt` and `private_key_jwt`.
   *
   * See {@link ClientAssertionAudience}. Default `issuer`.
   */
  readonly clientAssertionAudience: ClientAssertionAudience
  /** How long the connection's `attributeLookup` may take, in seconds. Default 5. */
  readonly attributeLookupTimeoutInSeconds: number
}

/**
 * The audience of a client assertion (RFC 7523 §3):
 *
 * - `issuer` (default): the OP's issuer identifier, at every endpoint. The current recommendation
 *   (RFC 7523bis, FAPI 2.0), and one that RFC 9126 makes every PAR endpoint accept;
 * - `endpoint`: the URL of the endpoint the assertion is sent to: the token endpoint, as OIDC Core
 *   §9 words it, and the PAR endpoint at PAR. For OPs that accept nothing else (Glewlwyd);
 * - an absolute URL: whatever a particular OP requires, at every endpoint.
 * @group Configuration
 */
export type ClientAssertionAudience = 'issuer' | 'endpoint' | (string & {})

/**
 * When a sign-in calls the UserInfo endpoint.
 *
 * `never`; `when-available` (the OP has a `userinfo_endpoint` and an access token came); `required`
 * (fail with `USERINFO_UNAVAILABLE` when it cannot be called).
 *
 * @group Configuration
 */
export type UserInfoMode = 'never' | 'when-available' | 'required'

/**
 * Every {@link UserInfoMode}, for checking a value given at runtime.
 * @internal
 */
export const USERINFO_MODES: readonly UserInfoMode[] = ['never', 'when-available', 'required']

/**
 * The largest clock tolerance accepted, in seconds: beyond it, tokens long expired would pass.
 * @internal
 */
export const MAX_CLOCK_TOLERANCE = 300

/** The defaults of {@link Settings}. */
const DEFAULT_SETTINGS: Settings = {
  allowInsecureRequests: false,
  timeoutInMs: HTTP_DEFAULTS.timeoutInMs,
  maxResponseBytes: HTTP_DEFAULTS.maxResponseBytes,
  maxResponseBytesByEndpoint: Object.freeze({}),
  maxJwtLength: 16 * 1024,
  maxJwksKeys: 100,
  maxKeyCandidates: 5,
  maxCallbackParameters: 50,
  maxCallbackBytes: 64 * 1024,
  clockToleranceInSeconds: 30,
  jwksRefetchCooldownInSeconds: 5,
  transactionTtlInSeconds: 600,
  userinfo: 'when-available',
  clientAssertionAudience: 'issuer',
  attributeLookupTimeoutInSeconds: 5,
}

/**
 * Validates settings and fills the defaults. Unknown keys (dependencies, policy…) are ignored.
 * @param options - the settings as given
 * @returns the frozen settings
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the setting
 * @internal
 */
export function validateSettings(options: Partial<Record<keyof Settings, unknown>>): Settings {
  const settings = { ...DEFAULT_SETTINGS }
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const value = options[key]
    if (value === undefined) continue
    if (key === 'maxResponseBytesByEndpoint') {
      ;(settings as Record<string, unknown>)[key] = endpointLimits(value)
      continue
    }
    if (
      key === 'clockToleranceInSeconds' &&
      !(typeof value === 'number' && value <= MAX_CLOCK_TOLERANCE)
    ) {
      throw invalidConfiguration(key, `a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE}`)
    }
    if (
      typeof value !== typeof DEFAULT_SETTINGS[key] ||
      (typeof value === 'number' && !(value >= 0 && Number.isFinite(value))) ||
      (key === 'userinfo' && !USERINFO_MODES.includes(value as UserInfoMode)) ||
      (key === 'clientAssertionAudience' && !isAssertionAudience(value as string))
    ) {
      throw invalidConfiguration(
        key,
        key === 'userinfo'
          ? `one of ${USERINFO_MODES.join(', ')}`
          : key === 'clientAssertionAudience'
            ? 'issuer, endpoint or an absolute http(s) URL'
            : typeof DEFAULT_SETTINGS[key] === 'number'
              ? 'a finite non-negative number'
              : 'a boolean',
      )
    }
    ;(settings as Record<string, unknown>)[key] = value
  }
  return Object.freeze(settings)
}

function isAssertionAudience(value: string): boolean {
  if (value === 'issuer' || value === 'endpoint') return true
  const url = URL.canParse(value) ? new URL(value) : undefined
  return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')
}

function endpointLimits(value: unknown): Settings['maxResponseBytesByEndpoint'] {
  if (
    !isPlainObject(value) ||
    !Object.entries(value).every(
      ([endpoint, limit]) =>
        OP_ENDPOINTS.includes(endpoint) && typeof limit === 'number' && limit >= 0,
    )
  ) {
    throw invalidConfiguration(
      'maxResponseBytesByEndpoint',
      `an object of non-negative numbers keyed by ${OP_ENDPOINTS.join(', ')}`,
    )
  }
  return Object.freeze({ ...value })
}

/**
 * The response size limit of one OP endpoint.
 *
 * Its own, else `maxResponseBytes`. Lenient, as it also reads settings not yet validated
 * (discovery).
 *
 * @param settings - the settings (or the options of `discover`)
 * @param endpoint - the endpoint
 * @returns the limit in bytes, or `undefined` for the HTTP default
 * @internal
 */
export function responseLimit<
  S extends Partial<Pick<Settings, 'maxResponseBytes' | 'maxResponseBytesByEndpoint'>>,
>(settings: S, endpoint: OpEndpoint): number | S['maxResponseBytes'] {
  const own = isPlainObject(settings.maxResponseBytesByEndpoint)
    ? settings.maxResponseBytesByEndpoint[endpoint]
    : undefined
  return typeof own === 'number' ? own : (settings.maxResponseBytes as S['maxResponseBytes'])
}
