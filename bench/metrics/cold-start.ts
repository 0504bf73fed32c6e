/**
 * Metric 4: cold start. A fresh `node` process imports one main entry and reports how long the
 * import took (from just before `import()` to its settling), then how long from the same start to
 * the end of its first sign-in (bench/metrics/cold-start-child.ts): what an edge or serverless
 * process pays before its first answer, with everything a library loads on first use counted.
 * Runs alternate between the contenders; medians are compared.
 */
import { spawn } from 'node:child_process'
import { ROOT } from '../lib/build.js'
import { type Spread, spread } from '../lib/harness.js'
import { prepareChild } from '../lib/op-context.js'

/** What a cold start imports, and which sign-in the child runs. */
export interface ColdContender {
  readonly name: string
  /** The child's contender argument. */
  readonly kind: 'oidc-rp' | 'openid-client' | 'openid-client-defaults'
  /** The package name the child imports, as an application does (resolved from the cache). */
  readonly specifier: string
}

export const COLD_REFERENCE = 'openid-client'

/** The SDK's main entry as installed (bench/lib/build.ts), and openid-client's, with and without signature checks. */
export function coldContenders(): ColdContender[] {
  return [
    { name: 'oidc-rp', kind: 'oidc-rp', specifier: 'oidc-rp' },
    { name: COLD_REFERENCE, kind: 'openid-client', specifier: 'openid-client' },
    {
      name: 'openid-client (defaults: ID token signature not checked)',
      kind: 'openid-client-defaults',
      specifier: 'openid-client',
    },
  ]
}

/** One run's times, in milliseconds. */
interface ColdRun {
  readonly importMs: number
  readonly signInMs: number
}

function once(child: { script: string; context: string }, c: ColdContender): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child.script, c.kind, c.specifier, child.context], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    proc.on('error', reject)
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`the cold start of ${c.name} exited with ${code}`))
      else resolve(JSON.parse(out) as ColdRun)
    })
  })
}

/** One contender's cold start. */
export interface ColdResult {
  readonly name: string
  readonly importMs: Spread
  /** From the same start to the end of the first sign-in. */
  readonly signInMs: Spread
  /** Import time over the reference's in the same round (lower is better). */
  readonly ratio: Spread
  /** Import + first sign-in over the reference's in the same round. */
  readonly signInRatio: Spread
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
  const child = await prepareChild('cold-start')
  for (const c of contenders) await once(child, c)
  const results = contenders.map(() => [] as ColdRun[])
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length
      results[i]!.push(await once(child, contenders[i]!))
    }
  }
  const ref = results[contenders.findIndex((c) => c.name === COLD_REFERENCE)]!
  return contenders.map((c, i) => ({
    name: c.name,
    importMs: spread(results[i]!.map((r) => r.importMs)),
    signInMs: spread(results[i]!.map((r) => r.signInMs)),
    ratio: spread(results[i]!.map((r, round) => r.importMs / ref[round]!.importMs)),
    signInRatio: spread(results[i]!.map((r, round) => r.signInMs / ref[round]!.signInMs)),
  }))
}
