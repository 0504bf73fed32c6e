/**
 * Metric 4: cold start. A fresh `node` process imports one main entry and reports how long the
 * import took (from just before `import()` to its settling) and how long since the process started.
 * Runs alternate between the contenders; medians are compared.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildAlternatives, DIST, ROOT } from '../lib/build.js'
import { type Spread, spread } from '../lib/harness.js'

/** What a cold start imports. */
export interface ColdContender {
  readonly name: string
  /** A specifier `import()` resolves from the repository root. */
  readonly specifier: string
}

export const COLD_REFERENCE = 'openid-client'

/**
 * The SDK's main entry (compiled one file per module, as published) and openid-client's; then, for
 * information only, two other packagings of the same sources and jose's main entry alone.
 */
export async function coldContenders(): Promise<ColdContender[]> {
  const list: ColdContender[] = [
    { name: 'oidc-rp', specifier: pathToFileURL(join(DIST, 'index.js')).href },
    { name: COLD_REFERENCE, specifier: 'openid-client' },
  ]
  const alternatives = await buildAlternatives()
  if (alternatives !== undefined) {
    list.push(
      {
        name: 'what if: oidc-rp as one module',
        specifier: pathToFileURL(alternatives.single).href,
      },
      {
        name: 'what if: one module, jose by subpath',
        specifier: pathToFileURL(alternatives.subpaths).href,
      },
    )
  }
  list.push({ name: "jose's main entry alone", specifier: 'jose' })
  return list
}

/** One run's times, in milliseconds. */
interface ColdRun {
  readonly importMs: number
  readonly processMs: number
}

function once(specifier: string): Promise<ColdRun> {
  const script = [
    'const t = performance.now()',
    `await import(${JSON.stringify(specifier)})`,
    'const importMs = performance.now() - t',
    'console.log(JSON.stringify({ importMs, processMs: performance.now() }))',
  ].join('\n')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the cold start of ${specifier} exited with ${code}`))
      else resolve(JSON.parse(out) as ColdRun)
    })
  })
}

/** One contender's cold start. */
export interface ColdResult {
  readonly name: string
  readonly importMs: Spread
  readonly processMs: Spread
  /** Import time over the reference's in the same round (lower is better). */
  readonly ratio: Spread
}

/**
 * Runs the cold starts, alternating contenders (order rotated each round), after one warm-up run
 * each (file system cache).
 * @param contenders - the entries
 * @param runs - runs per contender
 * @returns medians and spread
 */
export async function runColdStarts(
  contenders: readonly ColdContender[],
  runs: number,
): Promise<ColdResult[]> {
  for (const c of contenders) await once(c.specifier)
  const results = contenders.map(() => [] as ColdRun[])
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length
      results[i]!.push(await once(contenders[i]!.specifier))
    }
  }
  const ref = contenders.findIndex((c) => c.name === COLD_REFERENCE)
  return contenders.map((c, i) => ({
    name: c.name,
    importMs: spread(results[i]!.map((r) => r.importMs)),
    processMs: spread(results[i]!.map((r) => r.processMs)),
    ratio: spread(results[i]!.map((r, round) => r.importMs / results[ref]![round]!.importMs)),
  }))
}
