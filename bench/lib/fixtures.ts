/**
 * Keys, tokens and canned HTTP for the benchmark: one OP (issuer, metadata, JWKS) whose token and
 * UserInfo answers are prepared once and served by an injected `fetch` without sockets.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

export const ISSUER = 'https://op.example.com'
export const CLIENT_ID = 'bench-client'
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef'
export const REDIRECT_URI = 'https://rp.example.com/callback'
/** The nonce every canned ID token carries: each transaction of the run is given it. */
export const NONCE = 'n-0S6_WzA2Mj-bench-nonce-value-000000000000'
export const SUB = 'user-1234'
export const ACCESS_TOKEN = 'at-bench-access-token-value'
export const ALGS = ['RS256', 'ES256'] as const
export type Alg = (typeof ALGS)[number]

/** The OP's metadata (Discovery §3), as served. */
export function metadata(issuer = ISSUER): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    request_object_signing_alg_values_supported: ['RS256', 'ES256'],
    request_parameter_supported: true,
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    scopes_supported: ['openid', 'profile', 'email'],
    claims_supported: ['sub', 'name', 'email'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  }
}

/** One signing key of the OP (or the client), with its public JWK. */
export interface SigningKey {
  readonly alg: Alg
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

/** Makes an RS256 (2048-bit) or ES256 key pair. */
export async function makeKey(alg: Alg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, publicJwk }
}

/** The OP's keys: one per alg. */
export interface OpKeys {
  readonly byAlg: Readonly<Record<Alg, SigningKey>>
  readonly jwks: { readonly keys: readonly JWK[] }
}

export async function makeOpKeys(): Promise<OpKeys> {
  const rs = await makeKey('RS256', 'op-rs256')
  const es = await makeKey('ES256', 'op-es256')
  return { byAlg: { RS256: rs, ES256: es }, jwks: { keys: [rs.publicJwk, es.publicJwk] } }
}

/** The faults each contender must reject, beside the valid token. */
export const FAULTS = ['bad signature', 'wrong aud', 'expired', 'wrong nonce', 'wrong iss'] as const
export type Fault = (typeof FAULTS)[number]

/** Signs an ID token for the client, valid for an hour, optionally with one fault. */
export async function idToken(key: SigningKey, fault?: Fault, nonce = NONCE): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const claims: JWTPayload & Record<string, unknown> = {
    iss: fault === 'wrong iss' ? 'https://evil.example.com' : ISSUER,
    sub: SUB,
    aud: fault === 'wrong aud' ? 'another-client' : CLIENT_ID,
    exp: fault === 'expired' ? now - 3600 : now + 3600,
    iat: fault === 'expired' ? now - 7200 : now,
    auth_time: now,
    nonce: fault === 'wrong nonce' ? 'another-nonce' : nonce,
  }
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey)
  if (fault !== 'bad signature') return jwt
  // Flip one character in the middle of the signature (the last one may carry padding bits).
  const at = jwt.lastIndexOf('.') + 10
  return `${jwt.slice(0, at)}${jwt[at] === 'A' ? 'B' : 'A'}${jwt.slice(at + 1)}`
}

/** The token endpoint's success body for an ID token. */
export function tokenResponseBody(jwt: string): string {
  return JSON.stringify({
    access_token: ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: 3600,
    scope: 'openid',
    id_token: jwt,
  })
}

export const USERINFO_BODY = JSON.stringify({
  sub: SUB,
  name: 'Alice Bench',
  email: 'a@example.com',
})

const JSON_HEADERS = { 'content-type': 'application/json' }

/** The canned answers an injected `fetch` serves, by path; `token` may change between calls. */
export interface CannedOp {
  /** The token endpoint's body (changed to serve a faulty ID token). */
  token: string
  readonly fetch: typeof fetch
  /** Requests answered, by path, for sanity checks. */
  readonly counts: Map<string, number>
}

/** A `fetch` that answers from memory: discovery, JWKS, token, UserInfo; nothing else. */
export function cannedOp(keys: OpKeys, tokenBody: string, issuer = ISSUER): CannedOp {
  const discovery = JSON.stringify(metadata(issuer))
  const jwks = JSON.stringify(keys.jwks)
  const counts = new Map<string, number>()
  const op: CannedOp = {
    token: tokenBody,
    counts,
    fetch: async (input) => {
      const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const path = href.slice(issuer.length)
      counts.set(path, (counts.get(path) ?? 0) + 1)
      switch (path) {
        case '/.well-known/openid-configuration':
          return new Response(discovery, { headers: JSON_HEADERS })
        case '/jwks':
          return new Response(jwks, { headers: JSON_HEADERS })
        case '/token':
          return new Response(op.token, { headers: JSON_HEADERS })
        case '/userinfo':
          return new Response(USERINFO_BODY, { headers: JSON_HEADERS })
        default:
          return new Response('not found', { status: 404 })
      }
    },
  }
  return op
}

/** A fresh 43-character base64url value (256 bits), as state, nonce and verifier are made. */
export function randomValue(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** The callback URL the OP redirects to. */
export function callbackUrl(state: string, code = 'bench-authorization-code'): string {
  return `${REDIRECT_URI}?code=${code}&state=${state}&iss=${encodeURIComponent(ISSUER)}`
}
