/** The portable suite on Bun (npm package `bun`), from an esbuild bundle. */
import { join } from 'node:path'
import {
  BIN,
  bundle,
  isMain,
  main,
  OUT,
  type Outcome,
  outcome,
  processOutcome,
  run,
} from './common.js'

/**
 * Bundles the suite and runs it with `bun`.
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export async function runBun(stream: boolean): Promise<Outcome> {
  const started = Date.now()
  try {
    const dir = join(OUT, 'bun')
    const file = await bundle('cli', dir)
    const result = await run(join(BIN, 'bun'), ['run', file, ...process.argv.slice(2)], {
      cwd: dir,
      timeoutMs: 120_000,
      onLine: (line) => stream && !line.startsWith('@@') && console.log(`[bun] ${line}`),
    })
    return processOutcome('bun', started, result)
  } catch (err) {
    return outcome('bun', started, undefined, `cannot start: ${String(err)}`)
  }
}

if (isMain(import.meta.url)) await main(runBun)
