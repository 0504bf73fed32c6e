/** The portable suite on Deno (npm package `deno`), from an esbuild bundle, with no permissions. */
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
 * Bundles the suite and runs it under `deno run`.
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export async function runDeno(stream: boolean): Promise<Outcome> {
  const started = Date.now()
  try {
    const dir = join(OUT, 'deno')
    const file = await bundle('cli', dir)
    const result = await run(
      join(BIN, 'deno'),
      ['run', '--no-prompt', '--no-config', file, ...process.argv.slice(2)],
      {
        cwd: dir,
        timeoutMs: 120_000,
        onLine: (line) => stream && !line.startsWith('@@') && console.log(`[deno] ${line}`),
      },
    )
    return processOutcome('deno', started, result)
  } catch (err) {
    return outcome('deno', started, undefined, `cannot start: ${String(err)}`)
  }
}

if (isMain(import.meta.url)) await main(runDeno)
