/**
 * The portable suite in headless Chromium: Debian's `/usr/bin/chromium` (never a downloaded
 * browser) driven by playwright-core with a fresh profile; the bundle is served from a loopback
 * HTTP server and the page leaves its report in `window.__portableReport`. A console warning fails
 * the run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { SuiteReport } from '../../test/portable/harness.js'
import { bundle, isMain, main, OUT, type Outcome, outcome, warningProblem } from './common.js'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>oidc-rp portable suite</title></head>
<body><script type="module" src="/bundle.js"></script></body></html>
`

/** Serves the page and the bundle on a free loopback port. */
async function serve(bundleFile: string): Promise<{ server: Server; origin: string }> {
  const code = await readFile(bundleFile)
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    if (path === '/')
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
    else if (path === '/bundle.js')
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(code)
    else response.writeHead(404).end()
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('no server address')
  return { server, origin: `http://127.0.0.1:${address.port}` }
}

/**
 * Bundles the suite for the browser, loads it in headless Chromium and collects the report.
 * @param stream - print each case line as the page logs it
 * @returns the outcome
 */
export async function runBrowser(stream: boolean): Promise<Outcome> {
  const started = Date.now()
  const profile = await mkdtemp(join(tmpdir(), 'oidc-rp-chromium-'))
  let server: Server | undefined
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined
  try {
    const file = await bundle('browser', join(OUT, 'browser'))
    const served = await serve(file)
    server = served.server
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: 30_000,
    })
    const page = context.pages()[0] ?? (await context.newPage())
    const errors: string[] = []
    const warnings: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    page.on('console', (message) => {
      if (stream && message.type() === 'log') console.log(`[chromium] ${message.text()}`)
      if (message.type() === 'warning') warnings.push(`console warning: ${message.text()}`)
    })
    const filter = process.argv[2]
    await page.goto(`${served.origin}/${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`)
    await page.waitForFunction(
      () => {
        const w = window as { __portableReport?: unknown; __portableError?: unknown }
        return w.__portableReport !== undefined || w.__portableError !== undefined
      },
      undefined,
      { timeout: 120_000, polling: 100 },
    )
    const { report, error } = await page.evaluate(() => {
      const w = window as { __portableReport?: unknown; __portableError?: string }
      return { report: w.__portableReport as SuiteReport | undefined, error: w.__portableError }
    })
    const version = context.browser()?.version()
    if (stream && version) console.log(`[chromium] # chromium ${version}`)
    const problems = [error, ...errors, warningProblem(warnings.join('\n'))].filter(
      (e) => e !== undefined,
    )
    return outcome(
      'chromium',
      started,
      report,
      problems.length > 0 ? problems.join('; ') : undefined,
    )
  } catch (err) {
    return outcome('chromium', started, undefined, err instanceof Error ? err.message : String(err))
  } finally {
    await context?.close().catch(() => {})
    server?.close()
    await rm(profile, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) await main(runBrowser)
