/**
 * The attribute contract.
 *
 * The claims the RP expects from the OP, built from `claims_supported`, kept across metadata
 * reloads (a claim the OP stops advertising stays, marked), and edited by the administrator.
 *
 * @module
 */
import { UsageError } from '../errors.js'
import { invalidConfiguration } from '../lib/checks.js'
import { cloneJson, deepFreeze, isPlainObject } from '../lib/json.js'

/**
 * One claim of the attribute contract.
 * @group Attribute contract
 */
export interface ContractAttribute {
  /** The claim name (e.g. `email`). */
  readonly name: string
  /** `op`: came from the OP's `claims_supported`; `admin`: added by the administrator. */
  readonly origin: 'op' | 'admin'
  /** Whether the OP's current metadata advertises the claim in `claims_supported`. */
  readonly advertised: boolean
  /**
   * When a reload first found the claim missing from `claims_supported` (ISO 8601).
   *
   * Kept while the claim stays unadvertised; absent while it is advertised.
   */
  readonly noLongerAdvertisedSince?: string
}

/**
 * The attribute contract: claims in insertion order, `sub` always first.
 * @group Attribute contract
 */
export type AttributeContract = readonly ContractAttribute[]

/**
 * Builds a contract from `claims_supported`: `sub` always, then every advertised claim.
 * @param claimsSupported - the OP's `claims_supported`, if any
 * @returns the contract
 * @group Attribute contract
 */
export function buildContract(claimsSupported: readonly string[] | undefined): AttributeContract {
  return mergeContract([], claimsSupported).contract
}

/**
 * What a reload changed in the contract.
 * @group Attribute contract
 */
export interface ContractChanges {
  /** Claims the OP now advertises that were not in the contract: added. */
  readonly added: readonly string[]
  /** Claims in the contract the OP stopped advertising with this reload: kept, marked. */
  readonly noLongerAdvertised: readonly string[]
  /** Claims already in the contract, unadvertised until now, that the OP now advertises. */
  readonly nowAdvertised: readonly string[]
}

/**
 * Merges the OP's current `claims_supported` into an existing contract.
 *
 * Nothing is ever dropped: claims the OP no longer advertises stay, marked with the time this was
 * first seen. Administrator attributes keep their origin.
 *
 * @param contract - the current contract
 * @param claimsSupported - the OP's current `claims_supported` (absent: the OP advertises none)
 * @param now - the clock, in milliseconds since the epoch (for `noLongerAdvertisedSince`).
 *   Default `Date.now`.
 * @returns the new contract and what changed
 * @group Attribute contract
 */
export function mergeContract(
  contract: AttributeContract,
  claimsSupported: readonly string[] | undefined,
  now: () => number = Date.now,
): { contract: AttributeContract; changes: ContractChanges } {
  const advertised = new Set(claimsSupported ?? [])
  advertised.add('sub')
  const added: string[] = []
  const noLongerAdvertised: string[] = []
  const nowAdvertised: string[] = []
  const next: ContractAttribute[] = []
  const known = new Set<string>()
  const since = new Date(now()).toISOString()
  for (const attribute of contract) {
    known.add(attribute.name)
    const isAdvertised = advertised.has(attribute.name)
    if (isAdvertised === attribute.advertised) {
      next.push(attribute)
    } else if (isAdvertised) {
      nowAdvertised.push(attribute.name)
      next.push({ name: attribute.name, origin: attribute.origin, advertised: true })
    } else {
      noLongerAdvertised.push(attribute.name)
      next.push({ ...attribute, advertised: false, noLongerAdvertisedSince: since })
    }
  }
  for (const name of ['sub', ...advertised]) {
    if (known.has(name)) continue
    known.add(name)
    if (contract.length > 0) added.push(name)
    next.push({ name, origin: 'op', advertised: true })
  }
  return {
    contract: Object.freeze(next.map((a) => Object.freeze(a))),
    changes: { added, noLongerAdvertised, nowAdvertised },
  }
}

/**
 * Adds attributes an administrator expects although the OP does not advertise them.
 *
 * This is PingFederate's extended contract. The attributes survive every reload.
 *
 * @param contract - the current contract
 * @param names - claim names to add; names already present are left as they are
 * @returns the new contract
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an empty name
 * @group Attribute contract
 */
export function extendContract(
  contract: AttributeContract,
  names: readonly string[],
): AttributeContract {
  const next = [...contract]
  const known = new Set(contract.map((a) => a.name))
  for (const name of names) {
    if (typeof name !== 'string' || name === '') {
      throw new UsageError('INVALID_ARGUMENT', 'attribute names must be non-empty strings', {
        parameter: 'names',
      })
    }
    if (known.has(name)) continue
    known.add(name)
    next.push(Object.freeze({ name, origin: 'admin', advertised: false }))
  }
  return Object.freeze(next)
}

/**
 * Validates a saved contract (from `JSON.stringify(config)`).
 * @param value - the parsed `contract` member
 * @returns the frozen contract
 * @throws {@link UsageError} `INVALID_CONFIGURATION` naming `contract`
 * @internal
 */
export function validateContract(value: unknown): AttributeContract {
  if (
    !Array.isArray(value) ||
    !value.every(
      (a) =>
        isPlainObject(a) &&
        typeof a.name === 'string' &&
        (a.origin === 'op' || a.origin === 'admin') &&
        typeof a.advertised === 'boolean',
    )
  ) {
    throw invalidConfiguration('contract', 'an array of { name, origin, advertised }')
  }
  return deepFreeze(cloneJson(value)) as AttributeContract
}
