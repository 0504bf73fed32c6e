/**
 * The comment rules of src/, read by test/tsdoc.test.ts (and applied to made-up sources in its
 * twin tests): every TSDoc summary is one line, and no comment line is wider than 100 columns.
 */

const WIDTH = 100
const BLOCK = /^([ \t]*)\/\*\*\n((?:[ \t]*\*(?: .*)?\n)+?)[ \t]*\*\//gm
/** A line that starts a markdown block (list, quote, table, fence), which ends a summary. */
const MARKDOWN_BLOCK = /^\s*(?:>|- |\||```|\d+\. )/

/**
 * The TSDoc blocks of a source whose summary (first paragraph) spans more than one line.
 * @param source - a TypeScript source
 * @returns each such summary, joined on one line
 */
export function multiLineSummaries(source: string): string[] {
  const found: string[] = []
  for (const match of source.matchAll(BLOCK)) {
    const texts = (match[2] as string)
      .split('\n')
      .slice(0, -1)
      .map((line) => line.replace(/^[ \t]*\*( |$)/, ''))
    let end = 0
    while (
      end < texts.length &&
      (texts[end] as string).trim() !== '' &&
      !(texts[end] as string).startsWith('@') &&
      !MARKDOWN_BLOCK.test(texts[end] as string)
    ) {
      end++
    }
    if (end > 1) found.push(texts.slice(0, end).join(' '))
  }
  return found
}

/**
 * The comment lines of a source wider than 100 columns, leaving out what cannot wrap: code
 * inside a fence, and a line whose overflow is one unbreakable token (a URL, an `@see` link).
 * @param source - a TypeScript source
 * @returns each wide line, with its number
 */
export function wideCommentLines(source: string): string[] {
  const found: string[] = []
  let fenced = false
  source.split('\n').forEach((line, index) => {
    const comment = /^\s*(?:\/\*\*|\*|\/\/)/.test(line)
    if (comment && line.includes('```')) fenced = !fenced
    if (!comment || fenced || [...line].length <= WIDTH) return
    if (/@see |https?:\/\/\S{30,}/.test(line)) return
    found.push(`${index + 1}: ${line.trim()}`)
  })
  return found
}
