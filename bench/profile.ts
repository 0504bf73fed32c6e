/**
 * `npx tsx bench/profile.ts <target> [contender] [seconds] [concurrency]`: runs one contender of a metric alone
 * under V8's CPU profiler, writes the .cpuprofile to bench/results/profiles/ (open it in Chrome
 * DevTools) and prints where the time went: self time and inclusive time by function.
 * Targets: callback-rs256, callback-es256, authorization-plain, authorization-rs256,
 * authorization-es256, dpop-refresh, dpop-userinfo, loopback. Contender: its index in the metric (0 = oidc-rp). Concurrency:
 * loopback only (default 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { buildDist, DIST, importSdk, ROOT } from './lib/build.js'
import { makeOpKeys } from './lib/fixtures.js'
import type { Contender } from './lib/harness.js'
import { plainContenders, signedContenders } from './metrics/authorization.js'
import { bound, callbackContenders } from './metrics/callback.js'
import { dpopContenders } from './metrics/dpop.js'
import { flowContenders, startOp } from './metrics/loopback.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
  readonly hitCount: number
  readonly children?: readonly number[]
}

const [target = 'callback-rs256', which = '0', seconds = '5', parallel = '1'] =
  process.argv.slice(2)
const index = Number(which)
const durationMs = Number(seconds) * 1000

await buildDist()
const sdk = await importSdk()
const keys = await makeOpKeys()
let stop = async () => {}
let work: () => Promise<number>

if (target === 'loopback') {
  const op = await startOp()
  stop = op.stop
  const flow = (await flowContenders(sdk, op.issuer))[index]!
  const concurrency = Number(parallel)
  work = async () => {
    await Promise.all(Array.from({ length: concurrency }, () => flow.flow()))
    return concurrency
  }
} else {
  let contender: Contender
  if (target === 'callback-rs256' || target === 'callback-es256') {
    const alg = target === 'callback-rs256' ? 'RS256' : 'ES256'
    contender = [...(await callbackContenders(sdk, keys, alg)), await bound(keys, alg)][index]!
  } else if (target === 'authorization-plain') {
    contender = plainContenders(sdk, keys)[index]!
  } else if (target === 'authorization-rs256' || target === 'authorization-es256') {
    const alg = target === 'authorization-rs256' ? 'RS256' : 'ES256'
    contender = (await signedContenders(sdk, keys, alg)).contenders[index]!
  } else if (target === 'dpop-refresh' || target === 'dpop-userinfo') {
    const operation = target === 'dpop-refresh' ? 'refresh' : 'userinfo'
    contender = (await dpopContenders(sdk, keys, operation))[index]!
  } else {
    throw new Error(`unknown target ${target}`)
  }
  work = async () => {
    const inputs = await contender.prepare(100)
    for (const input of inputs) await contender.run(input)
    return inputs.length
  }
}

for (const end = Date.now() + 1000; Date.now() < end; ) await work() // warm-up, not profiled
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })
await session.post('Profiler.start')
let ops = 0
const started = performance.now()
for (const end = Date.now() + durationMs; Date.now() < end; ) ops += await work()
const elapsed = performance.now() - started
const { profile } = await session.post('Profiler.stop')
session.disconnect()
await stop()

const dir = join(ROOT, 'bench', 'results', 'profiles')
mkdirSync(dir, { recursive: true })
const file = join(dir, `${target}-${index}.cpuprofile`)
writeFileSync(file, JSON.stringify(profile))

const nodes = profile.nodes as unknown as ProfileNode[]
const byId = new Map(nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const total = nodes.reduce((sum, n) => sum + n.hitCount, 0)
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url
    .replace(`file://${DIST}/`, 'oidc-rp/')
    .replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}`
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const n of nodes) {
  self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount)
  const seen = new Set<string>()
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!)
    if (seen.has(l)) continue
    seen.add(l)
    inclusive.set(l, (inclusive.get(l) ?? 0) + n.hitCount)
  }
}
const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([l, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${l}`)
    .join('\n')
console.log(`${target} #${index}: ${Math.round((ops * 1000) / elapsed)} ops/s under the profiler`)
console.log(
  `profile: ${file}\n\nself time\n${top(self, Number(process.env.TOPN ?? 25))}\n\ninclusive time\n${top(inclusive, Number(process.env.TOPN ?? 30))}`,
)
