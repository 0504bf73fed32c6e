/**
 * Generates docs/errors.md from the code unions in src/error-codes.ts (each code preceded by its TSDoc
 * line). `--write` writes the file; `--check` fails when the file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const classes: Record<string, string> = {
  OAuthResponseErrorCode: 'OAuthResponseError',
  ValidationErrorCode: 'ValidationError',
  TransportErrorCode: 'TransportError',
  UsageErrorCode: 'UsageError',
}

/** Parses `export type XCode = /** doc *\/ | 'CODE' ...` blocks into rows. */
export function parseErrorCodes(
  source: string,
): { code: string; errorClass: string; meaning: string }[] {
  const rows: { code: string; errorClass: string; meaning: string }[] = []
  const block = /export type (\w+ErrorCode) =([\s\S]*?)\n\n/g
  for (const match of source.matchAll(block)) {
    const errorClass = classes[match[1]!]
    if (errorClass === undefined) continue
    const entry = /\/\*\*\s*([\s\S]*?)\s*\*\/\s*\|\s*'([A-Z0-9_]+)'/g
    for (const item of match[2]!.matchAll(entry)) {
      rows.push({
        code: item[2]!,
        errorClass,
        meaning: item[1]!
          .split('\n')
          .map((line) => line.replace(/^\s*\*\s?/, '').trim())
          .filter((line) => line !== '')
          .join(' '),
      })
    }
  }
  return rows
}

/** Renders the markdown page. */
export function renderErrorsDoc(source: string): string {
  const rows = parseErrorCodes(source)
  const lines = [
    '# Error codes',
    '',
    'Every error oidc-rp throws is an `OidcRpError` with one of these stable codes. The class tells what to do next:',
    '`OAuthResponseError` (the OP answered with an OAuth error), `ValidationError` (a check on what the OP or the',
    'browser sent failed), `TransportError` (network, timeout, size, status, content type), `UsageError` (the',
    'application or its configuration is wrong). Messages never contain secrets, codes, tokens or keys.',
    '',
    'Generated from `src/error-codes.ts` by `npm run docs:errors`; a test fails when this page is out of date.',
    '',
    '| Code | Class | Meaning |',
    '|---|---|---|',
    ...rows.map((r) => `| \`${r.code}\` | ${r.errorClass} | ${r.meaning.replace(/\|/g, '\\|')} |`),
    '',
  ]
  return lines.join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const source = readFileSync(`${root}src/error-codes.ts`, 'utf8')
  const doc = renderErrorsDoc(source)
  const path = `${root}docs/errors.md`
  if (process.argv.includes('--write')) {
    writeFileSync(path, doc)
    console.log(`wrote ${path}: ${parseErrorCodes(source).length} codes`)
  } else {
    const current = readFileSync(path, 'utf8')
    if (current !== doc) {
      console.error('docs/errors.md is out of date: run npm run docs:errors')
      process.exit(1)
    }
  }
}
