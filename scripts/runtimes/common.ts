/**
 * Shared by the runtime runners: bundling the portable suite with esbuild (Web platform, Node
 * built-ins refused), running a child process with a deadline, and reporting results uniformly. A
 * runtime that prints a warning during the suite (a deprecation, say) fails the run.
 */
import { spawn } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'
import {
  type CaseResult,
  formatResult,
  REPORT_MARKER,
  type SuiteReport,
} from '../../test/portable/harness.js'
import { withoutNodeCrypto } from '../build.js'

export const ROOT = resolve(import.meta.dirname, '../..')
/** Where the bundles go: ignored by git and Biome, kept for a look after a failure. */
export const OUT = join(ROOT, 'node_modules', '.cache', 'oidc-rp-runtimes')
export const BIN = join(ROOT, 'node_modules', '.bin')

/** What a runner hands to run-all: the report, or why the runtime could not run the suite. */
export interface Outcome {
  readonly runtime: string
  readonly passed: number
  readonly failed: number
  readonly results: readonly CaseResult[]
  /** Set when the runtime did not start or did not finish: counted as one more failure. */
  readonly error?: string
  readonly seconds: number
}

/** The three bundle entries. */
export type Entry = 'cli' | 'worker' | 'browser'

/** Refuses any Node built-in: the library, the mock OP and the suite must need none. */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    const builtins =
      /^(node:.*|assert|buffer|child_process|crypto|events|fs|http|https|net|os|path|process|stream|tls|url|util|zlib)(\/.*)?$/
    b.onResolve({ filter: builtins }, (args) => ({
      errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}: not portable` }],
    }))
  },
}

/**
 * Bundles one entry of the portable suite with the library into a single ES module.
 * @param entry - which entry (command line, workerd, browser)
 * @param dir - the output directory (created)
 * @returns the bundle's path
 */
export async function bundle(entry: Entry, dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const outfile = join(dir, entry === 'worker' ? 'worker.js' : 'bundle.js')
  await build({
    entryPoints: [join(ROOT, 'test', 'portable', 'entries', `${entry}.ts`)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: entry === 'browser' ? 'browser' : 'neutral',
    mainFields: ['module', 'main'],
    conditions: entry === 'worker' ? ['workerd', 'worker', 'browser'] : [],
    target: 'es2022',
    logLevel: 'warning',
    // pages and workers get the package's `browser` build, without the Node fast paths
    plugins: entry === 'cli' ? [noNodeBuiltins] : [noNodeBuiltins, withoutNodeCrypto],
  })
  return outfile
}

/**
 * Runs a command, streaming its output through a line callback, killed after the deadline.
 * @param command - the executable
 * @param args - its arguments
 * @param options - working directory, deadline, line callback
 * @returns the exit code (null when killed) and the whole standard output
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number; onLine?: (line: string) => void },
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No update checks, telemetry or colours: the runs stay offline and the output parseable.
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    let pending = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) options.onLine?.(line)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      fail(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (pending !== '') options.onLine?.(pending)
      done({ code, stdout, stderr, timedOut })
    })
  })
}

/**
 * A line a runtime prints when it warns: Node's and Bun's `(node:1) [DEP0204] DeprecationWarning:
 * …`, Deno's `Warning …`, workerd's `warning: …`.
 */
export const WARNING_LINE = /warning|\[DEP\d+\]/i

/**
 * Why a run fails for the warnings in what the runtime printed besides its report, if it printed any.
 * @param output - the runtime's standard error (or whatever it prints besides the report)
 * @returns the failure message, or undefined when no line is a warning
 */
export function warningProblem(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => WARNING_LINE.test(line))
  if (lines.length === 0) return undefined
  const shown = lines.slice(0, 3).map((line) => line.slice(0, 300))
  return `printed ${lines.length} warning line(s) during the portable suite (a warning fails the run): ${shown.join(' | ')}`
}

/**
 * Finds the JSON report a bundle printed after {@link REPORT_MARKER}.
 * @param stdout - the whole output
 * @returns the report, or undefined
 */
export function parseReport(stdout: string): SuiteReport | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(REPORT_MARKER))
  return line === undefined
    ? undefined
    : (JSON.parse(line.slice(REPORT_MARKER.length)) as SuiteReport)
}

/**
 * Turns a report (or its absence) into an outcome; a missing report or an empty run is a failure.
 * @param runtime - the runtime
 * @param started - when it started (ms)
 * @param report - the report, if one came
 * @param error - why there is none, or what else went wrong
 * @returns the outcome
 */
export function outcome(
  runtime: string,
  started: number,
  report: SuiteReport | undefined,
  error?: string,
): Outcome {
  const seconds = Math.round((Date.now() - started) / 100) / 10
  if (report === undefined) {
    return { runtime, passed: 0, failed: 0, results: [], error: error ?? 'no report', seconds }
  }
  const empty = report.results.length === 0 ? 'no case ran' : undefined
  const why = error ?? empty
  return {
    runtime,
    passed: report.passed,
    failed: report.failed,
    results: report.results,
    ...(why === undefined ? {} : { error: why }),
    seconds,
  }
}

/**
 * The outcome of a bundle run as a child process: its report, unless it timed out, printed none,
 * exited non-zero with no failing case (a crash after the report), or printed a warning on its
 * standard error.
 * @param runtime - the runtime
 * @param started - when it started (ms)
 * @param result - what {@link run} returned
 * @returns the outcome
 */
export function processOutcome(
  runtime: string,
  started: number,
  result: { code: number | null; stdout: string; stderr: string; timedOut: boolean },
): Outcome {
  const report = parseReport(result.stdout)
  const stderr = result.stderr.trim().slice(-800)
  const error = result.timedOut
    ? 'timed out'
    : report === undefined
      ? `no report (exit code ${result.code}): ${stderr}`
      : result.code !== 0 && report.failed === 0
        ? `exit code ${result.code}: ${stderr}`
        : warningProblem(result.stderr)
  return outcome(runtime, started, report, error)
}

/**
 * Prints an outcome's per-case lines (when not streamed already) and its summary.
 * @param o - the outcome
 * @param printCases - print each case (false when the lines were streamed)
 */
export function printOutcome(o: Outcome, printCases: boolean): void {
  if (printCases) for (const r of o.results) console.log(formatResult(r, o.runtime))
  if (o.error !== undefined) console.log(`[${o.runtime}] ERROR ${o.error}`)
  console.log(
    `[${o.runtime}] ${o.passed} passed, ${o.failed} failed${o.error ? ' (did not complete)' : ''} in ${o.seconds} s`,
  )
}

/**
 * The totals: passed cases, and failed cases plus one per runtime that did not complete.
 * @param outcomes - the outcomes
 * @returns the totals
 */
export function totals(outcomes: readonly Outcome[]): { passed: number; failed: number } {
  let passed = 0
  let failed = 0
  for (const o of outcomes) {
    passed += o.passed
    failed += o.failed + (o.error === undefined ? 0 : 1)
  }
  return { passed, failed }
}

/**
 * Runs one runner as a script: prints its outcome and the final `N passed, N failed` line, and
 * sets the exit code.
 * @param runner - the runner
 */
export async function main(runner: (stream: boolean) => Promise<Outcome>): Promise<void> {
  const o = await runner(true)
  printOutcome(o, false)
  const { passed, failed } = totals([o])
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1
}

/** Whether this module is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === `file://${resolve(process.argv[1])}`
}

/**
 * Bundles the suite's command-line entry and runs it with a runtime from node_modules/.bin.
 * @param runtime - the executable's name (`deno`, `bun`), also the label of its lines
 * @param args - the runtime's arguments before the bundle's path
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export async function runCommandLine(
  runtime: string,
  args: readonly string[],
  stream: boolean,
): Promise<Outcome> {
  const started = Date.now()
  try {
    const dir = join(OUT, runtime)
    const file = await bundle('cli', dir)
    const result = await run(join(BIN, runtime), [...args, file, ...process.argv.slice(2)], {
      cwd: dir,
      timeoutMs: 120_000,
      onLine: (line) => stream && !line.startsWith('@@') && console.log(`[${runtime}] ${line}`),
    })
    return processOutcome(runtime, started, result)
  } catch (err) {
    return outcome(runtime, started, undefined, `cannot start: ${String(err)}`)
  }
}
