/**
 * The portable suite on Cloudflare's workerd (npm package `workerd`): the bundle is an ES module
 * worker whose fetch handler runs the suite; `workerd serve` listens on a free loopback port and
 * one request collects the JSON report. A warning in workerd's output fails the run.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { SuiteReport } from '../../test/portable/harness.js'
import { formatResult } from '../../test/portable/harness.js'
import { BIN, bundle, isMain, main, OUT, type Outcome, outcome, warningProblem } from './common.js'

const CONFIG = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "suite", worker = .suiteWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "suite") ],
);

const suiteWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
);
`

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      )
    })
  })
}

/** Waits until the worker answers, then runs the suite through one request. */
async function collect(
  port: number,
  filter: string | undefined,
  deadline: number,
): Promise<SuiteReport> {
  const url = `http://127.0.0.1:${port}/${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`
  for (;;) {
    let response: Response
    try {
      response = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      })
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`workerd did not answer: ${String(err)}`)
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err
      await new Promise((r) => setTimeout(r, 100))
      continue
    }
    const text = await response.text()
    if (response.status !== 200)
      throw new Error(`the worker answered ${response.status}: ${text.slice(0, 800)}`)
    return JSON.parse(text) as SuiteReport
  }
}

/**
 * Bundles the suite as a worker, serves it with workerd and collects the report.
 * @param stream - print each case line
 * @returns the outcome
 */
export async function runWorkerd(stream: boolean): Promise<Outcome> {
  const started = Date.now()
  const dir = join(OUT, 'workerd')
  let child: ReturnType<typeof spawn> | undefined
  let stderr = ''
  try {
    await bundle('worker', dir)
    await writeFile(join(dir, 'config.capnp'), CONFIG)
    const port = await freePort()
    child = spawn(
      join(BIN, 'workerd'),
      ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const exited = new Promise<never>((_, fail) =>
      child?.on('exit', (code) =>
        fail(new Error(`workerd exited with ${code}: ${stderr.trim().slice(-800)}`)),
      ),
    )
    exited.catch(() => {})
    const report = await Promise.race([
      collect(port, process.argv[2], Date.now() + 120_000),
      exited,
    ])
    if (stream) for (const r of report.results) console.log(formatResult(r, 'workerd'))
    return outcome('workerd', started, report, warningProblem(stderr))
  } catch (err) {
    return outcome(
      'workerd',
      started,
      undefined,
      `${err instanceof Error ? err.message : String(err)}`,
    )
  } finally {
    child?.kill('SIGTERM')
  }
}

if (isMain(import.meta.url)) await main(runWorkerd)
