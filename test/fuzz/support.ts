/**
 * What every fuzz property shares: the seed and run count (bounded in `npm test`, long in
 * `npm run fuzz`), a time bound per case, the outcome checks (a documented `OidcRpError` or a
 * success, never a leak), and the watch for unhandled rejections.
 *
 * Environment: `FUZZ_RUNS` (cases per property; default small), `FUZZ_SEED` (default fixed),
 * `FUZZ_CASE_TIMEOUT_MS` (default 5000).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { isOidcRpError } from '../../src/errors.js'
import { errorText } from '../portable/assert.js'

/** The seed of every property: fixed so `npm test` is reproducible; `FUZZ_SEED` overrides it. */
export const SEED = process.env.FUZZ_SEED === undefined ? 0x0dc1 : Number(process.env.FUZZ_SEED)

/** The longest one case may take before it counts as a hang. */
export const CASE_TIMEOUT_MS = Number(process.env.FUZZ_CASE_TIMEOUT_MS ?? 5000)

/**
 * The fast-check parameters of a property: the seed, the run count (`FUZZ_RUNS` or the property's
 * bounded default) and the per-case time bound.
 * @param defaultRuns - the cases run by `npm test`
 * @returns the parameters for `fc.assert`
 */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const runs = process.env.FUZZ_RUNS === undefined ? defaultRuns : Number(process.env.FUZZ_RUNS)
  assert.ok(Number.isSafeInteger(runs) && runs > 0, 'FUZZ_RUNS must be a positive integer')
  assert.ok(Number.isFinite(SEED), 'FUZZ_SEED must be a number')
  return {
    seed: SEED,
    numRuns: runs,
    plugins: [fc.timeout(CASE_TIMEOUT_MS)],
    includeErrorInReport: true,
    // A hang is already a failure; shrinking a long run's counterexample must not take forever.
    skipAllAfterTimeLimit: 10 * 60 * 1000,
  } as fc.Parameters<T>
}

/** Unhandled rejections seen in this process (node:test runs each test file in its own process). */
const unhandled: unknown[] = []
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason)
})

/** Asserts that no promise was rejected without a handler since the file started. */
export async function assertNoUnhandledRejections(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(unhandled.length, 0, `unhandled rejection: ${String(unhandled[0]).slice(0, 300)}`)
}

/** The outcome of one case. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/**
 * Runs an action and captures its outcome, synchronous throws included.
 * @param action - the case
 * @returns success and value, or failure and error
 */
export async function settle<T>(action: () => Promise<T> | T): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await action() }
  } catch (error) {
    return { ok: false, error }
  }
}

const ERRORS_SOURCE = readFileSync(new URL('../../src/error-codes.ts', import.meta.url), 'utf8')

/** Each error code and the class its union belongs to, read from `src/error-codes.ts`. */
const CLASS_OF_CODE: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>()
  const unions = /export type (\w+)ErrorCode =\n([\s\S]*?)\n\n/g
  for (const [, klass, body] of ERRORS_SOURCE.matchAll(unions)) {
    for (const [, code] of body!.matchAll(/\| '([A-Z0-9_]+)'/g)) map.set(code!, `${klass}Error`)
  }
  return map
})()

/**
 * The error codes a function documents in its TSDoc `@throws` tags, as written (`ID_TOKEN_*`
 * patterns included).
 * @param file - the source file, relative to the repository root (`src/callback/sign-in.ts`)
 * @param name - the exported function
 * @returns the codes and patterns
 */
export function documentedCodes(file: string, name: string): readonly string[] {
  const source = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')
  const at = source.search(new RegExp(`export (?:async )?function ${name}\\b`))
  assert.ok(at > 0, `${name} is not exported from ${file}`)
  const doc = source.slice(source.lastIndexOf('/**', at), at)
  const throwsText = doc
    .split(/\n\s*\*\s*(?=@)/)
    .filter((tag) => tag.startsWith('@throws'))
    .join(' ')
  const codes = [...throwsText.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((m) => m[1]!)
  assert.ok(codes.length > 0, `${name} documents no error codes`)
  return codes
}

/** Whether a code is one of the documented codes or matches a documented `PREFIX_*` pattern. */
function isDocumented(code: string, documented: readonly string[]): boolean {
  return documented.some((d) => (d.endsWith('*') ? code.startsWith(d.slice(0, -1)) : d === code))
}

/** A compact JWT's header and payload (`eyJ…` base64url JSON objects) anywhere in a text. */
const JWT_LIKE = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/

/**
 * Asserts that a failure is an oidc-rp error of the right class with a code the function
 * documents, and that its text holds none of the secrets and no JWT.
 * @param error - what was thrown
 * @param documented - the codes the function documents (see {@link documentedCodes})
 * @param secrets - values no error may contain: client secret, code, tokens, keys
 */
export function assertDocumentedFailure(
  error: unknown,
  documented: readonly string[],
  secrets: readonly string[],
): void {
  if (!isOidcRpError(error)) {
    assert.fail(`not an OidcRpError: ${errorText(error).slice(0, 400)}`)
  }
  const klass = CLASS_OF_CODE.get(error.code)
  assert.ok(klass !== undefined, `code ${error.code} is not in src/error-codes.ts`)
  assert.equal(error.name, klass, `${error.code} thrown as ${error.name}, not ${klass}`)
  assert.ok(
    isDocumented(error.code, documented),
    `${error.code} is not documented (documented: ${documented.join(', ')}): ${error.message}`,
  )
  assertNoLeak(error, secrets)
}

/**
 * Asserts that no secret (of 8 characters or more) and no JWT appears in an error's text.
 * @param error - the error
 * @param secrets - the values to look for
 */
export function assertNoLeak(error: unknown, secrets: readonly string[]): void {
  const text = errorText(error)
  for (const secret of secrets) {
    if (secret.length >= 8 && text.includes(secret)) {
      assert.fail(`the error leaks a secret (${secret.slice(0, 6)}…): ${text.slice(0, 300)}`)
    }
  }
  assert.ok(!JWT_LIKE.test(text), `the error contains a JWT: ${text.slice(0, 300)}`)
}

/** base64url of a string or bytes. */
export function b64u(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url')
}

/**
 * The decoded bytes of each segment of a compact serialization, for "same content" comparisons:
 * two tokens whose segments decode to the same bytes say the same thing.
 * @param token - the compact token
 * @returns one hex string per segment
 */
export function decodedSegments(token: string): string[] {
  return token.split('.').map((segment) => Buffer.from(segment, 'base64url').toString('hex'))
}

/** Characters a byte-wise mutation writes: base64url, the separators, and some that never belong. */
export const MUTATION_CHARS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  ...'.=+/ %\n\t\u0000\u00e9\u2028\ud83d',
]

/** One byte-wise edit of a compact token. */
export type ByteEdit =
  | { kind: 'replace' | 'insert'; at: number; char: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; segment: number; at: number; bit: number }
  | { kind: 'segments'; op: 'drop' | 'duplicate' | 'swap' | 'empty' | 'extra'; segment: number }

/** Arbitrary byte-wise edits of a compact token. */
export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('replace' as const, 'insert' as const),
    at: fc.nat(),
    char: fc.constantFrom(...MUTATION_CHARS),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    segment: fc.nat({ max: 4 }),
    at: fc.nat(),
    bit: fc.nat({ max: 7 }),
  }),
  fc.record({
    kind: fc.constant('segments' as const),
    op: fc.constantFrom(
      'drop' as const,
      'duplicate' as const,
      'swap' as const,
      'empty' as const,
      'extra' as const,
    ),
    segment: fc.nat({ max: 4 }),
  }),
)

/**
 * Applies byte-wise edits to a compact token.
 * @param token - the valid token
 * @param edits - the edits, in order
 * @returns the mutated token
 */
export function applyEdits(token: string, edits: readonly ByteEdit[]): string {
  let out = token
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : ('at' in edit ? edit.at : 0) % (out.length + 1)
    switch (edit.kind) {
      case 'replace':
        out = out.slice(0, at) + edit.char + out.slice(at + 1)
        break
      case 'insert':
        out = out.slice(0, at) + edit.char + out.slice(at)
        break
      case 'delete':
        out = out.slice(0, at) + out.slice(at + edit.length)
        break
      case 'truncate':
        out = out.slice(0, at)
        break
      case 'flip': {
        const segments = out.split('.')
        const index = edit.segment % segments.length
        const bytes = Buffer.from(segments[index]!, 'base64url')
        if (bytes.length === 0) break
        const i = edit.at % bytes.length
        bytes[i] = bytes[i]! ^ (1 << edit.bit)
        segments[index] = bytes.toString('base64url')
        out = segments.join('.')
        break
      }
      case 'segments': {
        const segments = out.split('.')
        const index = edit.segment % segments.length
        if (edit.op === 'drop') segments.splice(index, 1)
        else if (edit.op === 'duplicate') segments.splice(index, 0, segments[index]!)
        else if (edit.op === 'swap') {
          const other = (index + 1) % segments.length
          ;[segments[index], segments[other]] = [segments[other]!, segments[index]!]
        } else if (edit.op === 'empty') segments[index] = ''
        else segments.push(b64u('{"extra":true}'))
        out = segments.join('.')
        break
      }
    }
  }
  return out
}

/** Counts the outcomes of a property's cases, for its diagnostic line. */
export interface Tally {
  /** Records one outcome. */
  record(outcome: Outcome<unknown>): void
  /** How many cases succeeded. */
  readonly accepted: number
  /** One line: cases, successes, and the most frequent error codes. */
  summary(): string
}

/**
 * Makes an empty tally.
 * @returns the tally
 */
export function createTally(): Tally {
  let cases = 0
  let accepted = 0
  const codes = new Map<string, number>()
  return {
    record(outcome) {
      cases++
      if (outcome.ok) accepted++
      else {
        const code = isOidcRpError(outcome.error) ? outcome.error.code : 'non-oidc-rp error'
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
    },
    get accepted() {
      return accepted
    },
    summary() {
      const top = [...codes]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ')
      return `seed ${SEED}: ${cases} cases, ${accepted} accepted, ${codes.size} codes (${top})`
    },
  }
}
