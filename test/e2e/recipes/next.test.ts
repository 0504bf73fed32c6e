/**
 * The Next.js App Router recipe (examples/next: route handlers) end to end in Chromium against
 * oidc-provider: `next build` once, then the built app on Next's custom server.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describeRecipe } from './cases.js'
import { ROOT } from './harness.js'

const DIR = `${ROOT}examples/next`

describeRecipe('next', {
  prepare: async () => {
    await promisify(execFile)(`${ROOT}node_modules/.bin/next`, ['build'], {
      cwd: DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      timeout: 240_000,
    })
  },
  command: ['node', 'examples/next/server.mjs'],
  env: { NEXT_TELEMETRY_DISABLED: '1' },
  startTimeoutInMs: 60_000,
  suiteTimeoutInMs: 420_000,
})
