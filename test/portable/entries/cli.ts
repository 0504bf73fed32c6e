/**
 * The bundle entry for command-line runtimes (Deno, Bun): prints one line per case, the summary
 * line, then the JSON report after a marker, and exits non-zero on any failure.
 * `deno run bundle.js [filter]`, `bun bundle.js [filter]`.
 */
import { formatResult, REPORT_MARKER } from '../harness.js'
import { runSuite } from './run.js'

interface DenoGlobal {
  args: string[]
  exit(code: number): never
  version: { deno: string }
}
interface ProcessGlobal {
  argv: string[]
  exitCode?: number
  versions: Record<string, string | undefined>
}

const g = globalThis as { Deno?: DenoGlobal; Bun?: { version: string }; process?: ProcessGlobal }
const runtime = g.Deno ? 'deno' : g.Bun ? 'bun' : 'unknown'
const version = g.Deno?.version.deno ?? g.Bun?.version ?? 'unknown'
const filter = g.Deno ? g.Deno.args[0] : g.process?.argv[2]

console.log(`# ${runtime} ${version}`)
const report = await runSuite(runtime, { filter, onResult: (r) => console.log(formatResult(r)) })
console.log(`${report.passed} passed, ${report.failed} failed`)
console.log(`${REPORT_MARKER}${JSON.stringify({ ...report, version })}`)
const code = report.failed === 0 && report.passed > 0 ? 0 : 1
if (g.Deno) g.Deno.exit(code)
else if (g.process) g.process.exitCode = code
