import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { layerBreaches } from './support/layers.js'

const ROOT = new URL('../', import.meta.url).pathname
const SRC = join(ROOT, 'src')

function sourcesUnder(dir: string): Map<string, string> {
  const sources = new Map<string, string>()
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) sources.set(entry, readFileSync(join(dir, entry), 'utf8'))
  }
  return sources
}

describe('layers: each folder imports only itself and the layers below it', () => {
  it('src/ keeps the rule: no layer imports a higher one, lib/ never names Configuration', () => {
    assert.deepEqual(layerBreaches(sourcesUnder(SRC)), [])
  })

  it('twin: a lib/ file importing config/ is a breach', () => {
    const tree = new Map([
      ['lib/http.ts', "import { x } from '../config/settings.js'\n"],
      ['config/settings.ts', 'export const x = 1\n'],
    ])
    assert.deepEqual(layerBreaches(tree), [
      'lib/http.ts (lib) imports config/settings.ts (config, a higher layer)',
    ])
  })

  it('twin: a type-only import of a protocol module from config/ is a breach', () => {
    const tree = new Map([
      ['config/policy.ts', "import type { A } from '../authorization/merge.js'\n"],
    ])
    assert.equal(layerBreaches(tree).length, 1)
  })

  it('twin: a lib/ file naming Configuration is a breach', () => {
    const tree = new Map([['lib/keys.ts', 'export function f(config: Configuration) {}\n']])
    assert.deepEqual(layerBreaches(tree), [
      'lib/keys.ts mentions Configuration (lib/ takes plain values)',
    ])
  })

  it('twin: a lib/ file naming Configuration only in a comment keeps the rule', () => {
    const tree = new Map([['lib/keys.ts', '/** @group Configuration */\nexport type K = string\n']])
    assert.deepEqual(layerBreaches(tree), [])
  })

  it('twin: the mock OP importing the SDK is a breach, and the SDK importing the mock OP', () => {
    const tree = new Map([
      ['testing/state.ts', "import { OidcRpError } from '../errors.js'\n"],
      ['token.ts', "import { createMockOp } from './testing/mock-op.js'\n"],
    ])
    assert.equal(layerBreaches(tree).length, 2)
  })

  it('twin: imports downward and within a layer are not breaches', () => {
    const tree = new Map([
      [
        'token.ts',
        "import { a } from './client-auth.js'\nimport { b } from './config/settings.js'\n",
      ],
      [
        'config/settings.ts',
        "import { c } from '../lib/json.js'\nimport { d } from '../storage.js'\n",
      ],
      ['lib/http.ts', "import { e } from './json.js'\nimport { E } from '../errors.js'\n"],
      ['errors.ts', "import { clip } from './lib/json.js'\n"],
    ])
    assert.deepEqual(layerBreaches(tree), [])
  })
})

describe('import cycles (type-only imports count)', () => {
  const biome = join(ROOT, 'node_modules', '.bin', 'biome')
  const lint = (path: string) =>
    execFileSync(
      biome,
      ['lint', '--only=suspicious/noImportCycles', '--max-diagnostics=20', path],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      },
    )

  it('src/ has none (Biome noImportCycles, ignoreTypes: false, as biome.json sets it)', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'))
    assert.deepEqual(config.linter.rules.suspicious.noImportCycles, {
      level: 'error',
      options: { ignoreTypes: false },
    })
    lint('src')
  })

  it('twin: a cycle closed by a type-only import is reported', () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.cycle-'))
    try {
      writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js'\nexport type A = B | 1\n")
      writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.js'\nexport type B = A[]\n")
      assert.throws(() => lint(dir), /noImportCycles/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
