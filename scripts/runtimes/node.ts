/**
 * The portable suite on Node through node:test (test/portable/node.test.ts, the TypeScript source
 * loaded by tsx), reported in the same per-case lines as the other runtimes.
 */
import { join } from 'node:path'
import { isMain, main, type Outcome, outcome, processOutcome, ROOT, run } from './common.js'

/**
 * Runs test/portable/node.test.ts in a child node process.
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export async function runNode(stream: boolean): Promise<Outcome> {
  const started = Date.now()
  try {
    const filter = process.argv[2]
    const result = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-reporter=${join(ROOT, 'scripts', 'runtimes', 'node-reporter.mjs')}`,
        '--test-reporter-destination=stdout',
        ...(filter ? ['--test-name-pattern', filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')] : []),
        join('test', 'portable', 'node.test.ts'),
      ],
      {
        timeoutMs: 120_000,
        onLine: (line) => stream && !line.startsWith('@@') && console.log(`[node] ${line}`),
      },
    )
    return processOutcome('node', started, result)
  } catch (err) {
    return outcome('node', started, undefined, `cannot start: ${String(err)}`)
  }
}

if (isMain(import.meta.url)) await main(runNode)
