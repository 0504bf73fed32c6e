/**
 * Metric 6: memory, measured in fresh child processes (bench/metrics/memory-child.ts) with forced GC.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../lib/build.js'
import { BASELINE, type BenchResults } from '../lib/report.js'

function child(args: readonly string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        join(ROOT, 'bench', 'metrics', 'memory-child.ts'),
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    proc.on('error', reject)
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`memory child ${args.join(' ')} exited with ${code}`))
      else resolve(JSON.parse(out))
    })
  })
}

type CallbackRun = NonNullable<BenchResults['memory']>['callbacks'][number]
type RetainedRun = NonNullable<BenchResults['memory']>['retained']

/**
 * Runs the callback loops of the SDK, of openid-client (non-repudiation) and of the baseline (the
 * canned response alone), and the SDK's heap-snapshot diff, each in its own process, then the store
 * measurement.
 * @param callbacks - callbacks per run
 * @returns the memory results
 */
export async function runMemory(callbacks: number): Promise<NonNullable<BenchResults['memory']>> {
  const n = String(callbacks)
  // Four processes at once: memory, not time, is measured, and the machine has few cores.
  const [sdk, oc, base, retained] = (await Promise.all([
    child(['callbacks', 'oidc-rp', n]),
    child(['callbacks', 'openid-client (enableNonRepudiationChecks)', n]),
    child(['callbacks', BASELINE, n]),
    child(['retained', 'oidc-rp', n]),
  ])) as [CallbackRun, CallbackRun, CallbackRun, RetainedRun]
  const store = (await child(['store', '9000'])) as NonNullable<BenchResults['memory']>['store']
  return {
    callbacks: [sdk, oc, base].map((run) => ({
      name: run.name,
      callbacks: run.callbacks,
      heapStart: run.heapStart,
      heapEnd: run.heapEnd,
      bytesPerCallback: run.bytesPerCallback,
      medianBytesPerCallback: run.medianBytesPerCallback,
    })),
    retained,
    store: { pending: store.pending, bytesPerTransaction: store.bytesPerTransaction },
  }
}
