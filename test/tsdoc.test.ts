import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { multiLineSummaries, wideCommentLines } from './support/tsdoc.js'

const SRC = new URL('../src/', import.meta.url).pathname

function eachSource(check: (source: string) => string[]): string[] {
  const found: string[] = []
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue
    for (const problem of check(readFileSync(join(SRC, entry), 'utf8'))) {
      found.push(`${entry}: ${problem}`)
    }
  }
  return found
}

describe('TSDoc: one-line summaries, comments within 100 columns', () => {
  it('every TSDoc summary in src/ is one line', () => {
    assert.deepEqual(eachSource(multiLineSummaries), [])
  })

  it('twin: a summary over two lines is reported, a one-line one with a second paragraph is not', () => {
    const twoLines = '/**\n * Reads the body\n * while counting its bytes.\n * @param a - x\n */\n'
    assert.deepEqual(multiLineSummaries(twoLines), ['Reads the body while counting its bytes.'])
    const oneLine = '/**\n * Reads the body.\n *\n * It counts its bytes\n * as it goes.\n */\n'
    assert.deepEqual(multiLineSummaries(oneLine), [])
    const list = '  /**\n   * The modes:\n   * - `never`\n   * - `always`\n   */\n'
    assert.deepEqual(multiLineSummaries(list), [])
  })

  it('no comment line in src/ is wider than 100 columns (code fences and lone URLs aside)', () => {
    assert.deepEqual(eachSource(wideCommentLines), [])
  })

  it('twin: a wide prose line is reported; a wide line in a code fence or a long @see is not', () => {
    const wide = ` * ${'word '.repeat(25)}`
    assert.equal(wideCommentLines(`/**\n${wide}\n */`).length, 1)
    const fenced = `/**\n * \`\`\`ts\n${wide}\n * \`\`\`\n */`
    assert.deepEqual(wideCommentLines(fenced), [])
    const see = ` * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation | OIDC Core §3.1.3.7}`
    assert.deepEqual(wideCommentLines(`/**\n${see}\n */`), [])
  })
})
