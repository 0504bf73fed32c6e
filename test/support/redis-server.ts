/**
 * A real Redis server for the `oidc-rp/redis` tests: Debian's `redis-server` started on a free
 * loopback port without persistence, and stopped afterwards. `npm test` installs it on a fresh
 * machine (`scripts/system-packages.ts`). A missing binary or a server that does not answer fails
 * within seconds, never hangs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createClient } from 'redis'

/** A running Redis server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops the server. */
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()))
}

/** How long a started server has to answer PING before it counts as not starting. */
const READY_WITHIN_MS = 10_000

/** Rejects after `ms`, so that no single step can wait forever. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** Waits until the server answers PING; false when it exited or did not answer in time. */
async function ready(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = performance.now() + READY_WITHIN_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } })
    client.on('error', () => {})
    try {
      await within(
        (async () => {
          await client.connect()
          await client.ping()
        })(),
        2000,
      )
      await client.close()
      return true
    } catch {
      client.destroy()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return false
}

/**
 * Starts `redis-server --port N --save '' --appendonly no` on a free loopback port.
 * @returns the server
 * @throws Error when redis-server is not installed or does not start
 */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined))
      child.once('error', resolve)
    })
    if (spawned !== undefined) {
      throw new Error(
        `redis-server could not be started (${spawned.message}): install it with ` +
          'apt-get install redis-server (npm test does it when run as root)',
      )
    }
    const url = `redis://127.0.0.1:${port}`
    if (await ready(url, child)) {
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM')
          await exited(child)
        },
      }
    }
    child.kill('SIGKILL')
    await exited(child)
  }
  throw new Error(
    `redis-server did not answer on a free loopback port within ${READY_WITHIN_MS} ms, 3 times`,
  )
}
