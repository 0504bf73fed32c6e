/**
 * Keeps docs/security.md honest: every test it cites exists in the file it names, every threat and
 * limit row cites one, the threats the issue lists are all there, and the limits table states the
 * real defaults of `Settings`.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { createConfiguration } from '../src/config/configuration.js'
import { CLIENT_SECRET, providerMetadata } from './support/fixtures.js'

const root = new URL('../', import.meta.url)
const doc = readFileSync(new URL('docs/security.md', root), 'utf8')

/** One cited test: `test/file.test.ts` › "name", "name"… */
const CITATION = /`(test\/[\w./-]+\.test\.ts)` › ((?:"(?:[^"\\]|\\.)*"(?:, )?)+)/g
const QUOTED = /"(?:[^"\\]|\\.)*"/g

function citations(text: string): { file: string; name: string }[] {
  const found: { file: string; name: string }[] = []
  for (const [, file, names] of text.matchAll(CITATION)) {
    for (const [quoted] of names!.matchAll(QUOTED)) {
      found.push({ file: file!, name: JSON.parse(quoted) as string })
    }
  }
  return found
}

/** The names of the tests of a file: literal names, and template names as patterns. */
function testNames(file: string): { literal: Set<string>; templates: RegExp[]; source: string } {
  const source = readFileSync(new URL(file, root), 'utf8')
  const literal = new Set<string>()
  const templates: RegExp[] = []
  const calls = /\b(?:test|it)\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/g
  for (const [, argument] of source.matchAll(calls)) {
    const body = argument!.slice(1, -1)
    if (argument!.startsWith('`') && body.includes('${')) {
      const parts = body.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'))
      templates.push(new RegExp(`^${parts.join('(.+?)')}$`))
    } else {
      literal.add(body.replace(/\\(.)/g, '$1'))
    }
  }
  return { literal, templates, source }
}

/** Whether a name is a test of the file: literally, or a template whose every value is a string literal there. */
function hasTest(file: string, name: string): boolean {
  const { literal, templates, source } = testNames(file)
  if (literal.has(name)) return true
  return templates.some((pattern) => {
    const values = pattern.exec(name)?.slice(1)
    const quoted = (value: string) =>
      ["'", '"', '`'].some((q) => source.includes(`${q}${value}${q}`))
    return values?.every(quoted) === true
  })
}

/** The rows of the markdown table under a heading, as arrays of cells. */
function table(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`)
  assert.ok(start >= 0, `docs/security.md has a "${heading}" section`)
  const end = doc.indexOf('\n## ', start + 1)
  const lines = doc.slice(start, end === -1 ? undefined : end).split('\n')
  const rows = lines.filter((line) => line.startsWith('| ') && !line.startsWith('|---'))
  return rows.slice(1).map((line) => line.slice(2, -2).split(' | '))
}

test('every test docs/security.md cites exists in the file it names', () => {
  const cited = citations(doc)
  assert.ok(cited.length > 40, `docs/security.md cites tests (${cited.length} found)`)
  for (const { file, name } of cited) {
    assert.ok(existsSync(new URL(file, root)), `${file} exists`)
    assert.ok(hasTest(file, name), `${file} has a test named "${name}"`)
  }
})

test('a missing test name or file is caught (the passing twin of the check)', () => {
  assert.equal(hasTest('test/limits.test.ts', 'no test is named like this'), false)
  assert.equal(
    hasTest(
      'test/config/policy.test.ts',
      'refuses an invented thing with INVALID_CONFIGURATION naming x',
    ),
    false,
  )
  assert.equal(citations('`test/nope.test.ts` › "a", "b"').length, 2)
})

test('every threat, limit and fuzz finding row cites at least one test', () => {
  for (const heading of [
    'Threats',
    'Limits',
    'Found by review and against real OPs, and fixed',
    'Found by fuzzing, and fixed',
  ]) {
    const rows = table(heading)
    assert.ok(rows.length > 0, heading)
    for (const row of rows) {
      assert.ok(citations(row.join(' | ')).length > 0, `${heading}: "${row[0]}" cites a test`)
    }
  }
})

test('the threats of RFC 9700 and OIDC Core §16 that apply to an RP are all in the table', () => {
  const threats = table('Threats')
    .map((row) => row[0]!.toLowerCase())
    .join('\n')
  for (const threat of [
    'csrf',
    'code injection',
    'mix-up',
    'token substitution',
    'replay',
    'open redirection',
    'redirect uri validation',
    'forgery',
    'algorithm confusion',
    'key injection',
    'ssrf',
    'denial of service',
    'logging of secrets',
  ]) {
    assert.ok(threats.includes(threat), `the threats table covers ${threat}`)
  }
})

test('the limits table states the real default of every limit setting', () => {
  const settings = createConfiguration(providerMetadata(), {
    client_id: 'c',
    client_secret: CLIENT_SECRET,
    redirect_uris: ['https://rp.example/cb'],
  }).settings as unknown as Record<string, unknown>
  const rows = new Map(table('Limits').map((row) => [row[0]!, row[1]!]))
  for (const name of [
    'timeoutInMs',
    'maxResponseBytes',
    'maxResponseBytesByEndpoint',
    'maxJwtLength',
    'maxJwksKeys',
    'maxKeyCandidates',
    'jwksRefetchCooldownInSeconds',
    'maxCallbackParameters',
    'maxCallbackBytes',
    'transactionTtlInSeconds',
  ]) {
    const stated = rows.get(`\`${name}\``)
    assert.ok(stated !== undefined, `the limits table has a row for ${name}`)
    const actual = settings[name]
    if (typeof actual === 'number') {
      const first = /[\d,]+/.exec(stated)?.[0]?.replaceAll(',', '')
      assert.equal(Number(first), actual, `${name}: the table says ${stated}`)
    } else {
      assert.deepEqual(actual, {}, name)
      assert.ok(stated.startsWith('none'), `${name}: the table says ${stated}`)
    }
  }
})
