/**
 * The Hono recipe (examples/hono/app.ts), the same file, on Bun (from its npm package), end to end
 * in Chromium against oidc-provider.
 */
import { describeRecipe } from './cases.js'

describeRecipe('hono-bun', { command: ['node_modules/.bin/bun', 'examples/hono/app.ts'] })
