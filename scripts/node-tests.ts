/**
 * `npm run test:unit`, `test:interop`, `test:e2e`: runs one suite's files through node's test
 * runner (spec output, then the `N passed, N failed` line CI reads).
 *
 * Which files make a suite: `interop` and `e2e` are their folders under test/; `unit` is every other
 * `*.test.ts` under test/ except the portable suite (test/portable/, run per runtime by
 * `npm run test:runtimes`).
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
/** The longest any one test file may take (a hung import once stalled the unit suite). */
const TIMEOUT_IN_MS = 10 * 60_000
/**
 * Files run at once in the end-to-end suite: each starts Chromium, an OP and an application, and
 * on a machine with many cores node's default (one file per core) loads it past what a browser
 * test's waits allow.
 */
const E2E_CONCURRENCY = 3
const SUITES = {
  unit: (path: string) => !/^(portable|interop|e2e)\//.test(path),
  interop: (path: string) => path.startsWith('interop/'),
  e2e: (path: string) => path.startsWith('e2e/'),
} as const

/**
 * The test files of a suite, sorted, as paths relative to the repository root.
 * @param suite - which suite
 * @returns the files
 */
export function suiteFiles(suite: keyof typeof SUITES): string[] {
  const test = join(ROOT, 'test')
  return readdirSync(test, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.test.ts') && SUITES[suite](path))
    .sort()
    .map((path) => join('test', path))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const suite = process.argv[2]
  if (!(suite !== undefined && Object.hasOwn(SUITES, suite))) {
    console.error(`usage: tsx scripts/node-tests.ts ${Object.keys(SUITES).join('|')}`)
    process.exit(2)
  }
  const files = suiteFiles(suite as keyof typeof SUITES)
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      // a file (or test) that hangs is cancelled, counted as failed, and the suite goes on
      `--test-timeout=${TIMEOUT_IN_MS}`,
      ...(suite === 'e2e' ? [`--test-concurrency=${E2E_CONCURRENCY}`] : []),
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/summary-reporter.mjs',
      '--test-reporter-destination=stdout',
      ...files,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  )
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
