/**
 * The authorization response's own checks, on plain inputs.
 *
 * Its parameters as read (from a URL, a body or a request); the pending sign-in found for `state`;
 * RFC 9207 `iss`; an OP error; the response mode; the parameters the response type returns. The
 * server's callback (response.ts) and a page's (`oidc-rp/browser`) both run them.
 *
 * @module
 */

import type { ResponseType } from '../config/policy.js'
import type { ProviderMetadata } from '../config/provider.js'
import { OAuthResponseError, UsageError, ValidationError } from '../errors.js'
import { clip } from '../lib/json.js'
import type { Delivery, ReadInput, ReadRules, RequestParameters } from '../lib/request-params.js'
import type { Transaction } from '../storage.js'
import type * as Jarm from './jarm.js'

/**
 * The callback parameters: one value per name, empty values dropped.
 * @internal
 */
export type CallbackParameters = RequestParameters

/**
 * What a response type returns from the authorization endpoint.
 * @internal
 */
export interface Shape {
  readonly code: boolean
  readonly idToken: boolean
  readonly token: boolean
}
/**
 * What the code flow's response returns: a code, and no token.
 * @internal
 */
export const CODE_SHAPE: Shape = { code: true, idToken: false, token: false }

const SHAPES: Readonly<Record<ResponseType, Shape>> = {
  code: CODE_SHAPE,
  id_token: { code: false, idToken: true, token: false },
  'id_token token': { code: false, idToken: true, token: true },
  'code id_token': { code: true, idToken: true, token: false },
  'code token': { code: true, idToken: false, token: true },
  'code id_token token': { code: true, idToken: true, token: true },
}

/**
 * Checks what the authorization response says, once its sign-in and issuer are known.
 *
 * An OP error is thrown as such; otherwise the response must have come the way the sign-in's
 * response mode sends it, carrying what its response type returns and nothing it never returns.
 * @param transaction - the pending sign-in
 * @param shape - what its response type returns
 * @param params - the response's parameters
 * @param delivery - how they came
 * @param jarm - the JARM feature, for a JARM response mode
 * @throws {@link OAuthResponseError} `AUTHORIZATION_ERROR_RESPONSE`
 * @throws {@link ValidationError} `CALLBACK_RESPONSE_MODE_MISMATCH`,
 * `CALLBACK_RESPONSE_TYPE_MISMATCH`, `CALLBACK_INVALID_INPUT`
 * @internal
 */
export function checkResponse(
  transaction: Transaction,
  shape: Shape,
  params: CallbackParameters,
  delivery: Delivery,
  jarm: typeof Jarm | undefined,
): void {
  if (params.error !== undefined) {
    throw new OAuthResponseError('AUTHORIZATION_ERROR_RESPONSE', {
      error: params.error,
      errorDescription: params.error_description,
      errorUri: params.error_uri,
    })
  }
  checkResponseMode(transaction, shape, delivery, jarm)
  checkShape(transaction.responseType, shape, params)
}

/**
 * The error for a JARM `response` parameter where no sign-in asks for a JARM response mode.
 * @returns `JARM_RESPONSE_UNEXPECTED`
 * @internal
 */
export function jarmUnexpected(): ValidationError {
  return new ValidationError(
    'JARM_RESPONSE_UNEXPECTED',
    'the callback has a JARM response parameter but no sign-in here asks for a JARM response mode',
    { claim: 'response', expected: 'absent', actual: 'present' },
  )
}

/**
 * Requires the callback's `state`, the key of its pending sign-in.
 * @param state - the callback's `state`
 * @throws {@link ValidationError} `CALLBACK_STATE_MISSING`
 * @internal
 */
export function requireState(state: string | undefined): asserts state is string {
  if (state === undefined) {
    throw new ValidationError('CALLBACK_STATE_MISSING', 'the callback has no state parameter', {
      claim: 'state',
    })
  }
}

/**
 * How a callback is read: GET or POST (`form_post`), its fragment for a browser's implicit flow.
 * @param settings - the settings `maxCallbackParameters` and `maxCallbackBytes`
 * @returns the rules
 * @internal
 */
export function callbackReadRules(settings: {
  readonly maxCallbackParameters: number
  readonly maxCallbackBytes: number
}): ReadRules {
  return {
    maxParameters: settings.maxCallbackParameters,
    maxBytes: settings.maxCallbackBytes,
    methods: ['GET', 'POST'],
    readsFragment: true,
  }
}

/**
 * The authorization response parameters as read, and how they came; a refusal as a callback error.
 * @param read - what reading the callback input gave
 * @returns the parameters (one value per name, empty values left out) and how they came
 * @throws {@link ValidationError} `CALLBACK_DUPLICATE_PARAMETER` (a parameter repeated),
 * `CALLBACK_INVALID_INPUT` (oversized input, too many parameters, a body that cannot be read)
 * @internal
 */
export function callbackParameters(read: ReadInput): {
  params: CallbackParameters
  delivery: Delivery
} {
  if (read.ok) return read
  if (read.repeated !== undefined) {
    throw new ValidationError(
      'CALLBACK_DUPLICATE_PARAMETER',
      `the callback parameter ${clip(read.repeated)} appears more than once`,
      { claim: clip(read.repeated) },
    )
  }
  throw invalidInput(`the callback is refused: ${read.problem}`)
}

/**
 * Checks the pending sign-in taken for `state`.
 *
 * It is there, it is this state's, it has not expired, it is this client's.
 * @param transaction - what the store gave for `state`
 * @param state - the callback's `state`
 * @param expected - the client_id, the time in milliseconds, and a hint added to the message of
 * a sign-in not found
 * @returns the pending sign-in
 * @throws {@link ValidationError} `CALLBACK_STATE_UNKNOWN`
 * @internal
 */
export function checkPendingSignIn(
  transaction: Transaction | undefined,
  state: string,
  expected: { readonly clientId: string; readonly now: number; readonly hint: string },
): Transaction {
  if (transaction === undefined || transaction.state !== state) {
    throw unknownState(
      `no pending sign-in has this state: unknown, already used or expired${expected.hint}`,
    )
  }
  if (transaction.expiresAt * 1000 <= expected.now) {
    throw unknownState('the pending sign-in for this state has expired')
  }
  if (transaction.clientId !== expected.clientId) {
    throw unknownState('the pending sign-in for this state belongs to another client')
  }
  return transaction
}

/**
 * What the callback's `iss` is checked against (RFC 9207).
 * @internal
 */
export interface IssuerRule {
  /** The OP's issuer. */
  readonly issuer: string
  /** What requires `iss` when the callback has none; without it, `iss` may be left out. */
  readonly requiredBy: string | undefined
  /** Tells whether another issuer is one of a multi-tenant OP's. */
  readonly isTenantIssuer: ((iss: string) => boolean) | undefined
}

/**
 * What requires the callback's `iss`, if anything.
 *
 * A security profile (FAPI 2.0 §5.3.2) always does. The OP's
 * `authorization_response_iss_parameter_supported` does, unless the response brings a
 * front-channel ID token: that names its issuer in its signed `iss`, which is validated, and OPs
 * leave `iss` out of such responses (oidc-provider does; oauth4webapi does not require it then).
 * @param securityProfile - the configuration's security profile
 * @param provider - the OP's metadata
 * @param hasIdToken - whether the response brings a front-channel ID token
 * @returns what requires it, in words, or `undefined`
 * @internal
 */
export function issuerRequiredBy(
  securityProfile: string | undefined,
  provider: ProviderMetadata,
  hasIdToken: boolean,
): string | undefined {
  if (securityProfile !== undefined) return `the ${securityProfile} profile`
  return provider.authorization_response_iss_parameter_supported === true && !hasIdToken
    ? "the OP's authorization_response_iss_parameter_supported"
    : undefined
}

/**
 * Checks the callback's `iss` (RFC 9207) and that the sign-in was started with this OP.
 * @param transaction - the pending sign-in
 * @param iss - the callback's `iss`
 * @param rule - the issuer and what requires `iss`
 * @throws {@link ValidationError} `CALLBACK_ISSUER_MISMATCH`, `CALLBACK_ISSUER_MISSING`
 * @internal
 */
export function checkCallbackIssuer(
  transaction: Transaction,
  iss: string | undefined,
  rule: IssuerRule,
): void {
  if (transaction.issuer !== rule.issuer) {
    throw issuerMismatch(
      `the pending sign-in was started with another OP (${clip(transaction.issuer)}), not ${rule.issuer}`,
      transaction.issuer,
    )
  }
  if (iss === undefined) {
    if (rule.requiredBy !== undefined) {
      throw new ValidationError(
        'CALLBACK_ISSUER_MISSING',
        `the callback has no iss, which ${rule.requiredBy} requires (RFC 9207)`,
        { claim: 'iss', expected: rule.issuer },
      )
    }
  } else if (iss !== rule.issuer && rule.isTenantIssuer?.(iss) !== true) {
    throw issuerMismatch(
      `the callback iss ${JSON.stringify(clip(iss))} is not the OP's issuer ${rule.issuer}`,
      clip(iss),
    )
  }
}

function issuerMismatch(message: string, actual: string): ValidationError {
  return new ValidationError('CALLBACK_ISSUER_MISMATCH', message, {
    claim: 'iss',
    expected: 'the issuer of the configuration',
    actual,
  })
}

/**
 * What the pending sign-in's response type returns from the authorization endpoint.
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an unsupported response type
 * @internal
 */
export function shapeOf(transaction: Transaction): Shape {
  const type = transaction.responseType
  const key = Object.hasOwn(SHAPES, type) ? type : type.split(' ').sort().join(' ')
  const shape = Object.hasOwn(SHAPES, key) ? SHAPES[key as ResponseType] : undefined
  if (shape === undefined) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `the response type ${JSON.stringify(clip(transaction.responseType))} is not supported`,
      { parameter: 'transaction.responseType' },
    )
  }
  return shape
}

/** Checks that the response came the way the sign-in's response mode sends it. */
function checkResponseMode(
  transaction: Transaction,
  shape: Shape,
  delivery: Delivery,
  jarm: typeof Jarm | undefined,
): void {
  if (delivery === 'unknown') return
  const carriesTokens = shape.idToken || shape.token
  const mode = transaction.responseMode
  const expected =
    mode === undefined
      ? carriesTokens
        ? 'fragment'
        : 'query'
      : jarm === undefined
        ? mode
        : jarm.carrierOf(mode, carriesTokens)
  const fits =
    expected === 'form_post'
      ? delivery === 'form_post'
      : expected === 'query'
        ? delivery === 'query'
        : expected === 'fragment'
          ? delivery !== 'query'
          : true
  if (!fits) {
    throw new ValidationError(
      'CALLBACK_RESPONSE_MODE_MISMATCH',
      `the sign-in used response mode ${clip(expected)} but the callback came in the ${delivery === 'form_post' ? 'POST body' : delivery}`,
      { claim: 'response_mode', expected, actual: delivery },
    )
  }
}

/** Checks that the callback carries what the response type returns, and nothing else it can. */
function checkShape(responseType: string, shape: Shape, params: CallbackParameters): void {
  expectParameter('code', shape.code, params.code, responseType)
  expectParameter('id_token', shape.idToken, params.id_token, responseType)
  expectParameter('access_token', shape.token, params.access_token, responseType)
}

/**
 * Checks the access token an implicit or hybrid response carries.
 *
 * Beside it a `Bearer` `token_type`, and an `expires_in` in seconds.
 * @param responseType - the sign-in's response type, one that returns a token
 * @param params - the response's parameters
 * @throws {@link ValidationError} `CALLBACK_RESPONSE_TYPE_MISMATCH` (no `token_type`),
 * `CALLBACK_INVALID_INPUT`
 * @internal
 */
export function checkFrontChannelToken(responseType: string, params: CallbackParameters): void {
  const type = params.token_type
  if (type === undefined) expectParameter('token_type', true, type, responseType)
  else if (type.toLowerCase() !== 'bearer') {
    throw invalidInput(`the callback token_type must be Bearer, got ${JSON.stringify(clip(type))}`)
  }
  const expiresIn = params.expires_in
  if (expiresIn !== undefined && !DIGITS.test(expiresIn)) {
    throw invalidInput('the callback expires_in must be a number of seconds')
  }
}

const DIGITS = /^\d{1,10}$/

function expectParameter(
  name: string,
  wanted: boolean,
  value: string | undefined,
  responseType: string,
): void {
  if (wanted === (value !== undefined)) return
  throw new ValidationError(
    'CALLBACK_RESPONSE_TYPE_MISMATCH',
    wanted
      ? `the callback has no ${name}, which response type ${responseType} returns`
      : `the callback has a ${name}, which response type ${responseType} never returns`,
    { claim: name, expected: wanted ? 'present' : 'absent', actual: wanted ? 'absent' : 'present' },
  )
}

function unknownState(message: string): ValidationError {
  return new ValidationError('CALLBACK_STATE_UNKNOWN', message, { claim: 'state' })
}

function invalidInput(message: string): ValidationError {
  return new ValidationError('CALLBACK_INVALID_INPUT', message)
}
