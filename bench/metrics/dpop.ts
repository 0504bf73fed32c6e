/**
 * Metric 7: DPoP (RFC 9449). A DPoP-bound token request (the refresh_token grant) and UserInfo
 * with a DPoP-bound access token, oidc-rp against openid-client 6's DPoP, through the same canned
 * OP over an injected `fetch`. The OP answers `token_type: DPoP` and does not verify proofs; each
 * contender's proof is checked once, outside the timed region.
 */
import { createHash } from 'node:crypto'
import { EmbeddedJWK, jwtVerify } from 'jose'
import * as oc from 'openid-client'
import type { Configuration } from '../../src/index.js'
import type { Sdk } from '../lib/build.js'
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  CLIENT_SECRET,
  cannedOp,
  ISSUER,
  metadata,
  type OpKeys,
  REDIRECT_URI,
  SUB,
} from '../lib/fixtures.js'
import type { Contender } from '../lib/harness.js'

export const REFRESH_TOKEN = 'rt-bench-refresh-token-value'

/** The token endpoint's answer to a DPoP-bound refresh (RFC 9449 §5): no ID token. */
export const DPOP_TOKEN_BODY = JSON.stringify({
  access_token: ACCESS_TOKEN,
  token_type: 'DPoP',
  expires_in: 3600,
  scope: 'openid',
})

/** The two operations of the metric. */
export const DPOP_OPERATIONS = ['refresh', 'userinfo'] as const
export type DPoPOperation = (typeof DPOP_OPERATIONS)[number]

/** The floor (the ratios' denominator): openid-client. */
export const DPOP_FLOOR = 'openid-client'

/** A contender plus the correctness check of its DPoP proof. */
export interface DPoPContender<I = unknown> extends Contender<I> {
  /** Runs one operation and checks the request it sent: check name → passed. */
  readonly checks: () => Promise<Record<string, boolean>>
}

/** OP metadata for the refresh grant and DPoP. */
function dpopMetadata(): Record<string, unknown> {
  return {
    ...metadata(),
    grant_types_supported: ['authorization_code', 'refresh_token'],
    dpop_signing_alg_values_supported: ['ES256'],
  }
}

/** An ES256 WebCrypto key pair, private key non-extractable, the same kind for both contenders. */
function es256KeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPair>
}

/** The headers of one request as an injected `fetch` sees it. */
type Seen = { readonly method: string; readonly url: string; readonly headers: Headers }

/**
 * The canned OP answering DPoP tokens, and a `fetch` that can show one request's headers.
 * Recording is off while timed (one `undefined` check per request).
 */
function dpopOp(keys: OpKeys) {
  const op = cannedOp(keys, DPOP_TOKEN_BODY)
  let record: ((seen: Seen) => void) | undefined
  const fetcher: typeof fetch = (input, init) => {
    if (record !== undefined) {
      const request = input instanceof Request ? input : undefined
      record({
        method: init?.method ?? request?.method ?? 'GET',
        url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
        headers: new Headers(init?.headers ?? request?.headers),
      })
    }
    return op.fetch(input, init)
  }
  /** Runs `operation` and returns what its last request sent. */
  const observe = async (operation: () => Promise<unknown>) => {
    let seen: Seen | undefined
    record = (s) => {
      seen = s
    }
    try {
      const result = await operation()
      return { seen, result }
    } finally {
      record = undefined
    }
  }
  return { fetch: fetcher, observe }
}

const ath = createHash('sha256').update(ACCESS_TOKEN).digest('base64url')

/** Checks the DPoP proof of one request: signature, typ, htm, htu, and `ath` (absent at the AS). */
async function proofChecks(
  operation: DPoPOperation,
  seen: Seen | undefined,
  resultOk: boolean,
): Promise<Record<string, boolean>> {
  const endpoint = operation === 'refresh' ? `${ISSUER}/token` : `${ISSUER}/userinfo`
  const method = operation === 'refresh' ? 'POST' : 'GET'
  const proof = seen?.headers.get('dpop') ?? undefined
  let payload: Record<string, unknown> = {}
  let header: Record<string, unknown> = {}
  let signed = false
  try {
    const verified = await jwtVerify(proof ?? '', EmbeddedJWK, { typ: 'dpop+jwt' })
    payload = verified.payload
    header = verified.protectedHeader as Record<string, unknown>
    signed = true
  } catch {}
  // The report shows these as columns, in this order.
  return {
    'proof sent': proof !== undefined,
    'signature (embedded jwk)': signed,
    'typ, alg ES256': header.typ === 'dpop+jwt' && header.alg === 'ES256',
    htm: payload.htm === method && seen?.method === method,
    htu: payload.htu === endpoint && seen?.url.split('?')[0] === endpoint,
    ath:
      operation === 'refresh'
        ? payload.ath === undefined
        : payload.ath === ath && seen?.headers.get('authorization') === `DPoP ${ACCESS_TOKEN}`,
    result: resultOk,
  }
}

/** oidc-rp: `refreshTokens` / `fetchUserInfo` with the `dpop` option. */
async function oidcRp(
  sdk: Sdk,
  keys: OpKeys,
  operation: DPoPOperation,
): Promise<DPoPContender<string>> {
  const op = dpopOp(keys)
  const config: Configuration = sdk.createConfiguration(
    dpopMetadata(),
    { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] },
    { fetch: op.fetch },
  )
  const dpop = await sdk.createDPoPHandle(await es256KeyPair())
  const run =
    operation === 'refresh'
      ? (refreshToken: string) => sdk.refreshTokens(config, refreshToken, { dpop })
      : (accessToken: string) =>
          sdk.fetchUserInfo(config, accessToken, { dpop, expectedSubject: SUB })
  return {
    name: 'oidc-rp',
    prepare: (count) =>
      Array.from({ length: count }, () => (operation === 'refresh' ? REFRESH_TOKEN : ACCESS_TOKEN)),
    run,
    checks: async () => {
      const input = operation === 'refresh' ? REFRESH_TOKEN : ACCESS_TOKEN
      const { seen, result } = await op.observe(() => run(input))
      const ok =
        operation === 'refresh'
          ? (result as { accessToken: { type: string; value: string } }).accessToken.type ===
              'DPoP' &&
            (result as { accessToken: { value: string } }).accessToken.value === ACCESS_TOKEN
          : (result as { sub?: unknown }).sub === SUB
      return proofChecks(operation, seen, ok)
    },
  }
}

/** openid-client 6: `refreshTokenGrant` / `fetchUserInfo` with `{ DPoP: getDPoPHandle(…) }`. */
async function openidClient(
  keys: OpKeys,
  operation: DPoPOperation,
): Promise<DPoPContender<string>> {
  const op = dpopOp(keys)
  const config = new oc.Configuration(
    dpopMetadata() as oc.ServerMetadata,
    CLIENT_ID,
    { client_secret: CLIENT_SECRET },
    oc.ClientSecretBasic(CLIENT_SECRET),
  )
  config[oc.customFetch] = (url, options) => op.fetch(url, options as RequestInit)
  const DPoP = oc.getDPoPHandle(config, await es256KeyPair())
  const run =
    operation === 'refresh'
      ? (refreshToken: string) => oc.refreshTokenGrant(config, refreshToken, undefined, { DPoP })
      : (accessToken: string) => oc.fetchUserInfo(config, accessToken, SUB, { DPoP })
  return {
    name: 'openid-client',
    prepare: (count) =>
      Array.from({ length: count }, () => (operation === 'refresh' ? REFRESH_TOKEN : ACCESS_TOKEN)),
    run,
    checks: async () => {
      const input = operation === 'refresh' ? REFRESH_TOKEN : ACCESS_TOKEN
      const { seen, result } = await op.observe(() => run(input))
      const ok =
        operation === 'refresh'
          ? (result as oc.TokenEndpointResponse).token_type?.toLowerCase() === 'dpop' &&
            (result as oc.TokenEndpointResponse).access_token === ACCESS_TOKEN
          : (result as { sub?: unknown }).sub === SUB
      return proofChecks(operation, seen, ok)
    },
  }
}

/** The contenders of metric 7 for one operation, the floor (openid-client) last. */
export async function dpopContenders(
  sdk: Sdk,
  keys: OpKeys,
  operation: DPoPOperation,
): Promise<DPoPContender<string>[]> {
  return [await oidcRp(sdk, keys, operation), await openidClient(keys, operation)]
}
