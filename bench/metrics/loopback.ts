/**
 * Metric 3: the full code flow over loopback HTTP against the small OP of bench/loopback (its own
 * process): authorization URL, the OP's front channel simulated in place (the code is made from the
 * URL, no /authorize request), token request, ID token validation (JWKS fetched once), UserInfo.
 * Flows per second and client CPU per flow, at concurrency 1 and 32, interleaved in rounds.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import * as oc from 'openid-client'
import type { Sdk } from '../lib/build.js'
import { ROOT } from '../lib/build.js'
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } from '../lib/fixtures.js'
import { type Spread, spread } from '../lib/harness.js'

/** A running OP process. */
export interface LoopbackOp {
  readonly issuer: string
  readonly stop: () => Promise<void>
}

/** Starts the OP in its own process and waits for its port. */
export function startOp(): Promise<LoopbackOp> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'loopback', 'op-server.ts')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('the loopback OP did not start')), 30_000)
    child.on('error', reject)
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const port = /listening (\d+)/.exec(out)?.[1]
      if (port === undefined) return
      clearTimeout(timer)
      resolve({
        issuer: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    })
  })
}

/** What a browser and the OP's front channel would do: the callback URL for an authorization URL. */
function authorize(url: URL, issuer: string): string {
  const q = url.searchParams
  const grant = { n: q.get('nonce'), c: q.get('code_challenge'), r: q.get('redirect_uri') }
  const code = Buffer.from(JSON.stringify(grant)).toString('base64url')
  return `${grant.r}?code=${code}&state=${q.get('state')}&iss=${encodeURIComponent(issuer)}`
}

/** One contender: a whole sign-in. */
export interface FlowContender {
  readonly name: string
  readonly flow: () => Promise<void>
}

/** This SDK: discover, createAuthorizationRequest, handleCallback (UserInfo on, its default). */
async function oidcRpFlow(sdk: Sdk, issuer: string): Promise<FlowContender> {
  const config = await sdk.discover(issuer, {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
  })
  return {
    name: 'oidc-rp',
    flow: async () => {
      const { url, browserBinding } = await sdk.createAuthorizationRequest(config)
      const result = await sdk.handleCallback(config, authorize(url, issuer), {
        browserBinding: browserBinding?.value ?? '',
      })
      if (result.userinfo?.sub !== 'user-1234') throw new Error('no UserInfo')
    },
  }
}

/** openid-client: discovery, buildAuthorizationUrl, authorizationCodeGrant, fetchUserInfo. */
async function openidClientFlow(issuer: string, nonRepudiation: boolean): Promise<FlowContender> {
  const execute = [oc.allowInsecureRequests]
  if (nonRepudiation) execute.push(oc.enableNonRepudiationChecks)
  const config = await oc.discovery(
    new URL(issuer),
    CLIENT_ID,
    CLIENT_SECRET,
    oc.ClientSecretBasic(CLIENT_SECRET),
    {
      execute,
    },
  )
  return {
    name: nonRepudiation
      ? 'openid-client (enableNonRepudiationChecks)'
      : 'openid-client (defaults)',
    flow: async () => {
      const state = oc.randomState()
      const nonce = oc.randomNonce()
      const verifier = oc.randomPKCECodeVerifier()
      const url = oc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        state,
        nonce,
        code_challenge: await oc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      const tokens = await oc.authorizationCodeGrant(config, new URL(authorize(url, issuer)), {
        expectedState: state,
        expectedNonce: nonce,
        pkceCodeVerifier: verifier,
        idTokenExpected: true,
      })
      const claims = tokens.claims()
      if (claims === undefined) throw new Error('no ID token')
      const userinfo = await oc.fetchUserInfo(config, tokens.access_token, claims.sub)
      if (userinfo.sub !== 'user-1234') throw new Error('no UserInfo')
    },
  }
}

/** The contenders, openid-client (defaults) as the reference. */
export async function flowContenders(sdk: Sdk, issuer: string): Promise<FlowContender[]> {
  return [
    await oidcRpFlow(sdk, issuer),
    await openidClientFlow(issuer, false),
    await openidClientFlow(issuer, true),
  ]
}

export const FLOW_REFERENCE = 'openid-client (defaults)'

/** One contender's result at one concurrency. */
export interface FlowResult {
  readonly name: string
  readonly concurrency: number
  readonly flowsPerSecond: Spread
  /** Rate over the reference's in the same round. */
  readonly ratio: Spread
  /** Client CPU (user + system) per flow, in microseconds. */
  readonly cpuMicrosPerFlow: Spread
  /** CPU per flow over the reference's in the same round (lower is better). */
  readonly cpuRatio: Spread
  /** The raw per-round rates. */
  readonly rounds: readonly number[]
}

async function slice(
  contender: FlowContender,
  concurrency: number,
  ms: number,
): Promise<{ rate: number; cpu: number }> {
  let flows = 0
  const end = performance.now() + ms
  const cpu = process.cpuUsage()
  const started = performance.now()
  const worker = async () => {
    while (performance.now() < end) {
      await contender.flow()
      flows++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { rate: (flows * 1000) / elapsed, cpu: (used.user + used.system) / flows }
}

/**
 * Runs the contenders interleaved at each concurrency.
 * @param contenders - the flows
 * @param plan - concurrencies, rounds, slice length
 * @returns one result per contender and concurrency
 */
export async function runFlows(
  contenders: readonly FlowContender[],
  plan: { concurrencies: readonly number[]; rounds: number; sliceMs: number },
): Promise<FlowResult[]> {
  const results: FlowResult[] = []
  for (const concurrency of plan.concurrencies) {
    for (const c of contenders) await slice(c, concurrency, plan.sliceMs / 2) // warm-up
    const rates = contenders.map(() => [] as number[])
    const cpus = contenders.map(() => [] as number[])
    for (let round = 0; round < plan.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + round) % contenders.length
        const { rate, cpu } = await slice(contenders[i]!, concurrency, plan.sliceMs)
        rates[i]!.push(rate)
        cpus[i]!.push(cpu)
      }
    }
    const ref = contenders.findIndex((c) => c.name === FLOW_REFERENCE)
    contenders.forEach((c, i) => {
      results.push({
        name: c.name,
        concurrency,
        flowsPerSecond: spread(rates[i]!),
        ratio: spread(rates[i]!.map((r, round) => r / rates[ref]![round]!)),
        cpuMicrosPerFlow: spread(cpus[i]!),
        cpuRatio: spread(cpus[i]!.map((u, round) => u / cpus[ref]![round]!)),
        rounds: rates[i]!,
      })
    })
  }
  return results
}
