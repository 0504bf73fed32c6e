/**
 * A real LemonLDAP::NG 2.16 portal for the interop suite: Debian's `liblemonldap-ng-portal-perl`
 * run by `plackup` (no web server) on a free loopback port, with a file configuration written to a
 * scratch folder (OIDC issuer on, fresh RS256 keys, the Demo user backend, the suite's relying
 * parties). Stopped by PID; the folder is removed.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { performance } from 'node:perf_hooks'

/** The portal's PSGI application, as the Debian package installs it. */
export const PORTAL_PSGI = '/usr/share/lemonldap-ng/portal/htdocs/index.psgi'
const TEMPLATES = '/usr/share/lemonldap-ng/portal/templates'
const INSTALL_HINT =
  'install the Debian packages with: apt-get install liblemonldap-ng-portal-perl libplack-perl'

/** A relying party as LemonLDAP::NG's configuration knows it (`oidcRPMetaDataOptions*`). */
export interface RelyingParty {
  /** `ClientID`. */
  readonly clientId: string
  /** `ClientSecret`: also the HMAC key of HS256 request objects and ID tokens. */
  readonly clientSecret?: string
  /** `Public`: the token endpoint takes `client_id` without a secret. Default false. */
  readonly public?: boolean
  /** `RedirectUris`. */
  readonly redirectUris: readonly string[]
  /** `PostLogoutRedirectUris`. */
  readonly postLogoutRedirectUris?: readonly string[]
  /** `RequirePKCE`: without it the OP ignores `code_verifier`. Default false. */
  readonly requirePkce?: boolean
  /** `RefreshToken`: issue refresh tokens tied to the SSO session. Default false. */
  readonly refreshToken?: boolean
  /** `IDTokenSignAlg`. Default RS256. */
  readonly idTokenSignAlg?: string
  /** `UserInfoSignAlg`: answer UserInfo as a JWT signed with this alg. Default JSON. */
  readonly userInfoSignAlg?: string
  /** `BypassConsent`: never ask the user. Default true. */
  readonly bypassConsent?: boolean
}

/** A running portal. */
export interface RunningLemonLdap {
  /** `http://127.0.0.1:<port>`, the OP's issuer (no trailing slash). */
  readonly issuer: string
  readonly port: number
  /** The `plackup` process. */
  readonly pid: number
  /** From spawning `plackup` to the first discovery document served, in milliseconds. */
  readonly startupMs: number
  /** The portal's log so far (its warnings and errors), to explain a failure. */
  log(): string
  /** Stops the portal by PID and removes its scratch folder. */
  close(): Promise<void>
}

/** The claims each relying party gets, from the Demo backend's session attributes. */
const EXPORTED_CLAIMS = { name: 'cn', email: 'mail', preferred_username: 'uid' }

/**
 * Why the portal cannot run here, or `undefined` when it can.
 * @returns the reason with the install command
 */
export function lemonLdapMissing(): string | undefined {
  if (!existsSync(PORTAL_PSGI)) {
    return `LemonLDAP::NG's portal is not installed (${PORTAL_PSGI} is missing): ${INSTALL_HINT}`
  }
  const path = (process.env.PATH ?? '').split(delimiter)
  if (!path.some((dir) => dir !== '' && existsSync(join(dir, 'plackup')))) {
    return `plackup is not on the PATH: ${INSTALL_HINT}`
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

/** The OP's RS256 signing key pair, in the PEM forms LemonLDAP::NG reads. */
function signingKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

/** `lmConf-1.json`: the whole portal configuration (LemonLDAP::NG fills in the defaults). */
function configuration(
  issuer: string,
  dir: string,
  keys: { privateKey: string; publicKey: string },
  rps: Readonly<Record<string, RelyingParty>>,
): Record<string, unknown> {
  const options: Record<string, Record<string, string | number>> = {}
  const exported: Record<string, Record<string, string>> = {}
  for (const [name, rp] of Object.entries(rps)) {
    options[name] = {
      oidcRPMetaDataOptionsClientID: rp.clientId,
      ...(rp.clientSecret !== undefined
        ? { oidcRPMetaDataOptionsClientSecret: rp.clientSecret }
        : {}),
      oidcRPMetaDataOptionsPublic: rp.public === true ? 1 : 0,
      oidcRPMetaDataOptionsRedirectUris: rp.redirectUris.join(' '),
      oidcRPMetaDataOptionsPostLogoutRedirectUris: (rp.postLogoutRedirectUris ?? []).join(' '),
      oidcRPMetaDataOptionsIDTokenSignAlg: rp.idTokenSignAlg ?? 'RS256',
      oidcRPMetaDataOptionsRequirePKCE: rp.requirePkce === true ? 1 : 0,
      oidcRPMetaDataOptionsRefreshToken: rp.refreshToken === true ? 1 : 0,
      oidcRPMetaDataOptionsBypassConsent: rp.bypassConsent === false ? 0 : 1,
      ...(rp.userInfoSignAlg !== undefined
        ? { oidcRPMetaDataOptionsUserInfoSignAlg: rp.userInfoSignAlg }
        : {}),
    }
    exported[name] = { ...EXPORTED_CLAIMS }
  }
  const fileStore = (name: string) => ({
    Directory: join(dir, name),
    LockDirectory: join(dir, name, 'lock'),
  })
  return {
    cfgNum: 1,
    cfgVersion: '2.16.1',
    cfgAuthor: 'oidc-rp interop suite',
    cfgDate: String(Math.floor(Date.now() / 1000)), // 0 reads as "no configuration"
    key: randomBytes(24).toString('base64url'),
    portal: `${issuer}/`,
    domain: '127.0.0.1',
    securedCookie: 0,
    locationRules: {}, // the default protects no host, and its "deny" breaks the loader
    exportedHeaders: {},
    authentication: 'Demo',
    userDB: 'Same',
    passwordDB: 'Demo',
    registerDB: 'Null',
    demoExportedVars: { cn: 'cn', mail: 'mail', uid: 'uid' },
    notification: 0,
    globalStorage: 'Apache::Session::File',
    globalStorageOptions: {
      ...fileStore('sessions'),
      generateModule: 'Lemonldap::NG::Common::Apache::Session::Generate::SHA256',
    },
    persistentStorage: 'Apache::Session::File',
    persistentStorageOptions: fileStore('psessions'),
    localSessionStorage: 'Cache::FileCache',
    localSessionStorageOptions: {
      cache_root: join(dir, 'cache'),
      namespace: 'lemonldap-ng-sessions',
      cache_depth: 3,
      default_expires_in: 600,
      directory_umask: '007',
    },
    issuerDBOpenIDConnectActivation: 1,
    oidcServiceMetaDataIssuer: issuer,
    oidcServicePrivateKeySig: keys.privateKey,
    oidcServicePublicKeySig: keys.publicKey,
    oidcServiceKeyIdSig: 'lemonldap-interop',
    oidcServiceAllowImplicitFlow: 1,
    oidcServiceAllowHybridFlow: 1,
    oidcRPMetaDataOptions: options,
    oidcRPMetaDataExportedVars: exported,
  }
}

/** `lemonldap-ng.ini`: where the configuration is, and the portal's local settings. */
function iniFile(dir: string): string {
  return [
    '[all]',
    'logLevel = warn',
    '[configuration]',
    'type = File',
    `dirName = ${join(dir, 'conf')}`,
    '[portal]',
    'staticPrefix = /static',
    `templateDir = ${TEMPLATES}`,
    'languages = en',
    '',
  ].join('\n')
}

/** Writes the scratch folder: ini, configuration, session directories. */
async function writeScratch(
  dir: string,
  issuer: string,
  rps: Readonly<Record<string, RelyingParty>>,
): Promise<string> {
  for (const sub of ['conf', 'sessions/lock', 'psessions/lock', 'cache']) {
    await mkdir(join(dir, sub), { recursive: true })
  }
  const config = configuration(issuer, dir, signingKeys(), rps)
  await writeFile(join(dir, 'conf', 'lmConf-1.json'), JSON.stringify(config, null, 1))
  const ini = join(dir, 'lemonldap-ng.ini')
  await writeFile(ini, iniFile(dir))
  return ini
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

/** Waits until the portal serves its discovery document; false when it exited or gave up. */
async function ready(issuer: string, child: ChildProcess): Promise<boolean> {
  const url = `${issuer}/.well-known/openid-configuration`
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      const body = await response.text()
      if (response.ok && body.includes('"issuer"')) return true
      if (response.status >= 500) return false // the portal could not load its configuration
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

/**
 * Starts the portal as an OpenID Provider for the given relying parties, on a free loopback port.
 * @param rps - the relying parties, by configuration key (letters, digits, `-` and `_`)
 * @returns the running portal
 * @throws Error when LemonLDAP::NG or plackup is not installed (saying how to install them), or
 * when the portal does not start (with its log)
 */
export async function startLemonLdap(
  rps: Readonly<Record<string, RelyingParty>>,
): Promise<RunningLemonLdap> {
  const missing = lemonLdapMissing()
  if (missing !== undefined) throw new Error(missing)
  let lastLog = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const issuer = `http://127.0.0.1:${port}`
    const dir = await mkdtemp(join(tmpdir(), 'oidc-rp-lemonldap-'))
    const removeDir = () => rmSync(dir, { recursive: true, force: true })
    let ini: string
    try {
      ini = await writeScratch(dir, issuer, rps)
    } catch (err) {
      removeDir()
      throw err
    }
    const started = performance.now()
    const child = spawn(
      'plackup',
      ['-E', 'deployment', '--host', '127.0.0.1', '--port', String(port), PORTAL_PSGI],
      { env: { ...process.env, LLNG_DEFAULTCONFFILE: ini }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    // whatever happens to the test process, the portal and its folder go with it
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
      throw new Error(`plackup could not be started (${spawned.message}): ${INSTALL_HINT}`)
    }
    if (await ready(issuer, child)) {
      const startupMs = Math.round(performance.now() - started)
      return { issuer, port, pid: child.pid ?? 0, startupMs, log: () => log, close }
    }
    await close()
    lastLog = log
    if (!/failed to listen|Address already in use/i.test(log)) break // not a port race
  }
  throw new Error(
    `LemonLDAP::NG's portal did not start; its log ends with:\n${lastLog.slice(-3000)}`,
  )
}
