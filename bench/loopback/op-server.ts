/**
 * A small OP for the loopback metric, in its own process: discovery, JWKS, token and UserInfo over
 * plain HTTP on 127.0.0.1. Stateless: the authorization code is the base64url JSON of what the
 * authorization request carried (nonce, PKCE challenge, redirect_uri), made by the benchmark in
 * place of a browser, so no /authorize round trip is measured. The token endpoint checks client
 * authentication (Basic), the redirect_uri and PKCE, and signs an RS256 ID token with node:crypto.
 * Prints `listening <port>` when ready.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const CLIENT_ID = process.env.BENCH_CLIENT_ID ?? 'bench-client'
const CLIENT_SECRET = process.env.BENCH_CLIENT_SECRET ?? 'bench-client-secret-0123456789abcdef'
const KID = 'loopback-rs256'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const signingKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }))
const jwks = JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }],
})
const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: KID, typ: 'JWT' })).toString(
  'base64url',
)

let issuer = ''
const stats = { connections: 0, requests: 0 }
let discovery = ''

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => done(body))
    req.on('error', fail)
  })
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded, then base64. */
function authenticated(header: string | undefined): boolean {
  if (!header?.startsWith('Basic ')) return false
  const [id, secret] = Buffer.from(header.slice(6), 'base64')
    .toString('utf8')
    .split(':')
    .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
  return id === CLIENT_ID && secret === CLIENT_SECRET
}

function idToken(nonce: string): string {
  const now = Math.floor(Date.now() / 1000)
  const payload = Buffer.from(
    JSON.stringify({
      iss: issuer,
      sub: 'user-1234',
      aud: CLIENT_ID,
      exp: now + 3600,
      iat: now,
      auth_time: now,
      nonce,
    }),
  ).toString('base64url')
  const input = `${header}.${payload}`
  return `${input}.${sign('sha256', Buffer.from(input), signingKey).toString('base64url')}`
}

async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = new URLSearchParams(await readBody(req))
  if (!authenticated(req.headers.authorization)) {
    return send(res, 401, JSON.stringify({ error: 'invalid_client' }))
  }
  let grant: { n: string; c: string; r: string }
  try {
    grant = JSON.parse(Buffer.from(form.get('code') ?? '', 'base64url').toString('utf8'))
  } catch {
    return send(res, 400, JSON.stringify({ error: 'invalid_grant' }))
  }
  const verifier = form.get('code_verifier') ?? ''
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  if (
    form.get('grant_type') !== 'authorization_code' ||
    form.get('redirect_uri') !== grant.r ||
    challenge !== grant.c
  ) {
    return send(res, 400, JSON.stringify({ error: 'invalid_grant' }))
  }
  send(
    res,
    200,
    JSON.stringify({
      access_token: `at.${randomBytes(16).toString('base64url')}`,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid',
      id_token: idToken(grant.n),
    }),
  )
}

const server = createServer((req, res) => {
  stats.requests++
  const path = (req.url ?? '').split('?')[0]
  if (path === '/stats') {
    const cpu = process.cpuUsage()
    return send(res, 200, JSON.stringify({ ...stats, cpuMicros: cpu.user + cpu.system }))
  }
  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    return send(res, 200, discovery)
  }
  if (req.method === 'GET' && path === '/jwks') return send(res, 200, jwks)
  if (req.method === 'POST' && path === '/token') {
    token(req, res).catch(() => send(res, 500, '{}'))
    return
  }
  if (path === '/userinfo') {
    if (!req.headers.authorization?.startsWith('Bearer at.')) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"')
      return send(res, 401, '')
    }
    return send(res, 200, JSON.stringify({ sub: 'user-1234', name: 'Alice Bench' }))
  }
  send(res, 404, '{}')
})
server.keepAliveTimeout = 60_000
server.on('connection', () => {
  stats.connections++
})

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  issuer = `http://127.0.0.1:${port}`
  discovery = JSON.stringify({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid'],
    claims_supported: ['sub', 'name'],
    authorization_response_iss_parameter_supported: true,
  })
  process.stdout.write(`listening ${port}\n`)
})

process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('disconnect', () => process.exit(0))
