import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import ts from 'typescript'

const ROOT = new URL('../', import.meta.url).pathname
const TYPES = join(ROOT, 'test', 'types')

/** The compiler's complaints about some files, under the project's own strict settings. */
function diagnosticsOf(files: readonly string[], host?: ts.CompilerHost): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )
  if (parsed === undefined) throw new Error('tsconfig.json does not parse')
  const options = { ...parsed.options, noEmit: true, rootDir: ROOT }
  const program = ts.createProgram(files, options, host ?? ts.createCompilerHost(options))
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('type-level tests (test/types/)', () => {
  it('compile: every narrowing holds and every @ts-expect-error line is refused', () => {
    const files = readdirSync(TYPES)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(TYPES, name))
    assert.ok(files.length >= 2)
    assert.deepEqual(diagnosticsOf(files), [])
  })

  it('twin: a wrong narrowing is a compile error, so the harness would see one', () => {
    const file = join(TYPES, '__wrong.ts')
    const source = [
      "import type { AnyOidcRpError, TransportError } from '../../src/errors.js'",
      'declare const err: AnyOidcRpError',
      "if (err.code === 'CALLBACK_STATE_UNKNOWN') { const t: TransportError = err; void t }",
    ].join('\n')
    const base = ts.createCompilerHost({})
    const host: ts.CompilerHost = {
      ...base,
      fileExists: (name) => name === file || base.fileExists(name),
      readFile: (name) => (name === file ? source : base.readFile(name)),
      getSourceFile: (name, version) =>
        name === file
          ? ts.createSourceFile(name, source, version)
          : base.getSourceFile(name, version),
    }
    const found = diagnosticsOf([file], host)
    assert.equal(found.length, 1)
    assert.match(found[0] as string, /'ValidationError'.*'TransportError'/s)
  })
})
