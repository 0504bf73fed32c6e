/**
 * The application's authorization parameters, read and checked.
 *
 * Each value for its parameter's format, never a parameter the SDK sets, `openid` always among the
 * scopes. An administrator's policy merges them (merge.ts); a page's sign-in, which has no
 * administrator, sends them as they are ({@link openParameters}).
 *
 * @module
 */

import type * as ClaimsParameter from '../config/claims-parameter.js'
import type { ClaimsRequirements } from '../config/claims-parameter.js'
import { checkValues, isSdkOwned } from '../config/parameter-values.js'
import { UsageError } from '../errors.js'
import { invalidArgument } from '../lib/checks.js'
import { lazy } from '../lib/lazy.js'

/**
 * The checks of the `claims` parameter, loaded with the first sign-in that gives one.
 *
 * Most sign-ins ask for scopes only, so a page never loads them.
 */
const loadClaimsParameter: () => Promise<typeof ClaimsParameter> = /* @__PURE__ */ lazy(
  () => import('../config/claims-parameter.js'),
)

/**
 * The application's parameters where no policy applies.
 * @internal
 */
export interface OpenParameters {
  /** The scopes to send, `openid` first. */
  readonly scopes: readonly string[]
  /** The other values to send, by name. */
  readonly values: ReadonlyMap<string, readonly string[]>
  /** What a claims request among them requires of the ID token (essential `acr`, `auth_time`). */
  readonly claims: ClaimsRequirements | undefined
}

/**
 * The application's parameters where no policy applies.
 *
 * A page's sign-in has no administrator: every parameter but the SDK's own is sent, each value
 * checked for its parameter's format.
 * @param app - the application's parameters
 * @returns the scopes (`openid` first, `openid` alone by default) and the other values by name
 * @throws {@link UsageError} `POLICY_PARAMETER_RESERVED`, `INVALID_ARGUMENT`
 * @throws {@link TransportError} `HTTP_NETWORK_ERROR` when the checks of `claims` cannot be loaded
 * @internal
 */
export async function openParameters(
  app: Readonly<Record<string, unknown>>,
): Promise<OpenParameters> {
  let scopes: readonly string[] = ['openid']
  const values = new Map<string, readonly string[]>()
  for (const name of Object.keys(app)) {
    const raw = app[name]
    if (raw === undefined) continue
    if (isSdkOwned(name)) throw reserved(name)
    if (name === 'scope') scopes = askedScopes(raw)
    else if (name !== 'claims') {
      const given = toValues(name, raw)
      if (given.length > 0) values.set(name, given)
    }
  }
  if (app.claims === undefined || app.claims === null) return { scopes, values, claims: undefined }
  const { claimsParameterText, claimsRequirements } = await loadClaimsParameter()
  const [text] = claimsValues(app.claims, claimsParameterText) as [string]
  values.set('claims', [text])
  return { scopes, values, claims: claimsRequirements(JSON.parse(text)) }
}

/**
 * The error of a parameter the SDK sets.
 * @param name - the parameter
 * @returns `POLICY_PARAMETER_RESERVED`
 * @internal
 */
export function reserved(name: string): UsageError {
  return new UsageError(
    'POLICY_PARAMETER_RESERVED',
    `${JSON.stringify(name.slice(0, 64))} is, or imitates, a parameter the SDK sets: the application cannot give it`,
    { parameter: name },
  )
}

/**
 * The scopes the application asked for, `openid` first.
 * @param raw - the application's `scope`
 * @returns the scopes
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function askedScopes(raw: unknown): string[] {
  const asked = checkValues('scope', stringList('scope', raw), 'scope', 'INVALID_ARGUMENT')
  return ['openid', ...asked.filter((s) => s !== 'openid')]
}

/**
 * The application's `claims` as the values to send, checked.
 * @param raw - the application's value: JSON text or the claims request itself
 * @param textOf - claims-parameter.ts's `claimsParameterText` (loaded, or imported, by the caller)
 * @returns the JSON text to send (none for `null`)
 * @throws {@link UsageError} `INVALID_ARGUMENT` for anything but a claims request without repeated
 * members
 * @internal
 */
export function claimsValues(raw: unknown, textOf: (raw: unknown) => string | undefined): string[] {
  if (raw === null) return []
  const text = textOf(raw)
  if (text === undefined) {
    throw invalidArgument('claims', 'a claims request (OIDC Core §5.5) without repeated members')
  }
  return [text]
}

/**
 * An application value as a list of strings, checked for its parameter's format.
 *
 * Not for `claims`: see {@link claimsValues}.
 * @param name - the parameter
 * @param raw - the application's value
 * @returns the values to send (none for `null`)
 * @throws {@link UsageError} `INVALID_ARGUMENT`
 * @internal
 */
export function toValues(name: string, raw: unknown): string[] {
  if (raw === null) return []
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw invalidArgument(name, 'a finite number')
    return checkValues(name, [String(raw)], name, 'INVALID_ARGUMENT')
  }
  return checkValues(name, stringList(name, raw), name, 'INVALID_ARGUMENT')
}

function stringList(name: string, raw: unknown): string[] {
  if (typeof raw === 'string') return [raw]
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw
  throw invalidArgument(name, 'a string or an array of strings')
}
