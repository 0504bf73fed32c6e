/**
 * Security profiles: a preset that narrows a connection to what a profile allows.
 *
 * The FAPI 2.0 Security Profile (`fapi2`) and its Message Signing variant. The configuration is
 * checked once when it is made; the few rules that depend on a request (a DPoP key or a bound
 * certificate for every token request, `iss` in every authorization response) are checked where
 * the request is made or the response read.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { FAPI2_SIGNING_ALGS } from '../lib/algorithms.js'
import type { ClientMetadata } from './client.js'
import type { RequestPolicy } from './policy.js'
import type { PolicyDefaults } from './policy-validation.js'
import type { ProviderMetadata } from './provider.js'
import type { Settings } from './settings.js'

/**
 * A security profile a connection keeps to.
 *
 * - `fapi2`: the FAPI 2.0 Security Profile (§5.3.2, client requirements): pushed authorization
 *   requests, PKCE S256, the `code` response type only, `private_key_jwt` or mutual-TLS client
 *   authentication, sender-constrained tokens (a DPoP key, or mutual-TLS certificate-bound tokens),
 *   RFC 9207 `iss` in every authorization response, PS256, ES256 or EdDSA signatures only, and a
 *   clock tolerance of at most 10 seconds;
 * - `fapi2-message-signing`: all of `fapi2`, plus signed request objects (pushed) and signed
 *   authorization responses (JARM), FAPI 2.0 Message Signing.
 *
 * @group Configuration
 */
export type SecurityProfile = 'fapi2' | 'fapi2-message-signing'

/** Every {@link SecurityProfile}, for checking a value given at runtime. */
const PROFILES: readonly string[] = ['fapi2', 'fapi2-message-signing']

/** The largest clock tolerance a profile allows, in seconds. */
const MAX_CLOCK_TOLERANCE_IN_SECONDS = 10

/** The client authentication methods FAPI 2.0 allows (§5.3.2). */
const AUTH_METHODS: readonly string[] = [
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
]

/** The registered signing algs a profile narrows, with what each signs. */
const SIGNING_ALG_MEMBERS = [
  'token_endpoint_auth_signing_alg',
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'introspection_signed_response_alg',
  'request_object_signing_alg',
  'authorization_signed_response_alg',
] as const

/** The registered key-encryption algs, none of which may be RSA1_5 (RFC 9700 §2.1.1 spirit). */
const ENCRYPTION_ALG_MEMBERS = [
  'id_token_encrypted_response_alg',
  'userinfo_encrypted_response_alg',
  'introspection_encrypted_response_alg',
  'request_object_encryption_alg',
  'authorization_encrypted_response_alg',
] as const

/**
 * Checks a `securityProfile` option.
 * @param value - the option as given
 * @returns the profile, or `undefined` for none
 * @throws {@link UsageError} `INVALID_CONFIGURATION`
 * @internal
 */
export function validateSecurityProfile(value: unknown): SecurityProfile | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !PROFILES.includes(value)) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      'securityProfile must be fapi2 or fapi2-message-signing',
      { parameter: 'securityProfile' },
    )
  }
  return value as SecurityProfile
}

/**
 * The request policy's defaults under a profile.
 *
 * Pushed requests; with Message Signing, a signed request object and the `jwt` response mode.
 * @param profile - the profile, or `undefined` for none
 * @returns the defaults, which a policy may still state (and is then checked)
 * @internal
 */
export function profilePolicyDefaults(profile: SecurityProfile | undefined): PolicyDefaults {
  if (profile === undefined) return {}
  if (profile === 'fapi2') return { transport: 'par' }
  return { transport: 'par', responseMode: 'jwt', requestObject: {} }
}

/**
 * The settings under a profile: its clock tolerance when the application set none.
 *
 * @param settings - the validated settings
 * @param profile - the profile
 * @param toleranceGiven - whether the application set `clockToleranceInSeconds` itself
 * @returns the settings, with the tolerance at most 10 s
 * @throws {@link UsageError} `SECURITY_PROFILE_VIOLATION` for a tolerance set above 10 s
 * @internal
 */
export function profileSettings(
  settings: Settings,
  profile: SecurityProfile | undefined,
  toleranceGiven: boolean,
): Settings {
  if (profile === undefined || settings.clockToleranceInSeconds <= MAX_CLOCK_TOLERANCE_IN_SECONDS) {
    return settings
  }
  if (toleranceGiven) {
    throw violation(
      profile,
      'clockToleranceInSeconds',
      `at most ${MAX_CLOCK_TOLERANCE_IN_SECONDS} seconds`,
    )
  }
  return Object.freeze({ ...settings, clockToleranceInSeconds: MAX_CLOCK_TOLERANCE_IN_SECONDS })
}

/**
 * Checks a connection against its profile, once, when the configuration is made.
 *
 * The OP must offer pushed authorization requests; the client must authenticate with
 * `private_key_jwt` or mutual TLS, register only FAPI 2.0 signing algs (and register the ID
 * token's, since the OP's default is RS256), and never RSA1_5; the policy must push its requests,
 * use the `code` response type with PKCE and, for Message Signing, sign its request objects and ask
 * for a JARM response mode.
 *
 * @param profile - the profile, or `undefined` for none (nothing is checked)
 * @param provider - the OP's metadata
 * @param client - the client's metadata
 * @param policy - the normalised request policy
 * @throws {@link UsageError} `SECURITY_PROFILE_VIOLATION` naming the member at fault
 * @see {@link https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.2 | FAPI 2.0 §5.3.2}
 * @internal
 */
export function checkSecurityProfile(
  profile: SecurityProfile | undefined,
  provider: ProviderMetadata,
  client: ClientMetadata,
  policy: RequestPolicy,
): void {
  if (profile === undefined) return
  if (provider.pushed_authorization_request_endpoint === undefined) {
    throw violation(profile, 'provider.pushed_authorization_request_endpoint', 'present (PAR)')
  }
  if (!AUTH_METHODS.includes(client.token_endpoint_auth_method)) {
    throw violation(profile, 'client.token_endpoint_auth_method', AUTH_METHODS.join(', ') + ' only')
  }
  if (client.id_token_signed_response_alg === undefined) {
    throw violation(
      profile,
      'client.id_token_signed_response_alg',
      `registered (${algList()}): the OP's default is RS256`,
    )
  }
  for (const member of SIGNING_ALG_MEMBERS) {
    const alg = client[member]
    if (alg !== undefined && !FAPI2_SIGNING_ALGS.includes(alg)) {
      throw violation(profile, `client.${member}`, algList())
    }
  }
  for (const member of ENCRYPTION_ALG_MEMBERS) {
    if (client[member] === 'RSA1_5') throw violation(profile, `client.${member}`, 'not RSA1_5')
  }
  if (policy.responseType !== 'code') throw violation(profile, 'policy.responseType', 'code')
  if (policy.transport !== 'par') throw violation(profile, 'policy.transport', 'par')
  if (!policy.pkce) throw violation(profile, 'policy.pkce', 'true (PKCE S256)')
  if (profile === 'fapi2-message-signing') {
    const alg = policy.requestObject?.alg
    if (policy.requestObject === undefined || policy.requestObject.allowUnsigned === true) {
      throw violation(profile, 'policy.requestObject', 'a signed request object')
    }
    if (alg !== undefined && !FAPI2_SIGNING_ALGS.includes(alg)) {
      throw violation(profile, 'policy.requestObject.alg', algList())
    }
    if (policy.responseMode !== undefined && !policy.responseMode.endsWith('jwt')) {
      throw violation(profile, 'policy.responseMode', 'a JARM mode (jwt, query.jwt, …)')
    }
    if (client.authorization_signed_response_alg === undefined) {
      throw violation(
        profile,
        'client.authorization_signed_response_alg',
        `registered (${algList()}): JARM's default is RS256`,
      )
    }
  }
}

/**
 * Checks that tokens asked for under a profile are sender-constrained (FAPI 2.0 §5.3.2).
 *
 * A DPoP key goes with the request, or the client registered
 * `tls_client_certificate_bound_access_tokens` (RFC 8705 §3).
 *
 * @param profile - the profile, or `undefined` for none (nothing is checked)
 * @param client - the client's metadata
 * @param dpop - whether a DPoP key goes with this request
 * @param operation - what is asked, for the message (`the token request`)
 * @throws {@link UsageError} `SECURITY_PROFILE_VIOLATION`
 * @internal
 */
export function requireSenderConstraint(
  profile: SecurityProfile | undefined,
  client: ClientMetadata,
  dpop: boolean,
  operation: string,
): void {
  if (profile === undefined || dpop || client.tls_client_certificate_bound_access_tokens === true) {
    return
  }
  throw new UsageError(
    'SECURITY_PROFILE_VIOLATION',
    `${profile}: ${operation} needs sender-constrained tokens: give a dpop handle (createDPoPHandle) or register tls_client_certificate_bound_access_tokens`,
    { parameter: 'dpop' },
  )
}

function algList(): string {
  return FAPI2_SIGNING_ALGS.join(', ')
}

function violation(profile: SecurityProfile, member: string, expected: string): UsageError {
  return new UsageError('SECURITY_PROFILE_VIOLATION', `${profile}: ${member} must be ${expected}`, {
    parameter: member,
  })
}
