/**
 * The OP's metadata as the SDK accepts it.
 *
 * Its type, and the validation every source of it (discovery, manual configuration, restore,
 * reload) goes through. The issuer comparison is discovery's.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import { isLoopback } from '../lib/http.js'
import {
  cloneJson,
  deepFreeze,
  describe,
  isPlainObject,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
} from '../lib/json.js'

/**
 * The OP's metadata (OIDC Discovery §3, RFC 8414, RFC 9126, RFC 9207, JARM §3, logout specs).
 *
 * Members not listed are kept as they came.
 *
 * @group Configuration
 */
export interface ProviderMetadata {
  readonly issuer: string
  readonly authorization_endpoint: string
  readonly token_endpoint?: string
  readonly userinfo_endpoint?: string
  readonly jwks_uri: string
  readonly registration_endpoint?: string
  readonly end_session_endpoint?: string
  readonly pushed_authorization_request_endpoint?: string
  readonly revocation_endpoint?: string
  readonly introspection_endpoint?: string
  readonly scopes_supported?: readonly string[]
  readonly response_types_supported: readonly string[]
  readonly response_modes_supported?: readonly string[]
  readonly grant_types_supported?: readonly string[]
  readonly acr_values_supported?: readonly string[]
  readonly subject_types_supported: readonly string[]
  readonly id_token_signing_alg_values_supported: readonly string[]
  readonly id_token_encryption_alg_values_supported?: readonly string[]
  readonly id_token_encryption_enc_values_supported?: readonly string[]
  readonly userinfo_signing_alg_values_supported?: readonly string[]
  readonly userinfo_encryption_alg_values_supported?: readonly string[]
  readonly userinfo_encryption_enc_values_supported?: readonly string[]
  readonly request_object_signing_alg_values_supported?: readonly string[]
  readonly request_object_encryption_alg_values_supported?: readonly string[]
  readonly request_object_encryption_enc_values_supported?: readonly string[]
  readonly authorization_signing_alg_values_supported?: readonly string[]
  readonly authorization_encryption_alg_values_supported?: readonly string[]
  readonly authorization_encryption_enc_values_supported?: readonly string[]
  readonly token_endpoint_auth_methods_supported?: readonly string[]
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[]
  readonly claims_supported?: readonly string[]
  readonly code_challenge_methods_supported?: readonly string[]
  readonly prompt_values_supported?: readonly string[]
  readonly claims_parameter_supported?: boolean
  readonly request_parameter_supported?: boolean
  readonly request_uri_parameter_supported?: boolean
  readonly require_pushed_authorization_requests?: boolean
  readonly authorization_response_iss_parameter_supported?: boolean
  readonly backchannel_logout_supported?: boolean
  readonly backchannel_logout_session_supported?: boolean
  readonly frontchannel_logout_supported?: boolean
  readonly frontchannel_logout_session_supported?: boolean
  /**
   * The endpoints a mutual-TLS client uses instead of the plain ones (RFC 8705 §5).
   *
   * Each an https URL (loopback http in development), checked as the other endpoints are.
   */
  readonly mtls_endpoint_aliases?: Readonly<Record<string, string>>
  /** The OP issues certificate-bound access tokens (RFC 8705 §3.3). */
  readonly tls_client_certificate_bound_access_tokens?: boolean
  readonly [member: string]: unknown
}

const URL_MEMBERS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'check_session_iframe',
] as const
const REQUIRED_ARRAYS = [
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
] as const
const BOOLEAN_MEMBERS = [
  'claims_parameter_supported',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'require_request_uri_registration',
  'require_pushed_authorization_requests',
  'authorization_response_iss_parameter_supported',
  'backchannel_logout_supported',
  'backchannel_logout_session_supported',
  'frontchannel_logout_supported',
  'frontchannel_logout_session_supported',
  'tls_client_certificate_bound_access_tokens',
] as const

/**
 * Which members of OP metadata a reader checks: its endpoint URLs, and its boolean members.
 * @internal
 */
export interface MetadataMembers {
  /** The members that are endpoint URLs. */
  readonly endpoints: readonly string[]
  /** The `*_supported` members that are booleans (every other one is an array of strings). */
  readonly booleans: readonly string[]
}

/** Every member the core reads. */
const CORE_MEMBERS: MetadataMembers = { endpoints: URL_MEMBERS, booleans: BOOLEAN_MEMBERS }

/**
 * Validates OP metadata members and types; the issuer comparison is discovery's.
 *
 * Every member the core reads, the `mtls_endpoint_aliases` too.
 * @internal
 */
export function validateProviderMetadata(
  value: unknown,
  allowInsecureRequests: boolean,
): ProviderMetadata {
  const metadata = checkMetadata(value, allowInsecureRequests, CORE_MEMBERS)
  const aliases = metadata.mtls_endpoint_aliases as unknown
  if (aliases !== undefined) {
    if (!isPlainObject(aliases)) {
      throw invalidMetadata('mtls_endpoint_aliases', 'a JSON object of endpoint URLs', aliases)
    }
    const issuer = new URL(metadata.issuer)
    for (const [member, url] of Object.entries(aliases)) {
      checkEndpoint(`mtls_endpoint_aliases.${member}`, url, issuer, allowInsecureRequests)
    }
  }
  return metadata
}

/**
 * Validates the members of OP metadata a reader names.
 *
 * The issuer (an https URL without query or fragment), the endpoints named (https, and off loopback
 * unless the issuer is on it), the members every OP must publish, the `*_supported` members'
 * types, and a token endpoint when the OP supports the code flow.
 * @param value - the metadata
 * @param allowInsecureRequests - the setting: http endpoints accepted
 * @param members - the members that are endpoints, and the boolean ones
 * @returns the metadata, a frozen copy
 * @throws {@link ValidationError} `DISCOVERY_INVALID_METADATA`, `DISCOVERY_INSECURE_ENDPOINT`,
 * `DISCOVERY_LOOPBACK_ENDPOINT`
 * @internal
 */
export function checkMetadata(
  value: unknown,
  allowInsecureRequests: boolean,
  members: MetadataMembers,
): ProviderMetadata {
  if (!isPlainObject(value)) throw invalidMetadata('metadata', 'a JSON object', typeof value)
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw invalidMetadata('metadata', `nested at most ${MAX_JSON_DEPTH} levels deep`, 'deeper')
  }
  const issuer = value.issuer
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw invalidMetadata('issuer', 'an absolute URL', issuer)
  }
  const issuerUrl = new URL(issuer)
  if (issuerUrl.search !== '' || issuerUrl.hash !== '') {
    throw invalidMetadata('issuer', 'a URL without query or fragment', issuer)
  }
  requireSecure('issuer', issuerUrl, allowInsecureRequests)
  for (const member of members.endpoints) {
    const url = value[member]
    if (url !== undefined) checkEndpoint(member, url, issuerUrl, allowInsecureRequests)
  }
  for (const member of ['authorization_endpoint', 'jwks_uri', ...REQUIRED_ARRAYS] as const) {
    if (value[member] === undefined) throw invalidMetadata(member, 'present', undefined)
  }
  for (const [member, entry] of Object.entries(value)) {
    // a member given as undefined (metadata written in code) is absent, as JSON would have it
    if (entry === undefined) continue
    if (members.booleans.includes(member)) {
      if (typeof entry !== 'boolean') throw invalidMetadata(member, 'a boolean', entry)
    } else if (
      member.endsWith('_supported') &&
      !(Array.isArray(entry) && entry.every((item) => typeof item === 'string'))
    ) {
      throw invalidMetadata(member, 'an array of strings', entry)
    }
  }
  const responseTypes = value.response_types_supported as string[]
  if (
    value.token_endpoint === undefined &&
    responseTypes.some((type) => type.split(' ').includes('code'))
  ) {
    throw invalidMetadata('token_endpoint', 'present (the OP supports the code flow)', undefined)
  }
  return deepFreeze(cloneJson(value)) as ProviderMetadata
}

/** An endpoint: an absolute https URL, off loopback unless the issuer is on it. */
function checkEndpoint(
  member: string,
  url: unknown,
  issuer: URL,
  allowInsecureRequests: boolean,
): void {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    throw invalidMetadata(member, 'an absolute URL', url)
  }
  const endpoint = new URL(url)
  requireSecure(member, endpoint, allowInsecureRequests)
  if (!allowInsecureRequests) requireLoopbackIssuer(member, endpoint, issuer)
}

function requireSecure(member: string, url: URL, allowInsecureRequests: boolean): void {
  if (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (allowInsecureRequests || isLoopback(url.hostname)))
  ) {
    return
  }
  throw new ValidationError(
    'DISCOVERY_INSECURE_ENDPOINT',
    `the OP metadata member ${member} must be an https URL, got ${url.protocol}//${url.host}`,
    { claim: member, expected: 'https:', actual: url.protocol },
  )
}

/**
 * A loopback endpoint is the development exception of a loopback issuer.
 *
 * A remote OP publishes its metadata for every client, so a loopback endpoint in it can only mean
 * the RP's own host: the RP would send its credentials, codes and tokens to whatever listens there
 * (in clear over http, and to any local service its trust store vouches for over https). Refused
 * whatever the scheme.
 */
function requireLoopbackIssuer(member: string, url: URL, issuer: URL): void {
  if (!isLoopback(url.hostname) || isLoopback(issuer.hostname)) return
  throw new ValidationError(
    'DISCOVERY_LOOPBACK_ENDPOINT',
    `the OP metadata member ${member} points at loopback (${url.protocol}//${url.host}) while the issuer ${issuer.origin} is not on loopback`,
    {
      claim: member,
      expected: `an endpoint off loopback, as the issuer ${issuer.origin}`,
      actual: `${url.protocol}//${url.host}`,
    },
  )
}

function invalidMetadata(member: string, expected: string, actual: unknown): ValidationError {
  return new ValidationError(
    'DISCOVERY_INVALID_METADATA',
    `the OP metadata member ${member} must be ${expected}, got ${describe(actual)}`,
    { claim: member, expected, actual: describe(actual) },
  )
}
