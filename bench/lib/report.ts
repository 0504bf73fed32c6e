/**
 * The results of a run, the targets they are judged against, and their rendering as BENCH.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BundleResult } from '../metrics/bundle.js'
import type { ColdResult } from '../metrics/cold-start.js'
import type { FlowResult } from '../metrics/loopback.js'
import { ROOT } from './build.js'
import { type ContenderResult, type Spread, spread } from './harness.js'

/** A throughput result with the contender's correctness checks, when it has them. */
export interface CheckedResult extends ContenderResult {
  readonly checks?: Readonly<Record<string, boolean>>
}

/** Everything one run measured. */
export interface BenchResults {
  readonly meta: {
    readonly date: string
    readonly mode: 'full' | 'quick'
    readonly node: string
    readonly platform: string
    readonly cpu: string
    readonly cores: number
    readonly loadBefore: readonly number[]
    readonly loadAfter: readonly number[]
    readonly seconds: number
    readonly versions: Readonly<Record<string, string>>
    readonly plans: Readonly<Record<string, unknown>>
  }
  readonly callback?: Readonly<Record<string, readonly CheckedResult[]>>
  readonly authorization?: Readonly<Record<string, readonly CheckedResult[]>>
  readonly loopback?: readonly FlowResult[]
  readonly coldStart?: readonly ColdResult[]
  readonly bundle?: readonly BundleResult[]
  readonly memory?: {
    readonly callbacks: readonly {
      readonly name: string
      readonly callbacks: number
      readonly heapStart: number
      readonly heapEnd: number
      readonly bytesPerCallback: number
      readonly medianBytesPerCallback: number
    }[]
    /** The SDK's heap-snapshot diff over the run: reachable bytes per callback, top growth by type. */
    readonly retained: {
      readonly name: string
      readonly callbacks: number
      readonly bytesPerCallback: number
      readonly grown: readonly (readonly [string, number])[]
    }
    readonly store: { readonly pending: number; readonly bytesPerTransaction: number }
  }
  /** DPoP (metric 7), by operation (`refresh`, `userinfo`); absent from runs before it existed. */
  readonly dpop?: Readonly<Record<string, readonly CheckedResult[]>>
}

/** One target and how the run fared. */
export interface TargetResult {
  readonly target: string
  readonly measured: string
  readonly met: boolean
}

export const SDK = 'oidc-rp'
export const OC_NONREP = 'openid-client (enableNonRepudiationChecks)'
/** The memory baseline: what the benchmark itself does per callback, and nothing else. */
export const BASELINE = 'baseline: the canned token response alone'
/** Metric 1's bound: the token response and the signature check alone (bench/metrics/callback.ts). */
export const BOUND = 'bound: token response + signature only'

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const range = (s: Spread, digits = 2) =>
  `${fmt(s.median, digits)} [${fmt(s.p25, digits)}–${fmt(s.p75, digits)}]`

function find<T extends { readonly name: string }>(list: readonly T[], name: string): T {
  const found = list.find((x) => x.name === name)
  if (found === undefined) throw new Error(`no result for ${name}`)
  return found
}

/** The per-round ratio of two contenders measured in the same rounds. */
function pairRatio(a: ContenderResult, b: ContenderResult): Spread {
  return spread(a.rounds.map((rate, i) => rate / b.rounds[i]!))
}

/**
 * Judges a run against the issue's targets.
 * @param r - the results
 * @returns one line per target
 */
export function targets(r: BenchResults): TargetResult[] {
  const out: TargetResult[] = []
  for (const [alg, list] of Object.entries(r.callback ?? {})) {
    const sdk = find(list, SDK)
    const vsOc = pairRatio(sdk, find(list, OC_NONREP))
    out.push({
      target: `Callback ${alg} ≥ 1.5× openid-client (enableNonRepudiationChecks)`,
      measured: `${range(vsOc)}×`,
      met: vsOc.median >= 1.5,
    })
    const ceiling = list.find((c) => c.name === BOUND)
    out.push({
      target: `Callback ${alg} ≥ 1.5× the jose floor (issue 16)`,
      measured: `${range(sdk.ratio)}×${ceiling === undefined ? '' : `; ceiling ${fmt(ceiling.ratio.median)}× (${BOUND})`}`,
      met: sdk.ratio.median >= 1.5,
    })
  }
  const auth = r.authorization ?? {}
  if (auth.plain !== undefined) {
    const sdk = find(auth.plain, SDK)
    out.push({
      target: 'Authorization URL, plain ≥ 1.0× openid-client',
      measured: `${fmt(sdk.ratio.median)}×`,
      met: sdk.ratio.median >= 1,
    })
  }
  for (const alg of ['RS256', 'ES256']) {
    const list = auth[`signed ${alg}`]
    if (list === undefined) continue
    const sdk = find(list, SDK)
    out.push({
      target: `Signed request object ${alg} within 10% of jose SignJWT alone`,
      measured: `${fmt(sdk.ratio.median)}×`,
      met: sdk.ratio.median >= 0.9,
    })
  }
  for (const flow of r.loopback ?? []) {
    if (flow.name !== SDK) continue
    const same = (r.loopback ?? []).find(
      (f) => f.name === OC_NONREP && f.concurrency === flow.concurrency,
    )
    if (same === undefined) continue
    const vsSame = spread(flow.rounds.map((rate, i) => rate / same.rounds[i]!))
    out.push({
      target: `Loopback full flow, concurrency ${flow.concurrency}: not slower than openid-client with the same checks (enableNonRepudiationChecks)`,
      measured: `${range(vsSame)}× flows/s; vs its defaults (ID token signature not checked) ${range(flow.ratio)}×, CPU per flow ${fmt(flow.cpuRatio.median)}×`,
      met: vsSame.median >= 1,
    })
  }
  if (r.coldStart !== undefined) {
    const sdk = find(r.coldStart, SDK)
    const signIn = sdk.signInRatio.median
    out.push({
      target: 'Cold start import ≤ 0.66× openid-client (issue 16)',
      measured: `${fmt(sdk.importMs.median, 1)} ms vs ${fmt(find(r.coldStart, 'openid-client').importMs.median, 1)} ms (${fmt(sdk.ratio.median)}×)`,
      met: sdk.ratio.median <= 0.66,
    })
    out.push({
      target: 'Cold start import + first sign-in no slower than openid-client',
      measured: `${fmt(signIn)}×`,
      met: signIn <= 1,
    })
  }
  if (r.bundle !== undefined) {
    const sdk = find(r.bundle, SDK)
    const holds = sdk.forbidden.length > 0 ? `; holds ${sdk.forbidden.join(', ')}` : ''
    out.push({
      target:
        'Browser bundle of the sign-in path no larger than openid-client (gzip, what the path loads)',
      measured: `${int(sdk.gzipBytes)} B vs ${int(find(r.bundle, 'openid-client').gzipBytes)} B (${fmt(sdk.ratio)}×)${holds}`,
      met: sdk.ratio <= 1 && sdk.forbidden.length === 0,
    })
    const floor = r.bundle.find((b) => b.name === 'oidc-client-ts')
    if (floor !== undefined) {
      out.push({
        target: 'Floor: browser bundle below oidc-client-ts UserManager',
        measured: `${int(sdk.gzipBytes)} B vs ${int(floor.gzipBytes)} B (${fmt(sdk.gzipBytes / floor.gzipBytes)}×); without any text ${int(sdk.textFreeGzipBytes)} B (${fmt(sdk.textFreeGzipBytes / floor.gzipBytes)}×)`,
        met: sdk.gzipBytes < floor.gzipBytes,
      })
    }
  }
  if (r.memory !== undefined) {
    const sdk = find(r.memory.callbacks, SDK)
    const base = r.memory.callbacks.find((c) => c.name === BASELINE)
    const kept = r.memory.retained
    out.push({
      target: `Memory: no growth, under 1 byte per callback over ${int(sdk.callbacks)} (reachable heap, snapshots)`,
      measured: `${fmt(kept.bytesPerCallback)} B/callback reachable; heapUsed slope ${fmt(sdk.bytesPerCallback)} (the canned response alone: ${base === undefined ? 'n/a' : fmt(base.bytesPerCallback)})`,
      met: kept.bytesPerCallback < 1,
    })
    out.push({
      target: 'Memory store under 1 KiB per pending transaction',
      measured: `${int(r.memory.store.bytesPerTransaction)} B`,
      met: r.memory.store.bytesPerTransaction < 1024,
    })
  }
  for (const [operation, list] of Object.entries(r.dpop ?? {})) {
    const sdk = find(list, SDK)
    out.push({
      target: `DPoP ${DPOP_LABELS[operation] ?? operation} no slower than openid-client's DPoP`,
      measured: `${range(sdk.ratio)}×`,
      met: sdk.ratio.median >= 1,
    })
  }
  return out
}

/** What each DPoP operation is, in the targets and BENCH.md. */
const DPOP_LABELS: Readonly<Record<string, string>> = {
  refresh: 'token request (refresh_token grant)',
  userinfo: 'UserInfo with a DPoP-bound access token',
}

const CHECK_NAMES = [
  'valid accepted',
  'bad signature rejected',
  'wrong aud rejected',
  'expired rejected',
  'wrong nonce rejected',
  'wrong iss rejected',
]

function throughputTable(
  list: readonly CheckedResult[],
  floor: string,
  checkNames: readonly string[] = [],
): string {
  const head = [
    'contender',
    'ops/s (median)',
    `× ${floor}: median [p25–p75]`,
    'min–max',
    ...checkNames,
  ]
  const rows = list.map((c) => {
    const row = [
      c.name,
      int(c.opsPerSecond.median),
      range(c.ratio),
      `${fmt(c.ratio.min)}–${fmt(c.ratio.max)}`,
    ]
    row.push(...checkNames.map((k) => (c.checks === undefined ? '—' : c.checks[k] ? '✓' : '✗')))
    return row
  })
  return table(head, rows)
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}

/**
 * Renders BENCH.md.
 * @param r - the results
 * @returns the Markdown
 */
export function renderMarkdown(r: BenchResults): string {
  const m = r.meta
  const parts: string[] = []
  parts.push(`# Benchmarks

Generated by \`npm run bench\`${m.mode === 'quick' ? ' -- --quick (smoke check: few, short rounds)' : ''} on ${m.date}, in ${Math.round(m.seconds)} s.

- Node ${m.node} on ${m.platform}, ${m.cpu} × ${m.cores}; load average ${m.loadBefore.map((l) => fmt(l)).join(' / ')} before, ${m.loadAfter.map((l) => fmt(l)).join(' / ')} after.
- Versions: ${Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.
- Throughput metrics run every contender in one process, interleaved: warm-up, then rounds of short time slices in a rotating order. Each round's rate is divided by the floor's rate of the same round, so the ratios hold on a shared, loaded machine where absolute numbers do not. Shown: median ratio over the rounds [25th–75th percentile], and min–max.
- All HTTP in metrics ${r.dpop === undefined ? '1 and 2' : '1, 2 and 7'} goes through an injected \`fetch\` answering canned \`Response\`s (no sockets). The SDK runs as \`npm run build\` publishes it (one ES module per entry, \`scripts/build.ts\`), not through a loader.
- Reproduce a profile with \`npx tsx bench/profile.ts <target>\` (see the end of this file).`)
  parts.push(
    `## Targets\n\n${table(
      ['target', 'measured', 'met'],
      targets(r).map((t) => [t.target, t.measured, t.met ? '✅' : '❌']),
    )}`,
  )
  if (r.callback !== undefined) {
    parts.push(`## 1. Code callback + ID token validation

Callback URL → state and \`iss\` → token request through the injected \`fetch\` → token response → ID token validation with its signature verified, JWKS already cached. The SDK runs \`handleCallback\` with \`userinfo: 'never'\` (openid-client's grant calls no UserInfo; the SDK's default would), its default memory store holding the pending transaction (put there outside the timed region). openid-client runs \`authorizationCodeGrant\` with \`expectedState\`, \`pkceCodeVerifier\`, \`expectedNonce\` and \`idTokenExpected\` through its \`customFetch\`, with its defaults (the token endpoint's ID token signature is not verified) and with \`enableNonRepudiationChecks\`. The floor is \`jose.jwtVerify\` of the same ID token with a cached \`createLocalJWKSet\` plus the nonce check. Each contender's checks are run beside its speed: a valid token accepted, each fault rejected.`)
    for (const [alg, list] of Object.entries(r.callback)) {
      const sdk = find(list, SDK)
      parts.push(
        `### ${alg}\n\n${throughputTable(list, 'floor', CHECK_NAMES)}\n\noidc-rp ÷ openid-client (enableNonRepudiationChecks), per round: **${range(pairRatio(sdk, find(list, OC_NONREP)))}×**.`,
      )
    }
  }
  if (r.authorization !== undefined) {
    parts.push(`## 2. Authorization URL

Plain: fresh \`state\`, \`nonce\` and PKCE verifier, the S256 challenge, the URL with a plain query. The SDK's \`createAuthorizationRequest\` also merges the request policy and saves the transaction in its default memory store; openid-client's \`randomState\`/\`randomNonce\`/\`randomPKCECodeVerifier\`/\`calculatePKCECodeChallenge\`/\`buildAuthorizationUrl\` leave keeping them to the application. Signed: the same parameters in a request object by value (RFC 9101) signed with the client's key; the floor is jose's \`SignJWT\` of comparable claims alone (no randomness, no URL, no store).`)
    for (const [name, list] of Object.entries(r.authorization)) {
      const floor = name === 'plain' ? 'openid-client' : 'SignJWT'
      parts.push(`### ${name}\n\n${throughputTable(list, floor)}`)
    }
  }
  if (r.loopback !== undefined) {
    parts.push(`## 3. Full code flow over loopback HTTP

Against the small OP of \`bench/loopback/op-server.ts\` in its own process (discovery and JWKS once per configuration; per flow: authorization URL, token request with Basic client authentication and PKCE checked by the OP, RS256 ID token validation, UserInfo). The OP's front channel is simulated in place: the code is made from the authorization URL, no \`/authorize\` request. Both use the runtime's global \`fetch\` (undici, keep-alive). openid-client runs \`authorizationCodeGrant\` then \`fetchUserInfo\`. CPU is the client process's user + system time per flow. Ratios in the table are to openid-client (defaults) in the same round, which does not verify the token endpoint's ID token signature; the target compares with \`enableNonRepudiationChecks\`, which does, as oidc-rp always does. For CPU, lower is better.

${table(
  ['concurrency', 'contender', 'flows/s', '× openid-client', 'CPU µs/flow', 'CPU × openid-client'],
  r.loopback.map((f) => [
    String(f.concurrency),
    f.name,
    int(f.flowsPerSecond.median),
    range(f.ratio),
    int(f.cpuMicrosPerFlow.median),
    range(f.cpuRatio),
  ]),
)}`)
  }
  if (r.coldStart !== undefined) {
    parts.push(`## 4. Cold start

A fresh \`node\` process imports each package by its name, as an application does: \`import('oidc-rp')\`, the SDK installed beside its package.json as npm installs it (\`npm run build\`'s output: one ES module per entry, \`jose\` and \`oauth4webapi\` left as imports), against \`import('openid-client')\`. It times the \`import()\`; then, from the same start, its first sign-in: discovery, the authorization URL, and the code callback with the ID token's signature verified, every response from an injected \`fetch\` (\`bench/metrics/cold-start-child.ts\`). The second column counts what a library loads on first use (oidc-rp loads jose's verifier with the first callback). Runs alternate between the contenders. Ratios: over openid-client's (with \`enableNonRepudiationChecks\`) in the same round (lower is better).

${table(
  [
    'entry',
    'import ms: median [p25–p75]',
    '× openid-client',
    'import + first sign-in ms: median [p25–p75]',
    '× openid-client',
  ],
  r.coldStart.map((c) => [
    c.name,
    range(c.importMs, 1),
    range(c.ratio),
    range(c.signInMs, 1),
    range(c.signInRatio),
  ]),
)}`)
  }
  if (r.bundle !== undefined) {
    const sdk = find(r.bundle, SDK)
    parts.push(`## 5. Bundle size

The sign-in path of a browser application (\`bench/entries/\`: discovery, the authorization URL with PKCE and \`scope\`, the code callback with the ID token's signature verified, UserInfo), bundled as a user's bundler splits it: \`esbuild --bundle --minify --format=esm --platform=browser --splitting\`, Node built-ins refused, oidc-rp as a user's bundler meets it: the package's published \`browser\` build (\`dist/no-node\`, without the Node fast paths, built as \`npm run build\` builds it). Static imports are the page's initial code; each dynamic \`import()\` is a chunk loaded on first use. The path then runs once (\`bench/metrics/bundle-child.ts\`: Node's crypto hidden as in a page, a canned \`fetch\`) to learn which chunks it loads; those files are counted, each gzipped at level 9 as a server sends it. oidc-client-ts needs a browser to run, so its one file is counted whole (it has no chunks); it does not verify ID token signatures. "one file" is the same entry without splitting (every lazy part inlined). "Every string emptied" is the loaded code with the text of each string literal and template removed (\`withoutText\`): what the code weighs without its messages, a bound on what shorter messages could save.

${table(
  [
    'entry',
    'loaded: minified B',
    'loaded: gzip B',
    '× openid-client',
    'one file, gzip B',
    'loaded, every string emptied: gzip B',
    'files loaded / not loaded (minified B)',
    'bytes by package (minified, loaded)',
    'mock OP / logout / sessions inside',
  ],
  r.bundle.map((b) => [
    b.name,
    int(b.minifiedBytes),
    int(b.gzipBytes),
    fmt(b.ratio),
    int(b.singleFileGzipBytes),
    int(b.textFreeGzipBytes),
    `${b.files.filter((f) => f.loaded).length} / ${b.files.filter((f) => !f.loaded).length} (${int(b.files.filter((f) => !f.loaded).reduce((n, f) => n + f.bytes, 0))})`,
    Object.entries(b.inputs)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', '),
    b.forbidden.length === 0 ? 'none' : b.forbidden.join(', '),
  ]),
)}

Where oidc-rp's loaded bytes go, by source module: the same path bundled the same way from src/ (the published chunks do not name their modules), minified bytes in the files it loads, ${int(sdk.modules.reduce((n, m) => n + m.bytes, 0))} B in all; gzip compresses the whole at about ${fmt(sdk.minifiedBytes / sdk.gzipBytes, 1)}:1:

${table(
  ['module', 'minified B', 'share'],
  sdk.modules.map((m) => [
    m.module,
    int(m.bytes),
    `${fmt((100 * m.bytes) / sdk.minifiedBytes, 1)}%`,
  ]),
)}`)
  }
  if (r.memory !== undefined) {
    parts.push(`## 6. Memory

Callbacks (RS256, the metric-1 setup) in a fresh process with \`--expose-gc\`: after a warm-up of a fifth as many callbacks again (not counted), the heap is sampled every 2.5% of the run after three forced GCs (an event-loop turn between them, so that finalizers run); the slope is the least-squares fit in bytes per callback, and beside it the Theil–Sen slope (the median of the slopes between every two samples). Node's and V8's own bookkeeping moves this heap by ±200 KB between samples, about ±1–2 bytes per callback over the run, for both SDKs alike and for the last row, which only makes and reads the canned token response (the benchmark's own work per callback); see the notes below. Pending transactions: \`createAuthorizationRequest\` with the default memory store, heap growth per pending transaction.

${table(
  [
    'contender',
    'callbacks',
    'heap at start',
    'heap at end',
    'slope B/callback',
    'Theil–Sen B/callback',
  ],
  r.memory.callbacks.map((c) => [
    c.name,
    int(c.callbacks),
    int(c.heapStart),
    int(c.heapEnd),
    fmt(c.bytesPerCallback),
    fmt(c.medianBytesPerCallback),
  ]),
)}

Heap snapshots (each taken after a full GC, counting every reachable object) before and after ${int(r.memory.retained.callbacks)} more oidc-rp callbacks: **${fmt(r.memory.retained.bytesPerCallback)} bytes per callback** reachable (negative: the heap shrank). Largest growth by type: ${r.memory.retained.grown.map(([type, bytes]) => `${type} ${int(bytes)} B`).join(', ')}.

Default memory store: **${int(r.memory.store.bytesPerTransaction)} bytes** per pending transaction (${int(r.memory.store.pending)} pending).`)
  }
  if (r.dpop !== undefined) {
    parts.push(`## 7. DPoP (RFC 9449)

A DPoP-bound token request and UserInfo with a DPoP-bound access token, through the canned OP of metric 1 (the injected \`fetch\`; it answers \`token_type: DPoP\` and does not verify proofs). Each contender has its own ES256 WebCrypto key pair, private key non-extractable, made the same way, and one DPoP handle for the whole run: oidc-rp's \`createDPoPHandle\`, openid-client's \`getDPoPHandle\`. Token request: the refresh_token grant with Basic client authentication, \`refreshTokens(config, refreshToken, { dpop })\` against \`refreshTokenGrant(config, refreshToken, undefined, { DPoP })\`. UserInfo: \`fetchUserInfo(config, accessToken, { dpop, expectedSubject })\` against \`fetchUserInfo(config, accessToken, sub, { DPoP })\`. Ratios are to openid-client in the same round. Each contender's request is checked once beside its speed: a proof sent, its signature verified with the embedded \`jwk\`, \`typ\` \`dpop+jwt\` and \`alg\` ES256, \`htm\` and \`htu\` those of the request, \`ath\` (the token's SHA-256, with \`Authorization: DPoP\`) at UserInfo and none at the token endpoint, and the result (a \`DPoP\` access token; the end-user's claims).`)
    for (const [operation, list] of Object.entries(r.dpop)) {
      parts.push(
        `### ${DPOP_LABELS[operation] ?? operation}\n\n${throughputTable(list, 'openid-client', Object.keys(list[0]?.checks ?? {}))}`,
      )
    }
  }
  parts.push(readFileSync(join(ROOT, 'bench', 'NOTES.md'), 'utf8').trim())
  return `${parts.join('\n\n')}\n`
}
