/**
 * A real Glewlwyd 2.7 server for the interop suite: Debian's `glewlwyd` run on a free loopback
 * port with SQLite in a scratch folder (initialised from the package's own SQL script), then
 * provisioned through its admin API as the default `admin` user. Stopped by PID; the folder is
 * removed, even when the test process dies.
 * @module
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { onPath, type ServerProcess, startServerProcess } from '../../support/server-process.js'

const INSTALL_HINT =
  'install it with: apt-get install glewlwyd dbconfig-no-thanks (npm test does it when run as root)'
/** The package's SQLite schema and default data (the admin user), two places Debian ships it. */
const SQL_SCRIPTS = [
  '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3',
  '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz',
]
/** The default administrator of the package's init data. */
const ADMIN = { username: 'admin', password: 'password' }
/** Upper bound of the DB init and of one admin request: a broken server never hangs the suite. */
const STEP_TIMEOUT_MS = 15_000

/** A running Glewlwyd (the `glewlwyd` process). */
export interface RunningGlewlwyd extends ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /** The admin API, signed in as the default administrator. */
  readonly admin: AdminApi
}

/** Glewlwyd's admin API (`/api/...`) with the administrator's session cookie. */
export interface AdminApi {
  /**
   * Sends one request and fails with the answer when it is not a 2xx.
   * @returns the JSON body, or undefined when empty
   */
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>
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

function originOf(port: number): string {
  return `http://127.0.0.1:${port}`
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
  const server = await startServerProcess({
    command: 'glewlwyd',
    name: 'Glewlwyd',
    installHint: INSTALL_HINT,
    async prepare(port, dir) {
      const config = join(dir, 'glewlwyd.conf')
      await initDatabase(join(dir, 'glewlwyd.db'))
      await writeFile(config, configFile(port, originOf(port), join(dir, 'glewlwyd.db')))
      return { args: [`--config-file=${config}`] }
    },
    async probe(port) {
      const response = await fetch(`${originOf(port)}/config`, {
        signal: AbortSignal.timeout(2000),
      })
      await response.body?.cancel()
      return response.ok ? 'ready' : 'waiting'
    },
  })
  const origin = originOf(server.port)
  try {
    return { ...server, origin, admin: await adminApi(origin) }
  } catch (err) {
    await server.close()
    throw err
  }
}
