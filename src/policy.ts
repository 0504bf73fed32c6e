/**
 * The administrator's request policy for a connection: profile, scopes, extra request parameters
 * with their override rules, and protected `acr_values` / `prompt`.
 * @module
 */
import { UsageError } from './errors.js'
import { isPlainObject } from './http.js'

/**
 * The request policy, normalised. (Placeholder: the authorization issue defines it fully.)
 * @group Request policy
 */
export interface RequestPolicy {
  /** The response type: `code` (default), `id_token` or `id_token token`. */
  readonly responseType: string
}

/**
 * The request policy as an administrator writes it; every member optional.
 * @group Request policy
 */
export type RequestPolicyInput = Partial<RequestPolicy>

/**
 * Validates and normalises a request policy, filling defaults.
 * @param input - the policy as written, or `undefined` for the defaults
 * @returns the normalised, frozen policy
 * @throws {@link UsageError} `INVALID_CONFIGURATION`
 * @internal
 */
export function normalizePolicy(input: unknown): RequestPolicy {
  if (input !== undefined && !isPlainObject(input)) {
    throw new UsageError('INVALID_CONFIGURATION', 'policy must be an object', {
      parameter: 'policy',
    })
  }
  return Object.freeze({ responseType: 'code', ...(input ?? {}) }) as RequestPolicy
}
