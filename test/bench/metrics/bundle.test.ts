/**
 * Issue 16's floor for a page's bundle, measured as `npm run bench` measures it (metric 5): the
 * sign-in path of bench/entries/oidc-rp.ts, bundled and minified from the published browser build,
 * run to learn which files it loads, each gzipped. The floor is oidc-client-ts's `UserManager`,
 * bundled the same way in the same run.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { type BundleResult, measurePageEntry, runBundles } from '../../../bench/metrics/bundle.js'

describe("a page's sign-in bundle", () => {
  // one measurement for both tests: each bundles every contender and runs their paths
  let bundles: Promise<BundleResult[]> | undefined
  const measured = () => (bundles ??= runBundles())

  test("loads less gzip than oidc-client-ts's UserManager, in one file, with nothing forbidden", async () => {
    const results = await measured()
    const of = (name: string) => results.find((r) => r.name === name)!
    const ours = of('oidc-rp')
    const floor = of('oidc-client-ts')
    assert.equal(ours.ran, true)
    assert.ok(
      ours.gzipBytes < floor.gzipBytes,
      `${ours.gzipBytes} B gzip against oidc-client-ts's ${floor.gzipBytes} B`,
    )
    assert.equal(ours.files.filter((f) => f.loaded).length, 1)
    assert.deepEqual(ours.forbidden, [])
  })

  test('twin: the same path on the core, with every check of a server sign-in, is over the floor', async () => {
    const floor = (await measured()).find((r) => r.name === 'oidc-client-ts')!
    const core = await measurePageEntry(
      'core page',
      join(import.meta.dirname, '..', 'entries', 'core-page.ts'),
    )
    assert.equal(core.ran, true)
    assert.ok(core.gzipBytes > floor.gzipBytes, `${core.gzipBytes} B against ${floor.gzipBytes} B`)
  })
})
