// A node:test reporter that ends the run with one plain line: "N passed, N failed", after one
// "failed: <test> (<file>): <reason>" line per failing test, so the tail of a CI log says why.
export default async function* summary(source) {
  let passed = 0
  let failed = 0
  const failures = []
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') continue
    if (event.type === 'test:pass') passed++
    else {
      failed++
      failures.push(describe(event.data))
    }
  }
  for (const line of failures) yield `${line}\n`
  yield `${passed} passed, ${failed} failed\n`
}

// One line: the test's name, its file, and the first line of each error in the cause chain.
function describe(data) {
  const reasons = []
  for (let err = data.details?.error, depth = 0; err && depth < 4; err = err.cause, depth++) {
    const first =
      String(err.message ?? err)
        .split('\n')
        .find((l) => l.trim() !== '') ?? ''
    if (first !== '' && !reasons.includes(first.trim())) reasons.push(first.trim())
  }
  const file = data.file ? ` (${data.file.replace(process.cwd() + '/', '')})` : ''
  return `failed: ${data.name}${file}: ${reasons.join(' <- ').slice(0, 400)}`
}
