/**
 * The Cloudflare Workers recipe (examples/worker/worker.ts) end to end in Chromium against
 * oidc-provider, on workerd: bundled once by esbuild into a temporary directory, each instance
 * served by examples/worker/serve.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { bundleWorker } from '../../../examples/worker/bundle.js'
import { describeRecipe } from './cases.js'

const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-worker-recipe-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describeRecipe('worker', {
  command: ['node', '--import', 'tsx', 'examples/worker/serve.ts', dir],
  prepare: async () => {
    await bundleWorker(dir)
  },
})
