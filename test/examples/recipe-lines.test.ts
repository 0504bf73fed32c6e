/**
 * Each web recipe wires sign-in, a protected page, refresh and logout in at most fifteen lines of
 * authentication code: the non-blank, non-comment lines between its `// --- authentication` and
 * `// --- end of authentication ---` markers, summed over the recipe's files. The markers enclose
 * every line that calls oidc-rp or exists for it; what a page shows of the session is the
 * application's code.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples')

/** The recipes and their files (under examples/). */
const RECIPES: Record<string, readonly string[]> = {
  express: ['express/app.ts'],
  fastify: ['fastify/app.ts'],
  hono: ['hono/app.ts'],
  next: ['next/lib/auth.ts', 'next/app/auth/[...route]/route.ts', 'next/app/protected/route.ts'],
  worker: ['worker/worker.ts'],
}

/**
 * Counts the authentication lines of a source text.
 * @param source - a file's text
 * @returns the count, and how many marked sections it has
 */
function authenticationLines(source: string): { lines: number; sections: number } {
  let inside = false
  let lines = 0
  let sections = 0
  for (const raw of source.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('// --- end of authentication')) {
      assert.ok(inside, 'an end marker closes a section')
      inside = false
    } else if (line.startsWith('// --- authentication')) {
      assert.ok(!inside, 'sections do not nest')
      inside = true
      sections++
    } else if (inside && line !== '' && !/^(\/\/|\/\*|\*)/.test(line)) {
      lines++
    }
  }
  assert.ok(!inside, 'every section is closed')
  return { lines, sections }
}

test('the line counter counts code lines inside the markers only', () => {
  const source = [
    'const before = 1',
    '// --- authentication ---',
    'const a = 1 // a trailing comment still counts',
    '',
    '// a comment line does not',
    'const b = 2',
    '// --- end of authentication ---',
    'const after = 3',
  ].join('\n')
  assert.deepEqual(authenticationLines(source), { lines: 2, sections: 1 })
})

for (const [recipe, files] of Object.entries(RECIPES)) {
  test(`recipe ${recipe}: at most 15 lines of authentication code`, () => {
    let total = 0
    for (const file of files) {
      const { lines, sections } = authenticationLines(readFileSync(join(EXAMPLES, file), 'utf8'))
      assert.ok(sections >= 1, `${file} marks its authentication code`)
      total += lines
    }
    assert.ok(total <= 15, `${recipe}: ${total} lines of authentication code`)
  })
}
