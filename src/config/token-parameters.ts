/**
 * Extra token-endpoint parameters: a per-OP quirk kept as data.
 *
 * Some OPs want a parameter of their own in every token request (an `audience`, a `resource`, a
 * tenant hint). A connection lists them; each token request (code, refresh, client credentials,
 * token exchange, JWT bearer) carries them beside its own, which they can never replace.
 *
 * @module
 */
import { invalidConfiguration } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'

/**
 * The names the SDK sets itself in token requests, in any case: never extra parameters.
 * @internal
 */
export const TOKEN_REQUEST_NAMES: ReadonlySet<string> = new Set([
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'assertion',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
])

/** A parameter name: letters, digits, `_ . -`, at most 64. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Validates the `tokenParameters` option.
 * @param input - the option
 * @returns the parameters, frozen, or `undefined`
 * @throws `UsageError` `INVALID_CONFIGURATION` for a name the SDK sets (in any case), a name
 * that is not a plain token, or a value that is not a string of at most 2,048 characters
 * @internal
 */
export function validateTokenParameters(
  input: unknown,
): Readonly<Record<string, string>> | undefined {
  if (input === undefined) return undefined
  if (!isPlainObject(input)) throw invalidConfiguration('tokenParameters', 'an object of strings')
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(input)) {
    if (!NAME.test(name) || TOKEN_REQUEST_NAMES.has(name.toLowerCase())) {
      throw invalidConfiguration(
        `tokenParameters.${name.slice(0, 64)}`,
        'a parameter name the SDK does not set itself (letters, digits, _ . -)',
      )
    }
    if (typeof value !== 'string' || value.length > 2048) {
      throw invalidConfiguration(`tokenParameters.${name}`, 'a string of at most 2,048 characters')
    }
    out[name] = value
  }
  return Object.freeze(out)
}

/**
 * Adds a connection's extra parameters to a token request, never over one it has.
 * @param params - the token request's form
 * @param extra - the connection's `tokenParameters`
 * @returns the form
 * @internal
 */
export function withTokenParameters(
  params: URLSearchParams,
  extra: Readonly<Record<string, string>> | undefined,
): URLSearchParams {
  if (extra === undefined) return params
  for (const [name, value] of Object.entries(extra)) if (!params.has(name)) params.set(name, value)
  return params
}
