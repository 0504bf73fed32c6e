/**
 * A real Glewlwyd 2.7 server for the interop suite: Debian's `glewlwyd` run on a free loopback
 * port with SQLite in a scratch folder (initialised from the package's own SQL script), then
 * provisioned through its admin API as the default `admin` user. Stopped by PID; the folder is
 * removed, even when the test process dies.
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { gunzipSync } from 'node:zlib'

const INSTALL_HINT =
  'install it with: apt-get install glewlwyd dbconfig-no-thanks (npm test does it when run as root)'
/** The package's SQLite schema and default data (the admin user), two places Debian ships it. */
const SQL_SCRIPTS = [
  '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3',
  '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz',
]
/** The default administrator of the package's init data. */
const ADMIN = { username: 'admin', password: 'password' }
/** Upper bound of each step (DB init, start, one admin request): a broken server never hangs the suite. */
const STEP_TIMEOUT_MS = 15_000

/** A running Glewlwyd. */
export interface RunningGlewlwyd {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly port: number
  /** The `glewlwyd` process. */
  readonly pid: number
  /** From spawning `glewlwyd` to its first answer, in milliseconds. */
  readonly startupMs: number
  /** The admin API, signed in as the default administrator. */
  readonly admin: AdminApi
  /** The server's log so far, to explain a failure. */
  log(): string
  /** Stops the server by PID and removes its scratch folder. */
  close(): Promise<void>
}

/** Glewlwyd's admin API (`/api/...`) with the administrator's session cookie. */
export interface AdminApi {
  /**
   * Sends one request and fails with the answer when it is not a 2xx.
   * @returns the JSON body, or undefined when empty
   */
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)))
}

/**
 * Why Glewlwyd cannot run here, or `undefined` when it can.
 * @returns the reason with the install command
 */
export function glewlwydMissing(): string | undefined {
  if (!onPath('glewlwyd')) return `glewlwyd is not on the PATH: ${INSTALL_HINT}`
  if (!onPath('sqlite3'))
    return `sqlite3 (a dependency of glewlwyd) is not on the PATH: ${INSTALL_HINT}`
  if (!SQL_SCRIPTS.some((path) => existsSync(path))) {
    return `Glewlwyd's SQLite init script is missing (${SQL_SCRIPTS.join(' or ')}): ${INSTALL_HINT}`
  }
  return undefined
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

/** The package's SQL script (schema, the admin user and the `openid` scope). */
function initScript(): string {
  const path = SQL_SCRIPTS.find((candidate) => existsSync(candidate))
  if (path === undefined)
    throw new Error(`Glewlwyd's SQLite init script is missing: ${INSTALL_HINT}`)
  const raw = readFileSync(path)
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
}

/** Creates the SQLite database with `sqlite3`, bounded in time. */
function initDatabase(database: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'sqlite3',
      ['-bail', database],
      { timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => {
        if (err === null) resolve()
        else
          reject(new Error(`sqlite3 could not initialise the database: ${err.message} ${stderr}`))
      },
    )
    child.stdin?.end(initScript())
  })
}

/** `glewlwyd.conf` (libconfig): loopback only, SQLite, no TLS, cookies usable over http. */
function configFile(port: number, origin: string, database: string): string {
  const modules = '/usr/lib/glewlwyd'
  return `port=${port}
bind_address="127.0.0.1"
external_url="${origin}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="console"
log_level="WARNING"
cookie_secure=0
cookie_same_site="empty"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${modules}/user"
client_module_path="${modules}/client"
user_auth_scheme_module_path="${modules}/scheme"
plugin_module_path="${modules}/plugin"
hash_algorithm="SHA512"
database={ type="sqlite3" path="${database}" };
`
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Stops the process: SIGTERM, then SIGKILL if it is still there after 3 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited(child)
  clearTimeout(timer)
}

/** Waits until the server answers `/config`; false when it exited or did not answer in time. */
async function ready(origin: string, child: ChildProcess): Promise<boolean> {
  const deadline = performance.now() + STEP_TIMEOUT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    try {
      const response = await fetch(`${origin}/config`, { signal: AbortSignal.timeout(2000) })
      await response.body?.cancel()
      if (response.ok) return true
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

/** Signs the administrator in and returns the admin API bound to that session. */
async function adminApi(origin: string): Promise<AdminApi> {
  const login = await fetch(`${origin}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  })
  const cookie = login.headers.getSetCookie().map((line) => line.split(';')[0])
  if (login.status !== 200 || cookie.length === 0) {
    throw new Error(`Glewlwyd's admin login answered ${login.status}: ${await login.text()}`)
  }
  return {
    async request(method, path, body) {
      const response = await fetch(`${origin}/api${path}`, {
        method,
        headers: {
          cookie: cookie.join('; '),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      })
      const text = await response.text()
      if (response.status < 200 || response.status > 299) {
        throw new Error(
          `Glewlwyd's admin API: ${method} ${path} answered ${response.status} ${text}`,
        )
      }
      return text === '' ? undefined : JSON.parse(text)
    },
  }
}

/**
 * Starts Glewlwyd on a free loopback port with a fresh SQLite database, and signs the administrator
 * in. Nothing is provisioned yet (see `provision.ts`).
 * @returns the running server
 * @throws Error when Glewlwyd is not installed (saying how to install it), or when it does not start
 * (with its log)
 */
export async function startGlewlwyd(): Promise<RunningGlewlwyd> {
  const missing = glewlwydMissing()
  if (missing !== undefined) throw new Error(missing)
  let lastLog = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const dir = await mkdtemp(join(tmpdir(), 'oidc-rp-glewlwyd-'))
    const removeDir = () => rmSync(dir, { recursive: true, force: true })
    const config = join(dir, 'glewlwyd.conf')
    try {
      await initDatabase(join(dir, 'glewlwyd.db'))
      await writeFile(config, configFile(port, origin, join(dir, 'glewlwyd.db')))
    } catch (err) {
      removeDir()
      throw err
    }
    const started = performance.now()
    const child = spawn('glewlwyd', [`--config-file=${config}`], {
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
      throw new Error(`glewlwyd could not be started (${spawned.message}): ${INSTALL_HINT}`)
    }
    if (await ready(origin, child)) {
      const startupMs = Math.round(performance.now() - started)
      try {
        const admin = await adminApi(origin)
        return { origin, port, pid: child.pid ?? 0, startupMs, admin, log: () => log, close }
      } catch (err) {
        await close()
        throw err
      }
    }
    await close()
    lastLog = log
    if (!/address already in use|bind/i.test(log)) break // not a port race
  }
  throw new Error(`Glewlwyd did not start; its log ends with:\n${lastLog.slice(-3000)}`)
}
