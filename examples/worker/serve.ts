/**
 * Serves the worker recipe on workerd (npm package `workerd`) at 127.0.0.1:$PORT, and prints
 * `listening <APP_URL>` once it accepts connections. Not authentication: what `wrangler dev` does.
 *
 * Run: ISSUER=… CLIENT_ID=… CLIENT_SECRET=… APP_URL=http://127.0.0.1:8787 PORT=8787
 * SESSION_SECRET=<32 random bytes, base64url> node --import tsx examples/worker/serve.ts [dir]
 *
 * With `dir`, serves the bundle {@link bundleWorker} wrote there; without, bundles into a
 * temporary directory first (removed on exit).
 * @module
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BINDINGS, bundleWorker } from './bundle.js'

const WORKERD = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'workerd')

/** Resolves once something accepts a TCP connection on 127.0.0.1:`port`. */
async function accepting(port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
      socket.once('close', () => socket.destroy())
    }).catch(() => false)
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
}

for (const name of [...BINDINGS, 'PORT']) {
  if (!process.env[name]) throw new Error(`set ${name} in the environment`)
}
let dir = process.argv[2]
if (dir === undefined) {
  const temporary = mkdtempSync(join(tmpdir(), 'oidc-rp-worker-'))
  process.once('exit', () => rmSync(temporary, { recursive: true, force: true }))
  await bundleWorker(temporary)
  dir = temporary
}
const port = Number(process.env.PORT)
const workerd = spawn(
  WORKERD,
  ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`],
  {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: Object.fromEntries(['PATH', 'HOME', ...BINDINGS].map((name) => [name, process.env[name]])),
  },
)
workerd.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => workerd.kill(signal))
}
await accepting(port)
console.log(`listening ${process.env.APP_URL}`)
