/**
 * A server the tests run as a child process (Redis, Glewlwyd, LemonLDAP::NG's portal): started on a
 * free loopback port with a scratch folder, its log kept to explain a failure, and stopped by PID.
 * Whatever happens to the test process, the server and its folder go with it. Starting again on
 * another port when another process took the port first; never waiting without a bound.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { performance } from 'node:perf_hooks'

/** How long a started server has to answer before it counts as not starting. */
export const READY_WITHIN_MS = 15_000
/** What a server's log says when another process took its port between probe and start. */
const PORT_RACE = /address already in use|failed to listen|bind/i

/** What one readiness check found. */
export type Readiness = 'ready' | 'waiting' | 'failed'

/** How to run one kind of server. */
export interface ServerSpec {
  /** The program, looked up on the PATH; it names the scratch folder (`oidc-rp-<command>-…`). */
  readonly command: string
  /** Names the server in errors. */
  readonly name: string
  /** How to install the program, for the error when it cannot be started. */
  readonly installHint: string
  /**
   * Writes what the server needs into its scratch folder.
   * @returns the program's arguments and extra environment variables for `port`
   */
  prepare(
    port: number,
    dir: string,
  ): Promise<{ args: readonly string[]; env?: Readonly<Record<string, string>> }>
  /**
   * One readiness check: `waiting` (or a rejection) while the server is not listening yet,
   * `failed` when it answers but never will be ready (no point in waiting longer).
   */
  probe(port: number): Promise<Readiness>
}

/** A running server process. */
export interface ServerProcess {
  readonly port: number
  readonly pid: number
  /** From spawning the program to its first ready answer, in milliseconds. */
  readonly startupMs: number
  /** The server's output so far, to explain a failure. */
  log(): string
  /** Stops the server by PID (SIGTERM, SIGKILL after 3 s) and removes its scratch folder. */
  close(): Promise<void>
}

/**
 * Whether `command` is an executable on the PATH.
 * @param command - the program name
 */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)))
}

/**
 * A loopback port that was free a moment ago.
 * @returns the port
 */
export function freePort(): Promise<number> {
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

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/** Stops the process: SIGTERM, then SIGKILL if it is still there after 3 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (!running(child)) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/** Probes until the server is ready; false when it exited, failed or did not answer in time. */
async function ready(spec: ServerSpec, port: number, child: ChildProcess): Promise<boolean> {
  const deadline = performance.now() + READY_WITHIN_MS
  while (performance.now() < deadline) {
    if (!running(child)) return false
    const found = await spec.probe(port).catch((): Readiness => 'waiting')
    if (found !== 'waiting') return found === 'ready'
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

/**
 * Starts the server on a free loopback port with a fresh scratch folder; again on another port
 * (3 times at most) when its log says another process took the port.
 * @param spec - the server
 * @returns the running server
 * @throws Error when the program cannot be started (with the install hint), or when the server does
 * not become ready (with the end of its log)
 */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  let lastLog = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const dir = await mkdtemp(join(tmpdir(), `oidc-rp-${spec.command}-`))
    const removeDir = () => rmSync(dir, { recursive: true, force: true })
    let launch: Awaited<ReturnType<ServerSpec['prepare']>>
    try {
      launch = await spec.prepare(port, dir)
    } catch (err) {
      removeDir()
      throw err
    }
    const started = performance.now()
    const child = spawn(spec.command, launch.args, {
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // whatever happens to the test process, the server and its folder go with it
    const onExit = () => {
      child.kill('SIGKILL')
      removeDir()
    }
    process.once('exit', onExit)
    let log = ''
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-1_000_000)
    }
    child.stdout?.on('data', append)
    child.stderr?.on('data', append)
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined))
      child.once('error', resolve)
    })
    const close = async () => {
      await stop(child)
      process.removeListener('exit', onExit)
      removeDir()
    }
    if (spawned !== undefined) {
      await close()
      throw new Error(
        `${spec.command} could not be started (${spawned.message}): ${spec.installHint}`,
      )
    }
    if (await ready(spec, port, child)) {
      const startupMs = Math.round(performance.now() - started)
      return { port, pid: child.pid ?? 0, startupMs, log: () => log, close }
    }
    await close()
    lastLog = log
    if (!PORT_RACE.test(log)) break
  }
  throw new Error(`${spec.name} did not start; its log ends with:\n${lastLog.slice(-3000)}`)
}
