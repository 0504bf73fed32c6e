/**
 * Attribute lookups: the application's own data about the end-user, added before the mapping.
 *
 * As PingFederate's attribute sources: after the tokens are validated, a hook the application
 * gives (per connection, never saved) looks the user up in its directory or database and returns
 * more claims; the attribute mapping and the issuance criteria then see them. The hook runs with
 * a timeout and an `AbortSignal`; its failure, its timeout and a result that is not plain JSON
 * data refuse the sign-in with a typed error, before anything is stored.
 *
 * @module
 */
import { TransportError, UsageError } from '../errors.js'
import { isPlainObject } from '../lib/json.js'
import { PROTOCOL_CLAIMS } from '../lib/protocol-claims.js'

/**
 * What an attribute lookup gets.
 * @group Configuration
 */
export interface AttributeLookupInput {
  /** The OP's issuer. */
  readonly issuer: string
  /** The validated ID token claims. */
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  /** The merged claims (ID token, UserInfo, claim sources). */
  readonly claims: Readonly<Record<string, unknown>>
  /** Aborted when the lookup times out or the callback's signal aborts. */
  readonly signal: AbortSignal
}

/**
 * The application's lookup: more claims about the end-user, by name.
 *
 * Values are JSON (strings, numbers, booleans, lists, objects). They are added to the claims
 * (over the OP's, never over the protocol claims such as `iss`, `sub`, `acr`).
 * @group Configuration
 */
export type AttributeLookup = (
  input: AttributeLookupInput,
) => Promise<Readonly<Record<string, unknown>>>

/**
 * Runs the lookup and adds its claims.
 * @param lookup - the application's hook
 * @param input - the sign-in's issuer and claims
 * @param timeoutInSeconds - how long it may take
 * @param signal - the callback's signal
 * @returns the claims with the lookup's added
 * @throws {@link TransportError} `ATTRIBUTE_LOOKUP_FAILED` (it threw, was aborted or timed out;
 * the cause attached)
 * @throws {@link UsageError} `ATTRIBUTE_LOOKUP_INVALID` (its result is not an object of JSON
 * values, or names a protocol claim)
 * @internal
 */
export async function lookUpAttributes(
  lookup: AttributeLookup,
  input: Omit<AttributeLookupInput, 'signal'>,
  timeoutInSeconds: number,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const controller = new AbortController()
  const abort = () => controller.abort(signal?.reason)
  signal?.addEventListener('abort', abort, { once: true })
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(
        new TransportError(
          'ATTRIBUTE_LOOKUP_FAILED',
          'the attribute lookup was aborted or timed out',
          {
            cause: controller.signal.reason,
          },
        ),
      )
    controller.signal.addEventListener('abort', fail, { once: true })
    timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${timeoutInSeconds} s`)),
      timeoutInSeconds * 1000,
    )
  })
  if (signal?.aborted) abort()
  let found: unknown
  try {
    found = await Promise.race([
      Promise.resolve().then(() => lookup({ ...input, signal: controller.signal })),
      timedOut,
    ])
  } catch (cause) {
    if (cause instanceof TransportError && cause.code === 'ATTRIBUTE_LOOKUP_FAILED') throw cause
    throw new TransportError('ATTRIBUTE_LOOKUP_FAILED', 'the attribute lookup failed', { cause })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', abort)
  }
  if (!isPlainObject(found)) throw invalid('its result is not an object')
  const claims: Record<string, unknown> = { ...input.claims }
  for (const [name, value] of Object.entries(found)) {
    if (PROTOCOL_CLAIMS.has(name) || name === '__proto__')
      throw invalid(`it names the protocol claim ${name}`)
    if (!isJson(value, 0)) throw invalid(`its value for ${name.slice(0, 64)} is not JSON data`)
    claims[name] = value
  }
  return claims
}

function invalid(why: string): UsageError {
  return new UsageError('ATTRIBUTE_LOOKUP_INVALID', `the attribute lookup is refused: ${why}`, {
    parameter: 'attributeLookup',
  })
}

function isJson(value: unknown, depth: number): boolean {
  if (depth > 8) return false
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1))
  return isPlainObject(value) && Object.values(value).every((v) => isJson(v, depth + 1))
}
