// A node:test reporter for the portable suite: the same per-case lines as the other runtimes, the
// "N passed, N failed" line, then the JSON report after the marker the runners parse. What the test
// process prints on its standard error goes to this process's standard error, where the runner
// looks for warnings.
const MARKER = '@@portable-report '

export default async function* portableReporter(source) {
  const results = []
  for await (const event of source) {
    if (event.type === 'test:stderr') process.stderr.write(event.data.message)
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite' || event.data.skip || event.data.todo) continue
    const ms = Math.round(event.data.details?.duration_ms ?? 0)
    if (event.type === 'test:pass') {
      results.push({ name: event.data.name, ok: true, ms })
      yield `ok   ${event.data.name} (${ms} ms)\n`
    } else {
      const err = event.data.details?.error
      const cause = err?.cause ?? err
      const code =
        typeof cause?.code === 'string' && cause.code !== 'ERR_TEST_FAILURE' ? ` ${cause.code}` : ''
      const error = `${cause?.name ?? 'Error'}${code}: ${cause?.message ?? String(cause)}`.replace(
        /\s+/g,
        ' ',
      )
      results.push({ name: event.data.name, ok: false, ms, error })
      yield `FAIL ${event.data.name}: ${error}\n`
    }
  }
  const failed = results.filter((r) => !r.ok).length
  const passed = results.length - failed
  yield `${passed} passed, ${failed} failed\n`
  yield `${MARKER}${JSON.stringify({ runtime: 'node', version: process.version, passed, failed, results })}\n`
}
