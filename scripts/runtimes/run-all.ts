/**
 * The portable suite on every runtime: Node, Deno, Bun, headless Chromium and workerd, one after
 * the other (each uses both cores while it runs). Prints each case, a line per runtime, and at the
 * very end one plain line `N passed, N failed` (a runtime that cannot start or finish counts as one
 * failure). Exits non-zero on any failure. `npm run test:runtimes`.
 */
import { runBrowser } from './browser.js'
import { runBun } from './bun.js'
import { type Outcome, printOutcome, totals } from './common.js'
import { runDeno } from './deno.js'
import { runNode } from './node.js'
import { runWorkerd } from './workerd.js'

const RUNNERS: readonly ((stream: boolean) => Promise<Outcome>)[] = [
  runNode,
  runDeno,
  runBun,
  runBrowser,
  runWorkerd,
]

const started = Date.now()
const outcomes: Outcome[] = []
for (const runner of RUNNERS) {
  const o = await runner(true)
  printOutcome(o, false)
  outcomes.push(o)
}
console.log('')
console.log('runtime    passed  failed  seconds')
for (const o of outcomes) {
  const status = o.error === undefined ? '' : `  did not complete: ${o.error.slice(0, 200)}`
  console.log(
    `${o.runtime.padEnd(10)} ${String(o.passed).padStart(6)}  ${String(o.failed).padStart(6)}  ${String(o.seconds).padStart(7)}${status}`,
  )
}
console.log(`total time ${Math.round((Date.now() - started) / 1000)} s`)
const { passed, failed } = totals(outcomes)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 && passed > 0 ? 0 : 1
