/**
 * A real LemonLDAP::NG 2.16 portal for the interop suite: Debian's `liblemonldap-ng-portal-perl`
 * run by `plackup` (no web server) on a free loopback port, with a file configuration written to a
 * scratch folder (OIDC issuer on, fresh RS256 keys, the Demo user backend, the suite's relying
 * parties). Stopped by PID; the folder is removed.
 * @module
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onPath, type ServerProcess, startServerProcess } from '../../support/server-process.js'

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

/** A running portal (the `plackup` process; ready when it serves its discovery document). */
export interface RunningLemonLdap extends ServerProcess {
  /** `http://127.0.0.1:<port>`, the OP's issuer (no trailing slash). */
  readonly issuer: string
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
  if (!onPath('plackup')) return `plackup is not on the PATH: ${INSTALL_HINT}`
  return undefined
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
  const issuerOf = (port: number) => `http://127.0.0.1:${port}`
  const portal = await startServerProcess({
    command: 'plackup',
    name: "LemonLDAP::NG's portal",
    installHint: INSTALL_HINT,
    async prepare(port, dir) {
      const ini = await writeScratch(dir, issuerOf(port), rps)
      return {
        args: ['-E', 'deployment', '--host', '127.0.0.1', '--port', String(port), PORTAL_PSGI],
        env: { LLNG_DEFAULTCONFFILE: ini },
      }
    },
    async probe(port) {
      const url = `${issuerOf(port)}/.well-known/openid-configuration`
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      const body = await response.text()
      if (response.ok && body.includes('"issuer"')) return 'ready'
      // a 5xx: the portal could not load its configuration
      return response.status >= 500 ? 'failed' : 'waiting'
    },
  })
  return { ...portal, issuer: issuerOf(portal.port) }
}
