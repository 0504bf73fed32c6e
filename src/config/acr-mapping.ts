/**
 * The acr mapping table: local authentication contexts ↔ the OP's.
 *
 * As PingFederate's authentication context mapping: the application speaks its own acr names
 * (`mfa`, `password`); the table turns a requested local acr into the `acr_values` the OP knows,
 * and the `acr` the OP returns into the local one the application gets. A `*` row matches what no
 * exact row matches; a blank entry stands for "none" (no acr requested, none sent, none returned).
 *
 * @module
 */
import { invalidConfiguration } from '../lib/checks.js'
import { isPlainObject } from '../lib/json.js'

/** One row: a local acr and a remote one. */
export interface AcrMappingRow {
  /** The application's acr; `*` any other; blank: none requested (or none, for `response`). */
  readonly local: string
  /** The OP's acr; `*` (in `response`) any other; blank: none sent (or none returned). */
  readonly remote: string
}

/**
 * The acr mapping of a connection (plain data, saved with the configuration).
 * @group Configuration
 */
export interface AcrMapping {
  /**
   * Local → remote, applied to the application's `acr_values`.
   *
   * Each requested local acr becomes the remote values of its rows (its own, else the `*` rows); a
   * row with a blank remote sends nothing for it. Blank-local rows apply when the application asks
   * for none. A local acr without a row (and no `*` row) is refused (`ACR_NOT_MAPPED`).
   */
  readonly request?: readonly AcrMappingRow[]
  /**
   * Remote → local, applied to the ID token's `acr`: the sign-in result's `localAcr`.
   *
   * A remote acr takes its own row, else a `*` row; a token without `acr` takes the blank-remote
   * row. A `*` local passes the remote value through. Without a matching row the result has no
   * `localAcr`; when the application asked for local acr values, the one returned must map to one
   * of them (`ID_TOKEN_ACR_NOT_SATISFIED`).
   */
  readonly response?: readonly AcrMappingRow[]
}

/** An acr name: no spaces (acr_values is space-separated), at most 256 characters. */
const ACR = /^(?:\*|[^\s*][^\s]{0,255})?$/

/**
 * Validates the `acrMapping` option.
 * @param input - the option
 * @returns the mapping, or `undefined`
 * @throws `UsageError` `INVALID_CONFIGURATION` naming the bad row
 * @internal
 */
export function validateAcrMapping(input: unknown): AcrMapping | undefined {
  if (input === undefined) return undefined
  if (!isPlainObject(input)) throw invalidConfiguration('acrMapping', 'an object')
  const request = rows(input.request, 'request')
  const response = rows(input.response, 'response')
  if (request?.some((row) => row.remote === '*')) {
    throw invalidConfiguration('acrMapping.request', 'rows whose remote is an acr or blank, not *')
  }
  return {
    ...(request === undefined ? {} : { request }),
    ...(response === undefined ? {} : { response }),
  }
}

function rows(input: unknown, side: string): readonly AcrMappingRow[] | undefined {
  if (input === undefined) return undefined
  if (!Array.isArray(input)) throw invalidConfiguration(`acrMapping.${side}`, 'a list of rows')
  return input.map((row, i) => {
    if (
      !isPlainObject(row) ||
      typeof row.local !== 'string' ||
      typeof row.remote !== 'string' ||
      !ACR.test(row.local) ||
      !ACR.test(row.remote)
    ) {
      throw invalidConfiguration(
        `acrMapping.${side}[${i}]`,
        '{ local, remote }: acr names without spaces, * or blank',
      )
    }
    return { local: row.local, remote: row.remote }
  })
}

/**
 * The remote `acr_values` for the local ones the application asked for.
 * @param mapping - the request rows
 * @param local - the local acr values asked for (empty: none)
 * @returns the remote values to send (empty: send none) and whether a local value asked for no
 * remote one (so any acr satisfies the request); or the first local value without a row
 * @internal
 */
export function toRemoteAcr(
  mapping: readonly AcrMappingRow[],
  local: readonly string[],
): { readonly remote: readonly string[]; readonly open: boolean } | { readonly unmapped: string } {
  const remote: string[] = []
  let open = false
  for (const value of local.length === 0 ? [''] : local) {
    const exact = mapping.filter((row) => row.local === value)
    const matched =
      exact.length > 0 || value === '' ? exact : mapping.filter((r) => r.local === '*')
    if (matched.length === 0 && value !== '') return { unmapped: value }
    if (value !== '' && matched.every((row) => row.remote === '')) open = true
    for (const row of matched) {
      if (row.remote !== '' && !remote.includes(row.remote)) remote.push(row.remote)
    }
  }
  return { remote, open }
}

/**
 * The local acr of the `acr` the OP returned.
 * @param mapping - the response rows
 * @param remote - the ID token's `acr` (`undefined`: none)
 * @returns the local acr, or `undefined` when no row matches or the row's local is blank
 * @internal
 */
export function toLocalAcr(
  mapping: readonly AcrMappingRow[],
  remote: string | undefined,
): string | undefined {
  const value = remote ?? ''
  const row =
    mapping.find((r) => r.remote === value) ??
    (remote === undefined ? undefined : mapping.find((r) => r.remote === '*'))
  if (row === undefined || row.local === '') return undefined
  return row.local === '*' ? value || undefined : row.local
}
