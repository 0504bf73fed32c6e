/**
 * The Express recipe (examples/express/app.ts) end to end in Chromium against oidc-provider.
 */
import { describeRecipe } from './cases.js'

describeRecipe('express', { command: ['node', '--import', 'tsx', 'examples/express/app.ts'] })
