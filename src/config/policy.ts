/**
 * The administrator's request policy for a connection (PingFederate's "Request Parameters").
 *
 * The profile, the scopes, the extra request parameters with their override rules, protected
 * `acr_values` / `prompt`, and how the request travels. Plain JSON data, validated once.
 *
 * @module
 */

import { UsageError } from '../errors.js'
import { CONTENT_ENCS, REQUEST_OBJECT_ALGS, REQUEST_OBJECT_ENC_ALGS } from '../lib/algorithms.js'
import { invalidConfiguration as invalid } from '../lib/checks.js'
import { deepFreeze, isPlainObject } from '../lib/json.js'
import type { ClientMetadata } from './client.js'
import { canonicalValue, checkValues, isSdkOwned } from './parameter-values.js'

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

const JWT_RESPONSE_MODES: readonly JwtResponseMode[] = [
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

/** The policy when none is given: any scope, every {@link OPEN_PARAMETERS} overridable. */
const NO_POLICY: RequestPolicyInput = {
  scopeRule: { override: 'any' },
  parameters: OPEN_PARAMETERS.map((name) => ({ name, rule: 'overridable' as const })),
}

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
const RESPONSE_MODES: readonly string[] = ['query', 'fragment', 'form_post', ...JWT_RESPONSE_MODES]
const TRANSPORTS: readonly string[] = ['query', 'request-object', 'request-uri', 'par']
const RULES: readonly string[] = ['fixed', 'overridable', 'allowed']
const SCOPE_OVERRIDES: readonly string[] = ['fixed', 'any', 'allowed']
const MEMBERS: ReadonlySet<string> = new Set([
  'responseType',
  'responseMode',
  'redirectUri',
  'scopes',
  'scopeRule',
  'parameters',
  'protect',
  'transport',
  'requestUriBase',
  'requestObject',
  'pkce',
  'enforceProviderSupport',
  'enforceAcr',
])
const NAME = /^[A-Za-z0-9_.:~-]{1,128}$/

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
 * The policy of a connection without one, as {@link normalizePolicy} makes it from `undefined`.
 *
 * The code flow with PKCE, `scope` and the {@link OPEN_PARAMETERS} the application's to set.
 * Built here without the policy validation, which only an administrator's policy needs.
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

/**
 * Defaults of a request policy other than the SDK's (a security profile's).
 * @internal
 */
export type PolicyDefaults = Pick<
  RequestPolicyInput,
  'transport' | 'responseMode' | 'requestObject'
>

/**
 * Validates and normalises a request policy, filling defaults.
 *
 * Accepts its own output (and its JSON).
 *
 * @param input - the policy as written, or `undefined` for none (scope and {@link OPEN_PARAMETERS}
 * open)
 * @param client - the client metadata (`redirect_uris`, registered request-object algs)
 * @param defaults - defaults other than the SDK's, for what the policy leaves out (a security
 * profile's)
 * @returns the normalised, deeply frozen policy
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the member at fault
 * (`policy.parameters[2].rule`)
 * @internal
 */
export function normalizePolicy(
  input: unknown,
  client: ClientMetadata,
  defaults: PolicyDefaults = {},
): RequestPolicy {
  if (input === undefined) input = NO_POLICY
  if (!isPlainObject(input)) throw invalid('policy', 'an object')
  for (const member of Object.keys(input)) {
    if (!MEMBERS.has(member)) throw invalid(`policy.${member}`, 'a known policy member')
  }
  const responseType = oneOf(input.responseType ?? 'code', RESPONSE_TYPES, 'responseType')
  const responseMode = optional(input.responseMode ?? defaults.responseMode, (v) =>
    oneOf(v, RESPONSE_MODES, 'responseMode'),
  )
  if (responseMode === 'query' && responseType !== 'code') {
    throw invalid('policy.responseMode', 'fragment or form_post for a response type with tokens')
  }
  if (
    responseMode === 'query.jwt' &&
    responseType !== 'code' &&
    client.authorization_encrypted_response_alg === undefined
  ) {
    throw invalid(
      'policy.responseMode',
      'fragment.jwt or form_post.jwt for a response type with tokens (query.jwt only when the response is encrypted, JARM §2.3.1)',
    )
  }
  const redirectUri = optional(input.redirectUri, (v) => {
    if (typeof v !== 'string' || !client.redirect_uris.includes(v)) {
      throw invalid('policy.redirectUri', "one of the client's redirect_uris")
    }
    return v
  })
  const scopes = tokens(input.scopes ?? ['openid'], 'scopes')
  const scopeRule = normalizeScopeRule(input.scopeRule)
  const parameters = normalizeParameters(input.parameters)
  const protect = normalizeProtect(input.protect)
  const transport = oneOf(input.transport ?? defaults.transport ?? 'query', TRANSPORTS, 'transport')
  const requestUriBase = optional(input.requestUriBase, (v) => requestUriBaseOf(v))
  if ((transport === 'request-uri') !== (requestUriBase !== undefined)) {
    throw invalid('policy.requestUriBase', "given exactly when the transport is 'request-uri'")
  }
  const requestObject = optional(input.requestObject ?? defaults.requestObject, (v) =>
    normalizeRequestObject(v, client),
  )
  const policy: RequestPolicy = {
    responseType: responseType as ResponseType,
    ...(responseMode === undefined ? {} : { responseMode: responseMode as ResponseMode }),
    ...(redirectUri === undefined ? {} : { redirectUri }),
    scopes: ['openid', ...scopes.filter((s) => s !== 'openid')],
    scopeRule,
    parameters,
    protect,
    transport: transport as RequestTransport,
    ...(requestUriBase === undefined ? {} : { requestUriBase }),
    ...(requestObject === undefined ? {} : { requestObject }),
    pkce: bool(input.pkce, true, 'pkce'),
    enforceProviderSupport: bool(input.enforceProviderSupport, true, 'enforceProviderSupport'),
    enforceAcr: bool(input.enforceAcr, true, 'enforceAcr'),
  }
  return deepFreeze(policy)
}

function normalizeScopeRule(input: unknown): RequestPolicy['scopeRule'] {
  if (input === undefined) return { override: 'fixed' }
  if (!isPlainObject(input)) throw invalid('policy.scopeRule', 'an object { override, allowed? }')
  const override = oneOf(input.override, SCOPE_OVERRIDES, 'scopeRule.override')
  if (override !== 'allowed') {
    if (input.allowed !== undefined)
      throw invalid('policy.scopeRule.allowed', 'absent unless override is allowed')
    return { override: override as 'fixed' | 'any' }
  }
  return { override: 'allowed', allowed: tokens(input.allowed, 'scopeRule.allowed') }
}

function normalizeParameters(input: unknown): RequestParameterPolicy[] {
  if (input === undefined) return []
  if (!Array.isArray(input)) throw invalid('policy.parameters', 'an array')
  const seen = new Set<string>()
  return input.map((entry: unknown, i) => {
    const at = `parameters[${i}]`
    if (!isPlainObject(entry))
      throw invalid(`policy.${at}`, 'an object { name, value?, rule, allowed? }')
    for (const member of Object.keys(entry)) {
      if (!['name', 'value', 'rule', 'allowed'].includes(member)) {
        throw invalid(`policy.${at}.${member}`, 'one of name, value, rule, allowed')
      }
    }
    const name = entry.name
    if (typeof name !== 'string' || !NAME.test(name))
      throw invalid(`policy.${at}.name`, 'a parameter name')
    if (isSdkOwned(name)) {
      throw invalid(
        `policy.${at}.name`,
        'a parameter the SDK does not own (in any case: OAuth names are case-sensitive)',
      )
    }
    if (name === 'scope') throw invalid(`policy.${at}.name`, 'not scope (use scopes and scopeRule)')
    if (seen.has(name)) throw invalid(`policy.${at}.name`, 'unique in parameters')
    seen.add(name)
    const rule = oneOf(entry.rule ?? 'fixed', RULES, `${at}.rule`) as ParameterRule
    const raw = entry.value === undefined ? [] : listOf(entry.value, `${at}.value`)
    const value = checkValues(name, raw, `${at}.value`)
    let allowed: string[] | undefined
    if (rule === 'allowed') {
      if (entry.allowed === undefined)
        throw invalid(`policy.${at}.allowed`, 'present for rule allowed')
      allowed = checkValues(name, listOf(entry.allowed, `${at}.allowed`), `${at}.allowed`)
      if (allowed.length === 0) throw invalid(`policy.${at}.allowed`, 'a non-empty list')
      const set = new Set(allowed.map((v) => canonicalValue(name, v)))
      if (!value.every((v) => set.has(canonicalValue(name, v)))) {
        throw invalid(`policy.${at}.value`, 'within allowed')
      }
    } else if (entry.allowed !== undefined) {
      throw invalid(`policy.${at}.allowed`, 'absent unless rule is allowed')
    }
    return {
      name,
      ...(value.length === 0 ? {} : { value }),
      rule,
      ...(allowed === undefined ? {} : { allowed }),
    }
  })
}

function normalizeProtect(input: unknown): RequestPolicy['protect'] {
  if (input === undefined) return { acr_values: false, prompt: false }
  if (!isPlainObject(input)) throw invalid('policy.protect', 'an object { acr_values?, prompt? }')
  for (const member of Object.keys(input)) {
    if (member !== 'acr_values' && member !== 'prompt')
      throw invalid(`policy.protect.${member}`, 'acr_values or prompt')
  }
  return {
    acr_values: bool(input.acr_values, false, 'protect.acr_values'),
    prompt: bool(input.prompt, false, 'protect.prompt'),
  }
}

function normalizeRequestObject(input: unknown, client: ClientMetadata): RequestObjectPolicy {
  if (!isPlainObject(input))
    throw invalid('policy.requestObject', 'an object { alg?, allowUnsigned?, encrypt? }')
  for (const member of Object.keys(input)) {
    if (!['alg', 'allowUnsigned', 'encrypt'].includes(member)) {
      throw invalid(`policy.requestObject.${member}`, 'one of alg, allowUnsigned, encrypt')
    }
  }
  const allowUnsigned = bool(input.allowUnsigned, false, 'requestObject.allowUnsigned')
  const alg = optional(input.alg, (v) => oneOf(v, [...REQUEST_OBJECT_ALGS], 'requestObject.alg'))
  if (alg === 'none' && !allowUnsigned) {
    throw invalid('policy.requestObject.alg', 'a signing alg (none needs allowUnsigned: true)')
  }
  const registered = client.request_object_signing_alg
  if (alg !== undefined && registered !== undefined && alg !== registered) {
    throw invalid(
      'policy.requestObject.alg',
      `the client's registered request_object_signing_alg ${registered}`,
    )
  }
  const encrypt = optional(input.encrypt, (v) => {
    if (!isPlainObject(v)) throw invalid('policy.requestObject.encrypt', 'an object { alg, enc }')
    return {
      alg: oneOf(v.alg, [...REQUEST_OBJECT_ENC_ALGS], 'requestObject.encrypt.alg'),
      enc: oneOf(v.enc, [...CONTENT_ENCS], 'requestObject.encrypt.enc'),
    }
  })
  return {
    ...(alg === undefined ? {} : { alg }),
    ...(allowUnsigned ? { allowUnsigned } : {}),
    ...(encrypt === undefined ? {} : { encrypt }),
  }
}

function tokens(input: unknown, member: string): string[] {
  const list = listOf(input, member)
  const out = checkValues('scope', list, member)
  if (out.length === 0 && member !== 'scopes') throw invalid(`policy.${member}`, 'a non-empty list')
  return out
}

function listOf(input: unknown, member: string): string[] {
  if (typeof input === 'string') return [input]
  if (Array.isArray(input) && input.every((v) => typeof v === 'string')) return [...input]
  throw invalid(`policy.${member}`, 'a string or an array of strings')
}

function oneOf(value: unknown, values: readonly string[], member: string): string {
  if (typeof value !== 'string' || !values.includes(value)) {
    throw invalid(`policy.${member}`, `one of ${values.join(', ')}`)
  }
  return value
}

function bool(value: unknown, fallback: boolean, member: string): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalid(`policy.${member}`, 'a boolean')
  return value
}

function optional<T>(value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value)
}

/**
 * Checks a base URL of request objects by reference.
 *
 * https (http on loopback), ending in `/`, without query or fragment.
 * @param value - the base URL
 * @param member - what it is, for the error (`policy.requestUriBase`)
 * @returns the normalised URL
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming the member
 * @internal
 */
export function requestUriBaseOf(value: unknown, member = 'policy.requestUriBase'): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined
  const loopback = url !== undefined && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
  if (
    url === undefined ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) ||
    url.search !== '' ||
    url.hash !== '' ||
    !url.pathname.endsWith('/')
  ) {
    throw invalid(
      member,
      'an https URL (http only on loopback) ending in /, without query or fragment',
    )
  }
  return url.href
}
