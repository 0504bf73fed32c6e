/**
 * Metric 1: the code callback with ID token validation (signature verified, JWKS cached), through
 * an injected `fetch` that answers the token request from memory.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import { createLocalJWKSet, jwtVerify } from 'jose'
import * as oc from 'openid-client'
import type { Configuration, Transaction } from '../../src/index.js'
import type { Sdk } from '../lib/build.js'
import {
  type Alg,
  CLIENT_ID,
  CLIENT_SECRET,
  callbackUrl,
  cannedOp,
  FAULTS,
  type Fault,
  ISSUER,
  idToken,
  metadata,
  NONCE,
  type OpKeys,
  REDIRECT_URI,
  randomValue,
  tokenResponseBody,
} from '../lib/fixtures.js'
import type { Contender } from '../lib/harness.js'
import { BOUND } from '../lib/report.js'

export const VERIFIER = 'bench-pkce-code-verifier-0123456789abcdefghijklmnop'

/** A contender plus its correctness check: does it reject a token with this fault? */
export interface CheckedContender<I = unknown> extends Contender<I> {
  /** Runs one operation with a faulty ID token; true when it was rejected. */
  readonly rejects: (fault: Fault | undefined) => Promise<boolean>
}

async function rejected(op: () => Promise<unknown>): Promise<boolean> {
  try {
    await op()
    return false
  } catch {
    return true
  }
}

/** This SDK: handleCallback with the default memory store; UserInfo off (openid-client's grant has none). */
async function oidcRp(sdk: Sdk, keys: OpKeys, alg: Alg): Promise<CheckedContender<string>> {
  const { createConfiguration, createMemoryTransactionStore, handleCallback } = sdk
  const key = keys.byAlg[alg]
  const good = tokenResponseBody(await idToken(key))
  const op = cannedOp(keys, good)
  const store = createMemoryTransactionStore()
  const config: Configuration = createConfiguration(
    metadata(),
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      id_token_signed_response_alg: alg,
    },
    { fetch: op.fetch, store, userinfo: 'never' },
  )
  // the browser-binding cookie every pending sign-in is bound to, as a browser would bring it back
  const binding = randomValue()
  const bindingHash = createHash('sha256').update(binding).digest('base64url')
  const pending = async (): Promise<string> => {
    const state = randomValue()
    const now = Math.floor(Date.now() / 1000)
    const transaction: Transaction = {
      state,
      issuer: ISSUER,
      clientId: CLIENT_ID,
      nonce: NONCE,
      codeVerifier: VERIFIER,
      redirectUri: REDIRECT_URI,
      responseType: 'code',
      scope: 'openid',
      createdAt: now,
      expiresAt: now + 600,
      browserBindingHash: bindingHash,
    }
    await store.set(transaction, 600)
    return callbackUrl(state)
  }
  return {
    name: 'oidc-rp',
    prepare: async (count) => {
      const urls: string[] = []
      for (let i = 0; i < count; i++) urls.push(await pending())
      return urls
    },
    run: (url) => handleCallback(config, url, { browserBinding: binding }),
    rejects: async (fault) => {
      op.token = fault === undefined ? good : tokenResponseBody(await idToken(key, fault))
      const url = await pending()
      try {
        return await rejected(() => handleCallback(config, url, { browserBinding: binding }))
      } finally {
        op.token = good
      }
    },
  }
}

/** openid-client 6: authorizationCodeGrant with state, PKCE and nonce checks, through customFetch. */
async function openidClient(
  keys: OpKeys,
  alg: Alg,
  nonRepudiation: boolean,
): Promise<CheckedContender<{ url: string; state: string }>> {
  const key = keys.byAlg[alg]
  const good = tokenResponseBody(await idToken(key))
  const op = cannedOp(keys, good)
  const config = new oc.Configuration(
    metadata() as oc.ServerMetadata,
    CLIENT_ID,
    { client_secret: CLIENT_SECRET, id_token_signed_response_alg: alg },
    oc.ClientSecretBasic(CLIENT_SECRET),
  )
  config[oc.customFetch] = (url, options) => op.fetch(url, options as RequestInit)
  if (nonRepudiation) oc.enableNonRepudiationChecks(config)
  const grant = ({ url, state }: { url: string; state: string }) =>
    oc.authorizationCodeGrant(config, new URL(url), {
      expectedState: state,
      pkceCodeVerifier: VERIFIER,
      expectedNonce: NONCE,
      idTokenExpected: true,
    })
  const input = () => {
    const state = randomValue()
    return { url: callbackUrl(state), state }
  }
  return {
    name: nonRepudiation
      ? 'openid-client (enableNonRepudiationChecks)'
      : 'openid-client (defaults)',
    prepare: (count) => Array.from({ length: count }, input),
    run: grant,
    rejects: async (fault) => {
      op.token = fault === undefined ? good : tokenResponseBody(await idToken(key, fault))
      try {
        return await rejected(() => grant(input()))
      } finally {
        op.token = good
      }
    },
  }
}

/** The floor: jose's jwtVerify of the same ID token with a cached local JWKS, plus the nonce check. */
async function floor(keys: OpKeys, alg: Alg): Promise<CheckedContender<string>> {
  const key = keys.byAlg[alg]
  const good = await idToken(key)
  const jwks = createLocalJWKSet({ keys: [...keys.jwks.keys] })
  const verify = async (jwt: string) => {
    const { payload } = await jwtVerify(jwt, jwks, {
      issuer: ISSUER,
      audience: CLIENT_ID,
      algorithms: [alg],
    })
    if (payload.nonce !== NONCE) throw new Error('nonce mismatch')
    return payload
  }
  return {
    name: 'jose jwtVerify (floor)',
    prepare: (count) => Array.from({ length: count }, () => good),
    run: verify,
    rejects: async (fault) =>
      rejected(async () => verify(fault === undefined ? good : await idToken(key, fault))),
  }
}

export const FLOOR = 'jose jwtVerify (floor)'

/**
 * The work no callback can skip, and nothing else: the canned token response made and read as
 * oidc-rp reads it (one `AbortController`, the body streamed), its JSON parsed, and the ID token's
 * signature verified with Node's fastest primitive (`crypto.verify` on a `KeyObject` made once).
 * No claim is checked and no store is used. Its rate over the floor's is the ceiling of any
 * SDK's ratio in this metric. Not a contender: its checks are not run.
 */
export async function bound(keys: OpKeys, alg: Alg): Promise<Contender<string>> {
  const key = keys.byAlg[alg]
  const op = cannedOp(keys, tokenResponseBody(await idToken(key)))
  const publicKey = createPublicKey({ key: { ...key.publicJwk }, format: 'jwk' })
  const verifyKey =
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey
  const tokenUrl = `${ISSUER}/token`
  return {
    name: BOUND,
    prepare: (count) => Array.from({ length: count }, () => tokenUrl),
    run: async (url) => {
      const controller = new AbortController()
      const response = await op.fetch(url, { method: 'POST', signal: controller.signal })
      const reader = response.body!.getReader()
      let text = ''
      const decoder = new TextDecoder()
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        text += decoder.decode(read.value, { stream: true })
      }
      const jwt = (JSON.parse(text) as { id_token: string }).id_token
      const signed = jwt.lastIndexOf('.')
      const signature = Buffer.from(jwt.slice(signed + 1), 'base64url')
      if (!verify('sha256', Buffer.from(jwt.slice(0, signed)), verifyKey, signature)) {
        throw new Error('bad signature')
      }
    },
  }
}

/** The contenders of metric 1 for one alg, floor last. */
export async function callbackContenders(
  sdk: Sdk,
  keys: OpKeys,
  alg: Alg,
): Promise<CheckedContender[]> {
  return [
    await oidcRp(sdk, keys, alg),
    await openidClient(keys, alg, false),
    await openidClient(keys, alg, true),
    await floor(keys, alg),
  ]
}

/** Correctness of each contender: accepts the valid token, rejects each fault. */
export async function correctness(
  contenders: readonly CheckedContender[],
): Promise<Record<string, Record<string, boolean>>> {
  const table: Record<string, Record<string, boolean>> = {}
  for (const c of contenders) {
    const row: Record<string, boolean> = { 'valid accepted': !(await c.rejects(undefined)) }
    for (const fault of FAULTS) row[`${fault} rejected`] = await c.rejects(fault)
    table[c.name] = row
  }
  return table
}
