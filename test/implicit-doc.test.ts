/**
 * Keeps docs/implicit.md self-contained and true: the relay page it shows is the one
 * examples/fragment-relay.ts exports (which test/callback/sign-in.test.ts runs), and it imports nothing the
 * package does not ship.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

const root = new URL('../', import.meta.url)
const doc = readFileSync(new URL('docs/implicit.md', root), 'utf8')
const example = readFileSync(new URL('examples/fragment-relay.ts', root), 'utf8')

/** A top-level function of the example, from its `function` line to its closing brace. */
function functionSource(head: string): string {
  const start = example.indexOf(head)
  assert.notEqual(start, -1, `${head} is in examples/fragment-relay.ts`)
  return example.slice(start, example.indexOf('\n}\n', start) + 2)
}

test('docs/implicit.md shows the relay page and its escaping exactly as the tested example has them', () => {
  for (const head of ['export function fragmentRelayPage(', 'function escapeHtml(']) {
    assert.ok(doc.includes(functionSource(head)), `${head} differs from the example`)
  }
})

test('docs/implicit.md imports only the package, never a repository file', () => {
  const imports = [...doc.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1])
  assert.ok(imports.length > 0)
  for (const specifier of imports) assert.match(specifier ?? '', /^oidc-rp(\/|$)/)
})
