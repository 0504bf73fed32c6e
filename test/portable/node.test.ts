/**
 * The portable suite on Node, through node:test, with the TypeScript source loaded by tsx. Run by
 * `npm run test:node` (part of `npm run test:runtimes`).
 */
import { test } from 'node:test'
import * as lib from '../../src/index.js'
import * as testing from '../../src/testing/index.js'
import { cases } from './suite.js'

for (const c of cases(lib, testing)) {
  test(c.name, { timeout: 20_000 }, () => c.run())
}
