/**
 * The memory metric's child process (run with --expose-gc): `callbacks <contender> <count>` runs
 * that many callbacks and samples the heap after forced GCs; `retained <contender> <count>` diffs
 * heap snapshots taken before and after that many callbacks, by object type; `store <count>`
 * measures the default memory store per pending transaction. Prints one JSON line.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { importSdk } from '../lib/build.js'
import {
  type CannedOp,
  cannedOp,
  idToken,
  makeOpKeys,
  metadata,
  tokenResponseBody,
} from '../lib/fixtures.js'
import type { Contender } from '../lib/harness.js'
import { BASELINE } from '../lib/report.js'
import { callbackContenders } from './callback.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

/** Heap in use after full collections, with a turn of the event loop between them so that weak
 * callbacks and finalizers queued by one collection have run before the next. */
async function heap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/** Theil–Sen slope: the median of the slopes between every two samples (robust to one-off steps). */
function medianSlope(points: readonly (readonly [number, number])[]): number {
  const slopes: number[] = []
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      slopes.push((points[j]![1] - points[i]![1]) / (points[j]![0] - points[i]![0]))
    }
  }
  slopes.sort((a, b) => a - b)
  return slopes[slopes.length >> 1]!
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return num / den
}

/** The benchmark's own work per callback (a canned `Response` made and read), to show Node's noise. */
function baseline(op: CannedOp): Contender {
  return {
    name: BASELINE,
    prepare: (count) => new Array<undefined>(count).fill(undefined),
    run: async () => {
      const response = await op.fetch('https://op.example.com/token')
      const reader = response.body!.getReader()
      while (!(await reader.read()).done) {}
    },
  }
}

/** Bytes of reachable objects by type in a heap snapshot (taken after a full GC). */
function snapshotSizes(): Record<string, number> {
  const file = writeHeapSnapshot(join(tmpdir(), `oidc-rp-bench-${process.pid}.heapsnapshot`))
  try {
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
      nodes: number[]
      strings: string[]
    }
    const fields = snapshot.snapshot.meta.node_fields
    const types = snapshot.snapshot.meta.node_types[0]
    const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
    const sizes: Record<string, number> = {}
    for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
      const type = types[snapshot.nodes[i + typeAt!]!]!
      // A string's name is its text: strings are counted by type only.
      const key = type.includes('string')
        ? type
        : `${type} ${snapshot.strings[snapshot.nodes[i + nameAt!]!]!.slice(0, 40)}`
      sizes[key] = (sizes[key] ?? 0) + snapshot.nodes[i + sizeAt!]!
    }
    return sizes
  } finally {
    rmSync(file, { force: true })
  }
}

async function contenderNamed(name: string): Promise<Contender> {
  const sdk = await importSdk()
  const keys = await makeOpKeys()
  const contenders: Contender[] = [
    ...(await callbackContenders(sdk, keys, 'RS256')),
    baseline(cannedOp(keys, tokenResponseBody(await idToken(keys.byAlg.RS256)))),
  ]
  const contender = contenders.find((c) => c.name === name)
  if (contender === undefined) throw new Error(`no contender ${name}`)
  return contender
}

/** Runs `count` callbacks, 100 pending transactions at a time (the store stays small). */
async function runCallbacks(contender: Contender, count: number): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    for (const input of await contender.prepare(100)) await contender.run(input)
  }
}

async function retained(name: string, count: number): Promise<object> {
  const contender = await contenderNamed(name)
  await runCallbacks(contender, count / 5)
  // The first summary waits on disk: kept in memory, it would be counted in the second snapshot.
  const first = join(tmpdir(), `oidc-rp-bench-${process.pid}-first.json`)
  writeFileSync(first, JSON.stringify(snapshotSizes()))
  await runCallbacks(contender, count)
  const after = snapshotSizes()
  const before = JSON.parse(readFileSync(first, 'utf8')) as Record<string, number>
  rmSync(first, { force: true })
  const grown = Object.entries(after)
    .map(([type, size]) => [type, size - (before[type] ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
  const total = grown.reduce((sum, [, delta]) => sum + delta, 0)
  return { name, callbacks: count, bytesPerCallback: total / count, grown: grown.slice(0, 3) }
}

async function callbacks(name: string, count: number): Promise<object> {
  const contender = await contenderNamed(name)
  const batch = Math.max(100, Math.round(count / 40))
  const runBatch = () => runCallbacks(contender, batch)
  // Warm-up (a fifth of the run, not counted): JWKS fetched, keys imported, caches filled, and the
  // hot functions through V8's optimising tiers, whose code and metadata land on the heap.
  for (let done = 0; done < count / 5; done += batch) await runBatch()
  const samples: [number, number][] = [[0, await heap()]]
  for (let done = 0; done < count; done += batch) {
    await runBatch()
    samples.push([done + batch, await heap()])
  }
  return {
    name,
    callbacks: count,
    heapStart: samples[0]![1],
    heapEnd: samples[samples.length - 1]![1],
    bytesPerCallback: slope(samples),
    medianBytesPerCallback: medianSlope(samples),
    samples,
  }
}

async function store(count: number): Promise<object> {
  const sdk = await importSdk()
  const config = sdk.createConfiguration(
    metadata(),
    {
      client_id: 'bench-client',
      client_secret: 'bench-client-secret-0123456789abcdef',
      redirect_uris: ['https://rp.example.com/callback'],
    },
    {},
  )
  for (let i = 0; i < 100; i++) await sdk.createAuthorizationRequest(config)
  const before = await heap()
  for (let i = 0; i < count; i++) await sdk.createAuthorizationRequest(config)
  const after = await heap()
  // Keep the configuration (and its store) alive until after the measurement.
  const last = await sdk.createAuthorizationRequest(config)
  return { pending: count, bytesPerTransaction: (after - before) / count, state: last.state.length }
}

const [mode, a, b] = process.argv.slice(2)
const result =
  mode === 'callbacks'
    ? await callbacks(a!, Number(b))
    : mode === 'retained'
      ? await retained(a!, Number(b))
      : await store(Number(a ?? 9000))
process.stdout.write(`${JSON.stringify(result)}\n`)
