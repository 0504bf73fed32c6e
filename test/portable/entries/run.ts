/**
 * The suite bound to the library's TypeScript source, for the bundles: esbuild compiles this, the
 * suite, `oidc-rp` and `oidc-rp/testing` (with jose and oauth4webapi) into one ES module.
 */
import * as lib from '../../../src/index.js'
import * as testing from '../../../src/testing/index.js'
import { type CaseResult, runCases, type SuiteReport } from '../harness.js'
import { cases } from '../suite.js'

/**
 * Runs the whole suite.
 * @param runtime - the runtime's name, for the report
 * @param options - a name filter, and a callback after each case
 * @returns the report
 */
export function runSuite(
  runtime: string,
  options: { filter?: string | undefined; onResult?: (result: CaseResult) => void } = {},
): Promise<SuiteReport> {
  return runCases(cases(lib, testing), {
    runtime,
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
  })
}
