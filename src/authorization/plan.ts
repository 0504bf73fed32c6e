/**
 * What every authorization request of a configuration shares, worked out once.
 *
 * It is checked against the OP's metadata on first use.
 *
 * @module
 */
import type { Configuration } from '../config/configuration.js'
import { isContentEncryption } from '../config/parameter-values.js'
import {
  isJwtResponseMode,
  policyRules,
  type RequestPolicy,
  type RequestTransport,
} from '../config/policy.js'
import { configurationCachesOf } from '../config/runtime.js'
import { UsageError, type UsageErrorCode } from '../errors.js'
import { REQUEST_OBJECT_ENC_ALGS } from '../lib/algorithms.js'
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
  if (enforce && isJwtResponseMode(policy.responseMode)) checkJarmAlgs(config)
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
  const requestObject = signed ? await requestObjectOptions(config, transport) : undefined
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

/**
 * The JARM algorithms the client registered must be ones the OP advertises, where it lists them.
 *
 * The signing alg defaults to RS256 (JARM §3); `enc` to A128CBC-HS256.
 */
function checkJarmAlgs(config: Configuration): void {
  const { provider, client } = config
  const wanted: [member: string, value: string | undefined, advertised: unknown][] = [
    [
      'authorization_signed_response_alg',
      client.authorization_signed_response_alg ?? 'RS256',
      provider.authorization_signing_alg_values_supported,
    ],
  ]
  const encAlg = client.authorization_encrypted_response_alg
  if (encAlg !== undefined) {
    wanted.push(
      [
        'authorization_encrypted_response_alg',
        encAlg,
        provider.authorization_encryption_alg_values_supported,
      ],
      [
        'authorization_encrypted_response_enc',
        client.authorization_encrypted_response_enc ?? 'A128CBC-HS256',
        provider.authorization_encryption_enc_values_supported,
      ],
    )
  }
  for (const [member, value, advertised] of wanted) {
    if (Array.isArray(advertised) && !advertised.includes(value)) {
      throw unsupportedError(
        'OP_UNSUPPORTED_AUTHORIZATION_RESPONSE_ALG',
        member,
        `${member} ${value}`,
      )
    }
  }
}

async function requestObjectOptions(
  config: Configuration,
  transport: RequestTransport,
): Promise<RequestObjectOptions> {
  const { policy, provider, client } = config
  const enforce = policy.enforceProviderSupport
  const settings = policy.requestObject
  const wanted = settings?.alg ?? client.request_object_signing_alg
  const key =
    wanted === 'none'
      ? undefined
      : await requestObjectsFeature('a request object').requestObjectKey(config, wanted)
  const alg = key?.alg ?? 'none'
  if (alg === 'none' && settings?.allowUnsigned !== true) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      'an unsigned request object needs policy.requestObject.allowUnsigned',
      {
        parameter: 'policy.requestObject.allowUnsigned',
      },
    )
  }
  let encrypt = settings?.encrypt
  const encAlg = client.request_object_encryption_alg
  if (encrypt === undefined && encAlg !== undefined) {
    const enc = client.request_object_encryption_enc ?? 'A128CBC-HS256'
    if (!REQUEST_OBJECT_ENC_ALGS.has(encAlg) || !isContentEncryption(enc)) {
      throw new UsageError(
        'INVALID_CONFIGURATION',
        'request_object_encryption_alg/enc must be an asymmetric JWE alg and a JWE enc',
        {
          parameter: 'request_object_encryption_alg',
        },
      )
    }
    encrypt = { alg: encAlg, enc }
  }
  if (enforce) {
    if (transport === 'request-object' && provider.request_parameter_supported !== true) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT',
        'request',
        'request objects (request_parameter_supported)',
      )
    }
    // Discovery §3: request_uri_parameter_supported defaults to true
    if (transport === 'request-uri' && provider.request_uri_parameter_supported === false) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_URI',
        'request_uri',
        'request objects by reference (request_uri_parameter_supported)',
      )
    }
    const algs = provider.request_object_signing_alg_values_supported
    if (
      (algs !== undefined && !algs.includes(alg)) ||
      (alg === 'none' && provider.require_signed_request_object === true)
    ) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
        'request',
        `request object alg ${alg}`,
      )
    }
    if (
      encrypt !== undefined &&
      !(
        provider.request_object_encryption_alg_values_supported?.includes(encrypt.alg) &&
        provider.request_object_encryption_enc_values_supported?.includes(encrypt.enc)
      )
    ) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
        'request',
        `request object encryption ${encrypt.alg} / ${encrypt.enc}`,
      )
    }
  }
  return { alg, allowUnsigned: settings?.allowUnsigned, encrypt, key }
}

function sameTokens(a: string, b: string): boolean {
  const x = a.split(' ').sort()
  const y = b.split(' ').sort()
  return x.length === y.length && x.every((v, i) => v === y[i])
}

/**
 * The error for something the OP's metadata does not advertise.
 * @param code - the `OP_UNSUPPORTED_*` code
 * @param parameter - the parameter concerned
 * @param what - what is not advertised, for the message
 * @returns the error
 * @internal
 */
export function unsupportedError(
  code: UsageErrorCode,
  parameter: string,
  what: string,
): UsageError {
  return new UsageError(
    code,
    `the OP's metadata does not advertise ${what}; set policy.enforceProviderSupport to false to send it anyway`,
    { parameter },
  )
}
