/**
 * Mutual TLS (RFC 8705) against a real OP: oidc-provider 8 with `features.mTLS`, its
 * `mtls_endpoint_aliases` served over `https.createServer({ requestCert: true })` on 127.0.0.1,
 * certificates made at test time by openssl (a CA, a server certificate for 127.0.0.1, a client
 * certificate from the CA, a self-signed client certificate). The RP's fetch is undici's, with an
 * `Agent` that presents the client certificate: what docs/mtls.md tells applications to do on Node.
 * Every refusal has its passing twin.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createPublicKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { TLSSocket } from 'node:tls'
import { Agent, fetch as undiciFetch } from 'undici'
import {
  type ClientInput,
  type Configuration,
  discover,
  fetchUserInfo,
  type OAuthResponseError,
  type SignInResult,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { type RunningOp, startOp } from './op-server.js'
import { callbackInput, PROFILE, REDIRECT } from './rp.js'

const browser = inBrowser()
const SECRET = 'interop-mtls-client-secret-0123456789abcdef'
registerSecret(SECRET)

/** The PEM files of one certificate and its key. */
interface Pair {
  readonly cert: string
  readonly key: string
}

/** openssl, or a clear failure saying how to get it. */
function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'the mTLS interop test needs openssl to make its certificates: apt-get install openssl',
      )
    }
    throw error
  }
}

/** A CA, a server certificate for 127.0.0.1, a CA-issued client and a self-signed client. */
function makeCertificates(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=interop-ca',
    ],
    dir,
  )
  const issue = (name: string, subject: string, extensions: string) => {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir)
    writeFileSync(join(dir, `${name}.ext`), extensions)
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    )
  }
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  issue('client', '/CN=mtls-client', 'extendedKeyUsage=clientAuth\n')
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'self.key',
      '-out',
      'self.pem',
      '-days',
      '1',
      '-subj',
      '/CN=self-signed-client',
    ],
    dir,
  )
  const read = (name: string): Pair => ({
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  })
  return { ca: read('ca').cert, server: read('server'), client: read('client'), self: read('self') }
}

let dir: string
let certs: ReturnType<typeof makeCertificates>
let tls: Server
let op: RunningOp
/** The paths the TLS listener served, and whether a certificate came with each. */
const served: { path: string; certificate: boolean }[] = []

/** What the mTLS hooks read of oidc-provider's (koa) context. */
type OpContext = { readonly req: IncomingMessage }

/** The certificate the TLS connection of a request presented, if any. */
function peerCertificate(req: IncomingMessage): X509Certificate | undefined {
  const socket = req.socket as Partial<TLSSocket>
  if (typeof socket.getPeerCertificate !== 'function') return undefined
  const peer = socket.getPeerCertificate()
  return peer?.raw === undefined ? undefined : new X509Certificate(peer.raw)
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oidc-rp-mtls-'))
  certs = makeCertificates(dir)
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
  tls = createServer(
    { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      served.push({ path: req.url ?? '', certificate: peerCertificate(req) !== undefined })
      handle(req, res)
    },
  )
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
  const alias = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`
  const selfJwk = {
    ...createPublicKey(certs.self.cert).export({ format: 'jwk' }),
    x5c: [new X509Certificate(certs.self.cert).raw.toString('base64')],
  }
  const code = { redirect_uris: [REDIRECT], response_types: ['code'] }
  op = await startOp({
    clients: [
      {
        client_id: 'tls',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=mtls-client',
        ...code,
      },
      {
        client_id: 'self-signed',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [selfJwk] },
        ...code,
      },
      {
        client_id: 'bound',
        client_secret: SECRET,
        tls_client_certificate_bound_access_tokens: true,
        ...code,
      },
    ],
    adjust: (configuration) => {
      configuration.clientAuthMethods = [
        'client_secret_basic',
        'tls_client_auth',
        'self_signed_tls_client_auth',
      ]
      configuration.discovery = {
        mtls_endpoint_aliases: {
          token_endpoint: `${alias}/token`,
          userinfo_endpoint: `${alias}/me`,
          pushed_authorization_request_endpoint: `${alias}/request`,
        },
      }
      configuration.features = {
        ...configuration.features,
        mTLS: {
          enabled: true,
          certificateBoundAccessTokens: true,
          tlsClientAuth: true,
          selfSignedTlsClientAuth: true,
          getCertificate: (ctx: OpContext) => peerCertificate(ctx.req),
          certificateAuthorized: (ctx: OpContext) =>
            (ctx.req.socket as TLSSocket).authorized === true,
          certificateSubjectMatches: (ctx: OpContext, property: string, expected: string) =>
            property === 'tls_client_auth_subject_dn' &&
            peerCertificate(ctx.req)?.subject === expected,
        },
      }
    },
  })
  const callback = op.provider.callback()
  handle = (req, res) => callback(req, res)
})

after(async () => {
  await op?.close()
  tls?.closeAllConnections()
  await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A fetch presenting a certificate (or none), trusting the test CA: undici's fetch and Agent. */
function presenting(pair: Pair | undefined): typeof fetch {
  const agent = new Agent({ connect: { ca: certs.ca, ...(pair ?? {}) } })
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof fetch
}

function connect(client: Partial<ClientInput> & { client_id: string }, pair: Pair | undefined) {
  return discover(
    op.issuer,
    { redirect_uris: [REDIRECT], ...client },
    { fetch: presenting(pair), policy: PROFILE },
  )
}

async function signIn(config: Configuration): Promise<SignInResult> {
  const { url } = await browser.createAuthorizationRequest(config)
  return browser.handleCallback(
    config,
    callbackInput(await op.completeLogin(url, { user: 'alice' })),
  )
}

/** The TLS listener's requests since a mark. */
function servedSince(mark: number) {
  return served.slice(mark)
}

describe('tls_client_auth (RFC 8705 §2.1) at oidc-provider', () => {
  test('the CA-issued client certificate authenticates the token request at the alias, over TLS', async () => {
    const config = await connect(
      { client_id: 'tls', token_endpoint_auth_method: 'tls_client_auth' },
      certs.client,
    )
    const mark = served.length
    const result = await signIn(config)
    assert.equal(result.idTokenClaims.sub, 'alice')
    assert.deepEqual(
      servedSince(mark).filter((r) => r.path.startsWith('/token')),
      [{ path: '/token', certificate: true }],
    )
  })

  test('the self-signed certificate (not from the CA) is refused by the OP with invalid_client', async () => {
    const config = await connect(
      { client_id: 'tls', token_endpoint_auth_method: 'tls_client_auth' },
      certs.self,
    )
    const err = await expectCode<OAuthResponseError>(signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('no certificate at all is refused by the OP with invalid_client; the twin is the first test', async () => {
    const config = await connect(
      { client_id: 'tls', token_endpoint_auth_method: 'tls_client_auth' },
      undefined,
    )
    const err = await expectCode<OAuthResponseError>(signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })

  test('PAR goes to the alias and is authenticated by the certificate', async () => {
    const config = await discover(
      op.issuer,
      {
        client_id: 'tls',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'tls_client_auth',
      },
      { fetch: presenting(certs.client), policy: { ...PROFILE, transport: 'par' } },
    )
    const mark = served.length
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
    assert.ok(servedSince(mark).some((r) => r.path === '/request' && r.certificate))
  })
})

describe('self_signed_tls_client_auth (RFC 8705 §2.2) at oidc-provider', () => {
  test('the registered self-signed certificate signs in', async () => {
    const config = await connect(
      { client_id: 'self-signed', token_endpoint_auth_method: 'self_signed_tls_client_auth' },
      certs.self,
    )
    assert.equal((await signIn(config)).idTokenClaims.sub, 'alice')
  })

  test('another certificate (the CA-issued one, not registered) is refused with invalid_client', async () => {
    const config = await connect(
      { client_id: 'self-signed', token_endpoint_auth_method: 'self_signed_tls_client_auth' },
      certs.client,
    )
    const err = await expectCode<OAuthResponseError>(signIn(config), 'TOKEN_ERROR_RESPONSE')
    assert.equal(err.error, 'invalid_client')
  })
})

describe('certificate-bound access tokens (RFC 8705 §3) at oidc-provider', () => {
  const bound = {
    client_id: 'bound',
    client_secret: SECRET,
    tls_client_certificate_bound_access_tokens: true,
  }

  test('the token and UserInfo requests go to the aliases with the certificate, and UserInfo answers', async () => {
    const config = await connect(bound, certs.client)
    const mark = served.length
    const result = await signIn(config)
    assert.equal(result.claims.email, 'alice@example.test')
    const paths = servedSince(mark).map((r) => `${r.path} ${r.certificate}`)
    assert.deepEqual(paths, ['/token true', '/me true'])
  })

  test('the bound token presented with another certificate is refused by UserInfo (invalid_token)', async () => {
    const result = await signIn(await connect(bound, certs.client))
    const other = await connect(bound, certs.self)
    const err = await expectCode<OAuthResponseError>(
      fetchUserInfo(other, result.accessToken?.value ?? '', { expectedSubject: 'alice' }),
      'USERINFO_BEARER_CHALLENGE',
    )
    assert.equal(err.error, 'invalid_token')
  })

  test('the twin: the same token with its own certificate is accepted', async () => {
    const config = await connect(bound, certs.client)
    const result = await signIn(config)
    const claims = await fetchUserInfo(config, result.accessToken?.value ?? '', {
      expectedSubject: 'alice',
    })
    assert.equal(claims.sub, 'alice')
  })
})
