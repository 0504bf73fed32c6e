/**
 * The bundle entry for browsers: runs the suite when the page loads a module script, logs one line
 * per case to the console, and leaves the report in `window.__portableReport` (or the failure in
 * `window.__portableError`) for the driver to collect. `?filter=` selects cases by name.
 */
import type { SuiteReport } from '../harness.js'
import { formatResult } from '../harness.js'
import { runSuite } from './run.js'

const page = globalThis as { __portableReport?: SuiteReport; __portableError?: string }
const filter = new URL(location.href).searchParams.get('filter') ?? undefined
runSuite('chromium', { filter, onResult: (r) => console.log(formatResult(r)) }).then(
  (report) => {
    page.__portableReport = report
    document.title = `${report.passed} passed, ${report.failed} failed`
  },
  (err: unknown) => {
    page.__portableError = err instanceof Error ? (err.stack ?? err.message) : String(err)
  },
)
