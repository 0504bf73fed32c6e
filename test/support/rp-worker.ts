/**
 * One RP machine behind a load balancer, run as its own process by the two-process tests. It
 * discovers the OP given in `OP_ISSUER` and serves a small JSON API on a loopback port:
 *
 * - `POST /login` → `{ url, state, binding }` (createAuthorizationRequest);
 * - `POST /callback` `{ url, binding }` → `{ sessionId }` or `{ code }` (handleCallback, recordSession);
 * - `POST /take` `{ state, count }` → `{ wins }` (that many concurrent `take`s of one state);
 * - `POST /backchannel` → the back-channel logout response (handleBackChannelLogout);
 * - `GET /session?id=` → `{ exists }`.
 *
 * `STORE` is `redis` (transactions, sessions and the replay guard in Redis at `REDIS_URL`, keys
 * under `PREFIX`) or `sealed` (transactions in a sealed value with `SEALED_KEY`, sessions in memory).
 * It prints `READY <url>` once listening.
 */
import { createClient } from 'redis'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import { RUNTIME } from '../../src/config/runtime.js'
import { discover } from '../../src/discovery.js'
import { isOidcRpError } from '../../src/errors.js'
import { handleBackChannelLogout } from '../../src/logout/back-channel.js'
import { recordSession } from '../../src/sessions.js'
import type { ReplayGuard, SessionStore, TransactionStore } from '../../src/storage.js'
import { createMemoryReplayGuard, createMemorySessionStore } from '../../src/stores/memory.js'
import {
  createRedisReplayGuard,
  createRedisSessionStore,
  createRedisTransactionStore,
} from '../../src/stores/redis.js'
import { createSealedTransactionStore } from '../../src/stores/sealed.js'
import { serve } from './http-server.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

let store: TransactionStore
let sessions: SessionStore
let replayGuard: ReplayGuard
if (env('STORE') === 'redis') {
  const redis = createClient({ url: env('REDIS_URL') })
  await redis.connect()
  const prefix = env('PREFIX')
  store = createRedisTransactionStore(redis, { prefix })
  sessions = createRedisSessionStore(redis, { prefix })
  replayGuard = createRedisReplayGuard(redis, { prefix })
} else {
  store = createSealedTransactionStore({ keys: [env('SEALED_KEY')] })
  sessions = createMemorySessionStore()
  replayGuard = createMemoryReplayGuard()
}

const config = await discover(
  env('OP_ISSUER'),
  {
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    id_token_signed_response_alg: 'RS256',
  },
  { store },
)

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

async function route(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const path = `${request.method} ${url.pathname}`
  if (path === 'POST /login') {
    const { url: target, state, browserBinding } = await createAuthorizationRequest(config)
    return json({ url: target.href, state, binding: browserBinding?.value })
  }
  if (path === 'POST /callback') {
    const { url: callback, binding } = (await request.json()) as { url: string; binding?: string }
    try {
      const result = await handleCallback(
        config,
        callback,
        binding ? { browserBinding: binding } : {},
      )
      const { sessionId } = await recordSession(config, sessions, result)
      return json({ sessionId })
    } catch (error) {
      if (!isOidcRpError(error)) throw error
      return json({ code: error.code }, 400)
    }
  }
  if (path === 'POST /take') {
    const { state, count } = (await request.json()) as { state: string; count: number }
    const taken = await Promise.all(
      Array.from({ length: count }, () => config[RUNTIME].store.take(state)),
    )
    return json({ wins: taken.filter((tx) => tx !== undefined).length })
  }
  if (path === 'POST /backchannel') {
    const { response } = await handleBackChannelLogout(config, request, {
      sessionStore: sessions,
      replayGuard,
    })
    return response
  }
  if (path === 'GET /session') {
    return json({ exists: (await sessions.get(url.searchParams.get('id') ?? '')) !== undefined })
  }
  return json({ error: 'not found' }, 404)
}

const served = await serve(route)
process.stdout.write(`READY ${served.url}\n`)
process.on('SIGTERM', () => process.exit(0))
