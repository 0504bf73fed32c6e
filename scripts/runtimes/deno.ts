/** The portable suite on Deno (npm package `deno`), from an esbuild bundle, with no permissions. */
import { isMain, main, type Outcome, runCommandLine } from './common.js'

/**
 * Bundles the suite and runs it under `deno run`.
 * @param stream - print each case line as it comes
 * @returns the outcome
 */
export function runDeno(stream: boolean): Promise<Outcome> {
  return runCommandLine('deno', ['run', '--no-prompt', '--no-config'], stream)
}

if (isMain(import.meta.url)) await main(runDeno)
