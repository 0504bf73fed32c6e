/**
 * The Fastify recipe (examples/fastify/app.ts) end to end in Chromium against oidc-provider.
 */
import { describeRecipe } from './cases.js'

describeRecipe('fastify', { command: ['node', '--import', 'tsx', 'examples/fastify/app.ts'] })
