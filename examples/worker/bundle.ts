/**
 * Builds the worker recipe for workerd: `worker.js`, one ES module bundled by esbuild with the
 * library's Web builds (jose and oauth4webapi resolved with the `workerd`/`worker`/`browser`
 * conditions, no Node built-in allowed), and `config.capnp`, the workerd configuration that serves
 * it. Not authentication: what `wrangler deploy` does for you on Cloudflare.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'

/** The recipe's entry. */
export const WORKER_ENTRY = join(import.meta.dirname, 'worker.ts')

/** The bindings the worker reads, each taken from the launcher's environment of the same name. */
export const BINDINGS = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'APP_URL', 'SESSION_SECRET']

/**
 * The workerd configuration. The socket's address is given on the command line
 * (`--socket-addr http=127.0.0.1:PORT`); the bindings are text read from the environment, so no
 * secret is written to disk; outbound requests may reach loopback only (the OP of the tests is on
 * 127.0.0.1; on Cloudflare the worker reaches the public Internet).
 */
const CONFIG = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "recipe", worker = .recipe),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "recipe") ],
);

const recipe :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
  bindings = [
${BINDINGS.map((name) => `    (name = "${name}", fromEnvironment = "${name}"),`).join('\n')}
  ],
);
`

/** What {@link bundleWorker} wrote. */
export interface WorkerBundle {
  /** The bundled worker. */
  readonly worker: string
  /** The workerd configuration next to it. */
  readonly config: string
}

/**
 * Bundles the worker and writes its workerd configuration into `dir`.
 * @param dir - the output directory (created; keep it out of the repository)
 * @param options - `entry`: another worker module; `minify`: minify the bundle
 * @returns the paths written
 */
export async function bundleWorker(
  dir: string,
  options: { entry?: string; minify?: boolean } = {},
): Promise<WorkerBundle> {
  await mkdir(dir, { recursive: true })
  const worker = join(dir, 'worker.js')
  await build({
    entryPoints: [options.entry ?? WORKER_ENTRY],
    outfile: worker,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    minify: options.minify ?? false,
    logLevel: 'warning',
  })
  const config = join(dir, 'config.capnp')
  await writeFile(config, CONFIG)
  return { worker, config }
}
