/**
 * JSON values and how they appear in messages.
 *
 * Plain-object test, depth limit, strict UTF-8, deep freeze and copy, and the one shortener every
 * error message uses. Imports nothing.
 */

/**
 * JSON from the OP nested deeper than this is refused.
 *
 * Recursive code (a deep copy, a `JSON.stringify` of the session, the application's own) could not
 * walk it without exhausting the stack. Real OP documents nest a few levels.
 *
 * @internal
 */
export const MAX_JSON_DEPTH = 64

/** The longest string a message quotes before cutting it (with `...`). */
const MAX_SHOWN = 80

/**
 * Tells whether a parsed JSON value nests deeper than `max` levels, without recursion.
 *
 * Objects and arrays count as levels; the value may be arbitrarily deep.
 *
 * @param value - a parsed JSON value
 * @param max - the most levels allowed (a flat object is one level)
 * @returns true when it is deeper
 * @internal
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  let level: unknown[] = [value]
  for (let depth = 0; ; depth++) {
    const next: unknown[] = []
    for (const node of level) {
      if (typeof node !== 'object' || node === null) continue
      if (depth >= max) return true
      for (const child of Object.values(node)) {
        if (typeof child === 'object' && child !== null) next.push(child)
      }
    }
    if (next.length === 0) return false
    level = next
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * Decodes UTF-8 strictly: invalid bytes throw a `TypeError`.
 * @param bytes - the body
 * @returns the text
 * @internal
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes)
}

/**
 * Parses text that may not be JSON at all (an item of web storage, say).
 * @param text - the text, or `null` for an absent item
 * @returns the value, or `undefined` when absent or not JSON
 * @internal
 */
export function parseJsonOrUndefined(text: string | null): unknown {
  if (text === null) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Parses text that must be a JSON object, no deeper than {@link MAX_JSON_DEPTH}.
 * @param text - the text
 * @param refuse - makes the caller's typed error from what is wrong ("is not valid JSON", "is not a
 * JSON object", "is nested deeper than 64 levels")
 * @returns the object
 * @throws whatever `refuse` returns
 * @internal
 */
export function parseJsonObjectText(
  text: string,
  refuse: (problem: string) => Error,
): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw refuse('is not valid JSON')
  }
  if (!isPlainObject(value)) throw refuse('is not a JSON object')
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw refuse(`is nested deeper than ${MAX_JSON_DEPTH} levels`)
  }
  return value
}

/**
 * Tells whether a value is a non-null, non-array object.
 * @param value - anything
 * @returns true for `{}`-like values
 * @internal
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Freezes an object and everything in it (the object first, so a cycle ends the walk).
 * @param value - anything
 * @returns the same value, frozen
 * @internal
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const entry of Object.values(value)) deepFreeze(entry)
  }
  return value
}

/**
 * A deep copy of a JSON value (functions, `undefined` members and prototypes dropped).
 * @param value - a JSON-compatible value
 * @returns the copy
 * @internal
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/**
 * Cuts a string for a message: at most 80 characters, the cut marked with `...`.
 * @param text - any string
 * @returns the string, or its first 77 characters and `...`
 * @internal
 */
export function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text
}

/**
 * A value fit for an error's details: strings clipped, arrays cut to 10 entries, objects named.
 * @param value - a claim or member value
 * @returns what the error may carry
 * @internal
 */
export function shown(value: unknown): unknown {
  if (typeof value === 'string') return clip(value)
  if (Array.isArray(value)) return value.slice(0, 10).map(shown)
  return typeof value === 'object' && value !== null ? 'an object' : value
}

/**
 * A value quoted for a message, cut like {@link shown}.
 * @param value - a claim or member value
 * @returns its JSON text, clipped
 * @internal
 */
export function quoted(value: unknown): string {
  return JSON.stringify(shown(value)) ?? String(value)
}

/**
 * A value described for a message: its type, strings quoted and clipped.
 * @param value - anything
 * @returns e.g. `nothing`, `"abc"`, `an array`, `number 5`
 * @internal
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(clip(value))
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/**
 * A value with its `readonly` modifiers dropped, to build it member by member.
 * @internal
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }
