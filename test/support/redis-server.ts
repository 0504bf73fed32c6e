/**
 * A real Redis server for the `oidc-rp/redis` tests: Debian's `redis-server` started on a free
 * loopback port without persistence, and stopped afterwards. `npm test` installs it on a fresh
 * machine (`scripts/system-packages.ts`). A missing binary or a server that does not answer fails
 * within seconds, never hangs.
 */
import { createClient } from 'redis'
import { startServerProcess } from './server-process.js'

/** A node-redis client. */
export type NodeRedis = ReturnType<typeof createClient>

/** A running Redis server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops the server. */
  stop(): Promise<void>
}

/** A running Redis server with a node-redis client connected to it. */
export interface ConnectedRedis extends RedisServer {
  readonly client: NodeRedis
  /** Closes the client and stops the server. */
  stop(): Promise<void>
}

/** Rejects after `ms`, so that no single step can wait forever. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function urlOf(port: number): string {
  return `redis://127.0.0.1:${port}`
}

/**
 * Starts `redis-server --port N --save '' --appendonly no` on a free loopback port.
 * @returns the server
 * @throws Error when redis-server is not installed or does not start
 */
export async function startRedis(): Promise<RedisServer> {
  const server = await startServerProcess({
    command: 'redis-server',
    name: 'redis-server',
    installHint: 'install it with apt-get install redis-server (npm test does it when run as root)',
    prepare: async (port, dir) => ({
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
    }),
    async probe(port) {
      const client = createClient({
        url: urlOf(port),
        socket: { reconnectStrategy: false, connectTimeout: 1000 },
      })
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
        return 'ready'
      } catch {
        client.destroy()
        return 'waiting'
      }
    },
  })
  return { url: urlOf(server.port), stop: server.close }
}

/**
 * Starts a Redis server (see {@link startRedis}) and connects a node-redis client to it.
 * @returns the server and its client
 * @throws Error when redis-server is not installed or does not start, or the client cannot connect
 */
export async function startConnectedRedis(): Promise<ConnectedRedis> {
  const server = await startRedis()
  const client: NodeRedis = createClient({ url: server.url })
  try {
    await client.connect()
  } catch (err) {
    await server.stop()
    throw err
  }
  return {
    url: server.url,
    client,
    async stop() {
      await client.close()
      await server.stop()
    },
  }
}
