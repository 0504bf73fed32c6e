/**
 * Shared helpers of the mock OP tests: client keys (generated once per test file), PKCE, URLs,
 * token requests and ID token verification.
 */

import {
  base64url,
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose'
import type { AuthorizeOptions, MockClient, MockOP } from '../../src/testing/index.js'

export const REDIRECT = 'https://rp.example/cb'
export const SECRET = 'a-shared-secret-long-enough-for-hs512-0123456789-abcdefghijklmnopqrstuvwxyz'
export const USERS = {
  alice: {
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    email: 'alice@example.com',
    email_verified: true,
  },
  bob: { name: 'Bob', email: 'bob@example.com', email_verified: false },
}

/** A client key pair: the private key to sign or decrypt with and the public JWK to register. */
export interface ClientKey {
  alg: string
  privateKey: CryptoKey
  jwk: JWK
}

/** Generates a client key pair with a kid and use. */
async function clientKey(alg: string, kid: string, use: 'sig' | 'enc'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  return { alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use } }
}

const CLIENT_KEYS = {
  rs256: ['RS256', 'sig'],
  ps256: ['PS256', 'sig'],
  es256: ['ES256', 'sig'],
  eddsa: ['EdDSA', 'sig'],
  rsaEnc: ['RSA-OAEP-256', 'enc'],
  ecEnc: ['ECDH-ES', 'enc'],
} as const

/** The client keys a test file needs, generated once, in parallel (kid `client-<name>`). */
export async function generateClientKeys<N extends keyof typeof CLIENT_KEYS>(
  ...names: N[]
): Promise<Record<N, ClientKey>> {
  const generated = await Promise.all(
    names.map((name) => clientKey(CLIENT_KEYS[name][0], `client-${name}`, CLIENT_KEYS[name][1])),
  )
  return Object.fromEntries(names.map((name, i) => [name, generated[i]])) as Record<N, ClientKey>
}

/** A confidential client with a secret, registered for `client_secret_basic`. */
export function secretClient(clientId: string, extra: Partial<MockClient> = {}): MockClient {
  return { client_id: clientId, client_secret: SECRET, redirect_uris: [REDIRECT], ...extra }
}

/** A PKCE verifier and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)))
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return { verifier, challenge: base64url.encode(new Uint8Array(digest)) }
}

/** The authorization endpoint URL with parameters. */
export function authorizationUrl(op: MockOP, params: Record<string, string>): string {
  const url = new URL(String(op.metadata().authorization_endpoint))
  url.search = new URLSearchParams(params).toString()
  return url.href
}

/** Starts a code flow with PKCE and completes it as a user: returns the code and verifier. */
export async function obtainCode(
  op: MockOP,
  clientId: string,
  extra: Record<string, string> = {},
  options: AuthorizeOptions = { user: 'alice' },
) {
  const { verifier, challenge } = await pkcePair()
  const url = authorizationUrl(op, {
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  })
  const response = await op.authorize(url, options)
  const code = response.params.get('code')
  if (code === null) throw new Error(`no code: ${response.params}`)
  return { code, verifier, response }
}

/** POSTs a form to an OP endpoint. */
export function postForm(
  op: MockOP,
  endpoint: 'token' | 'par' | 'userinfo' | 'revocation' | 'introspection',
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const member =
    endpoint === 'par' ? 'pushed_authorization_request_endpoint' : `${endpoint}_endpoint`
  return op.fetch(String(op.metadata()[member]), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  })
}

/** The `Authorization: Basic` value of RFC 6749 §2.3.1 (form-urlencoded id and secret). */
export function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`
}

/** Exchanges a code at the token endpoint with client_secret_basic. */
export async function redeem(op: MockOP, clientId: string, code: string, verifier: string) {
  const response = await postForm(
    op,
    'token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
    { authorization: basic(clientId, SECRET) },
  )
  return { response, body: (await response.json()) as Record<string, string> }
}

/** Verifies a JWT with the OP's published JWKS, checking iss and aud. */
export async function verifyWithOp(op: MockOP, jwt: string, audience: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(op.jwks()), {
    issuer: op.issuer,
    audience,
  })
  return payload
}

/** A client assertion (RFC 7523) for client_secret_jwt or private_key_jwt. */
export function assertion(
  clientId: string,
  audience: string,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string },
  claims: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    jti: base64url.encode(crypto.getRandomValues(new Uint8Array(12))),
    ...claims,
  })
    .setProtectedHeader(header)
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(key)
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
