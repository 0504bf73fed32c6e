/**
 * The end-to-end harness of the framework recipes (issue 15): the real OP (oidc-provider 8 from
 * `test/interop/op-server.ts`) with a client per recipe instance, refresh-token rotation on every
 * refresh, an access-token lifetime the test switches at runtime and counters of what happened at
 * the OP; and the recipe itself, spawned as a child process with the environment of WEB-SPEC.md,
 * awaited on its `listening <APP_URL>` line and stopped at the end.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type RunningOp, startOp, USERS } from '../../interop/op-server.js'

/** The repository root, where recipe commands run by default. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The client secret of every recipe client (a test value, registered nowhere else). */
export const CLIENT_SECRET = 'recipe-client-secret-0123456789abcdefghijkl'

/** How long an access token lives while {@link RecipeOp.shortAccessTokens} is on: well inside the RP's 60 s leeway. */
export const SHORT_ACCESS_TOKEN_TTL_IN_SECONDS = 10

/**
 * A `name` of about 5,000 characters that does not compress (words of a hash chain): with it a
 * sealed session passes one cookie's ~4 KB and must be split, and stays far below the 16 KB of
 * request headers Node accepts.
 */
export const LARGE_NAME = largeName(5_000)

/** The OP's users for the recipes: those of the interop OP and `large`, whose name is {@link LARGE_NAME}. */
export const RECIPE_USERS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  ...USERS,
  large: {
    name: LARGE_NAME,
    given_name: 'Large',
    family_name: 'Session',
    email: 'large@example.test',
    email_verified: true,
  },
}

/** The environment a recipe reads (WEB-SPEC.md, "Recipes"). */
export interface RecipeEnv {
  readonly ISSUER: string
  readonly CLIENT_ID: string
  readonly CLIENT_SECRET: string
  /** `http://127.0.0.1:<PORT>`, no trailing slash. */
  readonly APP_URL: string
  readonly PORT: string
  /** base64url of 32 random bytes. */
  readonly SESSION_SECRET: string
}

/** One recipe instance the OP knows: its client id and the origin it serves on. */
export interface RecipeClient {
  readonly clientId: string
  readonly appUrl: string
}

/** What the OP did, counted from its events since it started. */
export interface OpCounters {
  /** Successful `refresh_token` grants. */
  refreshGrants: number
  /** Refused `refresh_token` grants, whatever the reason (reuse included). */
  refreshFailures: number
  /** Refresh tokens presented again after rotation (the OP revoked the grant). */
  reuseDetections: number
  /** Back-channel logout tokens the RP answered with 200. */
  backChannelLogouts: number
  /** Back-channel logout tokens the RP refused (or that failed to arrive). */
  backChannelFailures: number
}

/** The OP of a recipe suite. */
export interface RecipeOp {
  readonly op: RunningOp
  readonly issuer: string
  /** The counters, live (read them before and after the step you count). */
  readonly counters: Readonly<OpCounters>
  /**
   * On: each access token issued from now on lives {@link SHORT_ACCESS_TOKEN_TTL_IN_SECONDS} plus
   * the number issued since the switch (10, 11, 12… s), so with the RP's 60 s leeway every request
   * refreshes and each refresh visibly moves `expiresAt`. Off: 600 s (no refresh).
   */
  shortAccessTokens(on: boolean): void
  /**
   * Every token, code and ID token the OP issued so far (to check that nothing printed contains one).
   * @returns the values
   */
  issuedSecrets(): readonly string[]
  close(): Promise<void>
}

/**
 * Starts the OP on 127.0.0.1 with one confidential client per recipe instance: redirect
 * `${appUrl}/auth/callback`, post-logout `${appUrl}/auth/signed-out`, back-channel logout to
 * `${appUrl}/auth/backchannel-logout` (session required), the code and refresh grants, a refresh
 * token with every code exchange and a new one on every refresh.
 * @param clients - the recipe instances
 * @returns the running OP, its counters and the access-token lifetime switch
 */
export async function startRecipeOp(clients: readonly RecipeClient[]): Promise<RecipeOp> {
  let short = false
  let issuedSinceSwitch = 0
  const counters: OpCounters = {
    refreshGrants: 0,
    refreshFailures: 0,
    reuseDetections: 0,
    backChannelLogouts: 0,
    backChannelFailures: 0,
  }
  const secrets: string[] = []
  const op = await startOp({
    users: RECIPE_USERS,
    rotateRefreshTokens: true,
    accessTokenTtl: () => (short ? SHORT_ACCESS_TOKEN_TTL_IN_SECONDS + issuedSinceSwitch++ : 600),
    clients: clients.map(({ clientId, appUrl }) => ({
      client_id: clientId,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${appUrl}/auth/callback`],
      post_logout_redirect_uris: [`${appUrl}/auth/signed-out`],
      backchannel_logout_uri: `${appUrl}/auth/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    })),
  })
  const { provider } = op
  provider.on('grant.success', (ctx) => {
    const { oidc, body } = ctx as OpContext
    for (const key of ['access_token', 'refresh_token', 'id_token'] as const) {
      const value = body?.[key]
      if (typeof value === 'string') secrets.push(value)
    }
    if (oidc.params.grant_type === 'refresh_token') counters.refreshGrants++
  })
  provider.on('grant.error', (ctx, error) => {
    if ((ctx as OpContext).oidc.params.grant_type !== 'refresh_token') return
    counters.refreshFailures++
    if ((error as { error_detail?: unknown }).error_detail === 'refresh token already used') {
      counters.reuseDetections++
    }
  })
  provider.on('authorization_code.saved', (code) => {
    secrets.push((code as { jti: string }).jti)
  })
  provider.on('backchannel.success', () => {
    counters.backChannelLogouts++
  })
  provider.on('backchannel.error', () => {
    counters.backChannelFailures++
  })
  return {
    op,
    issuer: op.issuer,
    counters,
    shortAccessTokens(on) {
      short = on
      issuedSinceSwitch = 0
    },
    issuedSecrets: () => [...secrets],
    close: () => op.close(),
  }
}

/** The parts of oidc-provider's Koa context the counters read. */
interface OpContext {
  readonly oidc: { readonly params: Readonly<Record<string, unknown>> }
  readonly body?: Readonly<Record<string, unknown>>
}

/** How to start one recipe. */
export interface RecipeLaunch {
  /**
   * The command and its arguments, e.g. `['node', '--import', 'tsx', 'examples/express/app.ts']`,
   * or a function of the environment (for commands that take the port as an argument).
   */
  readonly command: readonly string[] | ((env: RecipeEnv) => readonly string[])
  /** The working directory; default the repository root. */
  readonly cwd?: string
  /** More environment variables (the process's own and {@link RecipeEnv} are always given). */
  readonly env?: Readonly<Record<string, string>>
  /** How long the recipe may take to print `listening <APP_URL>`; default 20 s. */
  readonly startTimeoutInMs?: number
  /** Runs once before anything starts (e.g. `next build`); its failure fails the suite. */
  readonly prepare?: () => Promise<void>
  /** The suite's timeout; default 120 s. */
  readonly suiteTimeoutInMs?: number
}

/** A running recipe process. */
export interface RunningRecipe {
  readonly url: string
  readonly env: RecipeEnv
  /**
   * What the process printed so far (stdout and stderr, interleaved, the last 256 KB).
   * @returns the text
   */
  output(): string
  /** Stops the process and everything it started (its process group). */
  stop(): Promise<void>
}

/**
 * A free TCP port on 127.0.0.1 (asked of the system, released at once).
 * @returns the port
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

/**
 * A fresh session secret: base64url of 32 random bytes.
 * @returns the secret
 */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url')
}

/** The most output kept per recipe process. */
const MAX_OUTPUT = 256 * 1024
/** How long a stopped recipe may take to exit before it is killed. */
const STOP_GRACE_IN_MS = 5_000

/**
 * Spawns the recipe in its own process group with the environment, and waits for its
 * `listening <APP_URL>` line. Fails fast, with everything it printed, when it exits first or does not
 * print the line in time.
 * @param launch - the command, working directory, more environment, start timeout
 * @param env - the recipe's environment
 * @returns the running recipe
 */
export async function startRecipe(launch: RecipeLaunch, env: RecipeEnv): Promise<RunningRecipe> {
  const argv = typeof launch.command === 'function' ? launch.command(env) : launch.command
  const [file, ...args] = argv
  if (file === undefined) throw new Error('the recipe command is empty')
  const childEnv: Record<string, string | undefined> = { ...process.env, ...launch.env, ...env }
  delete childEnv.NODE_TEST_CONTEXT // the child is an application, not a test file
  const child = spawn(file, args, {
    cwd: launch.cwd ?? ROOT,
    env: childEnv,
    detached: true, // its own process group: stop() ends whatever it spawned (npx, next…)
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const killOnExit = () => killGroup(child, 'SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null) return
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_IN_MS)
    await exited
    clearTimeout(timer)
  }
  const describe = () => `${argv.join(' ')} (APP_URL ${env.APP_URL})`
  try {
    await new Promise<void>((resolve, reject) => {
      const expected = `listening ${env.APP_URL}`
      let seen = ''
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('utf8')
        if (seen.split(/\r?\n/).some((line) => line.trim() === expected)) done()
      }
      const onError = (error: Error) => done(error)
      const onClose = (code: number | null, signal: string | null) =>
        done(new Error(`exited (${signal ?? code}) before printing "${expected}"`))
      const timeout = launch.startTimeoutInMs ?? 20_000
      const timer = setTimeout(
        () => done(new Error(`did not print "${expected}" within ${timeout} ms`)),
        timeout,
      )
      function done(error?: Error) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.off('error', onError)
        child.off('close', onClose)
        if (error === undefined) resolve()
        else reject(error)
      }
      child.stdout?.on('data', onData)
      child.once('error', onError)
      child.once('close', onClose)
    })
  } catch (error) {
    await stop()
    throw new Error(
      `the recipe ${describe()} ${(error as Error).message}; it printed:\n${output || '(nothing)'}`,
    )
  }
  return { url: env.APP_URL, env, output: () => output, stop }
}

/** Sends a signal to the child's process group (ignored when it is gone already). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // the group has exited
  }
}

/** A deterministic text of about `length` characters that compresses poorly. */
function largeName(length: number): string {
  const words = ['Large']
  let seed = createHash('sha256').update('oidc-rp large session').digest()
  while (words.join(' ').length < length) {
    words.push(seed.toString('base64url').slice(0, 10))
    seed = createHash('sha256').update(seed).digest()
  }
  return words.join(' ')
}
