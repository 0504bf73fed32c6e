/**
 * The public API exports no type that no public function, class or constant uses: such a type is
 * documentation debris a user would look for a use of in vain.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { unusedPublicTypes } from './support/public-types.js'

const ENTRIES = [
  'src/index.ts',
  'src/core.ts',
  'src/features/index.ts',
  'src/errors.ts',
  'src/testing/index.ts',
  'src/stores/redis.ts',
  'src/browser/index.ts',
  'src/registry/index.ts',
  'src/web/index.ts',
]

test('every type the entry points export is used by an exported value', () => {
  assert.deepEqual(unusedPublicTypes(ENTRIES), [])
})

test('unused public types, the twin: a type exported beside a function that never mentions it is found', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-public-types-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'options.ts'),
    'export interface Used { a: number }\nexport interface Nested { b: string }\nexport interface Debris { c: boolean }\n',
  )
  writeFileSync(
    join(dir, 'index.ts'),
    [
      "import type { Used, Nested } from './options.js'",
      "export type { Debris, Nested, Used } from './options.js'",
      'export interface Result { nested: Nested }',
      'export function run(options: Used): Result {',
      '  const debris: import("./options.js").Debris = { c: true }',
      '  return { nested: { b: String(options.a + Number(debris.c)) } }',
      '}',
      '',
    ].join('\n'),
  )
  assert.deepEqual(unusedPublicTypes([join(dir, 'index.ts')]), [`${join(dir, 'index.ts')}: Debris`])
})
