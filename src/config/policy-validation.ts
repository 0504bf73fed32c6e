/**
 * The validation of an administrator's request policy: `normalizePolicy` and its checks.
 *
 * The `requestPolicy` feature (lib/features.ts): a connection without a policy gets
 * `defaultPolicy()` from policy.ts and never loads this.
 *
 * @module
 */

import { CONTENT_ENCS, REQUEST_OBJECT_ALGS, REQUEST_OBJECT_ENC_ALGS } from '../lib/algorithms.js'
import { invalidConfiguration as invalid } from '../lib/checks.js'
import { deepFreeze, isPlainObject } from '../lib/json.js'
import { claimsParameterText } from './claims-parameter.js'
import type { ClientMetadata } from './client.js'
import { canonicalValue } from './parameter-forms.js'
import { checkValues, isSdkOwned } from './parameter-values.js'
import {
  JWT_RESPONSE_MODES,
  OPEN_PARAMETERS,
  type ParameterRule,
  RESPONSE_TYPES,
  type RequestObjectPolicy,
  type RequestParameterPolicy,
  type RequestPolicy,
  type RequestPolicyInput,
  type RequestTransport,
  type ResponseMode,
  type ResponseType,
} from './policy.js'
import { requestUriBaseOf } from './request-uri-base.js'

/** The policy when none is given: any scope, every {@link OPEN_PARAMETERS} overridable. */
const NO_POLICY: RequestPolicyInput = {
  scopeRule: { override: 'any' },
  parameters: OPEN_PARAMETERS.map((name) => ({ name, rule: 'overridable' as const })),
}

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
 * @throws `UsageError` `INVALID_CONFIGURATION` naming the member at fault
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
    const value = policyValues(name, raw, `${at}.value`)
    let allowed: string[] | undefined
    if (rule === 'allowed') {
      if (entry.allowed === undefined)
        throw invalid(`policy.${at}.allowed`, 'present for rule allowed')
      allowed = policyValues(name, listOf(entry.allowed, `${at}.allowed`), `${at}.allowed`)
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
 * A policy parameter's values, checked for the parameter's format.
 *
 * `claims` must be one claims request (OIDC Core §5.5) without repeated members, sent as checked.
 */
function policyValues(name: string, raw: readonly string[], member: string): string[] {
  const values = checkValues(name, raw, member)
  if (name !== 'claims') return values
  const texts = values.map(claimsParameterText)
  if (texts.length > 1 || texts.includes(undefined)) {
    throw invalid(
      `policy.${member}`,
      'one claims request (OIDC Core §5.5) without repeated members',
    )
  }
  return texts as string[]
}
