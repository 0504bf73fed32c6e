/**
 * Shared setup for the authorization-request tests: a mock OP with one client, and a configuration
 * of the RP pointed at it.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { ClientInput } from '../../src/config/client.js'
import { type ConfigurationOptions, createConfiguration } from '../../src/config/configuration.js'
import { RESPONSE_TYPES, type RequestPolicyInput } from '../../src/config/policy.js'
import { createMockOP } from '../../src/testing/index.js'
import type { MockClient, MockOP } from '../../src/testing/types.js'

export const REDIRECT = 'https://rp.example/callback'
export const SECRET = 's3cr3t-client-secret-value-0123456789abcdef'
export const START = Date.UTC(2030, 0, 1)

/** A client key pair: the private JWK for the RP, the public JWK for the OP. */
export async function clientKeyPair(
  alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA',
  kid = `rp-${alg.toLowerCase()}`,
): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { privateJwk, publicJwk }
}

export interface Setup {
  op: MockOP
  clock: { now: number }
  config: ReturnType<typeof createConfiguration>
  /** A configuration of the RP; `metadata` patches what the RP believes of the OP (undefined removes). */
  make: (
    policy?: RequestPolicyInput,
    options?: ConfigurationOptions,
    client?: Partial<ClientInput>,
    metadata?: Record<string, unknown>,
  ) => ReturnType<typeof createConfiguration>
}

/**
 * A mock OP with client `rp` (secret, optional keys), and a function making RP configurations.
 * @param options - the mock client's extra members, the RP's keys, OP metadata overrides
 */
export async function setup(
  options: {
    mockClient?: Partial<MockClient>
    keys?: JWK[]
    publicKeys?: JWK[]
    metadata?: Record<string, unknown>
    policy?: RequestPolicyInput
  } = {},
): Promise<Setup> {
  const clock = { now: START }
  const op = await createMockOP({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [REDIRECT, 'https://rp.example/other'],
        response_types: [...RESPONSE_TYPES],
        ...(options.publicKeys ? { jwks: { keys: options.publicKeys } } : {}),
        ...options.mockClient,
      },
    ],
    users: { alice: { name: 'Alice', email: 'alice@example.com', email_verified: true } },
    now: () => clock.now,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  })
  const make: Setup['make'] = (policy, configOptions = {}, client = {}, patch = {}) =>
    createConfiguration(
      patched(op.metadata(), patch),
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [REDIRECT, 'https://rp.example/other'],
        ...(options.keys ? { keys: options.keys } : {}),
        ...client,
      },
      { fetch: op.fetch, now: () => clock.now, ...(policy ? { policy } : {}), ...configOptions },
    )
  return { op, clock, config: make(options.policy), make }
}

function patched(
  metadata: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...metadata, ...patch }
  for (const [member, value] of Object.entries(patch)) if (value === undefined) delete out[member]
  return out
}

let shared: Promise<Setup> | undefined

/** One mock OP shared by the tests that need no special client or metadata (key generation is slow). */
export function sharedSetup(): Promise<Setup> {
  shared ??= setup()
  return shared
}

/** Exchanges a code at the mock OP's token endpoint with the PKCE verifier (client_secret_basic). */
export async function redeem(
  op: MockOP,
  code: string,
  codeVerifier: string | undefined,
  redirectUri = REDIRECT,
): Promise<Response> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
  })
  if (codeVerifier !== undefined) body.set('code_verifier', codeVerifier)
  return op.fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`rp:${SECRET}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  })
}
