/**
 * The rules on request parameter values shared by the policy and the per-request merge.
 *
 * The policy checks them once; the merge per request. They cover SDK-owned names, space-separated
 * lists, and the formats of `max_age` and `prompt` (`claims` has its own checks:
 * config/claims-parameter.ts).
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { CONTENT_ENCS } from '../lib/algorithms.js'
import { invalidArgument, invalidConfiguration } from '../lib/checks.js'
import { SPACE_SEPARATED } from './parameter-forms.js'

/**
 * Parameters the SDK sets itself; neither the policy nor the application may name them.
 *
 * With them the claims a request object carries beside the parameters (`iss`, `aud`, `iat`,
 * `nbf`, `exp`, `jti`): a parameter of that name would go as given in the query but be replaced in
 * a request object, two meanings for one request.
 * @internal
 */
export const SDK_OWNED_PARAMETERS: ReadonlySet<string> = new Set([
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'client_id',
  'response_type',
  'redirect_uri',
  'request',
  'request_uri',
  'response_mode',
  'dpop_jkt',
  'iss',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
])

/** Invisible characters a look-alike name may hide (zero-width, BOM, soft hyphen). */
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g

/**
 * Whether a parameter name is one the SDK sets, in any case or with look-alike padding.
 *
 * `State`, `NONCE`, `redirect_uri `, fullwidth `ｓｔａｔｅ` and `Scope` are refused where `state`,
 * `nonce`, `redirect_uri` and `scope` would be: OAuth names are case-sensitive, so an OP would see
 * both. Names are compared after NFKC normalisation, without invisible characters or padding.
 * `scope` itself is handled by the scope rules.
 * @param name - a policy or application parameter name
 * @returns whether the SDK owns it, or it imitates a name the SDK owns
 * @internal
 */
export function isSdkOwned(name: string): boolean {
  if (SDK_OWNED_PARAMETERS.has(name)) return true
  const folded = name.normalize('NFKC').replace(INVISIBLE, '').trim().toLowerCase()
  return folded !== name && (SDK_OWNED_PARAMETERS.has(folded) || folded === 'scope')
}

const TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Whether a JWE content encryption algorithm is one the SDK encrypts request objects with.
 * @param enc - the JWE `enc`
 * @returns true when supported
 * @internal
 */
export function isContentEncryption(enc: string): boolean {
  return CONTENT_ENCS.has(enc)
}

/**
 * Checks the values of one parameter and splits space-separated ones into tokens.
 *
 * The values are policy defaults or application values.
 *
 * @param name - the parameter name
 * @param values - the values as given (strings)
 * @param member - where they come from, for the message
 * @param code - the code to throw: `INVALID_CONFIGURATION` for the policy, `INVALID_ARGUMENT` for
 * the application
 * @returns the values, space-separated parameters split into tokens
 * @throws {@link UsageError} `INVALID_CONFIGURATION` or `INVALID_ARGUMENT`, as `code` says
 * @internal
 */
export function checkValues(
  name: string,
  values: readonly string[],
  member: string,
  code: 'INVALID_CONFIGURATION' | 'INVALID_ARGUMENT' = 'INVALID_CONFIGURATION',
): string[] {
  const fail = (expected: string) =>
    code === 'INVALID_CONFIGURATION'
      ? invalidConfiguration(`policy.${member}`, expected)
      : invalidArgument(member, expected)
  let out: string[] = []
  if (SPACE_SEPARATED.has(name)) {
    for (const v of values) for (const t of v.split(' ')) if (t !== '') out.push(t)
    if (!out.every((t) => TOKEN.test(t))) throw fail('space-separated printable tokens')
    out = [...new Set(out)]
  } else {
    out = values.filter((v) => v !== '')
  }
  if (name === 'prompt' && out.includes('none') && out.length > 1) {
    throw fail('none alone, or values without none')
  }
  if (name === 'max_age' && (out.length > 1 || !out.every((v) => /^\d{1,15}$/.test(v)))) {
    throw fail('one non-negative integer')
  }
  return out
}
