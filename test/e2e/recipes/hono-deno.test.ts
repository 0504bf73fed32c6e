/**
 * The Hono recipe (examples/hono/app.ts), the same file, on Deno (from its npm package; the
 * repository's node_modules, nothing downloaded), end to end in Chromium against oidc-provider.
 * `--sloppy-imports` lets Deno take the `.js` specifiers TypeScript writes for `.ts` files.
 */
import { describeRecipe } from './cases.js'

describeRecipe('hono-deno', {
  command: ['node_modules/.bin/deno', 'run', '-A', '--sloppy-imports', 'examples/hono/app.ts'],
})
