/**
 * The Debian packages the test suites need, installed when missing: `npm test` calls
 * {@link ensureSystemPackages} before any suite, and `tsx scripts/system-packages.ts` does the same
 * on its own (`--check` only reports). As root on a machine with `apt-get` the missing packages
 * are installed non-interactively, with no service started by the install; anywhere else it fails
 * at once with the commands to run. Every step is bounded in time: nothing here can hang.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** One need of the suites: the Debian packages that meet it and how to tell they are there. */
interface Need {
  /** Who needs it, for the messages. */
  readonly neededBy: string
  /** The packages to install when it is missing. */
  readonly packages: readonly string[]
  /** Commands that must be on the PATH. */
  readonly commands?: readonly string[]
  /** Files that must exist. */
  readonly files?: readonly string[]
  /** debconf answers given before the install (`debconf-set-selections` lines). */
  readonly debconf?: readonly string[]
}

/** What the suites need: the one list (`.ci/run` has none of its own). */
export const NEEDS: readonly Need[] = [
  {
    neededBy: 'the oidc-rp/redis suites (test/stores/redis*.test.ts)',
    packages: ['redis-server'],
    commands: ['redis-server'],
  },
  {
    neededBy: 'the browser runtime and end-to-end suites (test:browser, test:e2e)',
    packages: ['chromium'],
    commands: ['chromium'],
  },
  {
    neededBy: 'the Glewlwyd interop suite (test/interop/glewlwyd)',
    // dbconfig-no-thanks: the package must not set up a database of its own
    packages: ['glewlwyd', 'dbconfig-no-thanks'],
    commands: ['glewlwyd', 'sqlite3'],
    debconf: [
      'glewlwyd glewlwyd/config_type select No configuration',
      'glewlwyd glewlwyd/dbconfig-install boolean false',
    ],
  },
  {
    neededBy: 'the LemonLDAP::NG interop suite (test/interop/lemonldap)',
    packages: ['liblemonldap-ng-portal-perl', 'libplack-perl'],
    commands: ['plackup'],
    files: ['/usr/share/lemonldap-ng/portal/htdocs/index.psgi'],
  },
]

/** Upper bounds of the steps, in milliseconds. */
const LIMITS = { update: 5 * 60_000, install: 15 * 60_000, quick: 30_000 }
/** While it exists, invoke-rc.d starts no service (Debian policy-rc.d interface, exit 101). */
const POLICY_RC_D = '/usr/sbin/policy-rc.d'

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)))
}

/** The needs not met on this machine. */
export function missingNeeds(needs: readonly Need[] = NEEDS): Need[] {
  return needs.filter(
    (need) =>
      !(need.commands ?? []).every(onPath) || !(need.files ?? []).every((f) => existsSync(f)),
  )
}

/** The shell commands that install the packages of `needs`, as a person would type them. */
export function installCommands(needs: readonly Need[], sudo = 'sudo '): string[] {
  const packages = needs.flatMap((need) => need.packages)
  const debconf = needs.flatMap((need) => need.debconf ?? [])
  return [
    ...(debconf.length > 0
      ? [`printf '%s\\n' ${debconf.map((l) => `'${l}'`).join(' ')} | ${sudo}debconf-set-selections`]
      : []),
    `${sudo}apt-get update`,
    `${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`,
  ]
}

/** Runs one command, bounded in time, its output shown; throws with what failed. */
function run(command: string, args: readonly string[], timeout: number, input?: string): void {
  const result = spawnSync(command, args, {
    stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'],
    input,
    timeout,
    killSignal: 'SIGKILL',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true' },
  })
  const line = `${command} ${args.join(' ')}`
  if (result.error !== undefined) {
    const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
    throw new Error(
      timedOut ? `${line} did not finish within ${timeout / 1000} s` : `${line}: ${result.error}`,
    )
  }
  if (result.status !== 0) throw new Error(`${line} exited with ${result.status ?? result.signal}`)
}

/** Installs the packages of `needs` with apt-get, no service started meanwhile. */
function install(needs: readonly Need[]): void {
  const debconf = needs.flatMap((need) => need.debconf ?? [])
  if (debconf.length > 0) {
    run('debconf-set-selections', [], LIMITS.quick, `${debconf.join('\n')}\n`)
  }
  run('apt-get', ['update', '-q'], LIMITS.update)
  const ownPolicy = !existsSync(POLICY_RC_D)
  if (ownPolicy) {
    writeFileSync(
      POLICY_RC_D,
      '#!/bin/sh\n# oidc-rp npm test: no service starts during its install\nexit 101\n',
    )
    chmodSync(POLICY_RC_D, 0o755)
  }
  try {
    run(
      'apt-get',
      [
        'install',
        '-y',
        '-q',
        '-o',
        'DPkg::Lock::Timeout=120',
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...needs.flatMap((need) => need.packages),
      ],
      LIMITS.install,
    )
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true })
  }
}

/** The message of a machine where the packages cannot be installed from here. */
function cannotInstall(missing: readonly Need[], why: string): string {
  const lines = missing.map((need) => `  ${need.packages.join(' ')}: for ${need.neededBy}`)
  return [
    `Missing system packages (${why}):`,
    ...lines,
    'Install them with:',
    ...installCommands(missing).map((command) => `  ${command}`),
  ].join('\n')
}

/**
 * Makes sure the system packages of the suites are there: nothing to do, installed now (root with
 * apt-get), or an error saying which are missing and the commands that install them.
 * @param options - `check`: only report, install nothing
 * @throws Error naming the missing packages and the commands to run, or the step that failed
 */
export function ensureSystemPackages(options: { check?: boolean } = {}): void {
  const missing = missingNeeds()
  if (missing.length === 0) return
  if (options.check === true) throw new Error(cannotInstall(missing, 'checked only'))
  if (!onPath('apt-get')) throw new Error(cannotInstall(missing, 'this machine has no apt-get'))
  if (process.getuid?.() !== 0) {
    throw new Error(cannotInstall(missing, 'npm test installs them only when run as root'))
  }
  const packages = missing.flatMap((need) => need.packages).join(' ')
  console.log(`Installing the system packages the suites need: ${packages}`)
  const started = Date.now()
  install(missing)
  const still = missingNeeds(missing)
  if (still.length > 0) {
    throw new Error(cannotInstall(still, 'apt-get finished but they are still missing'))
  }
  console.log(`Installed ${packages} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    ensureSystemPackages({ check: process.argv.includes('--check') })
    console.log('System packages: all present')
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 1
  }
}
