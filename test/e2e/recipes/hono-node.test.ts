/**
 * The Hono recipe (examples/hono/app.ts) on Node, end to end in Chromium against oidc-provider.
 */
import { describeRecipe } from './cases.js'

describeRecipe('hono-node', { command: ['node', '--import', 'tsx', 'examples/hono/app.ts'] })
