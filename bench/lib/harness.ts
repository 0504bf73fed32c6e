/**
 * The interleaved runner: every contender of a metric runs in the same process, in short time
 * slices, in a rotating order, over several rounds after a warm-up. Each round's rate is divided by
 * the floor's rate in that same round, so load that comes and goes affects both sides of a ratio.
 */
import { performance } from 'node:perf_hooks'

/** One contender of a throughput metric (methods, so that any input type fits `Contender`). */
export interface Contender<I = unknown> {
  readonly name: string
  /** Makes the inputs of `count` operations, outside the timed region (e.g. pending transactions). */
  prepare(count: number): Promise<I[]> | I[]
  /** One operation, timed. */
  run(input: I): Promise<unknown>
}

/** How long and how often. */
export interface RunPlan {
  readonly rounds: number
  readonly sliceMs: number
  readonly warmupMs: number
}

/** Median and spread of a series of per-round values. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly p25: number
  readonly p75: number
}

/** What a throughput metric reports per contender. */
export interface ContenderResult {
  readonly name: string
  /** Operations per second, per round. */
  readonly opsPerSecond: Spread
  /** Rate divided by the floor's rate of the same round. */
  readonly ratio: Spread
  /** The raw per-round rates. */
  readonly rounds: readonly number[]
}

/** The value at quantile q (0..1) of a sorted list, interpolated. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low)
}

/**
 * The median and spread of a series.
 * @param values - the values (any order)
 * @returns median, min, max, quartiles
 */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
  }
}

async function timeSlice<I>(contender: Contender<I>, count: number): Promise<number> {
  const inputs = await contender.prepare(count)
  const started = performance.now()
  for (const input of inputs) await contender.run(input)
  const elapsed = performance.now() - started
  return (inputs.length * 1000) / elapsed
}

/**
 * Runs the contenders interleaved and compares each with the floor, round by round.
 * @param contenders - the contenders; the floor among them
 * @param floor - the floor's name
 * @param plan - rounds, slice length, warm-up
 * @returns one result per contender, in the order given
 */
export async function interleave(
  contenders: readonly Contender[],
  floor: string,
  plan: RunPlan,
): Promise<ContenderResult[]> {
  const list = contenders
  // Warm-up: a few short slices each, interleaved, to let the JIT settle and size the slices.
  const perOpMs = new Map<string, number>()
  const warmEnd = performance.now() + plan.warmupMs
  let batch = 8
  while (performance.now() < warmEnd || perOpMs.size < list.length) {
    for (const c of list) {
      const rate = await timeSlice(c, batch)
      perOpMs.set(c.name, 1000 / rate)
    }
    batch = Math.min(batch * 2, 256)
  }
  const counts = list.map((c) => Math.max(4, Math.round(plan.sliceMs / perOpMs.get(c.name)!)))
  const rates = list.map(() => [] as number[])
  for (let round = 0; round < plan.rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const i = (k + round) % list.length
      rates[i]!.push(await timeSlice(list[i]!, counts[i]!))
    }
  }
  const floorIndex = list.findIndex((c) => c.name === floor)
  if (floorIndex === -1) throw new Error(`no contender named ${floor}`)
  return list.map((c, i) => ({
    name: c.name,
    opsPerSecond: spread(rates[i]!),
    ratio: spread(rates[i]!.map((rate, round) => rate / rates[floorIndex]![round]!)),
    rounds: rates[i]!,
  }))
}
