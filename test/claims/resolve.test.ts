/**
 * Claim source resolution is loaded on first use: no static import from the package entry (or the
 * sign-in) reaches src/claims/sources.ts, so a bundle whose sign-ins meet no claim source does not
 * carry it; the dynamic `import()` in src/claims/resolve.ts does.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { resolveImport } from '../support/layers.js'

const SRC = join(new URL('../../', import.meta.url).pathname, 'src')

/** The .ts files (relative to src/) reachable from an entry, through static imports only or not. */
function reachable(entry: string, withDynamic: boolean): Set<string> {
  const pattern = withDynamic
    ? /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g
    : /(?:\bfrom\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm
  const seen = new Set<string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    const source = readFileSync(join(SRC, file), 'utf8')
    for (const match of source.matchAll(pattern)) {
      queue.push(resolveImport(file, match[1] as string))
    }
  }
  return seen
}

/** The files of the resolution proper. */
const LAZY = [
  'claims/sources.ts',
  'claims/source-jwt.ts',
  'claims/distributed.ts',
  'claims/provider-keys.ts',
]

test('the package entry and the sign-in do not import the claim source resolution statically', () => {
  for (const entry of ['index.ts', 'callback/sign-in.ts', 'web/index.ts', 'browser/index.ts']) {
    const found = reachable(entry, false)
    assert.deepEqual(
      LAZY.filter((file) => found.has(file)),
      [],
      entry,
    )
  }
})

test('twin: through the dynamic import() the entry does reach it', () => {
  const found = reachable('index.ts', true)
  assert.deepEqual(
    LAZY.filter((file) => found.has(file)),
    LAZY,
  )
})
