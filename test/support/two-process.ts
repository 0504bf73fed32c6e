/**
 * The two-process setup: one mock OP on a real loopback socket, and RP processes
 * (`rp-worker.ts`) that share a store, as several machines behind a load balancer would.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createMockOP, type MockOP } from '../../src/testing/index.js'
import { serve } from './http-server.js'

export const CLIENT_ID = 'lb-client'
export const CLIENT_SECRET = 'two-process-client-secret-0123456789-abcdef'
export const REDIRECT_URI = 'https://rp.example/cb'
/** The back-channel logout URI the OP knows: the load balancer in front of the RP processes. */
export const BACKCHANNEL_URI = 'https://rp.example/backchannel'

/** The OP served on a loopback port. */
export interface ServedOp {
  readonly op: MockOP
  close(): Promise<void>
}

/**
 * Creates the mock OP with the one client, served on a free loopback port (its issuer is that
 * origin).
 * @returns the OP and a close function
 */
export async function startOp(): Promise<ServedOp> {
  let op: MockOP | undefined
  const served = await serve((request) => {
    if (op === undefined) return Promise.resolve(new Response('starting', { status: 503 }))
    return op.handler(request)
  })
  op = await createMockOP({
    issuer: served.url,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        id_token_signed_response_alg: 'RS256',
        backchannel_logout_uri: BACKCHANNEL_URI,
      },
    ],
    users: { alice: { name: 'Alice' } },
  })
  return { op, close: served.close }
}

/** One RP process. */
export interface RpProcess {
  /** Its API origin. */
  readonly url: string
  /** POSTs JSON to its API. */
  post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }>
  /** GETs JSON from its API. */
  get<T>(path: string): Promise<T>
  stop(): Promise<void>
}

const WORKER = fileURLToPath(new URL('./rp-worker.ts', import.meta.url))
/** How long an RP process has to start listening (tsx compiles it first). */
const READY_WITHIN_MS = 30_000

/**
 * Starts an RP process on the served OP with a store configuration.
 * @param issuer - the OP's issuer
 * @param env - `STORE` and its settings (`REDIS_URL`, `PREFIX` or `SEALED_KEY`)
 * @returns the process, once it listens
 */
export async function startRp(issuer: string, env: Record<string, string>): Promise<RpProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      ...env,
      OP_ISSUER: issuer,
      CLIENT_ID,
      CLIENT_SECRET,
      REDIRECT_URI,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let errors = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.stderr?.on('data', (chunk) => {
    errors += String(chunk)
  })
  const url = await new Promise<string>((resolve, reject) => {
    // a worker that neither gets ready nor exits (e.g. a store it cannot reach) is stopped
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`RP process not ready within ${READY_WITHIN_MS} ms: ${errors}`))
    }, READY_WITHIN_MS)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer)
        resolve(line.slice(6))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`RP process exited (${code}): ${errors}`))
    })
  })
  return {
    url,
    async post(path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      })
      return { status: response.status, body: await response.json() }
    },
    async get(path) {
      return (await fetch(`${url}${path}`)).json()
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
