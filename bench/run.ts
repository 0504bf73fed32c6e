/**
 * `npm run bench [-- --quick] [-- --only=callback,authorization,loopback,cold,bundle,memory,dpop]
 * [-- --no-write]`: runs the metrics of the performance issue and writes BENCH.md, BENCH.json and
 * bench/results/latest.json (a quick run writes only bench/results/quick.json).
 * `npm run bench -- --render` rewrites BENCH.md from BENCH.json without measuring.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { compactVerify, importJWK } from 'jose'
import { buildDist, importSdk, ROOT } from './lib/build.js'
import { makeOpKeys } from './lib/fixtures.js'
import { interleave, type RunPlan } from './lib/harness.js'
import { type BenchResults, type CheckedResult, renderMarkdown, targets } from './lib/report.js'
import {
  PLAIN_FLOOR,
  plainContenders,
  SIGN_FLOOR,
  signedContenders,
} from './metrics/authorization.js'
import { runBundles } from './metrics/bundle.js'
import { bound, callbackContenders, correctness, FLOOR } from './metrics/callback.js'
import { coldContenders, runColdStarts } from './metrics/cold-start.js'
import { DPOP_FLOOR, DPOP_OPERATIONS, dpopContenders } from './metrics/dpop.js'
import { flowContenders, runFlows, startOp } from './metrics/loopback.js'
import { runMemory } from './metrics/memory.js'

if (process.argv.includes('--render')) {
  // Re-renders BENCH.md from BENCH.json (the last full run), e.g. after editing bench/NOTES.md.
  const saved = JSON.parse(readFileSync(join(ROOT, 'BENCH.json'), 'utf8')) as BenchResults
  writeFileSync(join(ROOT, 'BENCH.md'), renderMarkdown(saved))
  process.stdout.write('rewrote BENCH.md from BENCH.json\n')
  process.exit(0)
}

const METRICS = [
  'callback',
  'authorization',
  'loopback',
  'cold',
  'bundle',
  'memory',
  'dpop',
] as const
type Metric = (typeof METRICS)[number]

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const write = !args.includes('--no-write')
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',') ?? [...METRICS]
for (const name of only) {
  if (!(METRICS as readonly string[]).includes(name)) {
    throw new Error(`unknown metric ${name}; known: ${METRICS.join(', ')}`)
  }
}
const wants = (metric: Metric) => only.includes(metric)

const PLANS = {
  callback: quick
    ? { rounds: 5, sliceMs: 80, warmupMs: 1000 }
    : { rounds: 20, sliceMs: 150, warmupMs: 1500 },
  plain: quick
    ? { rounds: 5, sliceMs: 50, warmupMs: 300 }
    : { rounds: 15, sliceMs: 100, warmupMs: 1000 },
  signed: quick
    ? { rounds: 5, sliceMs: 80, warmupMs: 300 }
    : { rounds: 15, sliceMs: 200, warmupMs: 1000 },
  loopback: quick
    ? { concurrencies: [1, 32], rounds: 2, sliceMs: 400 }
    : { concurrencies: [1, 32], rounds: 10, sliceMs: 600 },
  dpop: quick
    ? { rounds: 5, sliceMs: 80, warmupMs: 1000 }
    : { rounds: 20, sliceMs: 150, warmupMs: 1500 },
  coldStartRuns: quick ? 5 : 41,
  memoryCallbacks: quick ? 10_000 : 100_000,
} satisfies Record<string, RunPlan | unknown>

const require = createRequire(import.meta.url)
const version = (pkg: string) =>
  (
    JSON.parse(
      readFileSync(
        pkg === 'oidc-rp' ? join(ROOT, 'package.json') : require.resolve(`${pkg}/package.json`),
        'utf8',
      ),
    ) as { version: string }
  ).version

function log(message: string): void {
  process.stdout.write(`${message}\n`)
}

const started = Date.now()
const loadBefore = loadavg()
log(
  `oidc-rp benchmark (${quick ? 'quick' : 'full'}): ${only.join(', ')}; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
)
await buildDist()
const sdk = await importSdk()
const keys = await makeOpKeys()
const results: { -readonly [K in keyof BenchResults]: BenchResults[K] } = {
  meta: undefined as unknown as BenchResults['meta'],
}

const short = (list: readonly CheckedResult[]) =>
  list.map((c) => `${c.name} ${c.ratio.median.toFixed(2)}`).join(' | ')

if (wants('callback')) {
  const callback: Record<string, CheckedResult[]> = {}
  for (const alg of ['RS256', 'ES256'] as const) {
    const contenders = await callbackContenders(sdk, keys, alg)
    const checks = await correctness(contenders)
    const timed = [...contenders, await bound(keys, alg)]
    const measured = await interleave(timed, FLOOR, PLANS.callback)
    callback[alg] = measured.map((m) => ({ ...m, checks: checks[m.name] }))
    log(`1. callback ${alg}: ${short(callback[alg])}`)
  }
  results.callback = callback
}

if (wants('authorization')) {
  const authorization: Record<string, CheckedResult[]> = {}
  authorization.plain = await interleave(plainContenders(sdk, keys), PLAIN_FLOOR, PLANS.plain)
  log(`2. authorization plain: ${short(authorization.plain)}`)
  for (const alg of ['RS256', 'ES256'] as const) {
    const { contenders, publicKey } = await signedContenders(sdk, keys, alg)
    // Sanity: the SDK's request object verifies with the client's public key.
    const url = ((await contenders[0]!.run(undefined)) as { url: URL }).url
    const jws = url.searchParams.get('request') ?? ''
    await compactVerify(jws, await importJWK(publicKey, alg))
    authorization[`signed ${alg}`] = await interleave(contenders, SIGN_FLOOR, PLANS.signed)
    log(`2. authorization signed ${alg}: ${short(authorization[`signed ${alg}`]!)}`)
  }
  results.authorization = authorization
}

if (wants('loopback')) {
  const op = await startOp()
  try {
    results.loopback = await runFlows(await flowContenders(sdk, op.issuer), PLANS.loopback)
  } finally {
    await op.stop()
  }
  for (const f of results.loopback) {
    log(
      `3. loopback c=${f.concurrency} ${f.name}: ${Math.round(f.flowsPerSecond.median)} flows/s, ${f.ratio.median.toFixed(2)}×, CPU ${f.cpuRatio.median.toFixed(2)}×`,
    )
  }
}

if (wants('cold')) {
  results.coldStart = await runColdStarts(coldContenders(), PLANS.coldStartRuns)
  for (const c of results.coldStart) {
    log(
      `4. cold start ${c.name}: import ${c.importMs.median.toFixed(1)} ms (${c.ratio.median.toFixed(2)}×), + first sign-in ${c.signInMs.median.toFixed(1)} ms (${c.signInRatio.median.toFixed(2)}×)`,
    )
  }
}

if (wants('bundle')) {
  results.bundle = await runBundles()
  for (const b of results.bundle)
    log(`5. bundle ${b.name}: ${b.gzipBytes} B gzip (${b.ratio.toFixed(2)}×)`)
}

if (wants('memory')) {
  results.memory = await runMemory(PLANS.memoryCallbacks)
  for (const c of results.memory.callbacks) {
    log(`6. memory ${c.name}: ${c.bytesPerCallback.toFixed(2)} B/callback`)
  }
  log(
    `6. memory oidc-rp reachable heap: ${results.memory.retained.bytesPerCallback.toFixed(2)} B/callback`,
  )
  log(`6. memory store: ${Math.round(results.memory.store.bytesPerTransaction)} B/transaction`)
}

if (wants('dpop')) {
  const dpop: Record<string, CheckedResult[]> = {}
  for (const operation of DPOP_OPERATIONS) {
    const contenders = await dpopContenders(sdk, keys, operation)
    const checks: Record<string, Record<string, boolean>> = {}
    for (const c of contenders) checks[c.name] = await c.checks()
    const measured = await interleave(contenders, DPOP_FLOOR, PLANS.dpop)
    dpop[operation] = measured.map((m) => ({ ...m, checks: checks[m.name] }))
    const failed = Object.entries(checks).flatMap(([name, row]) =>
      Object.entries(row)
        .filter(([, passed]) => !passed)
        .map(([check]) => `${name}: ${check}`),
    )
    log(
      `7. dpop ${operation}: ${short(dpop[operation])}; checks ${failed.length === 0 ? 'all passed' : `FAILED ${failed.join(', ')}`}`,
    )
  }
  results.dpop = dpop
}

results.meta = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  node: process.versions.node,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
  cores: cpus().length,
  loadBefore,
  loadAfter: loadavg(),
  seconds: (Date.now() - started) / 1000,
  versions: Object.fromEntries(
    ['oidc-rp', 'openid-client', 'jose', 'oauth4webapi'].map((p) => [p, version(p)]),
  ),
  plans: PLANS,
}

log('')
for (const t of targets(results)) log(`${t.met ? 'met    ' : 'MISSED '} ${t.target}: ${t.measured}`)
log(`done in ${results.meta.seconds.toFixed(0)} s`)

if (write) {
  const json = `${JSON.stringify(results, null, 2)}\n`
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench', 'results', quick ? 'quick.json' : 'latest.json'), json)
  if (!quick && only.length === METRICS.length) {
    writeFileSync(join(ROOT, 'BENCH.json'), json)
    writeFileSync(join(ROOT, 'BENCH.md'), renderMarkdown(results))
    log('wrote BENCH.md, BENCH.json and bench/results/latest.json')
  } else {
    log(
      `wrote bench/results/${quick ? 'quick' : 'latest'}.json (BENCH.md only from a full run of every metric)`,
    )
  }
}
