/**
 * A minimal, fast stand-in OP for the fuzz properties: fixed keys, a fixed clock, a JWKS endpoint
 * and a signer that signs any header and payload text with any of the OP's keys, an attacker's key
 * or an HMAC secret. Fuzzing needs no discovery or browser round trip, only the RP's parsers.
 */
import { createHash } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { ClientInput } from '../../src/config/client.js'
import {
  type Configuration,
  type ConfigurationOptions,
  createConfiguration,
} from '../../src/config/configuration.js'
import type { Transaction } from '../../src/storage.js'
import { b64u } from './support.js'

export const ISSUER = 'https://op.fuzz.example'
export const CLIENT_ID = 'fuzz-client'
export const CLIENT_SECRET = 'fuzz-client-secret-5b1f0c3e9d2a7486e1f03c5d'
export const REDIRECT_URI = 'https://rp.fuzz.example/cb'
/** The fixed clock of every fuzz configuration, in seconds. */
export const NOW = 1_800_000_000
export const NONCE = 'fuzz-nonce-Qm9hY2RlZmdoaWprbG1u'

/** Who signs a crafted JWS. */
export type Signer =
  | 'op-rs'
  | 'op-es'
  | 'attacker-rs'
  | 'secret'
  | 'wrong-secret'
  | 'public-key-as-secret'
  | 'none'
  | 'garbage'

/** The JWS alg each signer really uses. */
export const SIGNER_ALG: Readonly<Record<Signer, string>> = {
  'op-rs': 'RS256',
  'op-es': 'ES256',
  'attacker-rs': 'RS256',
  secret: 'HS256',
  'wrong-secret': 'HS256',
  'public-key-as-secret': 'HS256',
  none: 'none',
  garbage: 'RS256',
}

/** The kid each signer's key is published (or impersonated) under. */
export const SIGNER_KID: Readonly<Record<Signer, string | undefined>> = {
  'op-rs': 'rs-1',
  'op-es': 'es-1',
  'attacker-rs': 'rs-1',
  secret: undefined,
  'wrong-secret': undefined,
  'public-key-as-secret': undefined,
  none: undefined,
  garbage: 'rs-1',
}

interface KeyPair {
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  readonly privateJwk: JWK
}

async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    privateJwk: await exportJWK(privateKey),
  }
}

const opRs = await keyPair('RS256', 'rs-1')
const opEs = await keyPair('ES256', 'es-1')
const attackerRs = await keyPair('RS256', 'rs-1')

/** The OP's public JWKS. */
export const OP_JWKS = { keys: [opRs.publicJwk, opEs.publicJwk] }
/** The attacker's public key, for `jwk` header injection. */
export const ATTACKER_JWK = attackerRs.publicJwk

/** Every value no error may ever contain: the client secret and the private key material. */
export const SECRETS: readonly string[] = [
  CLIENT_SECRET,
  ...[opRs, opEs, attackerRs].flatMap((k) => [k.privateJwk.d, k.privateJwk.p, k.privateJwk.q]),
].filter((v): v is string => typeof v === 'string')

const encoder = new TextEncoder()
const hmacKeys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret)
  if (key === undefined) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    hmacKeys.set(secret, key)
  }
  return key
}

/**
 * Signs a header and a payload, each given as text or bytes, exactly as given (duplicate keys,
 * invalid JSON and invalid UTF-8 survive).
 * @param header - the protected header text
 * @param payload - the payload text or bytes
 * @param signer - who signs
 * @returns the compact JWS
 */
export async function signRaw(
  header: string,
  payload: string | Uint8Array,
  signer: Signer,
): Promise<string> {
  const input = `${b64u(header)}.${b64u(payload)}`
  const data = encoder.encode(input)
  let signature: ArrayBuffer
  switch (signer) {
    case 'op-rs':
    case 'attacker-rs':
      signature = await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        (signer === 'op-rs' ? opRs : attackerRs).privateKey,
        data,
      )
      break
    case 'op-es':
      signature = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        opEs.privateKey,
        data,
      )
      break
    case 'secret':
    case 'wrong-secret':
    case 'public-key-as-secret': {
      const secret =
        signer === 'secret'
          ? CLIENT_SECRET
          : signer === 'wrong-secret'
            ? 'not-the-client-secret-7f3a9c1e5b'
            : JSON.stringify(opRs.publicJwk)
      signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), data)
      break
    }
    case 'none':
      return `${input}.`
    case 'garbage':
      return `${input}.${b64u('not a signature at all')}`
  }
  return `${input}.${b64u(new Uint8Array(signature))}`
}

/**
 * Signs a JSON header and payload.
 * @param header - the header object
 * @param payload - the claims
 * @param signer - who signs
 * @returns the compact JWS
 */
export function signJson(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: Signer,
): Promise<string> {
  return signRaw(JSON.stringify(header), JSON.stringify(payload), signer)
}

/** The claims of a valid ID token for the fuzz client, issued at {@link NOW}. */
export function validIdTokenClaims(): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'alice',
    aud: CLIENT_ID,
    exp: NOW + 600,
    iat: NOW,
    auth_time: NOW - 60,
    nonce: NONCE,
    sid: 'op-session-1',
  }
}

/** The OP's metadata. */
export function fuzzMetadata(): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    userinfo_endpoint: `${ISSUER}/userinfo`,
    jwks_uri: `${ISSUER}/jwks`,
    pushed_authorization_request_endpoint: `${ISSUER}/par`,
    end_session_endpoint: `${ISSUER}/logout`,
    response_types_supported: [
      'code',
      'id_token',
      'id_token token',
      'code id_token',
      'code token',
      'code id_token token',
    ],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    claims_supported: ['sub', 'name', 'email'],
  }
}

/** A fetch that serves the OP's JWKS and metadata, records every URL, and hands the rest on. */
export interface FuzzFetch {
  readonly fetch: typeof fetch
  /** Every URL requested. */
  readonly urls: string[]
}

/**
 * Builds the fetch of a fuzz configuration.
 * @param handle - answers requests other than the JWKS and discovery (default 404)
 * @returns the fetch and its log
 */
export function fuzzFetch(
  handle: (
    url: URL,
    request: Request,
  ) => Response | undefined | Promise<Response | undefined> = () => undefined,
): FuzzFetch {
  const urls: string[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    urls.push(request.url)
    const url = new URL(request.url)
    const answer = await handle(url, request)
    if (answer !== undefined) return answer
    if (url.href === `${ISSUER}/jwks`) return Response.json(OP_JWKS)
    if (url.href === `${ISSUER}/.well-known/openid-configuration`) {
      return Response.json(fuzzMetadata())
    }
    return new Response('not found', { status: 404 })
  }
  return { fetch, urls }
}

/**
 * A configuration of the fuzz client at the fuzz OP, with the fixed clock.
 * @param fetch - the fetch
 * @param client - client metadata overrides
 * @param options - configuration options
 * @returns the configuration
 */
export function fuzzConfig(
  fetch: typeof globalThis.fetch,
  client: Partial<ClientInput> = {},
  options: ConfigurationOptions = {},
): Configuration {
  return createConfiguration(
    fuzzMetadata(),
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      ...client,
    } as ClientInput,
    { fetch, now: () => NOW * 1000, timeoutInMs: 2000, ...options },
  )
}

export const CODE = 'fuzz-authorization-code-3f9a1c7e5b2d4680'
export const VERIFIER = 'fuzz-code-verifier-7c2e9b4a1f6d3058a2e7c9b1d4f6a8e0c2b4'
export const BACK_ACCESS_TOKEN = 'fuzz-back-access-token-9e7c5a3f1d2b'
export const REFRESH_TOKEN = 'fuzz-callback-refresh-token-5a7c9e1b3d'
/** The ID token the token endpoint returns for {@link CODE}. */
export const BACK_ID_TOKEN = await signJson(
  { alg: 'RS256', kid: 'rs-1' },
  validIdTokenClaims(),
  'op-rs',
)

/**
 * The OP's back channel for one code sign-in: the token endpoint redeems {@link CODE} with
 * {@link VERIFIER}, and {@link REFRESH_TOKEN} (anything else is `invalid_grant`); UserInfo answers
 * alice. For {@link fuzzFetch}.
 * @param url - the request URL
 * @param request - the request
 * @returns the response, or `undefined` for other endpoints
 */
export async function backChannel(url: URL, request: Request): Promise<Response | undefined> {
  if (url.pathname === '/token') {
    const form = new URLSearchParams(await request.text())
    const granted =
      form.get('grant_type') === 'refresh_token'
        ? form.get('refresh_token') === REFRESH_TOKEN
        : form.get('code') === CODE &&
          form.get('code_verifier') === VERIFIER &&
          form.get('redirect_uri') === REDIRECT_URI
    if (!granted) return Response.json({ error: 'invalid_grant' }, { status: 400 })
    return Response.json({
      access_token: BACK_ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: REFRESH_TOKEN,
      id_token: BACK_ID_TOKEN,
    })
  }
  if (url.pathname === '/userinfo') {
    return Response.json({ sub: 'alice', email: 'alice@example.com' })
  }
  return undefined
}

/** The browser-binding cookie value the fuzz browser holds for every pending sign-in. */
export const BROWSER_BINDING = 'fuzz-browser-binding-0123456789abcdefghijklmnop'
/** Its SHA-256, base64url: what the transactions keep. */
export const BROWSER_BINDING_HASH = createHash('sha256').update(BROWSER_BINDING).digest('base64url')

/**
 * A pending code sign-in (PKCE, nonce) for the fuzz client, bound to {@link BROWSER_BINDING}.
 * @param state - its state
 * @param overrides - other members
 * @returns the transaction
 */
export function codeTransaction(state: string, overrides: Partial<Transaction> = {}): Transaction {
  return {
    state,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    nonce: NONCE,
    codeVerifier: VERIFIER,
    redirectUri: REDIRECT_URI,
    responseType: 'code',
    scope: 'openid',
    createdAt: NOW,
    expiresAt: NOW + 600,
    browserBindingHash: BROWSER_BINDING_HASH,
    ...overrides,
  }
}
