/**
 * `npm test`: provisions the system packages the suites need (`system-packages.ts`), runs every
 * suite (unit, interop, browser end-to-end, packaging, runtimes), even after one fails, and ends
 * with the failing tests (one line each, with the reason) and one line CI reads: the grand total,
 * `N passed, N failed`.
 */
import { spawn } from 'node:child_process'
import { ensureSystemPackages } from './system-packages.js'

const SUITES = ['test:unit', 'test:interop', 'test:e2e', 'test:package', 'test:runtimes'] as const
const SUMMARY = /^(?:\S+: )?(\d+) passed, (\d+) failed/
const FAILURE = /^failed: /

function run(script: string): Promise<{
  script: string
  passed: number
  failed: number
  exitCode: number
  failures: string[]
}> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let passed = 0
    let failed = 0
    let buffered = ''
    const failures: string[] = []
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (FAILURE.test(line.trim())) failures.push(line.trim())
        const match = SUMMARY.exec(line.trim())
        if (match) {
          passed = Number(match[1])
          failed = Number(match[2])
        }
      }
    })
    child.on('close', (code) => resolve({ script, passed, failed, exitCode: code ?? 1, failures }))
  })
}

try {
  ensureSystemPackages()
} catch (err) {
  // no suite can be trusted without its packages: say how to get them, and stop
  console.error(err instanceof Error ? err.message : err)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

const results = []
for (const suite of SUITES) results.push(await run(suite))
// the failures again at the end, where a CI log's tail shows them
const failures = results.flatMap((r) => r.failures.map((f) => `${r.script}: ${f}`))
if (failures.length > 0) console.log(`\n${failures.join('\n')}`)
console.log('\nsuite            passed  failed  exit')
for (const r of results) {
  console.log(
    `${r.script.padEnd(16)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${r.exitCode}`,
  )
}
// A suite that exits non-zero without reporting a failure (it crashed) counts as one failure.
const passed = results.reduce((n, r) => n + r.passed, 0)
const failed = results.reduce(
  (n, r) => n + r.failed + (r.exitCode !== 0 && r.failed === 0 ? 1 : 0),
  0,
)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 && passed > 0 ? 0 : 1
