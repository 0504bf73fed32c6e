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

test('the package entry and the sign-in do not import the claim source resolution statically', () => {
  assert.equal(reachable('index.ts', false).has('claims/sources.ts'), false)
  assert.equal(reachable('callback/sign-in.ts', false).has('claims/sources.ts'), false)
})

test('twin: through the dynamic import() the entry does reach it', () => {
  assert.equal(reachable('index.ts', true).has('claims/sources.ts'), true)
})
