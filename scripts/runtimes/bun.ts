/** The portable suite on Bun (npm package `bun`), from an esbuild bundle. */
import { isMain, main, type Outcome, runCommandLine } from './common.js'

/**
 * Bundles the suite and runs it with `bun`.
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export function runBun(stream: boolean): Promise<Outcome> {
  return runCommandLine('bun', ['run'], stream)
}

if (isMain(import.meta.url)) await main(runBun)
