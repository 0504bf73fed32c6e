/**
 * Multi-tenant OPs: an issuer template and the tenants allowed.
 *
 * Microsoft Entra ID's `common` and `organizations` endpoints publish the issuer
 * `https://login.microsoftonline.com/{tenantid}/v2.0`: each ID token's `iss` names the user's
 * tenant, and its `tid` claim repeats it. A connection to such an OP lists the tenants it accepts;
 * a token is checked against the template filled with its own `tid`, which must be in the list.
 *
 * @module
 */
import { ValidationError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'

/** What a template's issuer holds in place of the tenant. */
export const TENANT_PLACEHOLDER = '{tenantid}'

/** A tenant id: a GUID, or a name without `/`. */
const TENANT_ID = /^[\w.-]{1,128}$/

/**
 * The tenants a multi-tenant connection accepts (plain data, saved with the configuration).
 * @group Configuration
 */
export interface Tenants {
  /** The `tid` values accepted; a token of another tenant is refused. */
  readonly allowed: readonly string[]
  /**
   * The issuer the metadata was discovered at (e.g. `…/organizations/v2.0`).
   *
   * Set by `discover`; `reloadMetadata` asks there again.
   */
  readonly discoveryIssuer?: string
}

/**
 * Validates the tenants of a configuration against its OP's issuer.
 *
 * An issuer with `{tenantid}` needs them; an issuer without must not have them.
 * @param input - the `tenants` option
 * @param issuer - the OP's issuer (a template or not)
 * @returns the tenants, or `undefined` for a single-tenant OP
 * @throws `UsageError` `INVALID_CONFIGURATION` naming what is wrong
 * @internal
 */
export function validateTenants(input: unknown, issuer: string): Tenants | undefined {
  const templated = isTemplate(issuer)
  if (input === undefined) {
    if (templated) {
      throw invalidConfiguration('tenants', `given for the multi-tenant issuer ${issuer}`)
    }
    return undefined
  }
  if (!templated) {
    throw invalidConfiguration(
      'tenants',
      `absent: the issuer ${issuer} has no ${TENANT_PLACEHOLDER}`,
    )
  }
  if (!isPlainObject(input)) throw invalidConfiguration('tenants', 'an object')
  const { allowed, discoveryIssuer } = input
  if (
    !Array.isArray(allowed) ||
    allowed.length === 0 ||
    !allowed.every((id) => typeof id === 'string' && TENANT_ID.test(id)) ||
    new Set(allowed).size !== allowed.length
  ) {
    throw invalidConfiguration('tenants.allowed', 'a list of tenant ids without repeats')
  }
  if (
    discoveryIssuer !== undefined &&
    !(typeof discoveryIssuer === 'string' && fills(issuer, discoveryIssuer))
  ) {
    throw invalidConfiguration('tenants.discoveryIssuer', `the issuer template ${issuer} filled in`)
  }
  return {
    allowed: [...allowed],
    ...(discoveryIssuer === undefined ? {} : { discoveryIssuer }),
  }
}

/**
 * Whether an issuer is a template: `{tenantid}` once, as a whole path segment.
 * @internal
 */
export function isTemplate(issuer: string): boolean {
  const at = issuer.indexOf(TENANT_PLACEHOLDER)
  return (
    at > 0 &&
    at === issuer.lastIndexOf(TENANT_PLACEHOLDER) &&
    issuer[at - 1] === '/' &&
    [undefined, '/'].includes(issuer[at + TENANT_PLACEHOLDER.length])
  )
}

/**
 * Whether `issuer` is the template with a tenant (or `common`, `organizations`…) in its place.
 * @internal
 */
export function fills(template: string, issuer: string): boolean {
  if (!isTemplate(template)) return false
  const at = template.indexOf(TENANT_PLACEHOLDER)
  const tail = template.slice(at + TENANT_PLACEHOLDER.length)
  return (
    issuer.startsWith(template.slice(0, at)) &&
    issuer.endsWith(tail) &&
    TENANT_ID.test(issuer.slice(at, issuer.length - tail.length))
  )
}

/**
 * The issuer a token must name.
 *
 * The OP's, or for a multi-tenant OP the template filled with the token's own `tid`, which must be
 * an allowed tenant.
 * @param config - the issuer and tenants
 * @param claims - the token's claims (`tid`)
 * @param what - what the token is, for messages (`ID token`)
 * @returns the issuer to compare `iss` with
 * @throws {@link ValidationError} `TOKEN_TENANT_NOT_ALLOWED`
 * @internal
 */
export function expectedIssuer(
  config: { readonly issuer: string; readonly tenants?: Tenants },
  claims: Readonly<Record<string, unknown>>,
  what: string,
): string {
  const { tenants } = config
  if (tenants === undefined) return config.issuer
  const { tid } = claims
  if (typeof tid !== 'string' || !tenants.allowed.includes(tid)) {
    throw new ValidationError(
      'TOKEN_TENANT_NOT_ALLOWED',
      typeof tid === 'string'
        ? `the ${what}'s tenant (tid) is not one the connection allows`
        : `the ${what} of a multi-tenant OP has no tid`,
      { claim: 'tid', expected: 'an allowed tenant' },
    )
  }
  return config.issuer.replace(TENANT_PLACEHOLDER, tid)
}

/**
 * Whether an issuer is the template filled with an allowed tenant (RFC 9207 `iss` of such an OP).
 * @internal
 */
export function isAllowedTenantIssuer(
  config: { readonly issuer: string; readonly tenants?: Tenants },
  issuer: string,
): boolean {
  return (
    config.tenants?.allowed.some(
      (tid) => config.issuer.replace(TENANT_PLACEHOLDER, tid) === issuer,
    ) === true
  )
}
