import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  processOutcome,
  run,
  totals,
  WARNING_LINE,
  warningProblem,
} from '../../../scripts/runtimes/common.js'
import { REPORT_MARKER, type SuiteReport } from '../../portable/harness.js'

const REPORT: SuiteReport = {
  runtime: 'node',
  passed: 1,
  failed: 0,
  results: [{ name: 'a case', ok: true, ms: 1 }],
}

/** Runs a Node child that prints a passing report, after emitting a deprecation warning if asked. */
async function childRun(warn: boolean) {
  const script = `${warn ? "process.emitWarning('old API', 'DeprecationWarning', 'DEP0999');" : ''}
setTimeout(() => console.log(${JSON.stringify(REPORT_MARKER + JSON.stringify(REPORT))}), 10)`
  const result = await run(process.execPath, ['-e', script], { timeoutMs: 30_000 })
  return processOutcome('node', Date.now(), result)
}

describe('a runtime that prints a warning during the portable suite', () => {
  it('fails the run: a DeprecationWarning on standard error is one failure, named in the error', async () => {
    const o = await childRun(true)
    assert.equal(o.passed, 1)
    assert.match(o.error ?? '', /warning line\(s\) during the portable suite/)
    assert.match(o.error ?? '', /\[DEP0999\] DeprecationWarning: old API/)
    assert.deepEqual(totals([o]), { passed: 1, failed: 1 })
  })

  it('twin: the same run without the warning passes', async () => {
    const o = await childRun(false)
    assert.equal(o.error, undefined)
    assert.deepEqual(totals([o]), { passed: 1, failed: 0 })
  })
})

describe('warningProblem', () => {
  it("counts Node's and Bun's deprecation lines, Deno's Warning and workerd's warning", () => {
    for (const line of [
      '(node:1684) [DEP0204] DeprecationWarning: Passing a non-extractable CryptoKey to KeyObject.from() is deprecated.',
      '(node:1) ExperimentalWarning: something is experimental',
      'Warning: the "--unstable" flag is deprecated',
      'workerd/io/worker.c++:1 warning: a compatibility flag is ignored',
      '[DEP0005] Buffer() is deprecated',
    ]) {
      assert.ok(WARNING_LINE.test(line), line)
      assert.match(warningProblem(`starting\n${line}\n`) ?? '', /printed 1 warning line/)
    }
  })

  it('twin: ordinary output, or none, is no problem', () => {
    assert.equal(warningProblem(''), undefined)
    assert.equal(warningProblem('Listening on 127.0.0.1:8787\nready\n'), undefined)
  })
})
