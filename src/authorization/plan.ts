/**
 * What every authorization request of a configuration shares, worked out once.
 *
 * It is checked against the OP's metadata on first use.
 *
 * @module
 */

import type * as Jarm from '../callback/jarm.js'
import type { Configuration } from '../config/configuration.js'
import {
  isJwtResponseMode,
  policyRules,
  type RequestPolicy,
  type RequestTransport,
} from '../config/policy.js'
import { configurationCachesOf } from '../config/runtime.js'
import { UsageError } from '../errors.js'
import { unsupportedError } from '../lib/checks.js'
import { need } from '../lib/features.js'
import { requestObjectsFeature } from './features.js'
import type { RequestObjectOptions } from './request-object.js'

/**
 * What does not change between two requests of one configuration.
 * @internal
 */
export interface Prepared {
  readonly policy: RequestPolicy
  readonly rules: ReturnType<typeof policyRules>
  readonly defaults: ReadonlyMap<string, readonly string[]>
  readonly redirectUri: string
  readonly pkce: boolean
  readonly transport: RequestTransport
  readonly requestObject: RequestObjectOptions | undefined
  readonly lockedAcr: readonly string[] | undefined
  readonly endpointBase: string
  readonly endpointQuery: readonly [string, string][]
}

declare module '../config/runtime.js' {
  interface ConfigurationCaches {
    /** What every authorization request of the configuration shares, checked once. */
    requestPlan: Prepared
  }
}

/**
 * The prepared request of a configuration, worked out on first use.
 * @param config - the configuration: its policy, the OP's metadata and the client
 * @returns what every request of it shares
 * @throws {@link UsageError} `OP_UNSUPPORTED_*`, `ENDPOINT_MISSING`, `MISSING_CREDENTIALS`,
 * `INVALID_CONFIGURATION`
 * @internal
 */
export function prepareRequest(config: Configuration): Prepared | Promise<Prepared> {
  return configurationCachesOf(config).requestPlan ?? prepare(config)
}

/** Checks the policy against the OP's metadata and the client, once per configuration. */
async function prepare(config: Configuration): Promise<Prepared> {
  const { policy, provider, client } = config
  const enforce = policy.enforceProviderSupport
  const redirectUri = policy.redirectUri ?? client.redirect_uris[0]!
  if (!client.redirect_uris.includes(redirectUri)) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      "policy.redirectUri must be one of the client's redirect_uris",
      {
        parameter: 'policy.redirectUri',
      },
    )
  }
  const responseType = policy.responseType
  if (enforce && !provider.response_types_supported.some((t) => sameTokens(t, responseType))) {
    throw unsupportedError(
      'OP_UNSUPPORTED_RESPONSE_TYPE',
      'response_type',
      `response_type ${responseType}`,
    )
  }
  const modes = provider.response_modes_supported ?? ['query', 'fragment']
  if (enforce && policy.responseMode !== undefined && !modes.includes(policy.responseMode)) {
    throw unsupportedError(
      'OP_UNSUPPORTED_RESPONSE_MODE',
      'response_mode',
      `response_mode ${policy.responseMode}`,
    )
  }
  if (enforce && isJwtResponseMode(policy.responseMode)) {
    need<typeof Jarm>('jarm', 'a JARM response mode').checkJarmAlgs(config)
  }
  const pkce = policy.pkce && responseType.split(' ').includes('code')
  const methods = provider.code_challenge_methods_supported
  if (enforce && pkce && methods !== undefined && !methods.includes('S256')) {
    throw unsupportedError(
      'OP_UNSUPPORTED_PKCE_METHOD',
      'code_challenge_method',
      'PKCE method S256',
    )
  }
  let transport = policy.transport
  const signed =
    transport === 'request-object' ||
    transport === 'request-uri' ||
    (transport === 'par' && policy.requestObject !== undefined) ||
    provider.require_signed_request_object === true
  if (provider.require_pushed_authorization_requests === true) transport = 'par'
  else if (signed && transport === 'query') transport = 'request-object'
  if (transport === 'par' && provider.pushed_authorization_request_endpoint === undefined) {
    throw new UsageError(
      'ENDPOINT_MISSING',
      'PAR needs the OP to have a pushed_authorization_request_endpoint',
      {
        parameter: 'pushed_authorization_request_endpoint',
      },
    )
  }
  const requestObject = signed
    ? await requestObjectsFeature('a request object').requestObjectOptions(config, transport)
    : undefined
  const rules = policyRules(policy)
  const defaults = new Map<string, readonly string[]>()
  for (const [name, rule] of rules) if (rule.value !== undefined) defaults.set(name, rule.value)
  const acrRule = rules.get('acr_values')
  const lockedAcr =
    acrRule?.value !== undefined && (acrRule.rule === 'fixed' || policy.protect.acr_values)
      ? acrRule.value
      : undefined
  const endpoint = new URL(provider.authorization_endpoint)
  const endpointQuery = [...endpoint.searchParams]
  endpoint.search = ''
  endpoint.hash = ''
  const result: Prepared = {
    policy,
    rules,
    defaults,
    redirectUri,
    pkce,
    transport,
    requestObject,
    lockedAcr,
    endpointBase: endpoint.href,
    endpointQuery,
  }
  configurationCachesOf(config).requestPlan = result
  return result
}

function sameTokens(a: string, b: string): boolean {
  const x = a.split(' ').sort()
  const y = b.split(' ').sort()
  return x.length === y.length && x.every((v, i) => v === y[i])
}
