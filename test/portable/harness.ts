/**
 * The portable test harness: a case is a name and an async body that throws on failure. It uses
 * only what every runtime has (Promise, setTimeout, performance-free timing through Date), so the
 * same cases run under node:test, Deno, Bun, a browser page and a workerd worker.
 */

/** One behavioural test. */
export interface Case {
  /** What the case proves; unique within the suite. */
  readonly name: string
  /** Throws (or rejects) when the behaviour is not there. */
  readonly run: () => Promise<void>
}

/** The outcome of one case. */
export interface CaseResult {
  readonly name: string
  readonly ok: boolean
  readonly ms: number
  /** The failure, one line (present when `ok` is false). */
  readonly error?: string
}

/** The outcome of a whole run on one runtime. */
export interface SuiteReport {
  readonly runtime: string
  readonly passed: number
  readonly failed: number
  readonly results: readonly CaseResult[]
}

/** Options of {@link runCases}. */
export interface RunOptions {
  /** The runtime's name, carried into the report. */
  readonly runtime: string
  /** A case taking longer fails. Default 20 s. */
  readonly timeoutMs?: number
  /** Only cases whose name contains this text run (the others are not counted). */
  readonly filter?: string
  /** Called after each case, e.g. to print a line as soon as it is known. */
  readonly onResult?: (result: CaseResult) => void
}

/**
 * Runs the cases one after the other (they share mock OPs, whose faults are queued).
 * @param cases - the cases
 * @param options - runtime name, timeout, filter, progress callback
 * @returns the report
 */
export async function runCases(cases: readonly Case[], options: RunOptions): Promise<SuiteReport> {
  const names = new Set<string>()
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name: ${c.name}`)
    names.add(c.name)
  }
  const timeoutMs = options.timeoutMs ?? 20_000
  const selected = cases.filter((c) => !options.filter || c.name.includes(options.filter))
  const results: CaseResult[] = []
  for (const c of selected) {
    const started = Date.now()
    let error: string | undefined
    try {
      await withTimeout(c.run(), timeoutMs)
    } catch (err) {
      error = describeFailure(err)
    }
    const result: CaseResult = {
      name: c.name,
      ok: error === undefined,
      ms: Date.now() - started,
      ...(error === undefined ? {} : { error }),
    }
    results.push(result)
    options.onResult?.(result)
  }
  const failed = results.filter((r) => !r.ok).length
  return { runtime: options.runtime, passed: results.length - failed, failed, results }
}

/**
 * One line per result, in the form every runner prints.
 * @param result - a case result
 * @param runtime - prefixed in brackets when given
 * @returns the line
 */
export function formatResult(result: CaseResult, runtime?: string): string {
  const prefix = runtime === undefined ? '' : `[${runtime}] `
  return result.ok
    ? `${prefix}ok   ${result.name} (${result.ms} ms)`
    : `${prefix}FAIL ${result.name}: ${result.error}`
}

/** The marker before the JSON report on the last line a bundle prints. */
export const REPORT_MARKER = '@@portable-report '

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const head = `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`
    const frame = err.stack
      ?.split('\n')
      .slice(1)
      .find((line) => /suite|cases|fixtures/.test(line))
    return (frame === undefined ? head : `${head} @ ${frame.trim()}`).replace(/\s+/g, ' ')
  }
  return String(err)
}
