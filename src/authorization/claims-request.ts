/**
 * A typed builder for the `claims` request parameter (OIDC Core §5.5).
 *
 * Which claims to return in the ID token and from UserInfo, which are essential, and which values
 * are wanted.
 *
 * @module
 */
import { UsageError } from '../errors.js'

/**
 * A value a claim request may name.
 * @group Claims request
 */
export type ClaimValue = string | number | boolean

/**
 * The request for one claim (OIDC Core §5.5.1): `null` asks for it in the default manner.
 * @group Claims request
 */
export type IndividualClaimRequest = null | {
  /** The claim is essential to the application's purpose. */
  readonly essential?: boolean
  /** The claim should have exactly this value. */
  readonly value?: ClaimValue
  /** The claim should have one of these values, in order of preference. */
  readonly values?: readonly ClaimValue[]
}

/**
 * The value of the `claims` parameter (OIDC Core §5.5).
 * @group Claims request
 */
export interface ClaimsRequest {
  /** Claims to return in the ID token. */
  readonly id_token?: Readonly<Record<string, IndividualClaimRequest>>
  /** Claims to return from the UserInfo endpoint. */
  readonly userinfo?: Readonly<Record<string, IndividualClaimRequest>>
}

/**
 * How one claim is asked for in {@link ClaimsRequestBuilder}.
 * @group Claims request
 */
export interface ClaimRequestOptions {
  /** The claim is essential. */
  readonly essential?: boolean
  /** The one value wanted (exclusive with `values`). */
  readonly value?: ClaimValue
  /** The values wanted, in order of preference (exclusive with `value`). */
  readonly values?: readonly ClaimValue[]
}

/**
 * Builds a {@link ClaimsRequest} one claim at a time. Returned by {@link createClaimsRequest}.
 * @group Claims request
 */
export interface ClaimsRequestBuilder {
  /**
   * Asks for a claim in the ID token.
   * @param name - the claim name (`acr`, `auth_time`, `email`…)
   * @param request - essential, value or values; none asks in the default manner
   * @returns the builder
   */
  idToken(name: string, request?: ClaimRequestOptions): ClaimsRequestBuilder
  /**
   * Asks for a claim from UserInfo.
   * @param name - the claim name
   * @param request - essential, value or values; none asks in the default manner
   * @returns the builder
   */
  userinfo(name: string, request?: ClaimRequestOptions): ClaimsRequestBuilder
  /**
   * Returns the claims request built so far, frozen.
   * @returns the value to pass as the `claims` parameter
   */
  build(): ClaimsRequest
}

/**
 * Starts a typed `claims` parameter.
 *
 * Pass the result of `build()` as the `claims` application parameter of {@link
 * createAuthorizationRequest} (the policy must allow `claims`). An essential `acr` with values
 * becomes a requirement on the ID token's `acr`; an essential `auth_time` makes `auth_time`
 * required.
 *
 * @returns an empty builder
 * @throws {@link UsageError} `INVALID_ARGUMENT` from the builder's methods for an empty name, or
 * both `value` and `values`
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter | OIDC Core §5.5}
 * @example
 * ```ts
 * const claims = createClaimsRequest()
 *   .idToken('acr', { essential: true, values: ['urn:acr:mfa'] })
 *   .idToken('auth_time', { essential: true })
 *   .userinfo('email', { essential: true })
 *   .build()
 * await createAuthorizationRequest(config, { claims })
 * ```
 * @group Claims request
 */
export function createClaimsRequest(): ClaimsRequestBuilder {
  const idToken: Record<string, IndividualClaimRequest> = {}
  const userinfo: Record<string, IndividualClaimRequest> = {}
  const builder: ClaimsRequestBuilder = {
    idToken(name, request) {
      idToken[checkName(name)] = claimRequest(request)
      return builder
    },
    userinfo(name, request) {
      userinfo[checkName(name)] = claimRequest(request)
      return builder
    },
    build() {
      const out: { id_token?: typeof idToken; userinfo?: typeof userinfo } = {}
      if (Object.keys(idToken).length > 0) out.id_token = Object.freeze({ ...idToken })
      if (Object.keys(userinfo).length > 0) out.userinfo = Object.freeze({ ...userinfo })
      return Object.freeze(out)
    },
  }
  return builder
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name === '' || name === '__proto__') {
    throw new UsageError('INVALID_ARGUMENT', 'a claim name must be a non-empty string', {
      parameter: 'claims',
    })
  }
  return name
}

function claimRequest(options: ClaimRequestOptions | undefined): IndividualClaimRequest {
  if (options === undefined) return null
  if (options.value !== undefined && options.values !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'a claim request takes value or values, not both', {
      parameter: 'claims',
    })
  }
  const out: { essential?: boolean; value?: ClaimValue; values?: readonly ClaimValue[] } = {}
  if (options.essential !== undefined) out.essential = options.essential
  if (options.value !== undefined) out.value = options.value
  if (options.values !== undefined) out.values = Object.freeze([...options.values])
  return Object.keys(out).length === 0 ? null : Object.freeze(out)
}
