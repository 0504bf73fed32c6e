/**
 * The administrator's request policy for a connection (PingFederate's "Request Parameters").
 *
 * The profile, the scopes, the extra request parameters with their override rules, protected
 * `acr_values` / `prompt`, and how the request travels. Plain JSON data, validated once.
 *
 * @module
 */

import { deepFreeze } from '../lib/json.js'
import { canonicalValue } from './parameter-forms.js'

/**
 * The response types the SDK implements.
 *
 * `code` (Basic Client), `id_token` and `id_token token` (Implicit Client), `code id_token`,
 * `code token` and `code id_token token` (Hybrid, OIDC Core §3.3).
 *
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowAuth | OIDC Core §3.3}
 * @group Request policy
 */
export type ResponseType =
  | 'code'
  | 'id_token'
  | 'id_token token'
  | 'code id_token'
  | 'code token'
  | 'code id_token token'

/**
 * How the OP returns the authorization response.
 *
 * Without one, the default of the response type applies (`query` for `code`, `fragment` otherwise).
 * The `*.jwt` modes and `jwt` ask for a signed (and, when the client registered
 * `authorization_encrypted_response_alg`, encrypted) response: see {@link JwtResponseMode}.
 *
 * @see {@link https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html | Form Post Response Mode}
 * @see {@link https://openid.net/specs/oauth-v2-jarm.html#section-2.3 | JARM §2.3}
 * @group Request policy
 */
export type ResponseMode = 'query' | 'fragment' | 'form_post' | JwtResponseMode

/**
 * A JWT Secured Authorization Response Mode (JARM §2.3).
 *
 * The response parameters travel inside one signed JWT, the `response` parameter, in the query
 * (`query.jwt`), the fragment (`fragment.jwt`) or a form post (`form_post.jwt`); `jwt` is the
 * response type's default carrier (`query.jwt` for `code`, `fragment.jwt` otherwise). `query.jwt`
 * with a response type that returns tokens needs an encrypted response (JARM §2.3.1).
 *
 * @see {@link https://openid.net/specs/oauth-v2-jarm.html#section-2.3 | JARM §2.3}
 * @group Request policy
 */
export type JwtResponseMode = 'jwt' | 'query.jwt' | 'fragment.jwt' | 'form_post.jwt'

/**
 * Tells whether a response mode is a JWT Secured Authorization Response Mode.
 * @param mode - a `response_mode`, or `undefined` for the response type's default
 * @returns true for `jwt`, `query.jwt`, `fragment.jwt` and `form_post.jwt`
 * @internal
 */
export function isJwtResponseMode(mode: string | undefined): mode is JwtResponseMode {
  return mode !== undefined && (JWT_RESPONSE_MODES as readonly string[]).includes(mode)
}

/**
 * Every {@link JwtResponseMode}.
 * @internal
 */
export const JWT_RESPONSE_MODES: readonly JwtResponseMode[] = [
  'jwt',
  'query.jwt',
  'fragment.jwt',
  'form_post.jwt',
]

/**
 * What the application may do with a parameter at runtime.
 *
 * Nothing (`fixed`), replace it (`overridable`), or replace it with values from `allowed` only
 * (`allowed`).
 *
 * @group Request policy
 */
export type ParameterRule = 'fixed' | 'overridable' | 'allowed'

/**
 * How the request travels.
 *
 * Query parameters, a request object by value (RFC 9101 §5.1), a request object by reference at a
 * URL the application serves (`request-uri`, RFC 9101 §5.2, with `requestUriBase`), or a pushed
 * authorization request (RFC 9126; signed when `requestObject` is set).
 *
 * @group Request policy
 */
export type RequestTransport = 'query' | 'request-object' | 'request-uri' | 'par'

/**
 * One extra request parameter of the policy, normalised: `value` is always a list.
 * @group Request policy
 */
export interface RequestParameterPolicy {
  /** The parameter name, as the OP knows it (`login_hint`, `acr_values`, `hd`…). */
  readonly name: string
  /** The default values, sent when the application gives none. Absent: no default. */
  readonly value?: readonly string[]
  /** What the application may do with it. */
  readonly rule: ParameterRule
  /** The values the application may choose from (rule `allowed`). */
  readonly allowed?: readonly string[]
}

/**
 * Request-object settings of the policy (RFC 9101, OIDC Core §6.1).
 * @group Request policy
 */
export interface RequestObjectPolicy {
  /**
   * The JWS alg.
   *
   * RS256/384/512, PS256/384/512, ES256/384/512, EdDSA with the client's key, HS256/384/512 with
   * the client secret, or `none` with `allowUnsigned`. Default: the client's
   * `request_object_signing_alg`, else the alg of its first signing key.
   */
  readonly alg?: string
  /** Explicit opt-in to unsigned (`alg: none`) request objects. Default false. */
  readonly allowUnsigned?: boolean
  /**
   * Encrypt the request object to the OP's key (JWE).
   *
   * Default: the client's `request_object_encryption_*`.
   */
  readonly encrypt?: { readonly alg: string; readonly enc: string }
}

/**
 * The request policy, normalised.
 *
 * Every default filled, every value checked. Its JSON is valid {@link RequestPolicyInput}.
 *
 * @group Request policy
 */
export interface RequestPolicy {
  /** The response type. Default `code`. */
  readonly responseType: ResponseType
  /** The response mode; absent means the response type's default (not sent). */
  readonly responseMode?: ResponseMode
  /** The `redirect_uri`; one of the client's `redirect_uris`. Absent: the first of them. */
  readonly redirectUri?: string
  /** The default scopes, `openid` first. */
  readonly scopes: readonly string[]
  /**
   * Whether the application may ask for other scopes (`any`), some, or none (`fixed`, the default).
   *
   * `allowed`.
   */
  readonly scopeRule: {
    readonly override: 'fixed' | 'any' | 'allowed'
    readonly allowed?: readonly string[]
  }
  /** The extra request parameters, at most one entry per name. */
  readonly parameters: readonly RequestParameterPolicy[]
  /**
   * Refuse any application value for `acr_values` / `prompt`, whatever their rule. Default false.
   */
  readonly protect: { readonly acr_values: boolean; readonly prompt: boolean }
  /** How the request travels. Default `query` (PAR anyway when the OP requires it). */
  readonly transport: RequestTransport
  /**
   * Where the application serves request objects by reference (transport `request-uri`).
   *
   * An https URL (http on loopback), ending in `/`: each request object gets `<base><random id>`.
   */
  readonly requestUriBase?: string
  /** Request-object settings (transport `request-object`, or a signed PAR). */
  readonly requestObject?: RequestObjectPolicy
  /** Send PKCE S256 with response types containing `code`. Default true. */
  readonly pkce: boolean
  /**
   * Refuse what the OP's metadata does not advertise (response type, mode, algs, PKCE, prompt).
   *
   * Default true.
   */
  readonly enforceProviderSupport: boolean
  /**
   * Require the ID token's `acr` to be one of the locked (or essential) `acr_values`. Default true.
   */
  readonly enforceAcr: boolean
}

/**
 * One extra request parameter as an administrator writes it.
 * @group Request policy
 */
export interface RequestParameterPolicyInput {
  /** The parameter name. */
  readonly name: string
  /** The default: one value, several (a multi-valued parameter), or none. */
  readonly value?: string | readonly string[]
  /** What the application may do with it. Default `fixed`. */
  readonly rule?: ParameterRule
  /** The values the application may choose from; required for rule `allowed`. */
  readonly allowed?: readonly string[]
}

/**
 * The standard request parameters that are the application's to set when no policy is given.
 *
 * Without a policy, `scope` is open too (`openid` is always sent). A policy, once given, names
 * what the application may set: a parameter it does not name is refused, `scopeRule` defaults to
 * `fixed`, and `protect` locks `acr_values` and `prompt`. SDK-owned parameters (`state`, `nonce`,
 * `redirect_uri`, PKCE, …) are refused either way.
 * @group Request policy
 */
export const OPEN_PARAMETERS: readonly string[] = Object.freeze([
  'prompt',
  'max_age',
  'login_hint',
  'ui_locales',
  'acr_values',
  'claims',
  'claims_locales',
  'display',
  'id_token_hint',
])

/**
 * The request policy as an administrator writes it (plain JSON); every member optional.
 * @example A locked policy (fixed acr_values, protected prompt, a signed request object)
 * ```ts
 * const policy: RequestPolicyInput = {
 *   scopes: ['openid', 'profile', 'email'],
 *   scopeRule: { override: 'allowed', allowed: ['phone'] },
 *   parameters: [
 *     { name: 'acr_values', value: 'urn:acr:mfa', rule: 'fixed' },
 *     { name: 'prompt', value: 'login', rule: 'fixed' },
 *     { name: 'hd', value: 'example.org', rule: 'fixed' },
 *     { name: 'login_hint', rule: 'overridable' },
 *     { name: 'ui_locales', value: 'en', rule: 'allowed', allowed: ['en', 'fr', 'de'] },
 *   ],
 *   protect: { acr_values: true, prompt: true },
 *   transport: 'request-object',
 *   requestObject: { alg: 'PS256' },
 * }
 * ```
 * @group Request policy
 */
export interface RequestPolicyInput {
  /** The response type. Default `code`. */
  readonly responseType?: ResponseType
  /** The response mode. Default: the response type's (not sent). */
  readonly responseMode?: ResponseMode
  /** The `redirect_uri`; one of the client's `redirect_uris`. Default: the first of them. */
  readonly redirectUri?: string
  /** The default scopes; `openid` is added. Default `['openid']`. */
  readonly scopes?: readonly string[]
  /** Whether the application may ask for other scopes. Default `{ override: 'fixed' }`. */
  readonly scopeRule?: {
    readonly override: 'fixed' | 'any' | 'allowed'
    readonly allowed?: readonly string[]
  }
  /** The extra request parameters; the application may send no parameter that is not named here. */
  readonly parameters?: readonly RequestParameterPolicyInput[]
  /** Refuse any application value for `acr_values` / `prompt`. Default both false. */
  readonly protect?: { readonly acr_values?: boolean; readonly prompt?: boolean }
  /** How the request travels. Default `query`. */
  readonly transport?: RequestTransport
  /**
   * Where the application serves request objects by reference; required with `request-uri`.
   *
   * An https URL (http only on loopback), e.g. `https://app.example/auth/request/`.
   */
  readonly requestUriBase?: string
  /** Request-object settings (transport `request-object`, or a signed PAR). */
  readonly requestObject?: RequestObjectPolicy
  /** Send PKCE S256 for response types with `code`. Default true. */
  readonly pkce?: boolean
  /** Refuse what the OP's metadata does not advertise. Default true. */
  readonly enforceProviderSupport?: boolean
  /** Require the ID token's `acr` to satisfy locked or essential `acr_values`. Default true. */
  readonly enforceAcr?: boolean
}

/**
 * Every {@link ResponseType}: the one list of the response types the SDK implements.
 * @internal
 */
export const RESPONSE_TYPES: readonly ResponseType[] = [
  'code',
  'id_token',
  'id_token token',
  'code id_token',
  'code token',
  'code id_token token',
]
/**
 * A compiled parameter rule, for the per-request path.
 * @internal
 */
export interface CompiledRule {
  readonly rule: ParameterRule
  readonly value: readonly string[] | undefined
  readonly allowed: ReadonlySet<string> | undefined
}

const compiled = new WeakMap<RequestPolicy, ReadonlyMap<string, CompiledRule>>()

/**
 * The policy's parameter rules by name, compiled once per policy object.
 * @param policy - a normalised policy
 * @returns the rules by parameter name
 * @internal
 */
export function policyRules(policy: RequestPolicy): ReadonlyMap<string, CompiledRule> {
  let rules = compiled.get(policy)
  if (rules === undefined) {
    const map = new Map<string, CompiledRule>()
    for (const p of policy.parameters) {
      const allowed = p.allowed && new Set(p.allowed.map((v) => canonicalValue(p.name, v)))
      map.set(p.name, { rule: p.rule, value: p.value, allowed })
    }
    rules = map
    compiled.set(policy, rules)
  }
  return rules
}

let noPolicy: RequestPolicy | undefined

/**
 * The policy of a connection without one, as `normalizePolicy` makes it from `undefined`.
 *
 * The code flow with PKCE, `scope` and the {@link OPEN_PARAMETERS} the application's to set.
 * Built here without the policy validation (policy-validation.ts), which only an administrator's
 * policy needs.
 * @returns the normalised, deeply frozen policy
 * @internal
 */
export function defaultPolicy(): RequestPolicy {
  noPolicy ??= deepFreeze({
    responseType: 'code',
    scopes: ['openid'],
    scopeRule: { override: 'any' },
    parameters: OPEN_PARAMETERS.map((name) => ({ name, rule: 'overridable' as const })),
    protect: { acr_values: false, prompt: false },
    transport: 'query',
    pkce: true,
    enforceProviderSupport: true,
    enforceAcr: true,
  })
  return noPolicy
}
