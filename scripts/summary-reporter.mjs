// A node:test reporter that ends the run with one plain line: "N passed, N failed".
export default async function* summary(source) {
  let passed = 0
  let failed = 0
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') continue
    if (event.type === 'test:pass') passed++
    else failed++
  }
  yield `${passed} passed, ${failed} failed\n`
}
